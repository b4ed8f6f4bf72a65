"""Repository functions for form submissions saved once (by the view Slack submitted)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.models import FormSubmission


def saved(session: Session, view_id: str) -> bool:
    return session.scalar(select(FormSubmission.view_id).where(FormSubmission.view_id == view_id)) is not None


def claim(session: Session, *, view_id: str, callback_id: str, user_id: str, at: datetime) -> None:
    """Record the submission in the transaction that saves it; a second claim of the view fails on its key."""
    session.execute(
        insert(FormSubmission).values(view_id=view_id, callback_id=callback_id[:64], user_id=user_id, at=at)
    )
