"""The words of the product: every closed set of values, each member with the label people see.

The database stores the `value`; the ORM hands back members (see `storage.models`), so code compares
members, never strings. Adding a member is a data change, not a schema change.
"""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from bot.clock import now as clock_now


class Labelled(enum.StrEnum):
    """A StrEnum whose members carry the words a person reads beside their stored value:
    `ACTIVE = "active", "Active"` (a member without its label cannot be written)."""

    _label: str

    if TYPE_CHECKING:  # the stored value is the first of the pair; the label is not part of it

        @property
        def value(self) -> str: ...

    else:  # type checkers would take `Team("pr")`, a lookup, for a call of this constructor

        def __new__(cls, value: str, label: str) -> Labelled:
            return _member(cls, value, label)

    @property
    def label(self) -> str:
        return self._label


def _member(cls: type[Labelled], value: str, label: str) -> Labelled:
    member = str.__new__(cls, value)
    member._value_ = value
    member._label = label
    return member


class AskType(Labelled):
    REFERENCE_CALL = "reference_call", "Reference call"
    CASE_STUDY = "case_study", "Case study / success story"
    PRESS_QUOTE = "press_quote", "Press-release quote"
    VIDEO_TESTIMONIAL = "video_testimonial", "Video testimonial"
    ANALYST_BRIEFING = "analyst_briefing", "Analyst briefing"
    SITE_VISIT = "site_visit", "Site visit"
    EVENT_SPEAKER = "event_speaker", "Event speaker"
    PEER_REVIEW = "peer_review", "Peer review"
    BETA_FEEDBACK = "beta_feedback", "Beta / product feedback"
    LOGO_USE = "logo_use", "Logo use (slide, website)"


class Team(Labelled):
    SALES = "sales", "Sales"
    PR = "pr", "PR"
    PRODUCT_MANAGEMENT = "product_management", "Product Management"
    ANALYST_RELATIONS = "analyst_relations", "Analyst Relations"
    MARKETING = "marketing", "Marketing"
    OTHER = "other", "Other"


class Outcome(Labelled):
    """How an approved ask (or a logged touch) went. A request without an outcome yet stores none (NULL)."""

    PLANNED = "planned", "Planned"
    COMPLETED = "completed", "Done"
    DID_NOT_HAPPEN = "did_not_happen", "Didn't happen"
    CUSTOMER_DECLINED = "customer_declined", "Customer declined"
    CANCELLED = "cancelled", "Cancelled"  # a touch whose ask was cancelled before the contact


# The one definition of a touch that counts: against the limits, in the program, the charts, the digest. A
# touch that did not happen (or was cancelled, or the customer declined) was never a contact.
COUNTING = frozenset({Outcome.COMPLETED, Outcome.PLANNED})


def touch_counts(outcome: Outcome) -> bool:
    return outcome in COUNTING


class Sentiment(Labelled):
    """How the customer felt, as the requester saw it (answered with Done)."""

    HAPPY = "happy", "Happy"
    NEUTRAL = "neutral", "Neutral"
    UNHAPPY = "unhappy", "Unhappy"


class RequestStatus(Labelled):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"  # by its requester (or a manager) before the contact


class AskState(Labelled):
    """Where an ask stands in its life, read from its columns by `bot.rules.ask_lifecycle` (the one place that
    says which columns make which state and which move leads from which state)."""

    WAITING_DECISION = "waiting_decision", "Waiting for a decision"
    WAITING_OWNER = "waiting_owner", "Waiting for the account owner"
    APPROVED_WAITING_OWNER = "approved_waiting_owner", "Approved, waiting for the account owner"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"
    DONE = "done", "Done"
    DID_NOT_HAPPEN = "did_not_happen", "Didn't happen"


class Role(Labelled):
    """Who a person is to an ask: what a move of it checks before anything changes."""

    MANAGER = "manager", "a reference manager"
    REQUESTER = "requester", "the person who asked"
    OWNER = "owner", "the customer's account owner"


class Move(Labelled):
    """A change of an ask; each is one row of `bot.rules.ask_lifecycle.MOVES`."""

    EDIT = "edit", "Edit"
    APPROVE = "approve", "Approve"
    APPROVE_WHEN_OWNER_AGREES = "approve_when_owner_agrees", "Approve, once the account owner agrees"
    DECLINE = "decline", "Decline"
    OWNER_OK = "owner_ok", "OK to contact"
    OWNER_NOT_NOW = "owner_not_now", "Not now"
    OVERRIDE_OWNER = "override_owner", "Approve without the account owner"
    CANCEL = "cancel", "Cancel"
    DONE = "done", "Done"
    DID_NOT_HAPPEN = "did_not_happen", "Didn't happen"
    STILL_PLANNED = "still_planned", "Still planned"
    NAME_CONTACT = "name_contact", "Name the contact"
    REOPEN = "reopen", "Reopen"


class CustomerStatus(Labelled):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    DO_NOT_CONTACT = "do_not_contact", "Do not contact"


class CrmKind(Labelled):
    """Where the pool comes from besides the spreadsheet import (CRM)."""

    NONE = "none", "No CRM"
    SALESFORCE = "salesforce", "Salesforce"
    HUBSPOT = "hubspot", "HubSpot"


class Level(Labelled):
    """A customer's standing against the policy, worst first when several apply."""

    OK = "ok", "OK"
    NEAR_LIMIT = "near_limit", "Near limit"  # this ask takes the customer to its limit
    AT_LIMIT = "at_limit", "At its limit"  # at its limit, this ask included
    NO_ROOM = "no_room", "No room"  # this ask would take the customer past its limit
    OVER_LIMIT = "over_limit", "Over limit"  # past its limit
    RESTING = "resting", "Resting"
    DO_NOT_CONTACT = "do_not_contact", "Do not contact"
    PAUSED = "paused", "Paused"
    QUIET = "quiet", "Quiet period"  # a renewal closing soon or an open high-priority case (from the CRM)
    CONTACT_BLOCKED = "contact_blocked", "Not what the contact agreed to"  # see bot.rules.consent
    UNCONFIRMED = "unconfirmed", "Contact's willingness to confirm again"


class EventKind(Labelled):
    """One state change of a request (stored with who, when and why)."""

    CREATED = "created", "Filed"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    COMPLETED = "completed", "Done"
    DID_NOT_HAPPEN = "did_not_happen", "Didn't happen"
    RESCHEDULED = "rescheduled", "Still planned"
    CANCELLED = "cancelled", "Cancelled"
    EDITED = "edited", "Edited"
    # The account owner's sign-off (OWNER_SIGNOFF=required)
    # a manager approved; it completes when the owner agrees
    APPROVAL_WAITING = "approval_waiting", "Approved, waiting for the account owner"
    OWNER_OK = "owner_ok", "OK to contact (account owner)"
    OWNER_NOT_NOW = "owner_not_now", "Not now (account owner)"
    # a manager approved without the owner's OK, with a reason
    OWNER_OVERRIDDEN = "owner_overridden", "Approved without the account owner's OK"
    OWNER_REMINDED = "owner_reminded", "Account owner reminded"
    REQUESTER_NUDGED = "requester_nudged", "Requester reminded to tell how it went"
    REOPENED = "reopened", "Reopened"  # a manager took back a decision before the ask's date
    TOO_LATE = "too_late", "Too late"  # an answer, decision, cancel or edit that came after another outcome won


class AskSource(Labelled):
    """Where an ask came in: the form (command, shortcut, Home), a mention of the bot, or a watched channel."""

    FORM = "form", "The request form"
    MENTION = "mention", "A mention of the bot"
    WATCHED_CHANNEL = "watched_channel", "A watched channel"


class SignoffMode(Labelled):
    """OWNER_SIGNOFF: whether the account owner must OK a contact, or is only told."""

    REQUIRED = "required", "The account owner must OK a contact"
    NOTIFY = "notify", "The account owner is told"


class OwnerSignoff(Labelled):
    """Where the account owner's say on an ask stands (None on an ask that does not wait for it: `notify`, no
    owner, or the owner asked themselves)."""

    WAITING = "waiting", "Waiting for the account owner"
    OK = "ok", "OK to contact"
    NOT_NOW = "not_now", "Not now"
    # a reference manager approved without waiting, with a reason
    OVERRIDDEN = "overridden", "Approved without the account owner"


class TouchSource(Labelled):
    REQUEST = "request", "Approved ask"  # an approved ask
    LOGGED = "logged", "Logged in Slack"  # logged in Slack after the fact
    IMPORTED = "imported", "Imported"  # from the spreadsheet kept before the bot


class OutboxStatus(Labelled):
    PENDING = "pending", "Waiting"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class TargetKind(Labelled):
    """A target of the reference program."""

    MIX = "mix", "Product mix"  # a product's share of the references, in percent
    INITIATIVE = "initiative", "Initiative"  # references needed for some products by a date


class NominationStatus(Labelled):
    """A proposal that a customer join the pool as a reference: the owner agrees, then a manager decides."""

    WAITING_OWNER = "waiting_owner", "Waiting for the account owner"
    WAITING_MANAGER = "waiting_manager", "Waiting for a reference manager"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    OWNER_DECLINED = "owner_declined", "Not now (account owner)"


class OutboxKind(Labelled):
    """Every kind of message the outbox carries, with the words the managers' Home tab names it by when Slack
    refused it. How each is loaded, drawn and sent is its entry in `bot.delivery.kinds.KINDS`."""

    REQUEST_FILED_DM = "request_filed_dm", "confirmation to the requester"
    CARD_POST = "card_post", "approval card"
    CARD_UPDATE = "card_update", "approval card update"
    APPROVED_DM = "approved_dm", "approval notice to the requester"
    OWNER_DM = "account_owner_dm", "heads-up to the account owner"
    DECLINED_DM = "declined_dm", "decline notice to the requester"
    TOUCH_LOGGED_DM = "touch_logged_dm", "logged-touch confirmation"
    LIMITS_SAVED_DM = "limits_saved_dm", "limits confirmation"
    DIGEST_DM = "digest_dm", "weekly digest"
    FOLLOWUP_DM = "followup_dm", "outcome follow-up"
    FOLLOWUP_UPDATE = "followup_update", "follow-up update"
    UNHAPPY_ALERT = "unhappy_customer_alert", "unhappy-customer alert"
    NOMINATION_OWNER_ASK = "nomination_owner_ask", "nomination, to the account owner"
    NOMINATION_CARD = "nomination_card", "nomination card"
    NOMINATION_DECIDED_DM = "nomination_decided_dm", "nomination outcome to the nominator"
    NOMINATION_CARD_UPDATE = "nomination_card_update", "nomination card update"
    DIGEST_UPDATE = "digest_update", "digest update"
    BETA_NUDGE_DM = "beta_nudge_dm", "weekly ask to nominate beta customers"
    CONSENT_REVERIFY_DM = "consent_reverify_dm", "ask to confirm contacts are still willing"
    HOME_UPDATE = "home_update", "Home tab refresh"
    CANCELLED_DM = "cancelled_dm", "cancellation notice to the account owner"
    DECISION_NUDGE = "decision_nudge", "reminder of an ask waiting two working days"
    REQUEST_DM_UPDATE = "request_dm_update", "the requester's first DM, updated with the ask's status"
    OWNER_DECLINED_DM = "owner_declined_dm", "decline notice to the account owner"
    OWNER_UNHAPPY_DM = "owner_unhappy_dm", "unhappy-customer notice to the account owner"
    OWNER_CARD = "owner_card", "sign-off card to the account owner"
    OWNER_CARD_UPDATE = "owner_card_update", "sign-off card update"
    OWNER_ANSWERED_DM = "owner_answered_dm", "the account owner's answer, to the requester"
    OWNER_NUDGE = "owner_nudge", "reminder of an ask waiting two working days for the owner's OK"
    SIDE_DOOR_OFFER = "side_door_offer", "offer to file an ask written in a watched channel"
    DECISION_NUDGE_UPDATE = "decision_nudge_update", "reminder to the managers, updated with the decision"
    OWNER_NUDGE_UPDATE = "owner_nudge_update", "reminder to the account owner, updated with their answer"
    SIDE_DOOR_OFFER_FILED = "side_door_offer_filed", "offer in a watched channel, updated once an ask is filed"
    TOUCH_LOGGED_NOTICE = "touch_logged_notice", "logged touch, shown to the managers"
    TOUCH_NOTICE_UPDATE = "touch_notice_update", "logged touch, redrawn once struck out"
    SAVED_LATE_DM = "saved_late_dm", "note that a form Slack showed as failed was saved"
    REOPENED_DM = "reopened_dm", "note that a decision was reopened"


# Messages that show an ask as it stands, and the kind that redraws each in place when the ask changes
# (`bot.services.redraw.ask_changed` is the one step that queues them).
REDRAWN_BY: dict[OutboxKind, OutboxKind] = {
    OutboxKind.REQUEST_FILED_DM: OutboxKind.REQUEST_DM_UPDATE,
    OutboxKind.CARD_POST: OutboxKind.CARD_UPDATE,
    OutboxKind.OWNER_CARD: OutboxKind.OWNER_CARD_UPDATE,
    OutboxKind.FOLLOWUP_DM: OutboxKind.FOLLOWUP_UPDATE,
    OutboxKind.DECISION_NUDGE: OutboxKind.DECISION_NUDGE_UPDATE,
    OutboxKind.OWNER_NUDGE: OutboxKind.OWNER_NUDGE_UPDATE,
}


E = TypeVar("E", bound=Labelled)


def parse_choice(enum_cls: type[E], text: str) -> E | None:
    """An enum member named by its value or its label, in any case; None when it names none."""
    wanted = text.strip().lower()
    for member in enum_cls:
        if wanted in (member.value, member.label.lower()):
            return member
    return None


def member(enum_cls: type[E], value: object) -> E | None:
    """The member whose value is `value`, or None (for untrusted input such as a form's state)."""
    if not isinstance(value, str):
        return None
    try:
        return enum_cls(value)
    except ValueError:
        return None


def day_words(day: date, *, today: date | None = None) -> str:
    """A date as people write it: "Thu 10 Dec", with the year only when it is not this year's."""
    this_year = (today or clock_now().date()).year
    return day.strftime("%a %d %b") if day.year == this_year else day.strftime("%a %d %b %Y")


_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}
CONTROL_CHARACTERS = "a character that cannot be stored (a control character such as NUL); please retype it"


_WHOLE = re.compile(r"[0-9]{1,18}")


def count(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 reference", "3 references" (an irregular plural given as `plural`): never "1 days"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def whole_number(text: str | None) -> int | None:
    """A whole number written in ASCII digits (a file's cell, a form's field, a button's value), or None.
    `str.isdigit()` also takes "²" and "①", which `int()` then refuses: every such check goes through here."""
    return int(text) if text is not None and _WHOLE.fullmatch(text) else None


def has_control_characters(text: str) -> bool:
    """NUL and the other control characters (tabs and line breaks are fine): PostgreSQL refuses NUL outright."""
    return any(c in _CONTROL for c in text)


def without_control_characters(text: str) -> str:
    return "".join(c for c in text if c not in _CONTROL)


# The longest text each field keeps: the database's columns (storage.models), the forms' max_length, the
# services' checks and the imports' columns all read these numbers, so they cannot disagree.
MAX_SLACK_ID = 32  # a user, channel or message timestamp
MAX_NAME = 200  # a customer's, a contact's, an initiative's
MAX_SEGMENT = 100  # an industry or a region
MAX_COMPANY_SIZE = 50
MAX_PRODUCT = 100
MAX_EMAIL = 254
MAX_TITLE = 200
MAX_REQUESTER = 100  # an imported touch's requester: a Slack user ID, an email or a name
MAX_USE_CASE = 300
MAX_DEAL_NAME = 150
MAX_DEAL_URL = 500
MAX_CRM_ID = 40  # a Salesforce id (18 characters) or a HubSpot object id
# Characters a link may not hold: they would end Slack's <url|text> syntax or start a mention.
URL_FORBIDDEN = set("<>| \t\n\r\"'`")
MAX_DETAILS = 2000
MAX_REASON = 1000
MAX_SUGGESTION = 500
MAX_DEAL_AMOUNT = 10**12
MAX_FOLLOWUP_NOTE = 1000
MAX_LOG_NOTE = 500
MAX_NOMINATION_NOTE = 1000

# The window of the "asks in the last N days" line on the approval card.
HISTORY_WINDOW_DAYS = 90
