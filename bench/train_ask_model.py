"""`python -m bench.train_ask_model`: train the ask reader's small model (`bot/rules/ask_model.py`) on the first
labelled set and the development half, choose its strength and threshold by cross-validation on those alone,
and write `bot/rules/ask_model.json`. The held-out half is never read here. Needs scikit-learn (`pip install
'.[train]'`); the bot itself does not.
"""

from __future__ import annotations

import json
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from bot.rules.ask_model import WEIGHTS, features
from tests.asks_development import DEVELOPMENT
from tests.asks_measure import first_set

STRENGTHS = (1.0, 3.0, 10.0, 30.0)
THRESHOLDS = (0.5, 0.6, 0.7, 0.8)
MIN_PRECISION = 0.95  # of the model alone, out of fold: it may add asks, rarely false offers


def _fit(texts: np.ndarray, labels: np.ndarray, strength: float) -> tuple[TfidfVectorizer, LogisticRegression]:
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True)
    matrix = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=strength, max_iter=5000, class_weight="balanced").fit(matrix, labels)
    return vectorizer, model


def choose(texts: np.ndarray, labels: np.ndarray) -> tuple[float, float, float, float]:
    """The strength and threshold with the best out-of-fold recall at MIN_PRECISION (3 x 5-fold)."""
    best = (0.0, 0.0, STRENGTHS[0], THRESHOLDS[-1])
    for strength in STRENGTHS:
        scores = np.zeros((3, len(labels)))
        for seed in range(3):
            for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, labels):
                vectorizer, model = _fit(texts[train], labels[train], strength)
                scores[seed, test] = model.predict_proba(vectorizer.transform(texts[test]))[:, 1]
        for threshold in THRESHOLDS:
            said = scores >= threshold
            true_pos = (said & labels).sum()
            precision = true_pos / max(1, said.sum())
            recall = true_pos / max(1, labels.sum() * 3)
            if precision >= MIN_PRECISION and recall > best[1]:
                best = (precision, recall, strength, threshold)
    return best


def main() -> None:
    rows = first_set() + DEVELOPMENT
    texts = np.array([row[1] for row in rows], dtype=object)
    labels = np.array([row[2] for row in rows])
    precision, recall, strength, threshold = choose(texts, labels)
    vectorizer, model = _fit(texts, labels, strength)
    names = vectorizer.get_feature_names_out()
    coefficients = model.coef_[0]
    weights = [
        [str(name), round(float(idf), 6), round(float(coef), 6)]
        for name, idf, coef in zip(names, vectorizer.idf_, coefficients, strict=True)
        if abs(coef) >= 1e-6
    ]
    checks = [
        [str(t), round(float(p), 6)]
        for t, p in zip(texts[:40], model.predict_proba(vectorizer.transform(texts[:40]))[:, 1], strict=True)
    ]
    data = {
        "trained_on": f"{len(rows)} messages: tests/side_door_messages.py and tests/asks_development.py",
        "chosen_by": f"3 x 5-fold cross-validation: precision {precision:.3f}, recall {recall:.3f} out of fold",
        "strength": strength,
        "threshold": threshold,
        "intercept": round(float(model.intercept_[0]), 6),
        "weights": weights,
        "checks": checks,
    }
    WEIGHTS.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"{len(weights)} weights; C={strength}, threshold {threshold}; {data['chosen_by']}", file=sys.stderr)


if __name__ == "__main__":
    main()
