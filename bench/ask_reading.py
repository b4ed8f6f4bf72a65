"""Reading a message against the pool's vocabulary (issue 14): at most 5 ms p99 with 100,000 customers.

    python -m bench.ask_reading [--customers 100000]

Builds the vocabulary from generated customer names (three words from a few hundred, so many names share
their first letters: the fuzzy buckets are as full as they get) and reads every labelled message (the first
set, the development and held-out halves), each many times, rules and learned model alike. Not a test: the
figures go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import time

from bench.stats import print_table
from bot.rules.ask_reader import Vocabulary, read
from tests import side_door_messages as labelled
from tests.asks_development import DEVELOPMENT
from tests.asks_held_out import HELD_OUT

WORDS = [
    f"{a}{b}"
    for a in ("Nor", "Glo", "Ini", "Acm", "Umb", "Sta", "Way", "Hoo", "Pie", "Soy")
    for b in ("dic", "bex", "tech", "e", "rella", "rk", "ne", "li", "per", "lent", "tron", "vex", "dyne", "ford")
]
SUFFIXES = ["Retail", "Bank", "Health", "Foods", "Systems", "Labs", "Group", "Industries", "Shops", "Imports"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(14)
    names = [(i, f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(SUFFIXES)}") for i in range(args.customers)]
    names += list(enumerate(labelled.CUSTOMERS, start=args.customers))
    start = time.perf_counter()
    vocabulary = Vocabulary.build(
        names,
        products=labelled.PRODUCTS,
        industries=labelled.INDUSTRIES,
        regions=labelled.REGIONS,
        sizes=labelled.SIZES,
    )
    built = time.perf_counter() - start
    timings = []
    texts = [row[0] for row in labelled.MESSAGES] + [row[1] for row in DEVELOPMENT + HELD_OUT]
    for _ in range(args.rounds):
        for text in texts:
            start = time.perf_counter()
            read(text, vocabulary, today=labelled.TODAY)
            timings.append((time.perf_counter() - start) * 1000)
    print(f"vocabulary of {len(names)} customers built in {built:.2f} s")
    print_table(f"reading one message, ms ({len(timings)} reads)", {"read": timings}, digits=3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
