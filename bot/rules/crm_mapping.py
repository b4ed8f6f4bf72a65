"""How a CRM's account becomes a customer of the pool: region from the billing country, company size from the
employee count, the reference status from a field's words. Pure, so the README's tables are tested as written."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain import CustomerStatus

# Billing country (as CRMs write it, or its ISO code) -> region. CRM_REGIONS adds to it and overrides it.
_REGIONS: dict[str, tuple[str, ...]] = {
    "NA": ("united states", "usa", "us", "united states of america", "canada", "ca"),
    "LATAM": (
        "mexico", "mx", "brazil", "br", "argentina", "ar", "chile", "cl", "colombia", "co", "peru", "pe",
        "uruguay", "uy", "costa rica", "cr", "panama", "pa",
    ),
    "APAC": (
        "australia", "au", "new zealand", "nz", "japan", "jp", "china", "cn", "india", "in", "singapore", "sg",
        "south korea", "korea", "kr", "hong kong", "hk", "taiwan", "tw", "indonesia", "id", "malaysia", "my",
        "philippines", "ph", "thailand", "th", "vietnam", "vn",
    ),
    "EMEA": (
        "united kingdom", "uk", "gb", "great britain", "ireland", "ie", "germany", "de", "france", "fr",
        "netherlands", "nl", "belgium", "be", "luxembourg", "lu", "switzerland", "ch", "austria", "at", "spain",
        "es", "portugal", "pt", "italy", "it", "denmark", "dk", "sweden", "se", "norway", "no", "finland", "fi",
        "iceland", "is", "poland", "pl", "czech republic", "czechia", "cz", "hungary", "hu", "romania", "ro",
        "greece", "gr", "israel", "il", "united arab emirates", "uae", "ae", "saudi arabia", "sa", "south africa",
        "za", "nigeria", "ng", "kenya", "ke", "egypt", "eg", "turkey", "türkiye", "tr", "estonia", "ee",
    ),
}  # fmt: skip
COUNTRY_REGIONS: dict[str, str] = {country: region for region, names in _REGIONS.items() for country in names}

# Employee count -> company size band: (at most this many employees, band). Larger: the last band.
SIZE_BANDS: tuple[tuple[int, str], ...] = ((50, "1-50"), (200, "51-200"), (1000, "201-1000"), (5000, "1001-5000"))
LARGEST_BAND = "5000+"

_STATUS_WORDS = {
    "active": CustomerStatus.ACTIVE,
    "yes": CustomerStatus.ACTIVE,
    "reference": CustomerStatus.ACTIVE,
    "referenceable": CustomerStatus.ACTIVE,
    "paused": CustomerStatus.PAUSED,
    "on hold": CustomerStatus.PAUSED,
    "inactive": CustomerStatus.PAUSED,
    "do_not_contact": CustomerStatus.DO_NOT_CONTACT,
    "do not contact": CustomerStatus.DO_NOT_CONTACT,
    "no": CustomerStatus.DO_NOT_CONTACT,
}


def region_of(country: str | None, overrides: Mapping[str, str] = {}) -> str:
    """The region of a billing country ("" when neither the admin's mapping nor the built-in one knows it)."""
    key = " ".join((country or "").lower().replace(".", "").split())
    return overrides.get(key) or COUNTRY_REGIONS.get(key, "")


def size_of(employees: int | float | str | None) -> str:
    """The company-size band of an employee count ("" when none is given)."""
    try:
        count = int(float(employees)) if employees is not None and employees != "" else None
    except (TypeError, ValueError):
        return ""
    if count is None or count <= 0:
        return ""
    return next((band for most, band in SIZE_BANDS if count <= most), LARGEST_BAND)


def status_of(value: object) -> CustomerStatus | None:
    """A reference-status field's value as a status (None: empty or not a word we know, so nothing changes)."""
    text = " ".join(str(value or "").lower().replace("-", " ").split())
    return _STATUS_WORDS.get(text) or _STATUS_WORDS.get(text.replace(" ", "_"))


def products_of(value: object) -> list[str]:
    """A products field: ";"-separated (Salesforce multi-select picklists use ";" as well), each kept once."""
    seen: dict[str, None] = {}
    for item in str(value or "").split(";"):
        name = " ".join(item.split())
        if name and name.lower() not in {s.lower() for s in seen}:
            seen[name] = None
    return list(seen)
