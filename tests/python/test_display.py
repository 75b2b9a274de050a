"""How results read in a notebook: units, number formats, `_repr_html_` of Results, Comparison and
Attribution, the scenario's `currency`, and the plots' axes, titles and nine-grid (cathedral.display,
cathedral.plots)."""
from __future__ import annotations

import math
from html.parser import HTMLParser

import numpy as np
import pytest

import cathedral
from cathedral import display
from conftest import run, small_scenario_dict


class _Tables(HTMLParser):
    """The tables of an HTML text as lists of rows of cell texts (headers included)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_of(text: str) -> list[list[list[str]]]:
    p = _Tables()
    p.feed(text)
    return p.tables


def rows_by_first_cell(table):
    header, *rows = table
    return header, {r[0]: dict(zip(header, r)) for r in rows if r[0]}


def number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").strip())


@pytest.fixture(scope="module")
def eur_scenario():
    d = small_scenario_dict()
    d["currency"] = "kEUR"
    d["horizon_weeks"] = 104
    return cathedral.Scenario.from_dict(d)


@pytest.fixture(scope="module")
def eur_results(eur_scenario):
    return run(eur_scenario, replications=60)


@pytest.fixture(scope="module")
def comparison(eur_scenario):
    plans = {"steady": eur_scenario.policy,
             "more visits": {"type": "static", "default": {"visits": 3.0, "value_hours": 4.0}}}
    return cathedral.compare(eur_scenario, plans, replications=60, progress=False)


@pytest.fixture(scope="module")
def attribution(eur_scenario):
    more = {"type": "static", "default": {"visits": 3.0, "value_hours": 4.0, "social_hours": 3.0}}
    return cathedral.attribute(eur_scenario, eur_scenario.policy, more, replications=40, progress=False,
                               names=("steady", "more effort"))


# --- the currency field -------------------------------------------------------------------------
def test_currency_defaults_to_k_and_round_trips(small_scenario, eur_scenario):
    assert small_scenario.currency == "k" == small_scenario.to_dict()["currency"]
    assert eur_scenario.currency == "kEUR"
    assert cathedral.Scenario.from_dict(eur_scenario.to_dict()).currency == "kEUR"
    assert small_scenario.with_settings(currency="MUSD").currency == "MUSD"


def test_currency_must_be_a_string(small_dict):
    small_dict["currency"] = 5
    with pytest.raises(cathedral.ScenarioError, match=r"^currency: must be a string, got 5"):
        cathedral.Scenario.from_dict(small_dict)
    small_dict["currency"] = "k"
    small_dict["curency"] = "k"
    with pytest.raises(cathedral.ScenarioError, match='curency: unknown key; did you mean "currency"'):
        cathedral.Scenario.from_dict(small_dict)


def test_currency_is_in_the_schema_and_the_format_docs():
    schema = cathedral.scenario_schema()
    assert schema["properties"]["currency"]["type"] == "string"
    assert schema["properties"]["currency"].get("default") == "k"


# --- units and formats -------------------------------------------------------------------------------
def test_every_kpi_has_a_unit(eur_results):
    for k in eur_results.kpi_table().index:
        assert display.kpi_unit(k, "kEUR", 104)  # raises for a KPI missing from KPI_UNITS


def test_kpi_units_name_the_currency_and_the_horizon():
    assert display.kpi_unit("revenue", "k", 156) == "k, 3-year total"
    assert display.kpi_unit("contribution", "kEUR", 26) == "kEUR, 26-week total"
    assert display.kpi_unit("revenue_year_2", "kEUR", 156) == "kEUR, year 2"
    assert display.kpi_unit("revenue_per_am_year", "k", 156) == "k per AM and year"
    assert display.kpi_unit("win_rate", "k", 156) == "%"
    assert display.kpi_axis_label("gross_profit", "k", 156) == "gross profit (k, 3-year total)"
    with pytest.raises(KeyError, match="no_such_kpi"):
        display.kpi_unit("no_such_kpi")


@pytest.mark.parametrize("value, kind, text", [
    (1234567.8, "money", "1,234,568"), (-98765.4, "money", "-98,765"), (0.253, "share", "25.3 %"),
    (float("nan"), "money", "–"), (None, "money", ""), (12, "count", "12"), (3.14159, "number", "3.14"),
    (0.01234, "number", "0.0123"), (1.5, "factor", "1.50"), (True, "number", "yes"), (-0.105, "points", "-10.5 pp"),
])
def test_format_value(value, kind, text):
    assert display.format_value(value, kind) == text


def test_format_interval():
    assert display.format_interval(1000, 2500.4, "money") == "1,000 – 2,500"
    assert display.format_interval(0.231, 0.25, "share") == "23.1 – 25.0 %"
    assert display.format_interval(float("nan"), 3, "money") == "–"


def test_html_table_formats_columns_rows_and_intervals():
    import pandas as pd

    frame = pd.DataFrame({"revenue": [12345.6, float("nan")], "share": [0.5, 0.25],
                          "interval": [(1000.0, 2000.0), (1.0, 2.0)]},
                         index=pd.Index(["a", "b"], name="plan"))
    text = display.html_table(frame, title="T <1>", currency="kEUR", units={"revenue": "money", "share": "share"})
    assert "T &lt;1&gt;" in text  # escaped
    (table,) = tables_of(text)
    assert table[0] == ["plan", "revenue (kEUR)", "share", "interval"]  # shares carry their % sign
    assert table[1] == ["a", "12,346", "50.0 %", "1,000 – 2,000"]
    assert table[2] == ["b", "–", "25.0 %", "1 – 2"]
    # rows as KPIs: a unit column, and a repeated first index label is left blank
    idx = pd.MultiIndex.from_tuples([("revenue", "x"), ("revenue", "y"), ("win_rate", "x")], names=["kpi", "plan"])
    t2 = pd.DataFrame({"mean": [2e6, 3e6, 0.3]}, index=idx)
    (table,) = tables_of(display.html_table(t2, row_units=display.kpi_row_units(["revenue", "win_rate"], "k", 156)))
    assert table[0] == ["kpi", "plan", "unit", "mean"]
    assert table[1] == ["revenue", "x", "k, 3-year total", "2,000,000"]
    assert table[2][:2] == ["", "y"]
    assert table[3] == ["win_rate", "x", "%", "30.0 %"]
    cut = display.html_table(pd.DataFrame({"v": range(10)}), max_rows=3)
    assert len(tables_of(cut)[0]) == 4 and "7 more rows" in cut


# --- _repr_html_ ----------------------------------------------------------------------------------------
def test_results_repr_html_shows_the_kpi_table(eur_results, eur_scenario):
    text = eur_results._repr_html_()
    assert not any(c.lower() in ("nan", "inf", "-inf") for t in tables_of(text) for r in t for c in r)
    assert eur_scenario.name in text and "60 replications" in text and "2-year total" in text
    assert "the scenario's static plan on " in text  # the plan by its kind, when it has no name
    (table,) = tables_of(text)
    header, rows = rows_by_first_cell(table)
    assert header == ["kpi", "unit", "mean", "95 % interval", "5–95 % of replications"]
    t = eur_results.kpi_table()
    assert set(rows) == set(t.index)
    rev = rows["revenue"]
    assert rev["unit"] == "kEUR, 2-year total"
    assert rev["mean"] == display.format_value(t.loc["revenue", "mean"], "money")
    assert number(rev["mean"]) == pytest.approx(t.loc["revenue", "mean"], abs=0.5 if t.loc["revenue", "mean"] >= 100 else 0.05)
    lo, hi = rev["95 % interval"].split(" – ")
    assert number(lo) == pytest.approx(t.loc["revenue", "ci_low"], abs=0.51)
    assert number(hi) == pytest.approx(t.loc["revenue", "ci_high"], abs=0.51)
    assert "," in rows["revenue"]["mean"] or t.loc["revenue", "mean"] < 1000
    assert rows["win_rate"]["mean"].endswith("%")
    assert number(rows["win_rate"]["mean"]) == pytest.approx(100 * t.loc["win_rate", "mean"], abs=0.051)


def test_results_repr_html_names_the_plan_once_named(eur_results):
    old = eur_results.plan_name
    try:
        eur_results.plan_name = "Cathedral by tier"
        assert "Cathedral by tier on " in eur_results._repr_html_()
    finally:
        eur_results.plan_name = old


def test_comparison_repr_html_is_the_paired_table(comparison):
    text = comparison._repr_html_()
    assert "paired with 'steady'" in text and "common random numbers" in text
    (table,) = tables_of(text)
    header = table[0]
    assert header == ["kpi", "plan", "unit", "mean", "difference to steady", "95 % interval of the difference",
                      "P(beats baseline)"]
    t = comparison.table()
    body = table[1:]
    kpis = [r[0] for r in body if r[0]]
    assert kpis == [k for k in comparison.DISPLAY_KPIS]
    rev_rows = body[kpis.index("revenue") * 2: kpis.index("revenue") * 2 + 2]
    base, other = rev_rows
    assert base[1] == "steady" and base[4] == "baseline" and base[5] == "" and base[6] == ""
    assert other[1] == "more visits"
    r = t.loc[("revenue", "more visits")]
    assert other[4] == ("+" if r["diff"] > 0 else "") + display.format_value(r["diff"], "money")
    assert number(other[4]) == pytest.approx(r["diff"], abs=0.5 if abs(r["diff"]) >= 100 else 0.05)
    assert other[5] == display.format_interval(r["diff_ci_low"], r["diff_ci_high"], "money")
    assert number(other[6]) == pytest.approx(100 * r["p_beats_baseline"], abs=0.051)
    assert other[2] == "kEUR, 2-year total"
    win = body[kpis.index("win_rate") * 2 + 1]
    assert win[2] == "%" and win[3].endswith(" %") and win[4].endswith(" pp")  # a share; its difference in points
    assert number(win[4].replace("pp", "")) == pytest.approx(100 * t.loc[("win_rate", "more visits"), "diff"], abs=0.051)


def test_comparison_names_its_results(comparison):
    assert [r.plan_name for r in comparison.results.values()] == ["steady", "more visits"]
    assert comparison.currency == "kEUR"


def test_attribution_repr_html(attribution):
    text = attribution._repr_html_()
    assert "From steady to more effort" in text
    (table,) = tables_of(text)
    assert table[0] == ["kpi", "part", "unit", "value", "95 % interval"]
    parts = [r[1] for r in table[1:]]
    assert parts[:6] == ["steady", "key layer", "broad layer", "organisational layer", "total change", "more effort"]
    t = attribution.table()
    assert table[1][3] == display.format_value(t.loc[("revenue", "base"), "value"], "money")
    assert table[1][2] == "kEUR, 2-year total"


# --- plots ------------------------------------------------------------------------------------------------
def test_fan_chart_names_plans_and_units(comparison):
    from cathedral.plots import fan_chart

    fig = fan_chart(comparison.results)
    axes = fig.axes
    assert [a.get_title() for a in axes] == ["steady", "more visits"]
    assert axes[0].get_ylabel() == "revenue per 13 weeks (kEUR)"
    assert "small test portfolio" in fig._suptitle.get_text()
    fig.canvas.draw()
    labels = [t.get_text() for t in axes[0].get_yticklabels() if t.get_text()]
    assert all("e" not in s for s in labels)  # written out, no scientific notation


def test_plot_fan_titles_the_plan(eur_results):
    fig = eur_results.plot_fan()
    assert fig.axes[0].get_title() == eur_results.plan_name


def test_paired_difference_chart_shows_the_paired_differences(comparison):
    fig = comparison.plot_differences(["revenue", "win_rate"])
    t = comparison.table(["revenue", "win_rate"])
    for ax, k in zip(fig.axes, ["revenue", "win_rate"]):
        assert f"difference to steady" in ax.get_title()
        unit = "percentage points" if k == "win_rate" else display.kpi_unit(k, "kEUR", 104)
        assert f"paired difference ({unit})" in ax.get_xlabel()
        (line,) = [l for l in ax.get_lines() if len(l.get_xdata()) == 1 and l.get_marker() == "o"]
        assert line.get_xdata()[0] == pytest.approx(t.loc[(k, "more visits"), "diff"])
        assert [tl.get_text() for tl in ax.get_yticklabels()] == ["more visits"]
        lo, hi = ax.get_xlim()
        assert lo < 0 < hi and lo <= t.loc[(k, "more visits"), "diff_ci_low"] and t.loc[(k, "more visits"), "diff_ci_high"] <= hi


def test_comparison_plot_has_differences_above_distributions(comparison):
    fig = comparison.plot()
    titles = [a.get_title() for a in fig.axes]
    assert titles[:2] == ["revenue: difference to steady", "contribution: difference to steady"]
    assert titles[2:] == ["revenue: each plan over replications", "contribution: each plan over replications"]
    assert fig.axes[2].get_ylabel() == "revenue (kEUR, 2-year total)"


def test_comparison_plot_survives_one_replication(eur_scenario):
    c = cathedral.compare(eur_scenario, {"a": eur_scenario.policy, "b": {"type": "static", "default": {"visits": 2}}},
                          replications=1, progress=False)
    c.plot()  # no density from one value: drawn as a mark, not an error


def test_waterfall_starts_at_zero_and_labels_units(attribution):
    fig = attribution.plot("revenue")
    left, right = fig.axes
    assert left.get_ylim()[0] == 0
    assert left.get_ylabel() == "revenue (kEUR, 2-year total)"
    assert "steady → more effort" in left.get_title()
    ticks = [t.get_text() for t in left.get_xticklabels()]
    assert ticks[0] == "steady" and ticks[-1] == "more effort"
    assert "kEUR, 2-year total" in right.get_xlabel()
    with pytest.raises(ValueError, match="was not attributed"):
        attribution.plot("spend")


def test_nine_grid_one_orientation_with_a_legend(eur_results):
    from cathedral.plots import TARGET_COLOUR, RISK_COLOUR

    fig = eur_results.plot_nine_grid()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["opposed", "neutral", "supportive"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["high", "medium", "low"]  # high at the top
    assert "support" in ax.get_xlabel() and "intimacy" in ax.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(s.startswith("target cell") for s in legend) and any(s.startswith("risk cell") for s in legend)
    # the target cell's frame is top right (row 0 is the top of an image), the risk cell's top left
    rects = {tuple(np.round(p.get_edgecolor()[:3], 3)): p.get_xy() for p in ax.patches}
    from matplotlib.colors import to_rgb

    assert rects[tuple(np.round(to_rgb(TARGET_COLOUR), 3))] == (1.5, -0.5)
    assert rects[tuple(np.round(to_rgb(RISK_COLOUR), 3))] == (-0.5, -0.5)


def test_report_nine_grid_has_the_same_orientation():
    import pandas as pd
    from cathedral.crm.report import _nine_grid_fig

    contacts = pd.DataFrame({"contact_id": ["x-c1", "x-c2"], "influence": [1.0, 2.0],
                             "intimacy": [0.9, 0.1], "support": [0.8, -0.8]})
    fig = _nine_grid_fig(contacts, "t")
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 <= -1 and x1 >= 1 and y0 <= 0 and y1 >= 1 and x1 - x0 < 2.3 and y1 - y0 < 1.15
    assert "support" in ax.get_xlabel() and "intimacy" in ax.get_ylabel()
    offsets = ax.collections[0].get_offsets()
    assert offsets[0].tolist() == [0.8, 0.9]  # (support, intimacy): the first contact is in the target cell


def test_place_labels_do_not_overlap():
    import matplotlib.pyplot as plt
    from cathedral.crm.report import place_labels

    fig, ax = plt.subplots(figsize=(3, 3))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    rng = np.random.default_rng(3)
    xs, ys = 0.5 + 0.04 * rng.standard_normal(8), 0.5 + 0.04 * rng.standard_normal(8)  # a tight cluster
    anns = place_labels(ax, xs, ys, [f"c{i}" for i in range(8)])
    fig.canvas.draw()
    from matplotlib.text import Text

    boxes = [Text.get_window_extent(a) for a in anns]  # the label, without its leader line
    overlaps = [(i, j) for i in range(len(boxes)) for j in range(i) if boxes[i].overlaps(boxes[j])]
    assert not overlaps
    plt.close(fig)


def test_wallet_ticks_are_written_out():
    import matplotlib.pyplot as plt
    from cathedral.crm.report import _wallet_ticks

    fig, ax = plt.subplots()
    ax.set_yscale("log")
    ax.set_ylim(80, 30000)
    _wallet_ticks(ax.yaxis, 80, 30000)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels == ["100", "200", "500", "1,000", "2,000", "5,000", "10,000", "20,000"]
    plt.close(fig)


def test_html_table_aligns_numbers_right_and_words_left():
    import pandas as pd
    import re

    text = display.html_table(pd.DataFrame({"diff": ["baseline", "+1,234"], "plan": ["a", "b"]}))
    aligns = re.findall(r"<td style='[^']*text-align:(\w+)'>([^<]*)</td>", text)
    assert dict((v, a) for a, v in aligns) == {"baseline": "right", "+1,234": "right", "a": "left", "b": "left"}
