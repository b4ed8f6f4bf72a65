"""The program's charts, drawn by matplotlib (bot/rules/charts.py): issue 26's friction "the chart of the mix
cuts long product names and shows a 0% product as an empty slot; the spread chart never names who is
over-asked"."""

from __future__ import annotations

from datetime import date

from bot.rules.charts import mix_chart, mix_figure, spread_chart, spread_figure
from bot.rules.program_rules import MixLine, ProgramStanding, Variety

LONG = "Enterprise Analytics Cloud for Financial Services"


def standing(**kw) -> ProgramStanding:
    mix = (MixLine(LONG, 40, 55.0, 30.0), MixLine("Billing", 30, 45.0, 20.0), MixLine("Payments", 30, 0.0, 10.0))
    return ProgramStanding(date(2026, 12, 7), 90, 20, mix, (), **kw)


def test_the_mix_chart_shows_every_product_name_whole_and_a_product_never_served_as_0_percent():
    figure = mix_figure(standing())
    assert figure is not None
    axes = figure.axes[0]
    names = ["".join(t.get_text().split()) for t in axes.get_yticklabels()]
    assert "".join(LONG.split()) in names and "Payments" in names  # wrapped over lines, never cut with "…"
    values = [a.get_text() for a in axes.texts]  # each bar labelled with its value
    assert "0%" in values and "55%" in values and "40%" in values, values
    chart = mix_chart(standing())
    assert chart is not None and chart.png.startswith(b"\x89PNG") and "Payments target 30%, served 0%" in chart.alt


def test_the_spread_chart_names_the_customers_asked_most():
    s = standing(
        variety=Variety(segments=3, thin=(), empty=0, never_asked=10, active=14),
        histogram={1: 2, 4: 1, 5: 1},
        most_asked=(("Acme", 5), ("Globex", 4), ("Initech", 1)),
    )
    figure = spread_figure(s)
    assert figure is not None
    said = " ".join(t.get_text() for t in figure.texts)
    assert "Asked most: Acme 5 times, Globex 4 times" in said and "Initech" not in said
    chart = spread_chart(s)
    assert chart is not None and chart.alt.endswith("Asked most: Acme 5 times, Globex 4 times")
