"""How results read: units of the KPIs, number formats and HTML tables for notebooks.

Every table that Cathedral shows in a notebook (`Results`, `Comparison`, `Attribution`,
and whatever else returns tables) goes through `html_table`, and every axis and
header that shows a KPI takes its unit from `kpi_unit`, so the units are written once:

    from cathedral.display import html_table
    html_table(frame, title="Fitted plan", currency="kEUR", units={"revenue": "money"})

Money amounts are in the scenario's `currency` (a label, default "k": the model reads
no unit, docs/scenario-format.md); horizon totals are labelled with the horizon ("3-year
total" for 156 weeks).
"""
from __future__ import annotations

import html
import re
from typing import Mapping

import numpy as np
import pandas as pd

# How a KPI's value reads (docs/model.md §8): a kind for the number format and what the value is
# (a horizon total, a yearly rate or a ratio). A KPI missing here is a test failure
# (tests/python/test_display.py), so a new KPI gets its unit when it is added.
#   kind: "money" (in the scenario's currency), "share" (a fraction, shown in %), "count"
#   span: "total" (over the horizon), "per_am_year", "year" (one year of the horizon), "" (a ratio)
KPI_UNITS: dict[str, tuple[str, str]] = {
    "revenue": ("money", "total"),
    "gross_profit": ("money", "total"),
    "contribution": ("money", "total"),
    "cash_flow": ("money", "total"),
    "spend": ("money", "total"),
    "wins": ("count", "total"),
    "direct_awards": ("count", "total"),
    "seen_deals": ("count", "total"),
    "decided_deals": ("count", "total"),
    "revenue_per_am_year": ("money", "per_am_year"),
    "contribution_per_am_year": ("money", "per_am_year"),
    "revenue_growth": ("share", ""),
    "win_rate": ("share", ""),
    "share_of_wallet": ("share", ""),
}
_YEAR_KPI = re.compile(r"^revenue_year_(\d+)$")  # revenue_year_1 ... revenue_year_N

# The weekly portfolio metrics' kinds (flows and states of docs/model.md §8), for axes and headers.
METRIC_KINDS: dict[str, str] = {
    "revenue": "money", "gross_profit": "money", "spend": "money", "contribution": "money",
    "cash_flow": "money", "wallet": "money",
    "wins": "count", "direct_awards": "count", "seen_deals": "count", "decided_deals": "count",
    "hours": "hours", "exec_days": "days",
}

DEFAULT_CURRENCY = "k"


def horizon_label(weeks: int) -> str:
    """What a horizon total covers: "3-year total" for 156 weeks, "26-week total" otherwise."""
    weeks = int(weeks)
    if weeks % 52 == 0:
        return f"{weeks // 52}-year total"
    return f"{weeks}-week total"


def kpi_kind(kpi: str) -> str:
    """The number format of a KPI: "money", "share" or "count" (see KPI_UNITS)."""
    if _YEAR_KPI.match(kpi):
        return "money"
    if kpi not in KPI_UNITS:
        raise KeyError(f"KPI {kpi!r} has no unit in cathedral.display.KPI_UNITS")
    return KPI_UNITS[kpi][0]


def kpi_unit(kpi: str, currency: str = DEFAULT_CURRENCY, horizon_weeks: int | None = None) -> str:
    """A KPI's unit in words, for table cells and axis labels: "k, 3-year total", "k per AM and
    year", "k, year 2", "%", "deals, 3-year total"."""
    m = _YEAR_KPI.match(kpi)
    if m:
        return f"{currency}, year {m.group(1)}"
    kind = kpi_kind(kpi)
    span = KPI_UNITS[kpi][1]
    base = {"money": currency, "share": "%", "count": "deals"}[kind]
    if span == "total":
        return f"{base}, {horizon_label(horizon_weeks)}" if horizon_weeks else base
    if span == "per_am_year":
        return f"{base} per AM and year"
    return base


def kpi_axis_label(kpi: str, currency: str = DEFAULT_CURRENCY, horizon_weeks: int | None = None) -> str:
    """An axis label for a KPI: "revenue (k, 3-year total)"."""
    return f"{kpi.replace('_', ' ')} ({kpi_unit(kpi, currency, horizon_weeks)})"


def metric_unit(metric: str, currency: str = DEFAULT_CURRENCY) -> str:
    """The unit of a weekly portfolio metric (a flow or a state): "k", "deals", "hours", "" for an index."""
    kind = METRIC_KINDS.get(metric, "")
    return {"money": currency, "count": "deals", "hours": "hours", "days": "days"}.get(kind, "")


def format_value(value, kind: str = "number") -> str:
    """A number as a planner reads it: thousands separators, shares in %, no NaN ("–").

    kinds: "money" and "count" (whole numbers above 100, else 3 significant digits),
    "share" (a fraction shown in %: 0.253 → "25.3 %"), "points" (a difference of shares in
    percentage points: -0.105 → "-10.5 pp"), "factor" (2 decimals), "number" (like money)."""
    if value is None or isinstance(value, str):
        return "" if value is None else value
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)) and kind != "share":
        return f"{int(value):,}"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not np.isfinite(v):
        return "–"
    if kind == "share":
        return f"{100 * v:,.1f} %"
    if kind == "points":  # a difference of two shares, in percentage points
        return f"{100 * v:,.1f} pp"
    if kind == "factor":
        return f"{v:,.2f}"
    a = abs(v)
    if a >= 100 or v == 0:
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:,.2f}".rstrip("0").rstrip(".") if a < 10 else f"{v:,.1f}"
    return f"{v:.3g}"


def format_interval(low, high, kind: str = "number") -> str:
    """An interval "1,234 – 1,456" ("–" when either end is undefined)."""
    lo, hi = format_value(low, kind), format_value(high, kind)
    if lo == "–" or hi == "–":
        return "–"
    if kind in ("share", "points"):  # one unit: "23.1 – 25.0 %"
        return f"{lo.rsplit(' ', 1)[0]} – {hi}"
    return f"{lo} – {hi}"


_NUMBER_TEXT = re.compile(r"^[+\-]?\d")  # a preformatted number ("+1,234", "-3.5 pp")
_TABLE_STYLE = ("border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums;"
                "margin:4px 0 10px 0")
_TH = "padding:3px 8px;border-bottom:1px solid #999;text-align:{align};background:#f3f3f3;font-weight:600"
_TD = "padding:2px 8px;border-bottom:1px solid #e4e4e4;text-align:{align}"


def _unit_suffix(kind: str, currency: str) -> str:
    return currency if kind == "money" else ""  # shares and points carry their unit in every cell


def html_table(frame: pd.DataFrame, title: str | None = None, currency: str = DEFAULT_CURRENCY, *,
               units: Mapping[str, str] | None = None, row_units: Mapping | None = None,
               note: str | None = None, max_rows: int = 200) -> str:
    """An HTML table of `frame` for a notebook's `_repr_html_` or a report.

    - The index levels become the leading columns; a label repeated from the row above is left blank.
    - `units`: {column: kind} formats that column's numbers (see `format_value`) and adds the unit to
      its header: "revenue (k)" for "money" with currency "k" (shares show "%" in each cell).
    - `row_units`: {first index label: (kind, unit text)} for tables whose rows are KPIs: the row's
      numbers are formatted by kind and a "unit" column shows the text (see `kpi_unit`).
    - A cell holding a (low, high) tuple is shown as an interval, "1,234 – 1,456".
    - Other numbers get thousands separators; NaN shows as "–"; at most `max_rows` rows are shown.
    - `title` is a bold caption above the table, `note` a line in small print below it.
    """
    units = dict(units or {})
    row_units = dict(row_units or {})
    def esc(text: str) -> str:  # element text: &, < and > only
        return html.escape(text, quote=False)

    shown = frame.head(max_rows)
    index_names = [n if n is not None else "" for n in shown.index.names]
    has_index = not (isinstance(shown.index, pd.RangeIndex) and shown.index.names == [None])
    # columns of words are left-aligned, columns of numbers (with a word here and there) right-aligned
    text_columns = {c for c in shown.columns
                    if len(shown) and not any(not isinstance(v, str) or _NUMBER_TEXT.match(v) for v in shown[c])}
    head = []
    if has_index:
        head += [f"<th style='{_TH.format(align='left')}'>{esc(str(n))}</th>" for n in index_names]
    if row_units:
        head.append(f"<th style='{_TH.format(align='left')}'>unit</th>")
    for c in shown.columns:
        label = str(c) if not isinstance(c, tuple) else " ".join(map(str, c))
        suffix = _unit_suffix(units.get(c, ""), currency)
        if suffix:
            label += f" ({suffix})"
        align = "left" if c in text_columns else "right"
        head.append(f"<th style='{_TH.format(align=align)}'>{esc(label)}</th>")
    body = []
    previous = None
    for key, row in zip(shown.index, shown.itertuples(index=False)):
        keys = key if isinstance(key, tuple) else (key,)
        cells = []
        if has_index:
            for i, k in enumerate(keys):
                same = previous is not None and tuple(previous[: i + 1]) == tuple(keys[: i + 1])
                cells.append(f"<td style='{_TD.format(align='left')}'>{'' if same else esc(str(k))}</td>")
        previous = keys
        kind_row, unit_text = row_units.get(keys[0], ("number", ""))
        if row_units:
            cells.append(f"<td style='{_TD.format(align='left')};color:#555'>{esc(unit_text)}</td>")
        for c, v in zip(shown.columns, row):
            kind = units.get(c, kind_row)
            if isinstance(v, tuple) and len(v) == 2:
                text = format_interval(v[0], v[1], kind)
            else:
                text = format_value(v, kind)
            align = "left" if c in text_columns else "right"
            cells.append(f"<td style='{_TD.format(align=align)}'>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    parts = ["<div class='cathedral-table'>"]
    if title:
        parts.append(f"<div style='font-weight:600;margin:6px 0 2px 0'>{esc(title)}</div>")
    parts.append(f"<table style='{_TABLE_STYLE}'><thead><tr>{''.join(head)}</tr></thead>"
                 f"<tbody>{''.join(body)}</tbody></table>")
    if len(shown) < len(frame):
        parts.append(f"<div style='font-size:11px;color:#666'>… {len(frame) - len(shown):,} more rows</div>")
    if note:
        parts.append(f"<div style='font-size:11px;color:#666'>{esc(note)}</div>")
    parts.append("</div>")
    return "".join(parts)


def difference_kind(kpi: str) -> str:
    """The format of a difference of a KPI: percentage points for shares, else the KPI's own."""
    kind = kpi_kind(kpi)
    return "points" if kind == "share" else kind


def kpi_row_units(kpis, currency: str, horizon_weeks: int) -> dict:
    """{kpi: (kind, unit text)} for `html_table(row_units=...)`."""
    return {k: (kpi_kind(k), kpi_unit(k, currency, horizon_weeks)) for k in kpis}


def currency_of(scenario) -> str:
    """The scenario's currency label, the default for a scenario without one."""
    return getattr(scenario, "currency", None) or DEFAULT_CURRENCY
