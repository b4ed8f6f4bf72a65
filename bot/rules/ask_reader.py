"""Reading a Slack message in plain words: is it a reference ask, and what does it ask for?

Pure: a message and the pool's vocabulary in, a `Reading` out. An ask needs a wish (someone needs, looks
for, asks whether...) and something only a customer can give (a reference call, a case study, a quote, a
logo, ...); "reference" alone is not enough ("per our reference architecture", "thanks for the reference").
Customer names are matched against the pool, exactly or within a typo (rapidfuzz); products, industries,
regions and company sizes against the pool's own values; dates in everyday words against `today`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from rapidfuzz import fuzz, process

from bot.domain import AskType
from bot.rules import ask_model

MAX_READ = 2000  # characters read of a message; asks are short, pasted logs are not
FUZZY_MIN_SCORE = 88

# -- what a message must hold to read as an ask --------------------------------------------------------
_WISH = re.compile(
    r"\b(need|needs|needed|needing|looking for|look for|searching for|hoping to find|want|wants|wanted"
    r"|would love|i'd like|i would like|we'd like|any ?one|any ?body|some ?one|some ?body|who can|who could"
    r"|who'?s our best|is there|are there|any chance|asking for|help me find|connect me|intro me"
    r"|line up|set up|ok to contact|okay to contact|can we (?:get|ask|use|contact)|could we (?:get|ask|use)"
    r"|can i (?:get|ask)|could i (?:get|ask)"
    # a need reported or put as a question: "we've been asked for", "would like to hear from", "who should I
    # loop in", "a customer willing to..."
    r"|asked for|been asked|is asking|are asking|would like|willing to|happy to|up for|open to|in need of"
    r"|who should|who has|who have|do we have|recommend|put forward|ask:|request:"
    # a need with no verb of wishing, as sales write it: "customer ... wanted", "refs please", "I'm after",
    # "won't sign without", "pls arrange"
    r"|wanted|required|requesting|request for|seeking|hoping|i'?m after|we'?re after|keen|kindly"
    r"|(?:refs?|references?|customers?|logos?)\s+(?:please|pls)|(?:please|pls)\s+(?:arrange|find|help|connect|suggest)"
    r"|arrange|thinking of asking|(?:won'?t|will not|wouldn'?t) (?:sign|move forward|proceed|buy) without)\b"
    r"|^\s*(?:any|can|could|would|is|does|do)\b",
    re.IGNORECASE,
)
# Phrases in which "reference" (and friends) mean something else; removed before looking for an ask.
_LOOKALIKES = re.compile(
    r"\b(reference (?:architecture|number|implementation|manual|docs?|data|id|guide|design|page)s?"
    r"|api reference|for reference|point of reference|frame of reference|reference point"
    r"|(?:use|used|using|attach|attached|keep|here's|here is)\b[^.?!]{0,30}\bas a reference"
    # "reference" as a verb on a thing: "reference the ticket", "can you reference this doc", "don't reference
    # pricing"; references cited in writing; a quote that is a price
    r"|reference (?:the|this|that|these|those|your|our|my|it)\b|(?:do not|don'?t) reference"
    r"|cite (?:\w+ )?references?|(?:signed|pricing|price|sales|commercial) quotes?|quotes? (?:for \d+|approved)"
    r"|cross-?reference\w*|thanks for the (?:reference|intro)|job reference|reference (?:check|letter)"
    r"|please reference|referencing|referenced|reference:|customer references page)\b",
    re.IGNORECASE,
)
# Where a customer is mentioned for support, billing, an incident or the running of its account, it is not being
# asked for a reference.
_SUPPORT = re.compile(
    r"\b(support|ticket|bug|outage|refund|incident|invoice|escalation|renewal|qbr|subscription|contract)s?\b",
    re.IGNORECASE,
)
# Looking for something that already exists (a recording, a link, the deck) is not asking a customer for anything.
_EXISTING_THING = re.compile(
    r"\b(?:(?:looking for|where(?:'s| is| can i find)|anyone have|who has|share|send me)\s+the\s+(?:\w+\s+){0,3}?"
    r"(?:recording|link|pdf|deck|slides?|file|files|template|list|notes|report|quote)\b"
    r"|(?:the|our) (?:\w+ ){0,2}(?:list|page|deck|pdf|template)s? (?:needs?|is|are|was)\b"
    r"|(?:we )?used last (?:year|quarter|month|time))",
    re.IGNORECASE,
)
_CUSTOMER_WORDS = re.compile(
    r"\b(customers?|clients?|referenceable|references?|reference (?:account|customer)s?|user of|users of"
    r"|someone (?:already )?using|(?:existing|current) (?:customers?|users?)|peers?)\b",
    re.IGNORECASE,
)
_QUALIFIED_PROSPECT = re.compile(r"\b(a|an|any|some)\s+(?:\w+\s+){0,2}(bank|retailer|hospital|insurer|company)\b", re.I)

# Kinds of ask by everyday words, most specific first: the first kind found wins. `strong` words are an ask
# object on their own; the others need a customer in view ("a quote from legal" is not a press quote).
_KINDS: list[tuple[AskType, str, str]] = [
    (AskType.LOGO_USE, r"logo slides?|customer logos?", r"logos?"),
    (
        AskType.PEER_REVIEW,
        r"peer reviews?|peer insights|g2 reviews?|trustradius",
        r"reviews?(?= (?:\w+ ){0,3}on (?:g2|gartner|trustradius))|g2",
    ),
    (
        AskType.ANALYST_BRIEFING,
        r"analyst briefings?|analyst references?",
        r"analysts?|gartner|forrester|idc|(?<!press )(?<!media )briefing",
    ),
    (
        AskType.CASE_STUDY,
        r"case stud(?:y|ies)|success stor(?:y|ies)|customer stor(?:y|ies)|customer spotlights?",
        r"spotlight|featured|write-?up",
    ),
    (
        AskType.PRESS_QUOTE,
        r"press release quotes?|press briefings?|media briefings?",
        r"quotes?|quoted|on record|journalists?|reporters?|press|media|comment on",
    ),
    (AskType.VIDEO_TESTIMONIAL, r"testimonials?", r"videos?"),
    (AskType.SITE_VISIT, r"site visits?", r""),
    (
        AskType.EVENT_SPEAKER,
        r"customer speakers?",
        r"speakers?|speak (?:at|on a panel)|panel|keynote|webinar|conference|meetup|roadshow|present at"
        r"|roundtable|user group",
    ),
    (AskType.BETA_FEEDBACK, r"", r"beta|product feedback|feedback on"),
    (
        AskType.REFERENCE_CALL,
        r"reference calls?|customer references?|reference (?:account|customer)s?|referenceable|references?"
        r"|ref calls?|refs",
        r"calls?|intro\w*|talk (?:to|with)|speak (?:to|with)|chat with|connect|peer call|interview|hear from"
        r"|(?:talking|speaking|chatting) (?:to|with)|put (?:\w+ )?in front of|spare \d+ ?min\w*|on the phone",
    ),
]
_KIND_PATTERNS = [
    (
        kind,
        re.compile(rf"\b(?:{strong})\b", re.IGNORECASE) if strong else None,
        re.compile(rf"\b(?:{weak})\b", re.IGNORECASE) if weak else None,
    )
    for kind, strong, weak in _KINDS
]
# Existing material ("update the case study template") is not a wish for new material.
_EXISTING = re.compile(r"\b(the|this|that|our|my|your)\s+$", re.IGNORECASE)
_MATERIAL = {AskType.CASE_STUDY, AskType.PRESS_QUOTE, AskType.VIDEO_TESTIMONIAL, AskType.LOGO_USE}

_NAME_SUFFIXES = {"inc", "corp", "co", "ltd", "llc", "gmbh", "plc", "ag", "sa", "group", "the"}
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'.-]*")

_REGION_WORDS = {
    "emea": ("europe", "european", "eu", "uk", "germany", "german", "france", "french", "emea", "nordics"),
    "na": ("north america", "us", "usa", "american", "canada", "canadian", "na"),
    "apac": ("apac", "asia", "asian", "japan", "australia", "singapore", "india"),
    "latam": ("latam", "latin america", "brazil", "mexico", "argentina"),
}
_SIZE_WORDS = (
    ("small", "smb", "startup", "small business"),
    ("mid-market", "mid-size", "midsize"),
    ("enterprise", "large", "big"),
)


@dataclass(frozen=True)
class Vocabulary:
    """The pool's own words, indexed once (and again after an import): customers by their normalised name and
    by the first three letters of it, products, industries, regions and company sizes."""

    names: dict[str, tuple[int, str]] = field(default_factory=dict)  # normalised name -> (id, name)
    buckets: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)  # see _bucket
    longest: int = 1  # words in the longest normalised name
    products: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    product_pattern: re.Pattern[str] | None = None

    @classmethod
    def build(
        cls,
        customers: Iterable[tuple[int, str]],
        *,
        products: Sequence[str] = (),
        industries: Sequence[str] = (),
        regions: Sequence[str] = (),
        sizes: Sequence[str] = (),
    ) -> Vocabulary:
        names: dict[str, tuple[int, str]] = {}
        buckets: dict[str, list[tuple[str, int, str]]] = {}
        longest = 1
        for customer_id, name in customers:
            key = normalise(name)
            if len(key) < 3:
                continue
            names.setdefault(key, (customer_id, name))
            buckets.setdefault(_bucket(key), []).append((key, customer_id, name))
            longest = max(longest, key.count(" ") + 1)
        ordered = sorted(products, key=len, reverse=True)
        pattern = (
            re.compile(r"\b(" + "|".join(re.escape(p) for p in ordered) + r")\b", re.IGNORECASE) if ordered else None
        )
        return cls(
            names, buckets, min(longest, 5), tuple(products), tuple(industries), tuple(regions), tuple(sizes), pattern
        )


@dataclass(frozen=True)
class Reading:
    """What a message asks for, as far as its words say."""

    is_ask: bool
    ask_type: AskType | None = None
    product: str | None = None
    customer: tuple[int, str] | None = None  # (id, name) of a customer of the pool the message names
    industry: str | None = None
    region: str | None = None
    size: str | None = None
    needed_by: date | None = None


def _bucket(key: str) -> str:
    """Names within a typo of each other share their first three letters and about their length."""
    return f"{key[:3]}:{len(key) // 4}"


def _bands(key: str) -> list[str]:
    """The buckets a typo of `key` may be in: its own and those of names a little shorter or longer."""
    return [f"{key[:3]}:{len(key) // 4 + step}" for step in (-1, 0, 1)]


def normalise(name: str) -> str:
    """A customer name as it is matched: lower case, words only, without "Inc", "GmbH" and the like."""
    words = [w.strip("'.").lower() for w in _WORD.findall(name.replace("'s ", " "))]
    return " ".join(w for w in words if w and w not in _NAME_SUFFIXES)


def read(text: str, vocabulary: Vocabulary, *, today: date) -> Reading:
    """Read one message (only its first MAX_READ characters). Code blocks and links are not words."""
    text = re.sub(r"```.*?```|`[^`]*`|<[^>]*>|https?://\S+", " ", text[:MAX_READ], flags=re.DOTALL)
    plain = _LOOKALIKES.sub(" ", text)
    customer = _customer(text, vocabulary)
    product = _first(vocabulary.product_pattern, plain)
    customers_named = bool(_CUSTOMER_WORDS.search(plain))
    kind = _kind(plain, in_view=bool(customer or customers_named or _QUALIFIED_PROSPECT.search(plain)))
    by_rules = (
        bool(_WISH.search(plain)) and kind is not None and not (_SUPPORT.search(plain) and not _strong_kind(plain))
    )
    if not by_rules and customers_named and ask_model.shipped().is_ask(plain):
        # Phrased in a way no rule names: the learned model's word, as long as a kind of ask is named.
        by_rules, kind = True, kind or _kind(plain, in_view=True)
    is_ask = by_rules and kind is not None and not _EXISTING_THING.search(plain)
    if not is_ask:
        return Reading(False)
    return Reading(
        True,
        ask_type=kind,
        product=product,
        customer=customer,
        industry=_industry(plain, vocabulary),
        region=_region(plain, vocabulary),
        size=_size(plain, vocabulary),
        needed_by=needed_by(plain, today),
    )


def _first(pattern: re.Pattern[str] | None, text: str) -> str | None:
    if pattern is None:
        return None
    found = pattern.search(text)
    return found.group(1) if found else None


def _strong_kind(text: str) -> bool:
    return any(strong is not None and strong.search(text) for _kind, strong, _weak in _KIND_PATTERNS)


def _kind(text: str, *, in_view: bool) -> AskType | None:
    """The most specific kind of ask the words name (a weak word only with a customer in view), skipping
    things that already exist ("the case study template")."""
    for kind, strong, weak in _KIND_PATTERNS:
        for pattern in (strong, weak if in_view else None):
            if pattern is None:
                continue
            for found in pattern.finditer(text):
                existing = kind in _MATERIAL and _EXISTING.search(text[max(0, found.start() - 8) : found.start()])
                if not existing:
                    return kind
    return None


def _customer(text: str, vocabulary: Vocabulary) -> tuple[int, str] | None:
    """A customer of the pool the message names: the longest run of words that is a customer's name, or
    within a typo of one (only words written with a capital, so "box" in "check the box" is not Box Inc)."""
    words = [(m.group(0), m.start()) for m in _WORD.finditer(text)]
    keys = [normalise(w) for w, _ in words]
    for length in range(vocabulary.longest, 0, -1):
        for i in range(len(words) - length + 1):
            if not words[i][0][:1].isupper():
                continue
            key = " ".join(k for k in keys[i : i + length] if k)
            if len(key) < 3:
                continue
            if key in vocabulary.names:
                return vocabulary.names[key]
            if len(key) >= 5:
                bucket = [entry for band in _bands(key) for entry in vocabulary.buckets.get(band, [])]
                best = process.extractOne(
                    key, [k for k, _cid, _name in bucket], scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE
                )
                if best is not None:
                    _key, _score, index = best
                    return bucket[index][1], bucket[index][2]
    return None


def _industry(text: str, vocabulary: Vocabulary) -> str | None:
    lowered = text.lower()
    for industry in vocabulary.industries:
        stem = industry.lower()[: max(4, len(industry) - 3)]
        if re.search(rf"\b{re.escape(stem)}", lowered):
            return industry
    return None


def _region(text: str, vocabulary: Vocabulary) -> str | None:
    lowered = f" {text.lower()} "
    for region in vocabulary.regions:
        words = _REGION_WORDS.get(region.lower(), (region.lower(),))
        if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words):
            return region
    return None


def _size(text: str, vocabulary: Vocabulary) -> str | None:
    if not vocabulary.sizes:
        return None
    ordered = sorted(vocabulary.sizes, key=lambda s: int(re.sub(r"\D.*", "", s) or 0))
    lowered = text.lower()
    for rank, words in enumerate(_SIZE_WORDS):
        if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words):
            return ordered[0] if rank == 0 else ordered[-1] if rank == 2 else ordered[len(ordered) // 2]
    return None


# -- dates in everyday words ----------------------------------------------------------------------------
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_DAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b", re.IGNORECASE)
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.IGNORECASE)
_WEEKDAY = re.compile(r"\b(next\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)
_IN_N = re.compile(r"\bin\s+(?:the\s+next\s+)?(a|one|two|three|four|\d+)\s+(day|week)s?\b", re.IGNORECASE)
# A day and a month in figures: 15/12 (the day first, as most of the world writes it) or 12/15 (the month first,
# as in the US); only a day above 12 tells them apart, so 3/12 is not read at all.
_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})/(\d{1,2})(?![\d/])")
_SHORT_DAYS = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4}
_SHORT_WEEKDAY = re.compile(r"\b(next\s+)?(mon|tues?|wed|thu(?:rs?)?|fri)\b\.?", re.IGNORECASE)
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4}


def needed_by(text: str, today: date) -> date | None:
    """The date a message asks for, in everyday words: "15 Jan", "December 12", "2027-01-31", "15/12" or "12/15"
    (only when the day is above 12), "tomorrow", "by Friday" or "by Fri", "next Tuesday", "this week" (its
    Friday), "next week" (its Monday), "end of next week", "in two weeks", "end of the month", "end of year". A
    day and month already past this year mean next year's."""
    lowered = text.lower()
    written, day = _written_date(lowered, today)
    if written:
        return day
    monday = today - timedelta(days=today.weekday())
    if "end of next week" in lowered:
        return monday + timedelta(days=11)
    if re.search(r"\b(end of (?:the )?year|eoy|year-end|year end)\b", lowered):
        return date(today.year, 12, 31)
    if re.search(r"\b(end of (?:the )?month|end of month|eom)\b", lowered):
        return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    if re.search(r"\b(this week|end of (?:the )?week|eow)\b", lowered):
        return monday + timedelta(days=4)
    if re.search(r"\bnext week\b", lowered):
        return monday + timedelta(days=7)
    if re.search(r"\btomorrow\b", lowered):
        return today + timedelta(days=1)
    if re.search(r"\btoday\b", lowered):
        return today
    if found := _IN_N.search(lowered):
        n = _NUMBERS.get(found.group(1)) or int(found.group(1)[:4])
        days = n * (7 if found.group(2) == "week" else 1)
        return today + timedelta(days=days) if days <= 730 else None  # "in 99999 days" is not a date
    if found := _WEEKDAY.search(lowered):
        return _weekday(today, monday, _DAYS[found.group(2)], bool(found.group(1)))
    if found := _SHORT_WEEKDAY.search(lowered):
        return _weekday(today, monday, _SHORT_DAYS[found.group(2).lower()], bool(found.group(1)))
    return None


def _written_date(lowered: str, today: date) -> tuple[bool, date | None]:
    """Whether a date is written as one ("2027-01-31", "15 Jan", "December 12", "15/12"), and which (None for one
    that does not exist)."""
    if found := _ISO.search(lowered):
        try:
            return True, date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            return True, None
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        if found := pattern.search(lowered):
            word = found.group(month_group).lower()
            month = _MONTHS.get(word) or _MONTHS.get(word[:3])
            if month:
                return True, _this_or_next_year(today, month, int(found.group(day_group)))
    if found := _NUMERIC.search(lowered):
        first, second = int(found.group(1)), int(found.group(2))
        if first > 12 >= second >= 1:
            return True, _this_or_next_year(today, second, first)
        if second > 12 >= first >= 1:
            return True, _this_or_next_year(today, first, second)
    return False, None


def _weekday(today: date, monday: date, weekday: int, following: bool) -> date:
    """The coming `weekday` (today, if it is that day), or with `following` ("next Friday") the one of next week."""
    if following:
        return monday + timedelta(days=7 + weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _this_or_next_year(today: date, month: int, day: int) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None
