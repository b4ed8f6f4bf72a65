"""Per-user remembered choices (the requesting team last picked)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.domain import Team
from storage.models import UserPreference


def last_team(session: Session, user_id: str) -> Team | None:
    pref = session.get(UserPreference, user_id)
    return pref.last_team if pref else None


def remember_team(session: Session, user_id: str, team: Team) -> None:
    pref = session.get(UserPreference, user_id)
    if pref is None:
        session.add(UserPreference(user_id=user_id, last_team=team))
    else:
        pref.last_team = team
