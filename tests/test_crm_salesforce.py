"""CRM=salesforce: `reference-bot crm sync` against the Salesforce stand-in, through the real simple-salesforce."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.domain import CustomerStatus
from storage.models import Contact, CrmSyncState, Customer, CustomerChange, Opportunity
from tests.harness import run, today


def pool(database) -> dict[str, Customer]:
    with database.session_factory() as session:
        found = session.scalars(select(Customer)).all()
        for c in found:
            _ = (c.contacts, c.products)
        return {c.name: c for c in found}


def counts(database) -> tuple[int, int, int]:
    with database.session_factory() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) for model in (Customer, Contact, Opportunity)
        )


def sync(env: dict[str, str], *flags: str):
    return run(["crm", "sync", *flags], env)


def test_a_first_sync_fills_the_pool_from_accounts_contacts_and_won_deals(crm_env, org, database):
    result = sync(crm_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "Salesforce (in full), synced: 3 added, 2 contacts added, 5 opportunities added, 2 quiet periods started"
    )
    # Hooli has an open deal and nothing won: a prospect, not a customer to ask (its deal is kept for the form).
    assert "  left out 1 accounts with no won deal (prospects)" in result.stdout.splitlines()
    found = pool(database)
    acme = found["Acme"]
    assert (acme.industry, acme.region, acme.company_size, acme.account_owner) == (
        "Retail",
        "EMEA",
        "1001-5000",
        "UOWNER01",
    )
    assert acme.product_names == ["Analytics", "Billing"]  # the line items of its won deal
    assert [(c.name, c.email, c.title) for c in acme.contacts] == [("Jane Doe", "jane@acme.test", "CTO")]
    assert (found["Initech"].region, found["Initech"].company_size) == ("APAC", "1-50")
    assert found["Globex"].product_names == []  # no won deal, no products field named
    # Quiet periods: Acme's renewal closes in 30 days; Globex has an open high-priority case (Initech's is low).
    assert acme.renewal_on == today() + timedelta(days=30) and acme.renewal_name == "Acme renewal"
    assert found["Globex"].open_case == "00001026 (High): Outage in EU" and found["Initech"].open_case == ""
    assert "  quiet: Globex: open high-priority case 00001026 (High): Outage in EU; quiet until it is closed" in (
        result.stdout.splitlines()
    )
    with database.session_factory() as session:
        deals = {o.name: o for o in session.scalars(select(Opportunity))}
        state = session.get(CrmSyncState, "salesforce")
    assert (
        deals["Acme renewal"].renewal and not deals["Acme renewal"].closed and deals["Acme renewal"].owner == "UOWNER01"
    )
    assert deals["Acme expansion"].won and deals["Acme expansion"].product_list == ["Analytics", "Billing"]
    assert state is not None and state.watermark is not None and state.last_error == ""
    assert "Hooli" not in found and deals["Hooli pilot"].customer_id is None


def test_a_prospect_whose_deal_is_won_joins_the_pool_with_its_contacts_and_deals(crm_env, org, salesforce, database):
    assert sync(crm_env).returncode == 0
    salesforce.put("Opportunity", {"Id": org.hooli_deal, "StageName": "Closed Won", "IsClosed": True, "IsWon": True})
    result = sync(crm_env)  # the account itself did not change: it is read because its deal was won
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "Salesforce (changes since the last sync), synced: 1 added, 1 contacts added, 1 opportunities updated"
    )
    hooli = pool(database)["Hooli"]
    assert (hooli.region, [c.name for c in hooli.contacts]) == ("NA", ["Gavin Belson"])
    with database.session_factory() as session:
        deal = session.scalars(select(Opportunity).where(Opportunity.crm_id == org.hooli_deal)).one()
        assert deal.customer_id == hooli.id and deal.won


def test_a_second_sync_reads_only_what_changed_since_and_says_what_it_changed(
    crm_env, org, salesforce, standin, database
):
    assert sync(crm_env).returncode == 0
    standin.users_by_email["new.owner@example.com"] = "UOWNER02"
    new_owner = salesforce.put("User", {"Email": "new.owner@example.com"})
    salesforce.put("Account", {"Id": org.globex, "OwnerId": new_owner, "NumberOfEmployees": 900})
    salesforce.put("Contact", {"AccountId": org.globex, "Name": "Li Wei", "Email": "li@globex.test"})
    salesforce.requests.clear()
    result = sync(crm_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "Salesforce (changes since the last sync), synced: 1 updated, 1 owners changed, 1 contacts added"
    )
    asked = " ".join(path for _method, path in salesforce.requests)
    assert "SystemModstamp+%3E+" in asked or "SystemModstamp%20%3E%20" in asked
    globex = pool(database)["Globex"]
    assert (globex.account_owner, globex.company_size) == ("UOWNER02", "201-1000")
    assert sorted(c.name for c in globex.contacts) == ["Li Wei", "Raj Patel"]
    # Nothing changed: nothing to say.
    assert sync(crm_env).stdout.splitlines()[0].endswith("synced: no changes")


def test_a_dry_run_prints_the_changes_and_writes_nothing(crm_env, org, database):
    result = sync(crm_env, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "dry run, nothing was written; it would have: 3 added" in result.stdout
    assert counts(database) == (0, 0, 0)
    with database.session_factory() as session:
        assert session.get(CrmSyncState, "salesforce") is None


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (401, "INVALID_SESSION_ID", "Session expired or invalid"),
        (403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
        (500, "UNKNOWN_EXCEPTION", "An unexpected error occurred."),
    ],
)
def test_a_sync_that_fails_halfway_leaves_the_pool_as_it_was_and_the_next_run_resumes(
    crm_env, org, salesforce, database, status, code, message
):
    assert sync(crm_env).returncode == 0
    before = counts(database)
    umbrella = salesforce.put("Account", {"Name": "Umbrella", "BillingCountry": "France"})
    salesforce.put("Opportunity", {"AccountId": umbrella, "Name": "Umbrella deal", "IsClosed": True, "IsWon": True})
    salesforce.put("Account", {"Id": org.acme, "Industry": "Grocery"})
    # Deals and accounts are read (and written in the transaction), then the CRM fails on the contacts.
    salesforce.fail(status, code, message, path_contains="FROM+Contact")
    failed = sync(crm_env)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1] == (
        f"reference-bot: Salesforce: Salesforce answered {status}: {code} ({message}); nothing was changed"
    )
    logged = [line for line in failed.stderr.splitlines() if '"reference_bot.crm"' in line]
    assert len(logged) == 1 and "nothing changed" in logged[0]
    assert counts(database) == before and pool(database)["Acme"].industry == "Retail"
    with database.session_factory() as session:
        state = session.get(CrmSyncState, "salesforce")
        assert state is not None and code in state.last_error
    resumed = sync(crm_env)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines()[0].endswith("synced: 1 added, 1 updated, 1 opportunities added")
    assert pool(database)["Acme"].industry == "Grocery" and pool(database)["Umbrella"].region == "EMEA"
    with database.session_factory() as session:
        assert session.get(CrmSyncState, "salesforce").last_error == ""


def test_an_expired_session_is_one_line_and_changes_nothing(crm_env, org, salesforce, database):
    salesforce.expire_session()
    result = sync(crm_env)
    assert result.returncode == 1
    assert "INVALID_SESSION_ID" in result.stderr.strip().splitlines()[-1]
    assert counts(database) == (0, 0, 0)


def test_deletions_pause_the_customer_and_remove_its_deals_and_contacts(crm_env, org, salesforce, database):
    assert sync(crm_env).returncode == 0
    salesforce.delete("Account", org.initech)  # to the recycle bin: an incremental run sees it through queryAll
    salesforce.delete("Contact", org.jane)
    result = sync(crm_env)
    assert result.returncode == 0, result.stderr
    assert "1 removed (paused), 1 contacts removed" in result.stdout
    assert "  changed Initech: status active → paused (deleted in the CRM) (recorded)" in result.stdout.splitlines()
    found = pool(database)
    assert found["Initech"].status is CustomerStatus.PAUSED and found["Acme"].contacts == []
    # Purged without a trace: only the nightly full reconcile notices.
    salesforce.delete("Opportunity", org.renewal, purge=True)
    assert "opportunities removed" not in sync(crm_env).stdout
    full = sync(crm_env, "--full")
    assert "1 opportunities removed" in full.stdout and "1 quiet periods ended" in full.stdout
    assert pool(database)["Acme"].renewal_on is None


def test_the_crm_status_field_pauses_but_never_lifts_what_a_manager_set(crm_env, org, salesforce, database):
    env = {**crm_env, "CRM_STATUS_FIELD": "Reference_Status__c"}
    salesforce.put("Account", {"Id": org.acme, "Reference_Status__c": "Active"})
    salesforce.put("Account", {"Id": org.globex, "Reference_Status__c": "Do not contact"})
    assert sync(env).returncode == 0
    found = pool(database)
    assert found["Acme"].status is CustomerStatus.ACTIVE and found["Globex"].status is CustomerStatus.DO_NOT_CONTACT
    # A manager pauses Acme in the bot; the CRM still says active, and Globex's row says active now.
    with database.session_factory.begin() as session:
        acme = session.scalars(select(Customer).where(Customer.name == "Acme")).one()
        acme.status = CustomerStatus.PAUSED
        session.add(
            CustomerChange(customer_id=acme.id, actor_id="UMGR0001", at=acme.updated_at, field="status",
                           old="active", new="paused")
        )  # fmt: skip
    salesforce.put("Account", {"Id": org.acme, "Industry": "Retail (EU)"})
    salesforce.put("Account", {"Id": org.globex, "Reference_Status__c": "Active"})
    salesforce.put("Account", {"Id": org.initech, "Reference_Status__c": "Paused"})
    result = sync(env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "  kept Acme: paused (set by <@UMGR0001> in Slack; the CRM says active)" in lines
    assert "  kept Globex: do_not_contact (the CRM says active; only a reference manager lifts it, in Slack)" in lines
    assert "  changed Initech: status active → paused (recorded)" in lines
    found = pool(database)
    assert [found[n].status for n in ("Acme", "Globex", "Initech")] == [
        CustomerStatus.PAUSED,
        CustomerStatus.DO_NOT_CONTACT,
        CustomerStatus.PAUSED,
    ]


def test_a_spreadsheet_customer_is_adopted_by_its_account_not_doubled(crm_env, org, database, tmp_path):
    sheet = tmp_path / "customers.csv"
    sheet.write_text(
        "name,industry,region,company_size,products,account_owner,status,beta,contact_name,contact_email,contact_title\n"
        "ACME,Retail,EMEA,1000+,Analytics,UOWNER01,active,yes,Jane Doe,JANE@acme.test,CTO\n"
    )
    assert run(["customers", "import", str(sheet)], crm_env).returncode == 0
    imported = pool(database)["ACME"].id
    result = sync(crm_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("Salesforce (in full), synced: 2 added, 1 updated,")
    found = pool(database)
    assert sorted(found) == ["Acme", "Globex", "Initech"]  # the CRM's spelling, on the row the sheet made
    assert found["Acme"].id == imported and found["Acme"].crm_id == org.acme and found["Acme"].beta is True
    assert [(c.name, c.crm_id) for c in found["Acme"].contacts] == [("Jane Doe", org.jane)]


def test_crm_sync_without_a_crm_set_says_what_to_set(cli_env):
    result = run(["crm", "sync"], cli_env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "reference-bot: setting CRM: set it to salesforce or hubspot to sync the pool from a CRM"
    )


def test_salesforce_without_credentials_names_the_settings(cli_env):
    result = run(["crm", "sync"], {**cli_env, "CRM": "salesforce"})
    assert result.returncode == 2 and "setting SALESFORCE_USERNAME: CRM=salesforce needs" in result.stderr


def test_two_accounts_with_one_name_are_not_two_customers_and_the_second_is_named(crm_env, org, salesforce, database):
    twin = salesforce.put("Account", {"Name": "ACME ", "BillingCountry": "France"})
    salesforce.put("Opportunity", {"AccountId": twin, "Name": "Twin deal", "IsClosed": True, "IsWon": True})
    result = sync(crm_env)
    assert result.returncode == 0, result.stderr
    assert f"  skipped account {twin} 'ACME': another account ({org.acme}) has that name" in result.stdout.splitlines()
    assert pool(database)["Acme"].crm_id == org.acme and "ACME" not in pool(database)


def test_a_crm_whose_client_library_is_not_installed_is_one_line_saying_how(cli_env, tmp_path):
    # The command in a Python that cannot import the CRM's client (an import hook refuses it, as a missing
    # package would be refused).
    import subprocess
    import sys

    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import sys\nclass _Hide:\n    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'simple_salesforce':\n            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, _Hide())\n"
    )
    from tests.serving import bot_env

    crm = {"CRM": "salesforce", "SALESFORCE_INSTANCE_URL": "https://127.0.0.1:9", "SALESFORCE_SESSION_ID": "x"}
    env = bot_env(**{k: v for k, v in cli_env.items() if k != "CWD"}, **crm, PYTHONPATH=str(hide))
    command = [sys.executable, "-m", "bot.entry.cli", "crm", "sync"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, cwd=str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "reference-bot: setting CRM: salesforce needs its client library; install it with pip install "
        "'reference-bot[salesforce]' (or pip install '.[salesforce]' from the source)"
    )
