"""`python -m bench.reader_figures`: the ask reader's precision, recall and field accuracy on each labelled set
(the first set, the development half, the held-out half; issue 23), by team, with every miss listed (`-v`).

The held-out half (tests/asks_held_out.py) was written before the rules were changed for it and is never tuned
on: its figures are the honest estimate of how the reader does on messages nobody wrote it for.
"""

from __future__ import annotations

import sys
import time

from bot.rules.ask_reader import read
from tests import side_door_messages as first
from tests.asks_development import DEVELOPMENT
from tests.asks_held_out import HELD_OUT
from tests.asks_held_out_2 import HELD_OUT_2
from tests.asks_measure import first_set, measure, vocabulary

SETS = {
    "first set": first_set,
    "development half": lambda: DEVELOPMENT,
    "held-out half": lambda: HELD_OUT,
    "second held-out set": lambda: HELD_OUT_2,
}


def main() -> None:
    vocab = vocabulary()
    verbose = "-v" in sys.argv
    for label, rows in SETS.items():
        whole, by_team = measure(rows(), vocab)
        print(whole.line(label))
        for team, figures in sorted(by_team.items()):
            if label != "first set":
                print("  " + figures.line(team))
        if verbose:
            print("\n".join("    " + m for m in whole.misses))
    texts = [row[1] for rows in SETS.values() for row in rows()]
    started = time.perf_counter()
    for text in texts:
        read(text, vocab, today=first.TODAY)
    spent = (time.perf_counter() - started) / len(texts) * 1000
    print(f"mean read: {spent:.3f} ms per message (small pool; bench.load measures 100k customers)")


if __name__ == "__main__":
    main()
