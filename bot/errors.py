"""Every exception the domain raises, each carrying the sentence the user sees.

Services raise these; `handlers/error_replies.py` shows them where the user acted (under a modal's field, as a
private reply, as a command's answer) and the CLI prints them. A service that raises one has written
nothing: every write is one transaction.
"""

from __future__ import annotations

from datetime import date

from bot.domain import CustomerStatus, NominationStatus, Outcome


class DomainError(Exception):
    """A refusal the user can act on. `message` is the whole sentence shown to them."""

    message = "That could not be done. Nothing was changed."

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class FormErrors(DomainError):
    """Bad input in a form: field name (the modal's block id) -> a sentence shown under that field."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()) or "Please check the form.")


class NotAManager(DomainError):
    """The user is not one of REFERENCE_MANAGERS."""

    def __init__(self, what: str = "approve or decline requests") -> None:
        super().__init__(f"Only reference managers can {what}. Nothing was changed.")


class UnknownRequest(DomainError):
    message = "That button no longer points at a request. Nothing was changed."


class NeedsACustomer(DomainError):
    message = "This ask names no customer yet: choose one of the candidates on the card (Choose) to approve it."


class NotACandidate(DomainError):
    message = "That customer does not fit this ask any more (no room, or not using the product). Nothing was changed."


class UnknownCustomer(DomainError):
    message = "That customer no longer exists. Nothing was changed."


class NotTheRequester(DomainError):
    message = "Only the person who asked can say how it went."


class AlreadyAnswered(DomainError):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        super().__init__(f"Already recorded: {outcome.label}.")


class NoSuchFailedMessage(DomainError):
    message = "That message is not waiting to be sent again (it was sent, or is being retried already)."


class TooSlow(DomainError):
    message = "Saving took too long (the database is slow right now), so nothing was saved. Please send it again."


class UnknownNomination(DomainError):
    message = "That nomination no longer exists. Nothing was changed."


class NotTheOwner(DomainError):
    message = "Only the customer's account owner can answer this. Nothing was changed."


class AlreadyDone(DomainError):
    def __init__(self, status: NominationStatus) -> None:
        super().__init__(f"This nomination was already answered ({status.label.lower()}). Nothing was changed.")


class ImportRefused(DomainError):
    """A file import found problems (each naming its row and column); nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s); nothing was imported")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it (start-up stops with it)."""


class NotYours(DomainError):
    """Raised by `ServiceContext.require_own_or_manager`, with the action refused in its sentence."""


class TooLateToCancel(DomainError):
    def __init__(self, status_label: str) -> None:
        super().__init__(
            f"This ask can no longer be cancelled ({status_label.lower()}, or its contact date has passed): "
            "record how it went instead."
        )


class TooLateToReopen(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__(f"This ask cannot be reopened: {what}.")


class NotContactable(DomainError):
    """The customer is paused or marked do-not-contact at this moment, so the ask cannot go ahead with it."""

    def __init__(self, customer_name: str, status: CustomerStatus, what: str = "it cannot be approved") -> None:
        words = "marked do-not-contact" if status is CustomerStatus.DO_NOT_CONTACT else "paused as a reference"
        super().__init__(f"{customer_name} is {words}; {what}. Nothing was changed.")


class StaysDoNotContact(DomainError):
    """Only a reference manager's change of the customer's status, by name, lifts do-not-contact."""

    def __init__(self, customer_name: str) -> None:
        super().__init__(
            f"{customer_name} is marked do-not-contact and stays so: only a reference manager lifts it, with "
            f"`/reference-request limits {customer_name}`. Nothing was changed."
        )


class NotALoggedTouch(DomainError):
    message = "Only a touch logged by hand can be struck out; an ask's touch changes through its ask."


class AlreadyStruck(DomainError):
    def __init__(self, by: str, on: date) -> None:
        super().__init__(f"That touch was already struck out, by <@{by}> on {on.isoformat()}. Nothing changed.")


class AlreadySaved(DomainError):
    """The same form (its view) was submitted again after it had been saved: nothing is saved twice."""

    message = "This form was already saved."


class NothingToNudge(DomainError):
    """A Nudge on an ask whose outcome is not past due (told already, not yet due, never approved), or one
    nudged already today."""
