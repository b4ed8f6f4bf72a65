"""A small CRM org as an admin would have it, entered into the Salesforce stand-in (test set-up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tests.hubspot_standin import HubSpotStandIn
from tests.salesforce_standin import SalesforceStandIn


@dataclass
class Org:
    owner: str  # the account owner's User id (HubSpot: owner id)
    seller: str  # the seller's, who owns the deals the tests tie asks to
    acme: str
    globex: str
    initech: str
    jane: str
    renewal: str
    expansion: str
    hooli: str  # a prospect: an open deal, nothing won
    hooli_deal: str


def seed_salesforce(sf: SalesforceStandIn, today: date) -> Org:
    owner = sf.put("User", {"Email": "owner@example.com", "Name": "Olivia Owner"})
    seller = sf.put("User", {"Email": "seller@example.com", "Name": "Sam Seller"})
    analytics = sf.put("Product2", {"Name": "Analytics"})
    billing = sf.put("Product2", {"Name": "Billing"})
    acme = sf.put(
        "Account",
        {
            "Name": "Acme",
            "Industry": "Retail",
            "BillingCountry": "Germany",
            "NumberOfEmployees": 1200,
            "OwnerId": owner,
        },
    )
    globex = sf.put(
        "Account",
        {"Name": "Globex", "Industry": "Energy", "BillingCountry": "USA", "NumberOfEmployees": 150, "OwnerId": owner},
    )
    initech = sf.put(
        "Account",
        {"Name": "Initech", "Industry": "Software", "BillingCountry": "Japan", "NumberOfEmployees": 40,
         "OwnerId": owner},
    )  # fmt: skip
    jane = sf.put("Contact", {"AccountId": acme, "Name": "Jane Doe", "Email": "jane@acme.test", "Title": "CTO"})
    sf.put("Contact", {"AccountId": globex, "Name": "Raj Patel", "Email": "raj@globex.test", "Title": "VP Ops"})
    expansion = sf.put(
        "Opportunity",
        {"AccountId": acme, "Name": "Acme expansion", "StageName": "Closed Won", "Amount": 120000.0,
         "CloseDate": (today - timedelta(days=200)).isoformat(), "IsClosed": True, "IsWon": True,
         "Type": "Existing Customer - Upgrade", "OwnerId": seller},
    )  # fmt: skip
    for product in (analytics, billing):
        sf.put("OpportunityLineItem", {"OpportunityId": expansion, "Product2Id": product})
    renewal = sf.put(
        "Opportunity",
        {"AccountId": acme, "Name": "Acme renewal", "StageName": "Negotiation", "Amount": 90000.0,
         "CloseDate": (today + timedelta(days=30)).isoformat(), "IsClosed": False, "IsWon": False,
         "Type": "Renewal", "OwnerId": owner},
    )  # fmt: skip
    won = sf.put(
        "Opportunity",
        {"AccountId": initech, "Name": "Initech first deal", "StageName": "Closed Won", "Amount": 30000.0,
         "CloseDate": (today - timedelta(days=90)).isoformat(), "IsClosed": True, "IsWon": True,
         "Type": "New Customer", "OwnerId": seller},
    )  # fmt: skip
    sf.put("OpportunityLineItem", {"OpportunityId": won, "Product2Id": analytics})
    sf.put(
        "Opportunity",
        {"AccountId": globex, "Name": "Globex first deal", "StageName": "Closed Won", "Amount": 10000.0,
         "CloseDate": (today - timedelta(days=700)).isoformat(), "IsClosed": True, "IsWon": True,
         "Type": "New Customer", "OwnerId": owner},
    )  # fmt: skip
    hooli = sf.put("Account", {"Name": "Hooli", "Industry": "Software", "BillingCountry": "USA", "OwnerId": owner})
    sf.put("Contact", {"AccountId": hooli, "Name": "Gavin Belson", "Email": "gavin@hooli.test", "Title": "CEO"})
    hooli_deal = sf.put(
        "Opportunity",
        {"AccountId": hooli, "Name": "Hooli pilot", "StageName": "Prospecting", "Amount": 40000.0,
         "CloseDate": (today + timedelta(days=60)).isoformat(), "IsClosed": False, "IsWon": False,
         "Type": "New Customer", "OwnerId": owner},
    )  # fmt: skip
    sf.put("OpportunityContactRole", {"OpportunityId": expansion, "ContactId": jane, "Role": "Economic Buyer"})
    sf.put(
        "Case",
        {"AccountId": globex, "CaseNumber": "00001026", "Subject": "Outage in EU", "Priority": "High",
         "IsClosed": False},
    )  # fmt: skip
    sf.put("Case", {"AccountId": initech, "CaseNumber": "00001027", "Subject": "Question", "Priority": "Low",
                    "IsClosed": False})  # fmt: skip
    return Org(owner, seller, acme, globex, initech, jane, renewal, expansion, hooli, hooli_deal)


def seed_hubspot(hs: HubSpotStandIn, today: date) -> Org:
    """The same org as `seed_salesforce`, as a HubSpot portal holds it."""
    owner = hs.owner("owner@example.com")
    seller = hs.owner("seller@example.com")

    def company(name: str, industry: str, country: str, employees: int | None) -> str:
        return hs.put("companies", {"name": name, "industry": industry, "country": country,
                                    "numberofemployees": employees, "hubspot_owner_id": owner})  # fmt: skip

    def deal(company_id: str, name: str, stage: str, amount: float, days: int, won: bool | None, kind: str,
             by: str) -> str:  # fmt: skip
        closes = datetime.combine(today + timedelta(days=days), time(12), tzinfo=UTC).isoformat()
        deal_id = hs.put("deals", {
            "dealname": name, "dealstage": stage, "amount": amount, "closedate": closes, "dealtype": kind,
            "hs_is_closed": "false" if won is None else "true", "hs_is_closed_won": "true" if won else "false",
            "hubspot_owner_id": by, "deal_currency_code": "USD",
        })  # fmt: skip
        hs.link("deals", deal_id, "companies", company_id)
        return deal_id

    acme = company("Acme", "RETAIL", "Germany", 1200)
    globex = company("Globex", "OIL_ENERGY", "United States", 150)
    initech = company("Initech", "COMPUTER_SOFTWARE", "Japan", 40)
    hooli = company("Hooli", "COMPUTER_SOFTWARE", "United States", None)
    jane = hs.put("contacts", {"firstname": "Jane", "lastname": "Doe", "email": "jane@acme.test", "jobtitle": "CTO",
                               "associatedcompanyid": acme})  # fmt: skip
    hs.put("contacts", {"firstname": "Raj", "lastname": "Patel", "email": "raj@globex.test", "jobtitle": "VP Ops",
                        "associatedcompanyid": globex})  # fmt: skip
    hs.put("contacts", {"firstname": "Gavin", "lastname": "Belson", "email": "gavin@hooli.test", "jobtitle": "CEO",
                        "associatedcompanyid": hooli})  # fmt: skip
    expansion = deal(acme, "Acme expansion", "closedwon", 120000, -200, True, "existingbusiness", seller)
    for product in ("Analytics", "Billing"):
        item = hs.put("line_items", {"name": product, "quantity": 1})
        hs.link("line_items", item, "deals", expansion)
    hs.link("deals", expansion, "contacts", jane)
    renewal = deal(acme, "Acme renewal", "contractsent", 90000, 30, None, "Renewal", owner)
    won = deal(initech, "Initech first deal", "closedwon", 30000, -90, True, "newbusiness", seller)
    hs.link("line_items", hs.put("line_items", {"name": "Analytics", "quantity": 1}), "deals", won)
    deal(globex, "Globex first deal", "closedwon", 10000, -700, True, "newbusiness", owner)
    hooli_deal = deal(hooli, "Hooli pilot", "appointmentscheduled", 40000, 60, None, "newbusiness", owner)
    outage = hs.put("tickets", {"subject": "Outage in EU", "hs_ticket_priority": "HIGH", "hs_pipeline_stage": "1"})
    hs.link("tickets", outage, "companies", globex)
    question = hs.put("tickets", {"subject": "Question", "hs_ticket_priority": "LOW", "hs_pipeline_stage": "1"})
    hs.link("tickets", question, "companies", initech)
    return Org(owner, seller, acme, globex, initech, jane, renewal, expansion, hooli, hooli_deal)
