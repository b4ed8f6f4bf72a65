"""The port every CRM adapter serves: the records the sync reads, in the pool's words, and the few writes
(a Task or a note on a deal) the write-back makes. Adapters translate; nothing here knows a CRM's API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol


class CrmUnavailable(Exception):
    """The CRM could not be read or written now (network, expired session, limits): one line for the log."""


@dataclass(frozen=True)
class CrmAccount:
    crm_id: str
    name: str
    modified: datetime
    industry: str = ""
    country: str = ""
    employees: int | None = None
    owner_email: str = ""
    status: str | None = None  # the admin's reference-status field, as written (None: no such field)
    products: str | None = None  # the admin's products field, as written (None: use won deals' line items)


@dataclass(frozen=True)
class CrmContact:
    crm_id: str
    account_crm_id: str
    name: str
    modified: datetime
    email: str = ""
    title: str = ""


@dataclass(frozen=True)
class CrmOpportunity:
    crm_id: str
    account_crm_id: str | None
    name: str
    modified: datetime
    stage: str = ""
    amount: Decimal | None = None
    currency: str | None = None
    close_date: date | None = None
    closed: bool = False
    won: bool = False
    kind: str = ""  # Salesforce Type, HubSpot dealtype: a renewal is one of CRM_RENEWAL_TYPES
    owner_email: str = ""


@dataclass(frozen=True)
class CrmLineItems:
    """The products on one opportunity, all of them (its line items as they are now)."""

    opportunity_crm_id: str
    products: tuple[str, ...]


@dataclass(frozen=True)
class CrmContactRole:
    opportunity_crm_id: str
    contact_crm_id: str
    role: str = ""


@dataclass(frozen=True)
class CrmCase:
    crm_id: str
    account_crm_id: str
    label: str  # how the managers read it: "00001026 (High): Outage in EU"


@dataclass(frozen=True)
class Deleted:
    accounts: frozenset[str] = frozenset()
    contacts: frozenset[str] = frozenset()
    opportunities: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TaskNote:
    """What the write-back puts on a deal: a Task (Salesforce) or a note (HubSpot)."""

    opportunity_crm_id: str
    subject: str
    body: str
    due: date
    done: bool = False


@dataclass
class ReadOptions:
    """What the admin named: the account fields to read, and which opportunities and cases matter."""

    status_field: str = ""
    products_field: str = ""
    renewal_types: tuple[str, ...] = ("Renewal",)
    case_priorities: tuple[str, ...] = ("High",)
    batch: int = field(default=2000)


class CrmSource(Protocol):
    """One CRM, read by modification time. `since` None reads everything (a full run). Each iterator streams
    (pages as the CRM pages them); an error raises `CrmUnavailable`."""

    name: str

    def accounts(self, since: datetime | None) -> Iterator[CrmAccount]: ...

    def accounts_by_id(self, crm_ids: list[str]) -> Iterator[CrmAccount]:
        """These accounts as they are now (an account that just became a customer, say)."""
        ...

    def contacts(self, since: datetime | None) -> Iterator[CrmContact]: ...

    def contacts_of(self, account_ids: list[str]) -> Iterator[CrmContact]:
        """Every contact of these accounts (customers new to the pool in an incremental run)."""
        ...

    def opportunities(self, since: datetime | None) -> Iterator[CrmOpportunity]: ...

    def line_items(self, since: datetime | None, opportunity_ids: set[str]) -> Iterator[CrmLineItems]:
        """The won opportunities' products: every won one (`since` None), or those changed since, with
        `opportunity_ids` (changed in this run) as well."""
        ...

    def contact_roles(self, since: datetime | None) -> Iterator[CrmContactRole]: ...

    def open_cases(self) -> Iterator[CrmCase]:
        """Every open case (ticket) of the priorities named, whatever its age."""
        ...

    def deleted(self, since: datetime) -> Deleted:
        """What was deleted since `since` (a full run finds deletions by what it no longer sees)."""
        ...

    def find_task(self, opportunity_crm_id: str, marker: str) -> str | None:
        """The Task or note on the deal whose subject holds `marker` (one written before its id was kept)."""
        ...

    def write_task(self, task: TaskNote, existing_id: str | None) -> str:
        """Creates the Task or note (or updates `existing_id`) and returns its id."""
        ...
