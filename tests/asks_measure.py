"""Measuring the ask reader on a labelled set: precision and recall of offers, and how often the kind, product
and date are read right in the asks offered. Shared by tests/test_ask_reader.py and bench/reader_figures.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bot.rules.ask_reader import Vocabulary, read
from tests import side_door_messages as first
from tests.asks_held_out import LabelledRow


def vocabulary() -> Vocabulary:
    return Vocabulary.build(
        enumerate(first.CUSTOMERS, start=1),
        products=first.PRODUCTS,
        industries=first.INDUSTRIES,
        regions=first.REGIONS,
        sizes=first.SIZES,
    )


@dataclass
class Figures:
    messages: int = 0
    asks: int = 0
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    fields: dict[str, list[int]] = field(default_factory=lambda: {"kind": [0, 0], "product": [0, 0], "date": [0, 0]})
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.true_pos / max(1, self.true_pos + self.false_pos)

    @property
    def recall(self) -> float:
        return self.true_pos / max(1, self.true_pos + self.false_neg)

    def accuracy(self, name: str) -> float:
        right, total = self.fields[name]
        return right / max(1, total)

    def line(self, label: str) -> str:
        def share(right: int, total: int) -> str:
            return f"{right / total:.2f}" if total else "-"

        fields = ", ".join(f"{n} {share(*self.fields[n])} of {self.fields[n][1]}" for n in self.fields)
        offered = self.true_pos + self.false_pos
        return (
            f"{label}: {self.messages} messages ({self.asks} asks): precision {share(self.true_pos, offered)}, "
            f"recall {share(self.true_pos, self.asks)}; read right in offered asks: {fields}"
        )


def measure(rows: list[LabelledRow], vocab: Vocabulary) -> tuple[Figures, dict[str, Figures]]:
    """Offers are what is measured: precision and recall of "reads as an ask"; kind, product and date are checked
    in the asks offered (a missed ask is counted once, in recall)."""
    whole, by_team = Figures(), defaultdict[str, Figures](Figures)
    for team, text, is_ask, kind, product, day in rows:
        reading = read(text, vocab, today=first.TODAY)
        for figures in (whole, by_team[team]):
            figures.messages += 1
            figures.asks += is_ask
            if reading.is_ask and is_ask:
                figures.true_pos += 1
            elif reading.is_ask:
                figures.false_pos += 1
            elif is_ask:
                figures.false_neg += 1
        if reading.is_ask != is_ask:
            whole.misses.append(f"{'offered' if reading.is_ask else 'missed'}: {text!r}")
        if not (is_ask and reading.is_ask):
            continue
        stated = {
            "kind": (kind, reading.ask_type.value if reading.ask_type else None),
            "product": (product, reading.product),
            "date": (day, reading.needed_by.isoformat() if reading.needed_by else None),
        }
        for name, (expected, got) in stated.items():
            if expected is None:
                continue
            for figures in (whole, by_team[team]):
                figures.fields[name][1] += 1
                figures.fields[name][0] += expected == got
            if expected != got:
                whole.misses.append(f"{name}: expected {expected}, read {got}: {text!r}")
    return whole, dict(by_team)


def first_set() -> list[LabelledRow]:
    return [("any", *row) for row in first.MESSAGES]
