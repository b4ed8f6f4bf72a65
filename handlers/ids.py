"""Every action, block and callback id the bot uses, in one place."""

from __future__ import annotations

import enum

COMMAND = "/reference-request"


class Callback(enum.StrEnum):
    REQUEST_MODAL = "reference_request"
    DECLINE_MODAL = "decline_request"
    LOG_MODAL = "log_touch"
    LIMITS_MODAL = "customer_limits"
    FOLLOWUP_DONE_MODAL = "followup_done"
    FOLLOWUP_DATE_MODAL = "followup_new_date"
    NOMINATION_MODAL = "nominate"
    NOMINATION_DECLINE_MODAL = "nomination_decline"
    EDIT_REQUEST_MODAL = "edit_request"
    PROGRAM_MODAL = "program_targets"
    PROGRAM_SAVED = "program_saved"  # the program form once saved (closed only)
    OWNER_NOT_NOW_MODAL = "owner_not_now"
    OVERRIDE_OWNER_MODAL = "approve_without_owner"
    CONTACT_MODAL = "name_contact"
    CONSENT_MODAL = "contact_consent"
    CUSTOMER_PAGE = "customer_page"  # a customer's page (closed only)


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
    DEAL_CRM_ID = "deal_crm_id"
    DETAILS = "details"
    PRODUCT = "product"
    USE_CASE = "use_case"
    PROSPECT_INDUSTRY = "prospect_industry"
    PROSPECT_REGION = "prospect_region"
    PROSPECT_SIZE = "prospect_size"
    # Decline modal
    REASON = "reason"
    NOT_BEFORE = "not_before"
    SUGGESTION = "suggestion"
    # Approval card
    DECISION = "decision"
    # Log modal (customer, contact, type and team reuse the request modal's ids)
    TOUCH_DATE = "touched_on"
    OUTCOME = "outcome"
    NOTE = "note"
    # Limits modal
    MAX_TOUCHES = "max_touches"
    WINDOW_DAYS = "window_days"
    CONTACT_MAX = "contact_max_touches"
    REST_DAYS = "rest_days"
    STATUS = "status"
    STATUS_REASON = "status_reason"  # the service's field names, so its errors land under them
    PAUSED_UNTIL = "paused_until"
    # Contact consent modal
    AGREED_KINDS = "agreed_kinds"
    CONTACT_CAP = "contact_cap"
    CONTACT_CAP_DAYS = "contact_cap_days"
    CONTACT_NOT_BEFORE = "contact_not_before"
    # Follow-up modals
    SENTIMENT = "sentiment"
    NEW_DATE = "new_date"
    HAPPENED_ON = "happened_on"
    # Approval card of an ask by need: the candidates
    CANDIDATES = "candidates"
    # Program modal: a mix share per product ("mix~0", "mix~1", ... in the form's order) and initiatives
    MIX = "mix"
    INITIATIVE_REMOVE = "initiative_remove"
    INITIATIVE_NAME = "initiative_name"
    INITIATIVE_PRODUCTS = "initiative_products"
    INITIATIVE_TARGET = "initiative_target"
    INITIATIVE_DUE = "initiative_due"


# The customer input's block id changes when the form switches the customer for the requester (Slack keeps
# what was typed in an input whose block id stays the same); it always starts with Block.CUSTOMER.
CUSTOMER_BLOCK_SEPARATOR = "~"


class Action(enum.StrEnum):
    ASK_TYPE = "ask_type_select"
    CUSTOMER = "customer_select"
    CONTACT = "contact_select"
    TEAM = "team_select"
    NEEDED_BY = "needed_by_date"
    DEAL_NAME = "deal_name_input"
    DEAL_URL = "deal_url_input"
    DEAL_AMOUNT = "deal_amount_input"
    DEAL_PICK = "deal_pick"  # the requester's open opportunities (CRM set), an external select
    DETAILS = "details_input"
    REASON = "reason_input"
    SUGGESTION = "suggestion_input"
    APPROVE = "approve_request"
    DECLINE = "decline_request"
    SUGGEST = "suggest_instead"
    REQUEST_SUGGESTED = "request_suggested"
    TOUCH_DATE = "touch_date"
    OUTCOME = "outcome_select"
    NOTE = "note_input"
    MAX_TOUCHES = "max_touches_input"
    WINDOW_DAYS = "window_days_input"
    CONTACT_MAX = "contact_max_input"
    REST_DAYS = "rest_days_input"
    STATUS = "status_select"
    STATUS_REASON = "status_reason_input"
    PAUSED_UNTIL = "paused_until_date"
    AGREED_KINDS = "agreed_kinds_select"
    CONTACT_CAP = "contact_cap_input"
    CONTACT_CAP_DAYS = "contact_cap_days_input"
    CONTACT_NOT_BEFORE = "contact_not_before_date"
    CUSTOMER_PAGE = "customer_page"  # a customer's page, from wherever the customer is named
    EDIT_CONSENT = "edit_consent"  # a contact's consent and preferences
    CONFIRM_CONSENT = "confirm_consent"  # the owner's one-click "still willing"
    REACTIVATE_CUSTOMER = "reactivate_customer"
    REOPEN_REQUEST = "reopen_request"  # a manager takes a decision back before the ask's date
    FOLLOWUP_DONE = "followup_done"
    NUDGE_REQUESTER = "nudge_requester"  # a manager reminds the requester of an outcome past due
    FOLLOWUP_NOT_HAPPENED = "followup_not_happened"
    FOLLOWUP_STILL_PLANNED = "followup_still_planned"
    SENTIMENT = "sentiment_select"
    NEW_DATE = "new_date"
    HAPPENED_ON = "happened_on_date"
    PRODUCT = "product_select"
    USE_CASE = "use_case_input"
    PROSPECT_INDUSTRY = "prospect_industry_select"
    PROSPECT_REGION = "prospect_region_select"
    PROSPECT_SIZE = "prospect_size_select"
    SWITCH_CUSTOMER = "switch_customer"
    OUTBOX_RETRY = "outbox_retry"
    STRIKE_TOUCH = "strike_touch"
    NOMINATION_AGREE = "nomination_agree"
    NOMINATION_NOT_NOW = "nomination_not_now"
    NOMINATION_APPROVE = "nomination_approve"
    NOMINATION_DECLINE = "nomination_decline"
    NOMINATE_SHORTCUT = "nominate_as_reference"
    REQUEST_SHORTCUT = "request_reference"  # global shortcut
    REQUEST_FROM_MESSAGE = "request_reference_from_message"  # message shortcut
    PAUSE_CUSTOMER = "pause_customer"
    CHOOSE = "choose_customer"
    MIX_SHARE = "mix_share"
    INITIATIVE_REMOVE = "initiative_remove_select"
    INITIATIVE_NAME = "initiative_name_input"
    INITIATIVE_PRODUCTS = "initiative_products_select"
    INITIATIVE_TARGET = "initiative_target_input"
    INITIATIVE_DUE = "initiative_due_date"
    EDIT_PROGRAM = "edit_program"
    NOMINATE_CUSTOMER = "nominate_customer"
    NEW_REQUEST = "home_new_request"
    LOG_TOUCH = "home_log_touch"
    NOMINATE_START = "home_nominate"
    CANCEL_REQUEST = "cancel_request"
    EDIT_REQUEST = "edit_request"
    OWNER_OK = "owner_ok_to_contact"
    OWNER_NOT_NOW = "owner_not_now"
    OVERRIDE_OWNER = "approve_without_owner"
    FILE_FROM_MESSAGE = "file_from_message"  # "Open the request form" under an ask in plain words
    DISMISS_OFFER = "dismiss_offer"
    OFFERS_OFF = "offers_off"
    NAME_CONTACT = "name_contact"  # a manager names (or changes) the person to contact for an ask
    CONTACT_CHOICE = "contact_choice"
    NOT_BEFORE = "not_before_date"
