"""Salesforce behind the port, through simple-salesforce: SOQL by SystemModstamp, streamed page by page.

Accounts, Contacts, Opportunities (with OpportunityLineItem products and OpportunityContactRole), open Cases of
the priorities named; deletions through queryAll (IsDeleted). The write-back is a Task on the Opportunity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bot.services.crm.records import (
    CrmAccount,
    CrmCase,
    CrmContact,
    CrmContactRole,
    CrmLineItems,
    CrmOpportunity,
    CrmUnavailable,
    Deleted,
    ReadOptions,
    TaskNote,
)

IN_CHUNK = 200  # ids per IN (...) list: far below SOQL's 100,000 characters


def soql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _quoted(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values)


def _when(text: str | None) -> datetime:
    if not text:
        return datetime.min.replace(tzinfo=UTC)
    text = text.replace("Z", "+00:00")
    if text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text).astimezone(UTC)


def _related(record: dict[str, Any], relation: str, field: str) -> Any:
    nested = record.get(relation)
    return nested.get(field) if isinstance(nested, dict) else None


class SalesforceSource:
    name = "salesforce"

    def __init__(self, client: Any, options: ReadOptions) -> None:
        self.sf = client
        self.options = options

    # ---- reading ---------------------------------------------------------------------------------------------
    def _rows(self, soql: str, *, deleted: bool = False) -> Iterator[dict[str, Any]]:
        from requests import RequestException
        from simple_salesforce.exceptions import SalesforceError

        try:
            yield from self.sf.query_all_iter(soql, include_deleted=deleted)
        except SalesforceError as exc:
            raise CrmUnavailable(f"Salesforce answered {exc.status}: {_error_code(exc.content)}") from None
        except RequestException as exc:
            raise CrmUnavailable(f"Salesforce could not be reached ({type(exc).__name__})") from None

    @staticmethod
    def _since(since: datetime | None, *, first: bool = True) -> str:
        if since is None:
            return ""
        return f"{' WHERE' if first else ' AND'} SystemModstamp > {soql_time(since)}"

    def _account_fields(self) -> str:
        extra = [f for f in (self.options.status_field, self.options.products_field) if f]
        fields = ["Id", "Name", "Industry", "BillingCountry", "NumberOfEmployees", "Owner.Email", "SystemModstamp"]
        return ", ".join(fields + extra)

    def accounts(self, since: datetime | None) -> Iterator[CrmAccount]:
        yield from self._accounts(
            f"SELECT {self._account_fields()} FROM Account{self._since(since)} ORDER BY SystemModstamp"
        )

    def accounts_by_id(self, crm_ids: list[str]) -> Iterator[CrmAccount]:
        for start in range(0, len(crm_ids), IN_CHUNK):
            chunk = _quoted(crm_ids[start : start + IN_CHUNK])
            yield from self._accounts(f"SELECT {self._account_fields()} FROM Account WHERE Id IN ({chunk})")

    def _accounts(self, soql: str) -> Iterator[CrmAccount]:
        for r in self._rows(soql):
            yield CrmAccount(
                crm_id=r["Id"],
                name=r.get("Name") or "",
                modified=_when(r.get("SystemModstamp")),
                industry=r.get("Industry") or "",
                country=r.get("BillingCountry") or "",
                employees=r.get("NumberOfEmployees"),
                owner_email=_related(r, "Owner", "Email") or "",
                status=r.get(self.options.status_field) if self.options.status_field else None,
                products=(r.get(self.options.products_field) or "") if self.options.products_field else None,
            )

    _CONTACT = "SELECT Id, AccountId, Name, Email, Title, SystemModstamp FROM Contact WHERE AccountId != null"

    def contacts(self, since: datetime | None) -> Iterator[CrmContact]:
        yield from self._contacts(f"{self._CONTACT}{self._since(since, first=False)} ORDER BY SystemModstamp")

    def contacts_of(self, account_ids: list[str]) -> Iterator[CrmContact]:
        for start in range(0, len(account_ids), IN_CHUNK):
            chunk = _quoted(account_ids[start : start + IN_CHUNK])
            yield from self._contacts(f"{self._CONTACT} AND AccountId IN ({chunk})")

    def _contacts(self, soql: str) -> Iterator[CrmContact]:
        for r in self._rows(soql):
            yield CrmContact(
                crm_id=r["Id"],
                account_crm_id=r["AccountId"],
                name=r.get("Name") or "",
                modified=_when(r.get("SystemModstamp")),
                email=r.get("Email") or "",
                title=r.get("Title") or "",
            )

    def opportunities(self, since: datetime | None) -> Iterator[CrmOpportunity]:
        soql = (
            "SELECT Id, AccountId, Name, StageName, Amount, CloseDate, IsClosed, IsWon, Type, Owner.Email, "
            f"SystemModstamp FROM Opportunity{self._since(since)} ORDER BY SystemModstamp"
        )
        for r in self._rows(soql):
            amount = r.get("Amount")
            yield CrmOpportunity(
                crm_id=r["Id"],
                account_crm_id=r.get("AccountId"),
                name=r.get("Name") or "",
                modified=_when(r.get("SystemModstamp")),
                stage=r.get("StageName") or "",
                amount=None if amount is None else Decimal(str(amount)),
                close_date=date.fromisoformat(r["CloseDate"]) if r.get("CloseDate") else None,
                closed=bool(r.get("IsClosed")),
                won=bool(r.get("IsWon")),
                kind=r.get("Type") or "",
                owner_email=_related(r, "Owner", "Email") or "",
            )

    def line_items(self, since: datetime | None, opportunity_ids: set[str]) -> Iterator[CrmLineItems]:
        base = "SELECT OpportunityId, Product2.Name FROM OpportunityLineItem WHERE Opportunity.IsWon = true"
        if since is None:
            yield from _grouped(self._rows(base + " ORDER BY OpportunityId"))
            return
        changed = set(opportunity_ids)
        changed.update(
            r["OpportunityId"] for r in self._rows(f"SELECT OpportunityId FROM OpportunityLineItem{self._since(since)}")
        )
        ids = sorted(changed)
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ids[start : start + IN_CHUNK]
            yield from _grouped(self._rows(f"{base} AND OpportunityId IN ({_quoted(chunk)}) ORDER BY OpportunityId"))

    def contact_roles(self, since: datetime | None) -> Iterator[CrmContactRole]:
        soql = f"SELECT OpportunityId, ContactId, Role FROM OpportunityContactRole{self._since(since)}"
        for r in self._rows(soql):
            yield CrmContactRole(r["OpportunityId"], r["ContactId"], r.get("Role") or "")

    def open_cases(self) -> Iterator[CrmCase]:
        if not self.options.case_priorities:
            return
        soql = (
            "SELECT Id, AccountId, CaseNumber, Subject, Priority FROM Case WHERE IsClosed = false AND AccountId != null"
            f" AND Priority IN ({_quoted(self.options.case_priorities)}) ORDER BY CaseNumber"
        )
        for r in self._rows(soql):
            subject = f": {r['Subject']}" if r.get("Subject") else ""
            yield CrmCase(r["Id"], r["AccountId"], f"{r.get('CaseNumber') or r['Id']} ({r.get('Priority')}){subject}")

    def deleted(self, since: datetime) -> Deleted:
        found: dict[str, frozenset[str]] = {}
        for sobject in ("Account", "Contact", "Opportunity"):
            soql = f"SELECT Id FROM {sobject} WHERE IsDeleted = true AND SystemModstamp > {soql_time(since)}"
            found[sobject] = frozenset(r["Id"] for r in self._rows(soql, deleted=True))
        return Deleted(found["Account"], found["Contact"], found["Opportunity"])

    # ---- writing ---------------------------------------------------------------------------------------------
    def find_task(self, opportunity_crm_id: str, marker: str) -> str | None:
        like = marker.replace("\\", "\\\\").replace("'", "\\'").replace("%", "\\%").replace("_", "\\_")
        soql = f"SELECT Id FROM Task WHERE WhatId = {_quoted([opportunity_crm_id])} AND Subject LIKE '%{like}%'"
        return next((str(r["Id"]) for r in self._rows(soql)), None)

    def write_task(self, task: TaskNote, existing_id: str | None) -> str:
        from requests import RequestException
        from simple_salesforce.exceptions import SalesforceError

        fields = {
            "Subject": task.subject[:255],
            "Description": task.body,
            "ActivityDate": task.due.isoformat(),
            "Status": "Completed" if task.done else "Not Started",
        }
        try:
            if existing_id:
                self.sf.Task.update(existing_id, fields)
                return existing_id
            created = self.sf.Task.create({"WhatId": task.opportunity_crm_id, "Priority": "Normal", **fields})
            return str(created["id"])
        except SalesforceError as exc:
            raise CrmUnavailable(f"Salesforce answered {exc.status}: {_error_code(exc.content)}") from None
        except RequestException as exc:
            raise CrmUnavailable(f"Salesforce could not be reached ({type(exc).__name__})") from None


def _grouped(rows: Iterator[dict[str, Any]]) -> Iterator[CrmLineItems]:
    """Line items ordered by opportunity, one group per opportunity."""
    current: str | None = None
    products: list[str] = []
    for r in rows:
        if r["OpportunityId"] != current:
            if current is not None:
                yield CrmLineItems(current, tuple(products))
            current, products = r["OpportunityId"], []
        name = _related(r, "Product2", "Name")
        if name and name not in products:
            products.append(name)
    if current is not None:
        yield CrmLineItems(current, tuple(products))


def _error_code(content: Any) -> str:
    """Salesforce's errorCode and message, from the list it answers errors with."""
    import json

    try:
        errors = json.loads(content) if isinstance(content, bytes | str) else content
        first = errors[0] if isinstance(errors, list) else errors
        return f"{first.get('errorCode')} ({first.get('message')})"
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):
        return str(content)[:200]


def _Session(ca_bundle: str | None) -> Any:
    """A requests session that trusts CRM_CA_BUNDLE when set: requests would otherwise let REQUESTS_CA_BUNDLE
    (or CURL_CA_BUNDLE) from the environment override a session's own `verify`."""
    import requests

    class Session(requests.Session):
        def merge_environment_settings(self, *args: Any, **kwargs: Any) -> Any:
            merged = super().merge_environment_settings(*args, **kwargs)
            if ca_bundle:
                merged["verify"] = ca_bundle
            return merged

    return Session()


def connect(
    settings: Any, options: ReadOptions, *, session_factory: Callable[[], Any] | None = None
) -> SalesforceSource:
    """A signed-in client from the settings: a session given outright, JWT, or username/password/token."""
    import requests
    from simple_salesforce import Salesforce
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

    session = session_factory() if session_factory else _Session(settings.crm_ca_bundle)
    common: dict[str, Any] = {"session": session, "version": settings.salesforce_api_version}
    try:
        if settings.salesforce_instance_url and settings.salesforce_session_id:
            client = Salesforce(
                instance_url=settings.salesforce_instance_url,
                session_id=settings.salesforce_session_id.get_secret_value(),
                **common,
            )
        elif settings.salesforce_consumer_key and settings.salesforce_private_key_file:
            client = Salesforce(
                username=settings.salesforce_username,
                consumer_key=settings.salesforce_consumer_key,
                privatekey_file=settings.salesforce_private_key_file,
                domain=settings.salesforce_domain,
                **common,
            )
        else:
            token = settings.salesforce_security_token
            client = Salesforce(
                username=settings.salesforce_username,
                password=settings.salesforce_password.get_secret_value(),
                security_token=token.get_secret_value() if token else "",
                domain=settings.salesforce_domain,
                **common,
            )
    except SalesforceAuthenticationFailed as exc:
        raise CrmUnavailable(f"Salesforce refused the sign-in ({exc.code})") from None
    except (SalesforceError, requests.RequestException) as exc:
        raise CrmUnavailable(f"Salesforce sign-in failed ({type(exc).__name__})") from None
    return SalesforceSource(client, options)
