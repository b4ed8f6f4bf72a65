"""The ask's life in one table: which columns make each state, and for every move who may make it, from which
states, and what is checked again at that moment.

Storage renders the same state definitions as the SQL guard of each move's conditional UPDATE
(`storage.request_repo.in_states`), and services check them in Python with `state_of`, so the two cannot
disagree. `docs/architecture.md` shows the table in words; a test keeps it and this module in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain import AskState, Move, Outcome, OwnerSignoff, RequestStatus, Role


@dataclass(frozen=True)
class Columns:
    """What a state asks of an ask's columns; None: any value."""

    status: RequestStatus
    owner_signoff: frozenset[OwnerSignoff | None] | None = None
    approval_waiting: bool | None = None  # a manager's Approve is kept until the owner agrees
    outcome: frozenset[Outcome | None] | None = None

    def holds(
        self, status: RequestStatus, signoff: OwnerSignoff | None, waiting: bool, outcome: Outcome | None
    ) -> bool:
        return (
            status is self.status
            and (self.owner_signoff is None or signoff in self.owner_signoff)
            and (self.approval_waiting is None or waiting == self.approval_waiting)
            and (self.outcome is None or outcome in self.outcome)
        )


_NOT_WAITING = frozenset({None, OwnerSignoff.OK, OwnerSignoff.OVERRIDDEN, OwnerSignoff.NOT_NOW})
_BAD_OUTCOMES = frozenset({Outcome.DID_NOT_HAPPEN, Outcome.CUSTOMER_DECLINED})

STATES: dict[AskState, Columns] = {
    AskState.WAITING_DECISION: Columns(RequestStatus.PENDING, owner_signoff=_NOT_WAITING),
    AskState.WAITING_OWNER: Columns(
        RequestStatus.PENDING, owner_signoff=frozenset({OwnerSignoff.WAITING}), approval_waiting=False
    ),
    AskState.APPROVED_WAITING_OWNER: Columns(
        RequestStatus.PENDING, owner_signoff=frozenset({OwnerSignoff.WAITING}), approval_waiting=True
    ),
    AskState.APPROVED: Columns(RequestStatus.APPROVED, outcome=frozenset({None, Outcome.PLANNED})),
    AskState.DONE: Columns(RequestStatus.APPROVED, outcome=frozenset({Outcome.COMPLETED})),
    AskState.DID_NOT_HAPPEN: Columns(RequestStatus.APPROVED, outcome=_BAD_OUTCOMES),
    AskState.DECLINED: Columns(RequestStatus.DECLINED),
    AskState.CANCELLED: Columns(RequestStatus.CANCELLED),
}
if set(STATES) != set(AskState):  # not an assert: `python -O` would drop it
    raise RuntimeError(f"ask states without columns: {sorted(set(AskState) - set(STATES))}")


class Ask(Protocol):
    """What the lifecycle reads of an ask (a stored request, or its summary)."""

    @property
    def status(self) -> RequestStatus: ...
    @property
    def owner_signoff(self) -> OwnerSignoff | None: ...
    @property
    def approval_waiting_by(self) -> str | None: ...
    @property
    def outcome(self) -> Outcome | None: ...


def state(ask: Ask) -> AskState:
    return state_of(ask.status, ask.owner_signoff, ask.approval_waiting_by is not None, ask.outcome)


def state_of(status: RequestStatus, signoff: OwnerSignoff | None, waiting: bool, outcome: Outcome | None) -> AskState:
    for state, columns in STATES.items():
        if columns.holds(status, signoff, waiting, outcome):
            return state
    raise ValueError(f"no state for {status}, {signoff}, {waiting}, {outcome}")


OPEN = frozenset({AskState.WAITING_DECISION, AskState.WAITING_OWNER, AskState.APPROVED_WAITING_OWNER})


@dataclass(frozen=True)
class Rule:
    """One move: who may make it, from which states, and whether the customer must still be contactable
    (active, not paused or marked do-not-contact) at that moment."""

    who: frozenset[Role]
    from_states: frozenset[AskState]
    to: frozenset[AskState]
    customer_contactable: bool = False


_MANAGER = frozenset({Role.MANAGER})
_REQUESTER_OR_MANAGER = frozenset({Role.REQUESTER, Role.MANAGER})
_OWNER_OR_MANAGER = frozenset({Role.OWNER, Role.MANAGER})

MOVES: dict[Move, Rule] = {
    # The terms an Approve was given on are the terms approved: no edit once a manager approved.
    Move.EDIT: Rule(
        _REQUESTER_OR_MANAGER,
        frozenset({AskState.WAITING_DECISION, AskState.WAITING_OWNER}),
        frozenset({AskState.WAITING_DECISION, AskState.WAITING_OWNER}),
    ),
    Move.APPROVE: Rule(
        _MANAGER, frozenset({AskState.WAITING_DECISION}), frozenset({AskState.APPROVED}), customer_contactable=True
    ),
    Move.APPROVE_WHEN_OWNER_AGREES: Rule(
        _MANAGER,
        frozenset({AskState.WAITING_OWNER, AskState.WAITING_DECISION}),
        frozenset({AskState.APPROVED_WAITING_OWNER}),
        customer_contactable=True,
    ),
    Move.DECLINE: Rule(_MANAGER, OPEN, frozenset({AskState.DECLINED})),
    Move.OWNER_OK: Rule(
        _OWNER_OR_MANAGER,
        frozenset({AskState.WAITING_OWNER, AskState.APPROVED_WAITING_OWNER}),
        frozenset({AskState.WAITING_DECISION, AskState.APPROVED}),
        customer_contactable=True,
    ),
    # An ask by need goes back to the managers to choose another customer; a named ask is declined.
    Move.OWNER_NOT_NOW: Rule(
        _OWNER_OR_MANAGER,
        frozenset({AskState.WAITING_OWNER, AskState.APPROVED_WAITING_OWNER}),
        frozenset({AskState.DECLINED, AskState.WAITING_DECISION}),
    ),
    Move.OVERRIDE_OWNER: Rule(
        _MANAGER,
        frozenset({AskState.WAITING_OWNER, AskState.APPROVED_WAITING_OWNER}),
        frozenset({AskState.APPROVED}),
        customer_contactable=True,
    ),
    # Before the contact: open, or approved for today or later (the date is the move's own guard).
    Move.CANCEL: Rule(_REQUESTER_OR_MANAGER, OPEN | {AskState.APPROVED}, frozenset({AskState.CANCELLED})),
    Move.DONE: Rule(frozenset({Role.REQUESTER}), frozenset({AskState.APPROVED}), frozenset({AskState.DONE})),
    Move.DID_NOT_HAPPEN: Rule(
        frozenset({Role.REQUESTER}), frozenset({AskState.APPROVED}), frozenset({AskState.DID_NOT_HAPPEN})
    ),
    # Whom to call: named or changed by a manager until the contact is made.
    Move.NAME_CONTACT: Rule(_MANAGER, OPEN | {AskState.APPROVED}, OPEN | {AskState.APPROVED}),
    Move.STILL_PLANNED: Rule(
        frozenset({Role.REQUESTER}), frozenset({AskState.APPROVED}), frozenset({AskState.APPROVED})
    ),
    # A manager takes a decision back before the ask's date (the date is the move's own guard): it waits for a
    # decision again (for the account owner's OK again, when they had said Not now).
    Move.REOPEN: Rule(
        _MANAGER,
        frozenset({AskState.APPROVED, AskState.DECLINED}),
        frozenset({AskState.WAITING_DECISION, AskState.WAITING_OWNER}),
    ),
}
if set(MOVES) != set(Move):
    raise RuntimeError(f"moves without a rule: {sorted(set(Move) - set(MOVES))}")


def table() -> str:
    """The moves as a Markdown table (docs/lifecycle.md holds it; a test keeps the two the same)."""
    order = list(AskState)
    rows = ["| move | who may | from | to | the customer must be contactable |", "| --- | --- | --- | --- | --- |"]
    for move, rule in MOVES.items():
        who = " or ".join(role.label for role in Role if role in rule.who)
        start = ", ".join(s.label for s in order if s in rule.from_states)
        end = ", ".join(s.label for s in order if s in rule.to)
        rows.append(f"| {move.label} | {who} | {start} | {end} | {'yes' if rule.customer_contactable else ''} |")
    return "\n".join(rows)
