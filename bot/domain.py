"""The words of the product: kinds of ask and requesting teams, with the labels people see."""

from __future__ import annotations

import enum


class AskType(enum.StrEnum):
    REFERENCE_CALL = "reference_call"
    CASE_STUDY = "case_study"
    PRESS_QUOTE = "press_quote"
    VIDEO_TESTIMONIAL = "video_testimonial"
    ANALYST_BRIEFING = "analyst_briefing"
    SITE_VISIT = "site_visit"
    EVENT_SPEAKER = "event_speaker"
    PEER_REVIEW = "peer_review"
    BETA_FEEDBACK = "beta_feedback"

    @property
    def label(self) -> str:
        return _ASK_LABELS[self]


_ASK_LABELS = {
    AskType.REFERENCE_CALL: "Reference call",
    AskType.CASE_STUDY: "Case study / success story",
    AskType.PRESS_QUOTE: "Press-release quote",
    AskType.VIDEO_TESTIMONIAL: "Video testimonial",
    AskType.ANALYST_BRIEFING: "Analyst briefing",
    AskType.SITE_VISIT: "Site visit",
    AskType.EVENT_SPEAKER: "Event speaker",
    AskType.PEER_REVIEW: "Peer review",
    AskType.BETA_FEEDBACK: "Beta / product feedback",
}


class Team(enum.StrEnum):
    SALES = "sales"
    PR = "pr"
    PRODUCT_MANAGEMENT = "product_management"
    ANALYST_RELATIONS = "analyst_relations"
    MARKETING = "marketing"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _TEAM_LABELS[self]


_TEAM_LABELS = {
    Team.SALES: "Sales",
    Team.PR: "PR",
    Team.PRODUCT_MANAGEMENT: "Product Management",
    Team.ANALYST_RELATIONS: "Analyst Relations",
    Team.MARKETING: "Marketing",
    Team.OTHER: "Other",
}


class Outcome(enum.StrEnum):
    PLANNED = "planned"
    COMPLETED = "completed"
    DID_NOT_HAPPEN = "did_not_happen"
    CUSTOMER_DECLINED = "customer_declined"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    Outcome.PLANNED: "Planned",
    Outcome.COMPLETED: "Done",
    Outcome.DID_NOT_HAPPEN: "Didn't happen",
    Outcome.CUSTOMER_DECLINED: "Customer declined",
}


def parse_choice(enum_cls: type[enum.StrEnum], text: str) -> enum.StrEnum | None:
    """An enum member named by its value or its label, in any case; None when it names none."""
    wanted = text.strip().lower()
    for member in enum_cls:
        if wanted in (member.value, member.label.lower()):  # type: ignore[attr-defined]
            return member
    return None


# Longest text each request field keeps; the modal states the same numbers as max_length.
MAX_DEAL_NAME = 150
MAX_DEAL_URL = 500
MAX_DETAILS = 2000
MAX_REASON = 1000
MAX_SUGGESTION = 500
MAX_DEAL_AMOUNT = 10**12

# The window of the "asks in the last N days" line on the approval card.
HISTORY_WINDOW_DAYS = 90
