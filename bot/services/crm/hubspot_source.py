"""HubSpot behind the port, through hubspot-api-client (a private app's token): companies, contacts and deals
listed in full (100 a page, their associations inline) or searched by last-modified date (HubSpot's search
stops at 10,000 results, so a long run of changes is read in windows from the last date seen); line items and
contact roles through v4 associations; open tickets of the priorities named; deletions by the archived list.
The write-back is a note on the deal. 429s are waited out as HubSpot's Retry-After says (urllib3's Retry)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

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

T = TypeVar("T")
PAGE = 100  # the most a list page gives
SEARCH_PAGE = 200  # the most a search page gives
SEARCH_CAP = 10_000  # HubSpot's search gives no result past this one
BATCH = 100  # ids per batch read
NOTE_TO_DEAL = 214  # HubSpot's association type id from a note to a deal

COMPANY = ["name", "industry", "country", "numberofemployees", "hubspot_owner_id", "hs_lastmodifieddate"]
CONTACT = ["firstname", "lastname", "email", "jobtitle", "associatedcompanyid", "lastmodifieddate"]
DEAL = [
    "dealname", "amount", "deal_currency_code", "dealstage", "closedate", "hs_is_closed", "hs_is_closed_won",
    "dealtype", "hubspot_owner_id", "hs_lastmodifieddate",
]  # fmt: skip
MODIFIED = {"companies": "hs_lastmodifieddate", "contacts": "lastmodifieddate", "deals": "hs_lastmodifieddate"}


def _when(text: str | None) -> datetime:
    if not text:
        return datetime.min.replace(tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def _day(text: str | None) -> date | None:
    """A deal's close date as HubSpot keeps it: the date of its date-time value, as written (not a moment)."""
    return date.fromisoformat(text[:10]) if text else None


def _amount(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text not in (None, "") else None
    except InvalidOperation:
        return None


def _yes(text: object) -> bool:
    return str(text).lower() == "true"


def _chunks(ids: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    items = list(ids)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class HubSpotSource:
    name = "hubspot"
    search_cap = SEARCH_CAP

    def __init__(self, client: Any, options: ReadOptions) -> None:
        self.hs = client
        self.options = options
        self._owners: dict[str, str] | None = None
        self._deal_companies: dict[str, str] = {}
        self._roles: dict[str, list[str]] = {}  # deal -> its contacts, as the deals pass found them
        self._won: set[str] = set()

    # ---- calling ---------------------------------------------------------------------------------------------
    def _call(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except Exception as exc:  # each generated package has its own ApiException; urllib3 its own errors
            status = getattr(exc, "status", None)
            if status is None and type(exc).__module__.startswith(("urllib3", "hubspot")):
                raise CrmUnavailable(f"HubSpot could not be reached ({type(exc).__name__})") from None
            if status is None:
                raise
            raise CrmUnavailable(f"HubSpot answered {status}: {_category(getattr(exc, 'body', ''))}") from None

    def _list(self, object_type: str, properties: list[str], *, associations: list[str] | None = None,
              archived: bool = False) -> Iterator[Any]:  # fmt: skip
        after = None
        while True:
            page = self._call(
                self.hs.crm.objects.basic_api.get_page, object_type, limit=PAGE, after=after, properties=properties,
                associations=associations, archived=archived,
            )  # fmt: skip
            yield from page.results
            if page.paging is None or page.paging.next is None:
                return
            after = page.paging.next.after

    def _search(self, object_type: str, properties: list[str], filters: list[dict[str, Any]]) -> Iterator[Any]:
        from hubspot.crm.objects import PublicObjectSearchRequest

        after = 0
        while True:
            request = PublicObjectSearchRequest(
                filter_groups=[{"filters": filters}] if filters else [],
                properties=properties,
                limit=SEARCH_PAGE,
                after=str(after),
                sorts=["hs_object_id"],
            )
            page = self._call(self.hs.crm.objects.search_api.do_search, object_type, request)
            yield from page.results
            if page.paging is None or page.paging.next is None:
                return
            after = int(page.paging.next.after)

    def _changed(self, object_type: str, properties: list[str], since: datetime) -> Iterator[Any]:
        """Objects modified after `since`, oldest change first, in windows: each search stops at 10,000 results,
        so the next starts from the last modification date seen (ids seen on that date are not given twice)."""
        from hubspot.crm.objects import PublicObjectSearchRequest

        field = MODIFIED[object_type]
        floor, operator = _millis(since), "GT"
        seen: set[str] = set()
        while True:
            after, last, moved = 0, floor, False
            while True:
                request = PublicObjectSearchRequest(
                    filter_groups=[{"filters": [{"propertyName": field, "operator": operator, "value": floor}]}],
                    properties=properties,
                    limit=SEARCH_PAGE,
                    after=str(after),
                    sorts=[{"propertyName": field, "direction": "ASCENDING"}],
                )
                page = self._call(self.hs.crm.objects.search_api.do_search, object_type, request)
                for found in page.results:
                    stamp = _millis(_when(found.properties.get(field)))
                    if stamp != last:
                        last, seen, moved = stamp, set(), True
                    if found.id in seen:
                        continue
                    seen.add(found.id)
                    yield found
                if page.paging is None or page.paging.next is None:
                    return
                after = int(page.paging.next.after)
                if after + SEARCH_PAGE > self.search_cap:
                    break
            if not moved:
                raise CrmUnavailable(f"HubSpot: over {self.search_cap} {object_type} changed at the same moment")
            floor, operator = last, "GTE"

    def _associated(self, from_type: str, to_type: str, ids: Iterable[str]) -> dict[str, list[str]]:
        from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest

        found: dict[str, list[str]] = {}
        for chunk in _chunks(ids):
            request = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": i} for i in chunk])
            answer = self._call(self.hs.crm.associations.v4.batch_api.get_page, from_type, to_type, request)
            for result in answer.results:
                found[str(result._from.id)] = [str(t.to_object_id) for t in result.to]
        return found

    def _owner_email(self, owner_id: str | None) -> str:
        if not owner_id:
            return ""
        if self._owners is None:
            self._owners = {}
            after = None
            while True:
                page = self._call(self.hs.crm.owners.owners_api.get_page, limit=500, after=after)
                self._owners.update({str(o.id): o.email or "" for o in page.results})
                if page.paging is None or page.paging.next is None:
                    break
                after = page.paging.next.after
        return self._owners.get(str(owner_id), "")

    # ---- reading ---------------------------------------------------------------------------------------------
    def _company_fields(self) -> list[str]:
        return COMPANY + [f for f in (self.options.status_field, self.options.products_field) if f]

    def _account(self, found: Any) -> CrmAccount:
        p = found.properties
        employees = _amount(p.get("numberofemployees"))
        return CrmAccount(
            crm_id=str(found.id),
            name=p.get("name") or "",
            modified=_when(p.get("hs_lastmodifieddate")),
            industry=(p.get("industry") or "").replace("_", " ").title() if p.get("industry") else "",
            country=p.get("country") or "",
            employees=int(employees) if employees is not None else None,
            owner_email=self._owner_email(p.get("hubspot_owner_id")),
            status=p.get(self.options.status_field) if self.options.status_field else None,
            products=(p.get(self.options.products_field) or "") if self.options.products_field else None,
        )

    def accounts(self, since: datetime | None) -> Iterator[CrmAccount]:
        rows = self._list("companies", self._company_fields()) if since is None else self._changed(
            "companies", self._company_fields(), since
        )  # fmt: skip
        for found in rows:
            yield self._account(found)

    def accounts_by_id(self, crm_ids: list[str]) -> Iterator[CrmAccount]:
        from hubspot.crm.objects import BatchReadInputSimplePublicObjectId

        for chunk in _chunks(crm_ids):
            request = BatchReadInputSimplePublicObjectId(
                inputs=[{"id": i} for i in chunk], properties=self._company_fields()
            )
            for found in self._call(lambda r=request: self.hs.crm.objects.batch_api.read("companies", r)).results:
                yield self._account(found)

    def _contact(self, found: Any) -> CrmContact | None:
        p = found.properties
        company = p.get("associatedcompanyid")
        if not company:
            return None
        name = " ".join(x for x in (p.get("firstname"), p.get("lastname")) if x) or (p.get("email") or "")
        return CrmContact(
            crm_id=str(found.id),
            account_crm_id=str(company),
            name=name,
            modified=_when(p.get("lastmodifieddate")),
            email=p.get("email") or "",
            title=p.get("jobtitle") or "",
        )

    def contacts(self, since: datetime | None) -> Iterator[CrmContact]:
        rows = self._list("contacts", CONTACT) if since is None else self._changed("contacts", CONTACT, since)
        for found in rows:
            contact = self._contact(found)
            if contact is not None:
                yield contact

    def contacts_of(self, account_ids: list[str]) -> Iterator[CrmContact]:
        for chunk in _chunks(account_ids):
            rows = self._search("contacts", CONTACT, [{"propertyName": "associatedcompanyid", "operator": "IN",
                                                       "values": chunk}])  # fmt: skip
            for found in rows:
                contact = self._contact(found)
                if contact is not None:
                    yield contact

    def opportunities(self, since: datetime | None) -> Iterator[CrmOpportunity]:
        if since is None:
            for found in self._list("deals", DEAL, associations=["companies", "contacts"]):
                links = found.associations or {}
                linked = {k: [str(a.id) for a in v.results] for k, v in links.items() if v is not None}
                companies = linked.get("companies") or []
                yield self._deal(found, companies[0] if companies else None, linked.get("contacts") or [])
            return
        for batch in _chunks(self._changed("deals", DEAL, since), BATCH):
            ids = [str(f.id) for f in batch]
            deal_companies = self._associated("deals", "companies", ids)
            deal_contacts = self._associated("deals", "contacts", ids)
            for found in batch:
                deal_id = str(found.id)
                its = deal_companies.get(deal_id) or []
                first = its[0] if its else None
                yield self._deal(found, first, deal_contacts.get(deal_id, []))

    def _deal(self, found: Any, company: str | None, contacts: list[str]) -> CrmOpportunity:
        p = found.properties
        deal_id = str(found.id)
        self._roles[deal_id] = contacts
        won = _yes(p.get("hs_is_closed_won"))
        if won:
            self._won.add(deal_id)
        else:
            self._won.discard(deal_id)
        return CrmOpportunity(
            crm_id=deal_id,
            account_crm_id=company,
            name=p.get("dealname") or "",
            modified=_when(p.get("hs_lastmodifieddate")),
            stage=p.get("dealstage") or "",
            amount=_amount(p.get("amount")),
            currency=p.get("deal_currency_code") or None,
            close_date=_day(p.get("closedate")),
            closed=_yes(p.get("hs_is_closed")),
            won=won,
            kind=p.get("dealtype") or "",
            owner_email=self._owner_email(p.get("hubspot_owner_id")),
        )

    def line_items(self, since: datetime | None, opportunity_ids: set[str]) -> Iterator[CrmLineItems]:
        from hubspot.crm.objects import BatchReadInputSimplePublicObjectId

        deals = set(self._won) if since is None else set(opportunity_ids)
        if since is not None:  # line items changed without their deal
            modified: list[dict[str, Any]] = [
                {"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": _millis(since)}
            ]
            changed = [str(f.id) for f in self._search("line_items", ["name"], modified)]
            deals.update(d for ds in self._associated("line_items", "deals", changed).values() for d in ds)
        items = self._associated("deals", "line_items", sorted(deals))
        names: dict[str, str] = {}
        for chunk in _chunks({i for ids in items.values() for i in ids}):
            request = BatchReadInputSimplePublicObjectId(inputs=[{"id": i} for i in chunk], properties=["name"])
            for found in self._call(self.hs.crm.objects.batch_api.read, "line_items", request).results:
                names[str(found.id)] = found.properties.get("name") or ""
        for deal_id in sorted(items):
            products = tuple(dict.fromkeys(names[i] for i in items[deal_id] if names.get(i)))
            yield CrmLineItems(deal_id, products)

    def contact_roles(self, since: datetime | None) -> Iterator[CrmContactRole]:
        for deal_id, contacts in self._roles.items():
            for contact_id in contacts:
                yield CrmContactRole(deal_id, contact_id, "")

    def open_cases(self) -> Iterator[CrmCase]:
        if not self.options.case_priorities:
            return
        priorities = [p.upper() for p in self.options.case_priorities]
        filters: list[dict[str, Any]] = [
            {"propertyName": "hs_ticket_priority", "operator": "IN", "values": priorities},
            {"propertyName": "closed_date", "operator": "NOT_HAS_PROPERTY"},
        ]
        tickets = list(self._search("tickets", ["subject", "hs_ticket_priority"], filters))
        companies = self._associated("tickets", "companies", [str(t.id) for t in tickets])
        for ticket in tickets:
            subject = f": {ticket.properties.get('subject')}" if ticket.properties.get("subject") else ""
            label = f"#{ticket.id} ({ticket.properties.get('hs_ticket_priority')}){subject}"
            for company in companies.get(str(ticket.id), []):
                yield CrmCase(str(ticket.id), company, label)

    def deleted(self, since: datetime) -> Deleted:
        found: dict[str, frozenset[str]] = {}
        for object_type in ("companies", "contacts", "deals"):
            found[object_type] = frozenset(
                str(o.id)
                for o in self._list(object_type, ["hs_object_id"], archived=True)
                if getattr(o, "archived_at", None) is None or o.archived_at >= since
            )
        return Deleted(found["companies"], found["contacts"], found["deals"])

    # ---- writing ---------------------------------------------------------------------------------------------
    def find_task(self, opportunity_crm_id: str, marker: str) -> str | None:
        from hubspot.crm.objects import BatchReadInputSimplePublicObjectId

        notes = self._associated("deals", "notes", [opportunity_crm_id]).get(opportunity_crm_id, [])
        for chunk in _chunks(notes):
            request = BatchReadInputSimplePublicObjectId(inputs=[{"id": i} for i in chunk], properties=["hs_note_body"])
            for found in self._call(self.hs.crm.objects.batch_api.read, "notes", request).results:
                if marker in (found.properties.get("hs_note_body") or ""):
                    return str(found.id)
        return None

    def write_task(self, task: TaskNote, existing_id: str | None) -> str:
        from hubspot.crm.objects import SimplePublicObjectInput, SimplePublicObjectInputForCreate

        body = f"<p><strong>{_html(task.subject)}</strong></p><p>{_html(task.body).replace(chr(10), '<br>')}</p>"
        properties = {"hs_note_body": body, "hs_timestamp": datetime.now(UTC).isoformat(timespec="milliseconds")}
        if existing_id:
            self._call(
                self.hs.crm.objects.basic_api.update,
                "notes",
                existing_id,
                SimplePublicObjectInput(properties=properties),
            )
            return existing_id
        association = {
            "to": {"id": task.opportunity_crm_id},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_DEAL}],
        }
        created = self._call(
            self.hs.crm.objects.basic_api.create,
            "notes",
            SimplePublicObjectInputForCreate(properties=properties, associations=[association]),
        )
        return str(created.id)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _category(body: object) -> str:
    import json

    try:
        data = json.loads(body) if isinstance(body, str | bytes) else {}
        return f"{data.get('category') or data.get('errorType')} ({data.get('message')})"
    except ValueError:
        return str(body)[:200]


def connect(settings: Any, options: ReadOptions) -> HubSpotSource:
    """A client for a private app's token; 429s and 5xx are waited out and tried again (five times)."""
    from hubspot import HubSpot
    from urllib3.util.retry import Retry

    retry = Retry(
        total=5,
        backoff_factor=0.5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,  # searches and batch reads are POSTs that change nothing
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    client = HubSpot(
        access_token=settings.hubspot_access_token.get_secret_value(), host=settings.hubspot_api_url, retry=retry
    )
    return HubSpotSource(client, options)
