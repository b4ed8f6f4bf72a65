"""Per-user remembered choices (the requesting team last picked) and whether they use the Home tab."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import Team
from storage.models import UserPreference


def last_team(session: Session, user_id: str) -> Team | None:
    # One column, no ORM object: it is read on the way to views.open for every form opened.
    return session.scalar(select(UserPreference.last_team).where(UserPreference.user_id == user_id))


def _own(session: Session, user_id: str) -> UserPreference:
    """The user's row, added on first use."""
    pref = session.get(UserPreference, user_id)
    if pref is None:
        pref = UserPreference(user_id=user_id)
        session.add(pref)
    return pref


def home_opened(session: Session, user_id: str, at: datetime, view_hash: str | None = None) -> None:
    pref = _own(session, user_id)
    pref.home_opened_at = at
    if view_hash:
        pref.home_view_hash = view_hash


def home_view_hash(session: Session, user_id: str) -> str | None:
    return session.scalar(select(UserPreference.home_view_hash).where(UserPreference.user_id == user_id))


def set_home_view_hash(session: Session, user_id: str, view_hash: str) -> None:
    _own(session, user_id).home_view_hash = view_hash


def home_viewers(session: Session, user_ids: Sequence[str]) -> list[str]:
    """Of `user_ids`, those who have opened the Home tab (theirs is worth rebuilding)."""
    if not user_ids:
        return []
    stmt = select(UserPreference.user_id).where(
        UserPreference.user_id.in_(list(user_ids)), UserPreference.home_opened_at.is_not(None)
    )
    return list(session.scalars(stmt))


def remember_team(session: Session, user_id: str, team: Team) -> None:
    _own(session, user_id).last_team = team


def offers_off(session: Session, user_id: str) -> bool:
    """The user turned off offers to file what they write in watched channels."""
    return bool(session.scalar(select(UserPreference.offers_off).where(UserPreference.user_id == user_id)))


def turn_offers_off(session: Session, user_id: str, off: bool = True) -> None:
    _own(session, user_id).offers_off = off
