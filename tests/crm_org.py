"""A small CRM org as an admin would have it, entered into the Salesforce stand-in (test set-up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tests.salesforce_standin import SalesforceStandIn


@dataclass
class Org:
    owner: str  # the account owner's User id
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
    return Org(owner, acme, globex, initech, jane, renewal, expansion, hooli, hooli_deal)
