"""Small text helpers shared by the view builders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bot.domain import URL_FORBIDDEN, day_words


def esc(text: str) -> str:
    """Escape user text for mrkdwn, so `<`, `>` and `&` cannot form links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str) -> str:
    """A message's notification text (Slack reads it for mentions and links too): names and reasons people typed
    keep their words, but no `<`/`>` that could make `<!channel>`, a mention or a disguised link."""
    return text.replace("<", "\u2039").replace(">", "\u203a")


def link(url: str, label: str) -> str:
    """A mrkdwn link that nothing in `url` or `label` can break out of; a URL that could is shown as text."""
    if not url.startswith(("https://", "http://")) or any(c in URL_FORBIDDEN or ord(c) < 32 for c in url):
        return f"{esc(label)} ({esc(url)})"
    return f"<{url.replace('&', '&amp;')}|{esc(label).replace('|', '¦')}>"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def user(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "nobody"


def actor(actor_id: str | None) -> str:
    """Who made a change: a person as a mention; the import, the CRM sync or the bot itself in words."""
    if actor_id and actor_id[:1] in "UW" and actor_id.isalnum() and actor_id.isupper():
        return user(actor_id)
    return f"the {esc(actor_id)}" if actor_id else "nobody"


def slack_time(moment: datetime | None) -> str:
    """A timestamp every reader sees in their own time zone (Slack's date formatting); "" for none."""
    if moment is None:
        return ""
    epoch = int(moment.timestamp())
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} at {{time}}|{fallback}>"


def slack_date(day: date) -> str:
    """A date as people write it ("Thu 10 Dec"; the year only when it is not this year)."""
    return day_words(day)


def money(amount: Decimal | None, currency: str | None = None) -> str:
    """ "50,000 USD"; an amount filed before currencies were recorded shows none."""
    if amount is None:
        return ""
    number = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{number} {currency}" if currency else number
