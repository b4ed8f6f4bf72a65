"""digest offers: which waiting asks each posted digest offered Approve / Decline for, recorded as it is sent,
so a decision taken elsewhere finds the copies to update without searching their Block Kit

Revision ID: 0019
Revises: 0018
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_DECISION_BLOCK = "digest_decision:"  # how digests posted before this revision marked a waiting ask's buttons


def upgrade() -> None:
    offers = op.create_table(
        "digest_offers",
        sa.Column("claim_id", sa.Integer(), sa.ForeignKey("digest_claims.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("request_id", sa.Integer(), primary_key=True),
    )
    op.create_index("ix_digest_offers_request", "digest_offers", ["request_id"])
    # Digests already posted keep being updated: their offers are read once, here, from what they showed.
    rows = []
    for claim_id, shown in op.get_bind().execute(
        sa.text("SELECT id, blocks FROM digest_claims WHERE blocks IS NOT NULL")
    ):
        try:
            blocks = json.loads(shown).get("blocks") or []
        except (ValueError, AttributeError):
            continue
        ids = {
            str(b.get("block_id"))[len(_DECISION_BLOCK) :]
            for b in blocks
            if isinstance(b, dict) and str(b.get("block_id") or "").startswith(_DECISION_BLOCK)
        }
        rows += [{"claim_id": claim_id, "request_id": int(i)} for i in sorted(ids) if i.isdigit()]
    if rows:
        op.bulk_insert(offers, rows)


def downgrade() -> None:
    op.drop_index("ix_digest_offers_request", table_name="digest_offers")
    op.drop_table("digest_offers")
