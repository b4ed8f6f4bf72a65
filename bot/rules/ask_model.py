"""A small learned reader of asks, beside the rules of `bot.rules.ask_reader`: a logistic regression over word,
word-pair and character n-grams of a message, trained by `python -m bench.train_ask_model` on the first labelled
set and the development half (never the held-out half) and shipped as weights (`ask_model.json`). Scoring is
plain Python over those weights: nothing is downloaded or trained at run time, and no machine-learning library
is needed to run the bot.

The rules decide what they recognise; the model only adds asks phrased in ways no rule names ("references
please: Forecast, APAC"), and only where the message still names a kind of ask (see `ask_reader.read`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WEIGHTS = Path(__file__).with_name("ask_model.json")
_WORDS = re.compile(r"[a-z0-9']+")


def features(text: str) -> list[str]:
    """The n-grams a message is read by (the trainer uses this very function): words, pairs of words, and the
    2- to 5-letter pieces of each word with its edges, so "refrence" still shares most of "reference"."""
    words = _WORDS.findall(re.sub(r"\d", "0", text.lower()))
    found = [f"w:{w}" for w in words] + [f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for word in words:
        padded = f" {word} "
        found += [f"c:{padded[i : i + n]}" for n in range(2, 6) for i in range(len(padded) - n + 1)]
    return found


@dataclass(frozen=True)
class AskModel:
    intercept: float
    weights: dict[str, tuple[float, float]]  # feature -> (idf, coefficient)
    threshold: float  # the probability from which the model calls a message an ask

    def probability(self, text: str) -> float:
        """As scikit-learn's TfidfVectorizer (sublinear tf, smooth idf, l2) and LogisticRegression compute it."""
        counts: dict[str, int] = {}
        for feature in features(text):
            if feature in self.weights:
                counts[feature] = counts.get(feature, 0) + 1
        values = {f: (1.0 + math.log(c)) * self.weights[f][0] for f, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        z = self.intercept + sum(v / norm * self.weights[f][1] for f, v in values.items())
        return 1.0 / (1.0 + math.exp(-z))

    def is_ask(self, text: str) -> bool:
        return self.probability(text) >= self.threshold


@cache
def shipped() -> AskModel:
    data = json.loads(WEIGHTS.read_text())
    weights = {f: (float(idf), float(coef)) for f, idf, coef in data["weights"]}
    return AskModel(float(data["intercept"]), weights, float(data["threshold"]))
