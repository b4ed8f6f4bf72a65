"""From the settings to a CRM source and the sync's mapping (CRM, its credentials, CRM_* options)."""

from __future__ import annotations

from bot.domain import CrmKind
from bot.errors import SettingsError
from bot.services.crm.records import CrmSource, ReadOptions
from bot.services.crm.sync import Mapping
from bot.services.settings import CrmSettings


def read_options(settings: CrmSettings) -> ReadOptions:
    return ReadOptions(
        status_field=settings.crm_status_field.strip(),
        products_field=settings.crm_products_field.strip(),
        renewal_types=tuple(settings.crm_renewal_types),
        case_priorities=tuple(settings.crm_case_priorities),
    )


def mapping(settings: CrmSettings) -> Mapping:
    return Mapping(
        regions=dict(settings.crm_regions),
        renewal_types=tuple(settings.crm_renewal_types),
        products_from_field=bool(settings.crm_products_field.strip()),
    )


# The client each CRM needs, and the extra that installs it.
CLIENTS = {CrmKind.SALESFORCE: ("simple_salesforce", "salesforce"), CrmKind.HUBSPOT: ("hubspot", "hubspot")}


def check_installed(settings: CrmSettings) -> None:
    """With a CRM set, its client library must be installed: otherwise one line says how (SettingsError)."""
    import importlib

    if settings.crm is CrmKind.NONE:
        return
    module, extra = CLIENTS[settings.crm]
    try:
        importlib.import_module(module)
    except ImportError:
        raise SettingsError(
            f"setting CRM: {settings.crm.value} needs its client library; install it with "
            f"pip install 'reference-bot[{extra}]' (or pip install '.[{extra}]' from the source)"
        ) from None


def source(settings: CrmSettings) -> CrmSource:
    """The signed-in source (raises CrmUnavailable when the CRM refuses or cannot be reached)."""
    if settings.crm is CrmKind.SALESFORCE:
        from bot.services.crm import salesforce_source

        return salesforce_source.connect(settings, read_options(settings))
    if settings.crm is CrmKind.HUBSPOT:
        from bot.services.crm import hubspot_source

        return hubspot_source.connect(settings, read_options(settings))
    raise ValueError("CRM is none")
