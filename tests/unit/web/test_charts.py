"""The dashboard's SVG charts, on hand-checked data: axis tops, bar heights, labels, escaping."""

from __future__ import annotations

import re

import pytest

from robots.web import charts
from robots.web.charts import BOTTOM, HEIGHT, TOP, Bar

PLOT_H = HEIGHT - TOP - BOTTOM  # 172 px for the full axis


@pytest.mark.parametrize(("value", "top"), [(0, 1), (1, 1), (1.5, 2), (3, 5), (7, 10), (10, 10), (11, 20),
                                            (250, 500), (501, 1000)])
def test_nice_max(value: float, top: float) -> None:
    assert charts.nice_max(value) == top


def heights(svg: str) -> list[float]:
    bar = r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="#[0-9a-f]+"><title>'
    return [float(h) for h in re.findall(bar, svg)]  # the legend's swatches have no <title>


def test_stacked_bars_heights_are_proportional_to_the_axis_top() -> None:
    svg = str(charts.stacked_bars("Sager pr. dag", [Bar("01/12", (6, 3, 1)), Bar("02/12", (0, 0, 0)),
                                                      Bar("03/12", (2, 0, 0))],
                                  [("Færdige", "#1a7f37"), ("Manuelle", "#d4a72c"), ("Fejl", "#b42318")]))
    # top = 10: 6 -> 60 %, 3 -> 30 %, 1 -> 10 %, 2 -> 20 %; the empty day draws nothing
    assert heights(svg) == [round(PLOT_H * f, 1) for f in (0.6, 0.3, 0.1, 0.2)]
    assert "<title>Sager pr. dag</title>" in svg and "i alt 12" in svg
    assert "01/12: Manuelle 3" in svg and ">10</text>" in svg  # the axis top label
    assert svg.count("<rect") == 4 + 3  # four bars and the three legend swatches


def test_grouped_bars_cap_at_the_given_top_and_skip_missing_values() -> None:
    groups = [Bar("nov 2026", (50.0, float("nan"))), Bar("dec 2026", (100.0, 25.0))]
    svg = str(charts.grouped_bars("Automatisering", groups, ["flex_wage", "negative_pay"], unit=" %", top=100.0))
    assert heights(svg) == [round(PLOT_H * f, 1) for f in (0.5, 1.0, 0.25)]
    assert "nov 2026: flex_wage 50 %" in svg and "nov 2026: negative_pay" not in svg
    assert ">100 %</text>" in svg


def test_text_is_escaped() -> None:
    svg = str(charts.stacked_bars("<script>", [Bar("a&b", (1,))], [("x<y", "#000")]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg and "x&lt;y" in svg
