"""The one guard of every form submission: acknowledged within Slack's 3 s and saved, or not saved at all.

While a submission is answered (`answering`), every transaction that writes is checked as it commits: past
the moment Slack stops waiting it is rolled back (TooSlow), and the first one that commits records the view
(`form_submissions`) in the same transaction. A resubmit of that view (Slack showed an error because our
answer came late, or its answer was lost) then finds it saved and only closes the modal. A COMMIT whose
outcome is known only after Slack stopped waiting (a database that froze during it) stays saved; the user is
told so by DM, so nobody fills the form in again.

Services need not know: the checks hang on SQLAlchemy's session events and read the submission of the
current thread (each Slack request runs in its own listener thread).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session

from bot.domain import OutboxKind
from bot.errors import AlreadySaved, TooSlow
from bot.outbox_payloads import SavedLate
from bot.services.context import ServiceContext
from storage import outbox_repo, submission_repo

logger = logging.getLogger("reference_bot.submissions")


@dataclass
class Submission:
    view_id: str
    callback_id: str
    user_id: str
    answer_by: float | None  # a time.monotonic() moment; None: no deadline (a test driving a service)
    at: datetime
    saved: bool = False  # a transaction of this submission committed
    saved_late: bool = False  # ... and its outcome was known only after Slack had stopped waiting

    def too_late(self) -> bool:
        return self.answer_by is not None and time.monotonic() > self.answer_by


_current: ContextVar[Submission | None] = ContextVar("form_submission", default=None)


@contextmanager
def answering(submission: Submission) -> Iterator[Submission]:
    token = _current.set(submission)
    try:
        yield submission
    finally:
        _current.reset(token)


def already_saved(ctx: ServiceContext, view_id: str) -> bool:
    with ctx.session_factory() as session:
        return submission_repo.saved(session, view_id)


def tell_saved_late(ctx: ServiceContext, submission: Submission, form_title: str) -> None:
    """DM the user that the form Slack showed as failed was saved after all."""
    with ctx.session_factory.begin() as session:
        outbox_repo.enqueue(
            session,
            kind=OutboxKind.SAVED_LATE_DM,
            channel=submission.user_id,
            payload=SavedLate(form=form_title),
            now=ctx.now(),
        )


def _writes(session: Session) -> bool:
    return bool(session.info.get("wrote") or session.new or session.dirty or session.deleted)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush_context: Any) -> None:
    session.info["wrote"] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    submission = _current.get()
    if submission is None or submission.saved or not _writes(session):
        return  # once one transaction of the submission has committed, the rest finish whatever the time
    if submission.too_late():
        raise TooSlow()  # leaving the transaction by an exception rolls it back: nothing is saved
    try:
        submission_repo.claim(
            session,
            view_id=submission.view_id,
            callback_id=submission.callback_id,
            user_id=submission.user_id,
            at=submission.at,
        )
    except IntegrityError as duplicate:  # the same view, saved by a replica a moment ago
        raise AlreadySaved() from duplicate
    session.info["submission"] = submission


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop("wrote", None)
    submission = session.info.pop("submission", None)
    if isinstance(submission, Submission):
        submission.saved = True
        submission.saved_late = submission.too_late()
        if submission.saved_late:
            logger.warning("form %s saved after Slack stopped waiting; the user is told", submission.callback_id)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("wrote", None)
    session.info.pop("submission", None)
