"""Every action, block and callback id the bot uses, in one place."""

from __future__ import annotations

import enum

COMMAND = "/reference-request"


class Callback(enum.StrEnum):
    REQUEST_MODAL = "reference_request"
    DECLINE_MODAL = "decline_request"


class Block(enum.StrEnum):
    # Request modal: block ids are the service's field names, so its errors map onto fields directly.
    ASK_TYPE = "ask_type"
    CUSTOMER = "customer_id"
    CONTACT = "contact_id"
    TEAM = "team"
    NEEDED_BY = "needed_by"
    DEAL_NAME = "deal_name"
    DEAL_URL = "deal_url"
    DEAL_AMOUNT = "deal_amount"
    DETAILS = "details"
    # Decline modal
    REASON = "reason"
    SUGGESTION = "suggestion"
    # Approval card
    DECISION = "decision"


class Action(enum.StrEnum):
    ASK_TYPE = "ask_type_select"
    CUSTOMER = "customer_select"
    CONTACT = "contact_select"
    TEAM = "team_select"
    NEEDED_BY = "needed_by_date"
    DEAL_NAME = "deal_name_input"
    DEAL_URL = "deal_url_input"
    DEAL_AMOUNT = "deal_amount_input"
    DETAILS = "details_input"
    REASON = "reason_input"
    SUGGESTION = "suggestion_input"
    APPROVE = "approve_request"
    DECLINE = "decline_request"
