"""Issue 14: the reader of plain words, measured on a labelled set of Slack messages (tests/side_door_messages.py):
precision and recall of "is this a reference ask", and how often the kind, product and date are read right."""

from __future__ import annotations

import json
import time
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain import AskType
from bot.rules import ask_model, ask_reader
from bot.rules.ask_reader import Vocabulary, needed_by, read
from tests import side_door_messages as labelled
from tests.asks_development import DEVELOPMENT
from tests.asks_held_out import HELD_OUT
from tests.asks_held_out_2 import HELD_OUT_2
from tests.asks_measure import Figures, first_set, measure
from tests.asks_measure import vocabulary as labelled_vocabulary


def _figures(rows) -> Figures:
    whole, _by_team = measure(rows, labelled_vocabulary())
    return whole


def test_the_sets_the_reader_was_built_on_are_read_with_precision_095_recall_090_and_fields_right_90_percent(
    record_property,
):
    # The first set (issue 14) and the development half (issue 23): what the rules and the model learned from, so
    # a regression guard rather than a measure of messages nobody wrote the reader for.
    assert len(labelled.MESSAGES) >= 150 and len(DEVELOPMENT) >= 75
    for label, rows in (("first set", first_set()), ("development half", DEVELOPMENT)):
        figures = _figures(rows)
        record_property("figures", "\n    ".join([f"Ask reader, {figures.line(label)}", *figures.misses]))
        assert figures.precision >= 0.95 and figures.recall >= 0.90, figures.misses
        assert all(figures.accuracy(n) >= 0.90 for n in figures.fields), figures.misses


def test_the_held_out_sets_are_read_at_least_as_well_as_when_they_were_first_read(record_property):
    # Issue 23's measure: messages written before the rules were changed for them. First readings
    # (docs/performance.md): the first held-out half, precision 1.00 and recall 0.82 (kind 1.00, product 1.00, date
    # 0.77); it was then spent (its misses seen, a second development batch written). The second held-out set,
    # written before that batch and read once after it: precision 0.92, recall 0.76, kind, product and date 1.00.
    # The goal is precision 0.95 and recall 0.90 on messages nobody tuned for; these floors keep it from falling.
    assert len(HELD_OUT) >= 75 and len(HELD_OUT) + len(DEVELOPMENT) >= 150 and len(HELD_OUT_2) >= 75
    floors = {"held-out half": (HELD_OUT, 0.95, 0.90), "second held-out set": (HELD_OUT_2, 0.90, 0.75)}
    for label, (rows, precision, recall) in floors.items():
        figures = _figures(rows)
        record_property("figures", "\n    ".join([f"Ask reader, {figures.line(label)}", *figures.misses]))
        assert figures.precision >= precision and figures.recall >= recall, figures.misses
        assert all(figures.accuracy(n) >= 0.90 for n in figures.fields), figures.misses


def test_the_shipped_model_scores_as_scikit_learn_scored_it_when_trained():
    data = json.loads(ask_model.WEIGHTS.read_text())
    model = ask_model.shipped()
    assert len(data["checks"]) >= 20 and model.threshold == data["threshold"]
    for text, trained in data["checks"]:
        assert abs(model.probability(text) - trained) < 1e-5, text


def test_the_model_adds_asks_the_rules_miss_but_never_without_a_kind_of_ask(monkeypatch):
    vocabulary = labelled_vocabulary()
    today = labelled.TODAY
    # "eager to" is no wish the rules know: the model reads it as an ask, and the rules name its kind.
    text = "prospect in banking eager to speak with a Payments customer"
    reading = read(text, vocabulary, today=today)
    assert reading.is_ask and reading.ask_type is AskType.REFERENCE_CALL and reading.product == "Payments"
    with monkeypatch.context() as without_model:
        without_model.setattr(ask_model.AskModel, "is_ask", lambda self, text: False)
        assert not read(text, vocabulary, today=today).is_ask
    # No kind of ask named: whatever the model thinks, nothing is offered.
    assert not read("customers customers customers, please help", vocabulary, today=today).is_ask


def test_dates_in_everyday_words():
    tuesday = date(2026, 11, 24)
    cases = {
        "by Friday": date(2026, 11, 27),
        "next Friday": date(2026, 12, 4),
        "next week": date(2026, 11, 30),
        "end of the month": date(2026, 11, 30),
        "15 Jan": date(2027, 1, 15),
        "January 15th": date(2027, 1, 15),
        "3rd of December": date(2026, 12, 3),
        "in 3 days": date(2026, 11, 27),
        "tomorrow": date(2026, 11, 25),
        "needed by 15/12": date(2026, 12, 15),  # the day first
        "call would be 12/15": date(2026, 12, 15),  # the month first
        "by 3/12": None,  # 3 December or 12 March: not guessed
        "ref #4471/2026": None,
        "by Wed": date(2026, 11, 25),
        "next Thu": date(2026, 12, 3),
        "before end of year": date(2026, 12, 31),
        "in the next two weeks": date(2026, 12, 8),
        "2027-02-30": None,
        "31 Feb": None,
        "sometime soon": None,
        "in 99999999999999999999 days": None,  # not a date, and no overflow
    }
    for words, expected in cases.items():
        assert needed_by(words, tuesday) == expected, words


def test_customer_names_are_found_exactly_or_within_a_typo_but_not_in_lower_case_words():
    vocabulary = Vocabulary.build([(1, "Globex Bank"), (2, "Box Inc"), (3, "Nordic Shops")], products=["Billing"])
    today = date(2026, 11, 24)
    assert read("can we get Globex Bank for a reference call?", vocabulary, today=today).customer == (1, "Globex Bank")
    assert read("can we get Globx Bank for a reference call?", vocabulary, today=today).customer == (1, "Globex Bank")
    assert read("need a case study from Nordic Shop on Billing", vocabulary, today=today).customer == (
        3,
        "Nordic Shops",
    )
    assert read("need a reference call, check the box first", vocabulary, today=today).customer is None


def test_odd_messages_are_not_asks_and_cost_little():
    vocabulary = labelled_vocabulary()
    today = labelled.TODAY
    odd = [
        "",
        ":wave: :tada:",
        "https://example.com/a https://example.com/b",
        "```need a reference call```",
        "need a reference call " * 5000,  # very long: read, capped
        "Wir brauchen einen Referenzanruf",
        "\x00\x01 need",
    ]
    readings = [read(text, vocabulary, today=today) for text in odd]
    assert [r.is_ask for r in readings] == [False, False, False, False, True, False, False]
    assert readings[4].ask_type is AskType.REFERENCE_CALL
    start = time.perf_counter()
    for text, *_ in labelled.MESSAGES:
        read(text, vocabulary, today=today)
    assert ask_reader.MAX_READ == 2000 and time.perf_counter() - start >= 0  # timing is measured in bench/


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_any_text_reads_without_error_and_an_ask_always_says_its_kind(text):
    reading = read(text, _VOCABULARY, today=labelled.TODAY)
    assert reading.is_ask == (reading.ask_type is not None)
    if reading.customer is not None:
        assert reading.customer in _CUSTOMERS


_VOCABULARY = labelled_vocabulary()
_CUSTOMERS = set(enumerate(labelled.CUSTOMERS, start=1))
