"""One sync of the pool with the CRM: all or nothing, in one transaction.

Incremental by modification time from the watermark of the last run that landed (read again with a few
minutes' overlap, so a record saved while a run read never slips between two runs), or full: everything,
and what the CRM no longer has is noticed as deleted. A customer deleted in the CRM is paused, not
removed (its history stays). Statuses: the CRM may tighten (pause, do-not-contact); it never lifts
do-not-contact, nor a pause a manager set in the bot: those conflicts are reported, not applied.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import TypeVar

from sqlalchemy.orm import Session

from bot.domain import CustomerStatus
from bot.rules import crm_mapping
from bot.services import customer_status, redraw, standing
from bot.services.context import ServiceContext
from bot.services.crm.records import CrmAccount, CrmContact, CrmOpportunity, CrmSource, CrmUnavailable
from bot.services.customer_io import IMPORTER, EmailResolver
from storage import crm_repo, customer_repo
from storage.models import Contact, Customer, CustomerProduct, Opportunity

logger = logging.getLogger("reference_bot.crm")
SYNC_ACTOR = "crm"  # who changed a customer, in its change log, when the sync did
OVERLAP = timedelta(minutes=5)
BATCH = 1000
ANALYZE_AFTER = 10_000  # rows added in one run past which the database's statistics are taken again
T = TypeVar("T")


@dataclass
class Mapping:
    """What the admin set about reading the CRM (CRM_REGIONS, CRM_RENEWAL_TYPES, CRM_PRODUCTS_FIELD)."""

    regions: dict[str, str] = field(default_factory=dict)
    renewal_types: tuple[str, ...] = ("Renewal",)
    products_from_field: bool = False

    def is_renewal(self, kind: str) -> bool:
        return kind.strip().lower() in {t.lower() for t in self.renewal_types}


@dataclass
class SyncReport:
    full: bool = False
    dry_run: bool = False
    customers_added: int = 0
    customers_updated: int = 0
    owners_changed: int = 0
    contacts_added: int = 0
    contacts_updated: int = 0
    opportunities_added: int = 0
    opportunities_updated: int = 0
    customers_removed: int = 0
    contacts_removed: int = 0
    opportunities_removed: int = 0
    quiet_started: list[str] = field(default_factory=list)
    quiet_ended: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # statuses the CRM changed (recorded)
    conflicts: list[str] = field(default_factory=list)  # what the CRM asked that the sync may not do
    skipped: list[str] = field(default_factory=list)  # records that could not be taken, and why
    prospects: int = 0  # accounts left out: no won deal, no reference status
    watermark: datetime | None = None

    def summary(self) -> str:
        parts = [
            (self.customers_added, "added"),
            (self.customers_updated, "updated"),
            (self.owners_changed, "owners changed"),
            (self.customers_removed, "removed (paused)"),
            (self.contacts_added, "contacts added"),
            (self.contacts_updated, "contacts updated"),
            (self.contacts_removed, "contacts removed"),
            (self.opportunities_added, "opportunities added"),
            (self.opportunities_updated, "opportunities updated"),
            (self.opportunities_removed, "opportunities removed"),
            (len(self.quiet_started), "quiet periods started"),
            (len(self.quiet_ended), "quiet periods ended"),
            (len(self.changes), "statuses changed"),
            (len(self.conflicts), "conflicts kept"),
            (len(self.skipped), "skipped"),
        ]
        said = ", ".join(f"{n} {words}" for n, words in parts if n)
        return said or "no changes"

    def lines(self) -> list[str]:
        return [
            *(f"  changed {c} (recorded)" for c in self.changes),
            *(f"  kept {c}" for c in self.conflicts),
            *(f"  quiet: {q}" for q in self.quiet_started),
            *(f"  no longer quiet: {q}" for q in self.quiet_ended),
            *(f"  skipped {s}" for s in self.skipped),
            *([f"  left out {self.prospects} accounts with no won deal (prospects)"] if self.prospects else []),
        ]


class _DryRun(Exception):
    """Raised at the end of a dry run so its transaction rolls back."""


def _batched(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def run(
    ctx: ServiceContext,
    source: CrmSource,
    *,
    mapping: Mapping,
    resolve_email: EmailResolver,
    full: bool = False,
    dry_run: bool = False,
) -> SyncReport:
    """Brings the pool up to date with `source`; raises `CrmUnavailable` (nothing written) when the CRM fails."""
    now = ctx.now()
    with ctx.session_factory() as session:
        known = crm_repo.read_state(session, source.name)
        watermark = known.watermark if known is not None else None
    full = full or watermark is None
    report = SyncReport(full=full, dry_run=dry_run, watermark=watermark)
    since = None if full or watermark is None else watermark - OVERLAP
    try:
        with ctx.session_factory.begin() as session:
            crm_repo.plan_each_query(session)
            _Run(session, ctx, source, mapping, resolve_email, report, since, now).go()
            if dry_run:
                raise _DryRun
            state = crm_repo.state(session, source.name)
            state.watermark = report.watermark
            state.last_run_at = state.last_ok_at = now
            state.last_error = ""
            state.last_report = report.summary()
            if full:
                state.full_at = now
    except _DryRun:
        pass
    except CrmUnavailable as exc:
        record_failure(ctx, source.name, str(exc))
        raise
    return report


def claim(ctx: ServiceContext, crm: str, *, by: str, minutes: int) -> bool:
    """The scheduled sync is taken by one replica at a time: True when `by` holds it for `minutes`."""
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        return crm_repo.claim(session, crm, by=by, now=now, until=now + timedelta(minutes=minutes))


def release(ctx: ServiceContext, crm: str, *, by: str) -> None:
    with ctx.session_factory.begin() as session:
        crm_repo.release(session, crm, by=by)


def full_due(ctx: ServiceContext, crm: str, *, every: timedelta = timedelta(hours=24)) -> bool:
    """The nightly reconcile: a full run when none landed in the last day."""
    with ctx.session_factory() as session:
        state = crm_repo.read_state(session, crm)
        return state is None or state.full_at is None or ctx.now() - state.full_at >= every


def record_failure(ctx: ServiceContext, crm: str, error: str) -> None:
    """A failed run: one line in the log, and the reason kept for the managers' Home tab; the pool is unchanged."""
    logger.warning("CRM sync with %s failed, nothing changed: %s", crm, error)
    with ctx.session_factory.begin() as session:
        state = crm_repo.state(session, crm)
        state.last_run_at = ctx.now()
        state.last_error = error[:500]


class _Run:
    def __init__(
        self,
        session: Session,
        ctx: ServiceContext,
        source: CrmSource,
        mapping: Mapping,
        resolve: EmailResolver,
        report: SyncReport,
        since: datetime | None,
        now: datetime,
    ) -> None:
        self.session, self.ctx, self.source, self.mapping = session, ctx, source, mapping
        self.report, self.since, self.now = report, since, now
        self._resolve = resolve
        self._owners: dict[str, str | None] = {}
        self.seen_accounts: set[str] = set()
        self.seen_contacts: set[str] = set()
        self.seen_opportunities: set[str] = set()
        self.touched_customers: set[int] = set()  # products or renewals to find again
        self.changed_opportunities: set[str] = set()
        self.deal_accounts: set[str] = set()  # accounts of the deals read in this run
        self.joined: set[str] = set()  # accounts that joined the pool in this run
        self.quiet_before: dict[int, str | None] = {}
        self.today = ctx.today()

    def go(self) -> None:
        # Deals first: an account joins the pool when it has a won deal (or the admin's status field says so).
        for opportunities in _batched(self.source.opportunities(self.since)):
            self._opportunities(opportunities)
        for accounts in _batched(self.source.accounts(self.since)):
            self._accounts(accounts)
        # Accounts not changed since the last run whose deal was just won: read now, they join the pool.
        joining = set() if self.since is None else crm_repo.won_accounts_outside_pool(self.session, self.deal_accounts)
        for accounts in _batched(self.source.accounts_by_id(sorted(joining))):
            self._accounts(accounts)
        self._link_deals()
        if self.report.opportunities_added + self.report.customers_added > ANALYZE_AFTER:
            crm_repo.analyze(self.session)
        for contacts in _batched(self.source.contacts(self.since)):
            self._contacts(contacts)
        if self.since is not None and self.joined:  # their contacts, changed lately or not
            for contacts in _batched(self.source.contacts_of(sorted(self.joined))):
                self._contacts(contacts)
        self._line_items()
        self._roles()
        self._deletions()
        self._cases()
        self._renewals()
        self._products()
        self._show_quiet_changes()

    # ---- helpers ---------------------------------------------------------------------------------------------
    def _owner(self, email: str) -> str | None:
        key = email.strip().lower()
        if not key:
            return None
        if key not in self._owners:
            self._owners[key] = self._resolve(key)
            if self._owners[key] is None:
                self.report.skipped.append(f"owner {key}: nobody in Slack has this email (owner left as it was)")
        return self._owners[key]

    def _moved(self, modified: datetime) -> None:
        if self.report.watermark is None or modified > self.report.watermark:
            self.report.watermark = modified

    def _quiet(self, customer: Customer) -> str | None:
        quiet = standing.quiet_of(customer, self.ctx.limits)
        return quiet.reason(self.today) if quiet is not None else None

    def _remember_quiet(self, customer: Customer) -> None:
        if customer.id not in self.quiet_before:
            self.quiet_before[customer.id] = self._quiet(customer)

    # ---- accounts --------------------------------------------------------------------------------------------
    def _accounts(self, batch: list[CrmAccount]) -> None:
        by_crm = crm_repo.customers_by_crm_id(self.session, [a.crm_id for a in batch])
        customers = crm_repo.accounts_with_won_deals(self.session, [a.crm_id for a in batch])
        by_name = customer_repo.by_names(self.session, [a.name for a in batch])
        joining: dict[str, tuple[dict[str, object], list[str]]] = {}  # name key -> the new customer's row
        for account in batch:
            self._moved(account.modified)
            self.seen_accounts.add(account.crm_id)
            matched = self._match(account, by_crm.get(account.crm_id), by_name, joining)
            if matched is None:
                continue
            customer, name = matched
            if customer is None:
                if account.crm_id not in customers and crm_mapping.status_of(account.status) is None:
                    self.report.prospects += 1  # no won deal: a prospect, not a customer to ask
                    continue
                joining[customer_repo.name_key(name)] = self._new_customer(name, account)
                self.joined.add(account.crm_id)
            elif self._update(customer, name, account):
                self.report.customers_updated += 1
        self.session.flush()
        # New customers in one statement (a first sync adds 100,000): their products after them, by their ids.
        ids = crm_repo.add_customers(self.session, [row for row, _products in joining.values()])
        crm_repo.add_products(
            self.session, [(ids[str(row["crm_id"])], products) for row, products in joining.values() if products]
        )
        self.report.customers_added += len(joining)

    def _match(
        self,
        account: CrmAccount,
        customer: Customer | None,
        by_name: dict[str, Customer],
        joining: dict[str, tuple[dict[str, object], list[str]]],
    ) -> tuple[Customer | None, str] | None:
        """The customer an account is (None: a new one) and the name it goes by; None when it cannot be taken:
        no name, or a name another account's customer has (names are unique in the pool)."""
        name = " ".join(account.name.split())
        if not name:
            self.report.skipped.append(f"account {account.crm_id}: no name")
            return None
        key = customer_repo.name_key(name)
        named = by_name.get(key)
        other = joining[key][0]["crm_id"] if customer is None and key in joining else None
        if other is None and customer is None and named is not None and named.crm_id not in (None, account.crm_id):
            other = named.crm_id
        if other is not None:
            self.report.skipped.append(f"account {account.crm_id} '{name}': another account ({other}) has that name")
            return None
        if customer is not None and named is not None and named.id != customer.id:
            self.report.skipped.append(f"account {account.crm_id}: renamed to '{name}', which another customer has")
            return customer, customer.name
        if customer is None and named is not None:
            named.crm_id = account.crm_id  # a customer from the spreadsheet: the CRM's account adopts it
            return named, name
        return customer, name

    def _new_customer(self, name: str, account: CrmAccount) -> tuple[dict[str, object], list[str]]:
        """A new customer's row, and its products (from the admin's field; otherwise from its won deals, later)."""
        row: dict[str, object] = {
            "name": name,
            "crm_id": account.crm_id,
            "industry": account.industry[:100],
            "region": crm_mapping.region_of(account.country, self.mapping.regions),
            "company_size": crm_mapping.size_of(account.employees),
            "account_owner": self._owner(account.owner_email),
            "status": crm_mapping.status_of(account.status) or CustomerStatus.ACTIVE,
            "beta": False,
            "created_at": self.now,
            "updated_at": self.now,
            "renewal_name": "",
            "open_case": "",
        }
        products = crm_mapping.products_of(account.products) if account.products is not None else []
        return row, products

    def _update(self, customer: Customer, name: str, account: CrmAccount) -> bool:
        before = (customer.name, customer.industry, customer.region, customer.company_size, customer.product_names)
        customer.name = name
        if account.industry:
            customer.industry = account.industry[:100]
        region = crm_mapping.region_of(account.country, self.mapping.regions)
        if region:
            customer.region = region
        size = crm_mapping.size_of(account.employees)
        if size:
            customer.company_size = size
        if account.products is not None:
            products = crm_mapping.products_of(account.products)
            if products != customer.product_names:
                customer.products = _products(products)
        changed = before != (customer.name, customer.industry, customer.region, customer.company_size,
                             customer.product_names)  # fmt: skip
        owner = self._owner(account.owner_email)
        if owner and owner != customer.account_owner:
            customer.account_owner = owner
            self.report.owners_changed += 1
            changed = True
        changed = self._status(customer, crm_mapping.status_of(account.status)) or changed
        if changed:
            customer.updated_at = self.now
        return changed

    def _status(self, customer: Customer, wanted: CustomerStatus | None) -> bool:
        if wanted is None or wanted is customer.status:
            return False
        who = crm_repo.last_status_actor(self.session, customer.id)
        by_manager = who is not None and who not in (SYNC_ACTOR, IMPORTER)
        if customer_status.lifts_do_not_contact(customer, wanted):
            self.report.conflicts.append(
                f"{customer.name}: do_not_contact (the CRM says {wanted.value}; only a reference manager lifts it, "
                "in Slack)"
            )
            return False
        if wanted is CustomerStatus.ACTIVE and by_manager:
            self.report.conflicts.append(
                f"{customer.name}: {customer.status.value} (set by <@{who}> in Slack; the CRM says active)"
            )
            return False
        self.report.changes.append(f"{customer.name}: status {customer.status.value} → {wanted.value}")
        customer_status.change(self.session, self.ctx, customer, wanted, actor_id=SYNC_ACTOR, now=self.now)
        return True

    # ---- contacts --------------------------------------------------------------------------------------------
    def _contacts(self, batch: list[CrmContact]) -> None:
        customers = crm_repo.customer_ids_by_crm_id(self.session, {c.account_crm_id for c in batch})
        stored = crm_repo.contacts_by_crm_id(self.session, [c.crm_id for c in batch])
        loose = crm_repo.contacts_without_crm_id(self.session, set(customers.values()))
        taken: set[tuple[int, str, str]] = set()
        new: list[dict[str, object]] = []
        for record in batch:
            self._moved(record.modified)
            self.seen_contacts.add(record.crm_id)
            customer_id = customers.get(record.account_crm_id)
            name = " ".join(record.name.split())[:200]
            if customer_id is None or not name:
                continue  # an account outside the pool (skipped above), or a contact without a name
            email, title = record.email.strip()[:254], record.title.strip()[:200]
            identity = (customer_id, name.lower(), email.lower())
            if identity in taken:
                self.report.skipped.append(f"contact {record.crm_id}: same name and email as another contact")
                continue
            taken.add(identity)
            contact = stored.get(record.crm_id) or self._adopt(loose.get(customer_id, []), name, email, record.crm_id)
            if contact is None:
                new.append(
                    {"customer_id": customer_id, "crm_id": record.crm_id, "name": name, "email": email, "title": title}
                )
            elif (contact.customer_id, contact.name, contact.email, contact.title) != (customer_id, name, email, title):
                contact.customer_id, contact.name, contact.email, contact.title = customer_id, name, email, title
                self.report.contacts_updated += 1
        self.session.flush()
        crm_repo.add_contacts(self.session, new)
        self.report.contacts_added += len(new)

    @staticmethod
    def _adopt(loose: list[Contact], name: str, email: str, crm_id: str) -> Contact | None:
        """A contact the spreadsheet brought, matched by email (or by name when neither has an email)."""
        for contact in loose:
            same = contact.email.lower() == email.lower() if email or contact.email else contact.name == name
            if same and contact.crm_id is None:
                contact.crm_id = crm_id
                return contact
        return None

    # ---- opportunities ---------------------------------------------------------------------------------------
    def _opportunities(self, batch: list[CrmOpportunity]) -> None:
        customers = crm_repo.customer_ids_by_crm_id(self.session, {o.account_crm_id for o in batch if o.account_crm_id})
        stored = crm_repo.opportunities_by_crm_id(self.session, [o.crm_id for o in batch])
        new: list[dict[str, object]] = []
        for record in batch:
            self._moved(record.modified)
            self.seen_opportunities.add(record.crm_id)
            self.changed_opportunities.add(record.crm_id)
            if record.account_crm_id:
                self.deal_accounts.add(record.account_crm_id)
            values = {
                "customer_id": customers.get(record.account_crm_id or ""),
                "account_crm_id": record.account_crm_id,
                "name": (" ".join(record.name.split()) or record.crm_id)[:150],
                "stage": record.stage[:100],
                "amount": record.amount,
                "currency": (record.currency or self.ctx.currency)[:3],
                "close_date": record.close_date,
                "closed": record.closed,
                "won": record.won,
                "renewal": self.mapping.is_renewal(record.kind),
                "owner": self._owner(record.owner_email) if record.owner_email else None,
                "owner_email": record.owner_email.strip().lower()[:254],
            }
            opportunity = stored.get(record.crm_id)
            if opportunity is None:
                new.append({"crm_id": record.crm_id, "products": "", "modified_at": record.modified, **values})
            else:
                if opportunity.customer_id is not None:
                    self.touched_customers.add(opportunity.customer_id)
                if any(getattr(opportunity, k) != v for k, v in values.items()):
                    self.report.opportunities_updated += 1
                for k, v in values.items():
                    setattr(opportunity, k, v)
                opportunity.modified_at = record.modified
            customer_id = customers.get(record.account_crm_id or "")
            if customer_id is not None:
                self.touched_customers.add(customer_id)
        self.session.flush()
        crm_repo.add_opportunities(self.session, new)
        self.report.opportunities_added += len(new)

    def _link_deals(self) -> None:
        """Deals of accounts that joined the pool in this run now belong to their customer."""
        for customer_id in crm_repo.link_deals(self.session, sorted(self.joined)):
            self.touched_customers.add(customer_id)
        self.session.flush()

    def _line_items(self) -> None:
        asked = set(self.changed_opportunities)
        answered: set[str] = set()
        for batch in _batched(self.source.line_items(self.since, asked)):
            stored = crm_repo.opportunities_by_crm_id(self.session, [g.opportunity_crm_id for g in batch])
            for group in batch:
                answered.add(group.opportunity_crm_id)
                opportunity = stored.get(group.opportunity_crm_id)
                if opportunity is not None:
                    self._set_products(opportunity, ";".join(group.products))
        if self.since is not None:  # an opportunity asked for that came back without line items has none now
            for opportunity in crm_repo.opportunities_by_crm_id(self.session, asked - answered).values():
                self._set_products(opportunity, "")
        self.session.flush()

    def _set_products(self, opportunity: Opportunity, products: str) -> None:
        if opportunity.products != products:
            opportunity.products = products
            if opportunity.customer_id is not None:
                self.touched_customers.add(opportunity.customer_id)

    def _roles(self) -> None:
        for batch in _batched(self.source.contact_roles(self.since)):
            stored = crm_repo.opportunities_by_crm_id(self.session, {r.opportunity_crm_id for r in batch})
            for role in batch:
                opportunity = stored.get(role.opportunity_crm_id)
                if opportunity is not None:
                    crm_repo.add_role(self.session, opportunity.id, role.contact_crm_id, role.role[:100])
            self.session.flush()

    # ---- what the CRM no longer has --------------------------------------------------------------------------
    def _deletions(self) -> None:
        if self.since is None:
            gone_accounts = set(crm_repo.all_crm_ids(self.session, Customer)) - self.seen_accounts
            gone_contacts = set(crm_repo.all_crm_ids(self.session, Contact)) - self.seen_contacts
            gone_opportunities = set(crm_repo.all_crm_ids(self.session, Opportunity)) - self.seen_opportunities
        else:
            deleted = self.source.deleted(self.since)
            gone_accounts, gone_contacts = set(deleted.accounts), set(deleted.contacts)
            gone_opportunities = set(deleted.opportunities)
        for customer in crm_repo.customers_by_crm_id(self.session, gone_accounts).values():
            if customer.status is CustomerStatus.ACTIVE:
                self.report.changes.append(f"{customer.name}: status active → paused (deleted in the CRM)")
                customer_status.change(
                    self.session, self.ctx, customer, CustomerStatus.PAUSED, actor_id=SYNC_ACTOR, now=self.now
                )
            self.report.customers_removed += 1
        for contact in crm_repo.contacts_by_crm_id(self.session, gone_contacts).values():
            crm_repo.remove_contact(self.session, contact)
            self.report.contacts_removed += 1
        for opportunity in crm_repo.opportunities_by_crm_id(self.session, gone_opportunities).values():
            if opportunity.customer_id is not None:
                self.touched_customers.add(opportunity.customer_id)
            self.session.delete(opportunity)
            self.report.opportunities_removed += 1
        self.session.flush()

    # ---- quiet periods ---------------------------------------------------------------------------------------
    def _cases(self) -> None:
        cases: dict[str, list[str]] = {}
        for case in self.source.open_cases():
            cases.setdefault(case.account_crm_id, []).append(case.label)
        had = crm_repo.with_open_case(self.session)
        now_open = crm_repo.customers_by_crm_id(self.session, cases)
        for crm_id, customer in {**had, **now_open}.items():
            label = "; ".join(cases.get(crm_id, []))[:200]
            if customer.open_case != label:
                self._remember_quiet(customer)
                customer.open_case = label
        self.session.flush()

    def _renewals(self) -> None:
        ids = sorted(self.touched_customers | set(crm_repo.with_renewal_before(self.session, self.today)))
        found = crm_repo.next_renewals(self.session, ids, self.today)
        for customer in crm_repo.customers_in(self.session, ids):
            on, name = found.get(customer.id, (None, ""))
            if (customer.renewal_on, customer.renewal_name) != (on, name[:150]):
                self._remember_quiet(customer)
                customer.renewal_on, customer.renewal_name = on, name[:150]
        self.session.flush()

    def _products(self) -> None:
        """The products of customers whose won deals changed: those deals' line items, most recent deal first
        (kept as they are when no won deal names one)."""
        if self.mapping.products_from_field or not self.touched_customers:
            return
        ids = sorted(self.touched_customers)
        won = crm_repo.won_products(self.session, ids)
        current = crm_repo.products_of(self.session, [i for i in ids if won.get(i)])
        changed = {i: names for i, names in won.items() if names and names != current.get(i, [])}
        crm_repo.replace_products(self.session, changed)
        crm_repo.touch_customers(self.session, list(changed), self.now)

    def _show_quiet_changes(self) -> None:
        """Quiet periods that started or ended are reported, and every open ask of the customer redrawn."""
        for customer in crm_repo.customers_in(self.session, self.quiet_before):
            before, after = self.quiet_before[customer.id], self._quiet(customer)
            if (before is None) == (after is None):
                continue
            if after is not None:
                self.report.quiet_started.append(f"{customer.name}: {after}")
            else:
                self.report.quiet_ended.append(customer.name)
            redraw.customer_changed(self.session, self.ctx, customer.id, self.now)


def _products(names: list[str]) -> list[CustomerProduct]:
    return [CustomerProduct(product=p[:100], position=i) for i, p in enumerate(names)]
