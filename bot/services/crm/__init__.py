"""The CRM as the pool's source: one port (`records.CrmSource`), an adapter per CRM, and the sync."""
