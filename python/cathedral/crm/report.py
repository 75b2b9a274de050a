"""evaluate(): the whole evaluation as DataFrames, and the self-contained HTML report."""
from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..display import format_value


def evaluate(crm, as_of=None, thresholds: dict | None = None, params: dict | None = None) -> dict:
    """The methodology's evaluation of a CRM export (a CRM from `cathedral.crm.load`, or a folder).

    Returns a dict of DataFrames:

    portfolio_scorecard, account_scorecard, account_manager_scorecard  the nine key actions
        (measure, threshold, passed, detail), see cathedral.crm.scorecard
    kpis, account_kpis, account_manager_kpis  sales and profit (per head), growth, win rate,
        share of wallet over the last 12 months
    tiers, tier_findings   the tiers of docs/model.md §6 next to the recorded ones; the disagreements
    risk_contacts, open_complaints, nine_grid (each contact's cell, ratings else replayed)
    account_states, contact_states   the state estimated by replay (cathedral.crm.replay)
    as_is_plan             each account's recent average effort (the as-is plan's allocation)
    data_quality           every dropped or repaired row of the export
    """
    from .estimate import as_is_allocation, replay
    from .load import CRM, load
    from .scorecard import kpis, scorecard, tiers

    if not isinstance(crm, CRM):
        crm = load(crm)
    as_of = crm.as_of(as_of)
    rep = replay(crm, as_of, params=params)
    tt = tiers(crm)
    card = scorecard(crm, as_of, thresholds=thresholds, contact_states=rep.contacts, tier_table=tt)
    alloc = as_is_allocation(crm, as_of, replay_result=rep)
    alloc["contact_focus"] = alloc["contact_focus"].map(lambda f: "" if not f else
                                                        "; ".join(f"{k}: {v:.2f}" for k, v in f.items()))
    out = {
        "portfolio_scorecard": card.portfolio.reset_index(),
        "account_scorecard": card.accounts,
        "account_manager_scorecard": card.account_managers,
        "kpis": kpis(crm, as_of),
        "account_kpis": kpis(crm, as_of, by="account").reset_index(),
        "account_manager_kpis": kpis(crm, as_of, by="account_manager").reset_index(),
        "tiers": tt,
        "tier_findings": tt[tt["finding"] != ""].reset_index(drop=True),
        "risk_contacts": card.risk_contacts,
        "open_complaints": card.open_complaints,
        "nine_grid": card.contacts[["account_id", "contact_id", "influence", "intimacy", "support", "cell"]]
        .merge(rep.contacts[["account_id", "contact_id", "source"]], on=["account_id", "contact_id"]),
        "account_states": rep.accounts,
        "contact_states": rep.contacts,
        "as_is_plan": alloc,
        "data_quality": crm.quality,
    }
    from .scorecard import DEFAULT_THRESHOLDS

    th = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    out["nine_grid"].attrs["grid_cuts"] = {"intimacy": tuple(th["intimacy_cuts"]), "support": tuple(th["support_cuts"])}
    for frame in out.values():
        frame.attrs["as_of"] = str(as_of.date())
    return out


# --- HTML ---------------------------------------------------------------------
_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right}.pass{background:#e3f4e3}.fail{background:#fbe3e3}
.na{color:#999}.grids{display:flex;flex-wrap:wrap;gap:8px}img{max-width:100%}
"""


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return f'<img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode("ascii")}">'


def _table(frame: pd.DataFrame, max_rows: int | None = None) -> str:
    if frame is None or frame.empty:
        return "<p class='na'>none</p>"
    rows = frame if max_rows is None else frame.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in rows.columns)
    body = []
    for r in rows.itertuples(index=False):
        cells = []
        for c, v in zip(rows.columns, r):
            cls = ""
            if c == "passed":
                cls = " class='pass'" if v is True else " class='fail'" if v is False else " class='na'"
                v = "pass" if v is True else "fail" if v is False else "n/a"
            if isinstance(v, (float, np.floating, int, np.integer)) and not isinstance(v, (bool, np.bool_)):
                cls = cls or " class='num'"
                v = "" if not np.isfinite(v) else format_value(v)
            elif isinstance(v, pd.Timestamp):
                v = "" if pd.isna(v) else str(v.date())
            elif v is None or (not isinstance(v, str) and pd.isna(v)):
                v = ""
            cells.append(f"<td{cls}>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p class='na'>… {len(frame) - len(rows)} more rows in the CSV</p>" if len(rows) < len(frame) else ""
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


def place_labels(ax, xs, ys, texts, fontsize: float = 7, marker_px: float = 6.0) -> list:
    """Annotate points so that no two labels overlap and no label covers a point: each label takes
    the first of a few positions around its point (then further out, with a leader line) whose box
    is free, measured as drawn. The axis limits and scales must be set before. Returns the annotations."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72.0
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    taken = [(x - marker_px, y - marker_px, x + marker_px, y + marker_px) for x, y in pts]
    frame = ax.get_window_extent(renderer)
    out = []
    for i in np.lexsort((pts[:, 0], -pts[:, 1])):  # top to bottom, left to right
        x, y = pts[i]
        probe = ax.text(0, 0, texts[i], fontsize=fontsize)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        w, h = extent.width + 2, extent.height + 2
        best = None
        for dist in (1.0, 2.5, 4.0, 6.0):
            for dx, dy in ((1, 1), (1, -1), (-1, 1), (-1, -1), (0, 1), (0, -1), (1, 0), (-1, 0)):
                gap_x, gap_y = (marker_px + 1) * dist, (marker_px - 2) * dist
                x0 = x + gap_x if dx > 0 else x - gap_x - w if dx < 0 else x - w / 2
                y0 = y + gap_y if dy > 0 else y - gap_y - h if dy < 0 else y - h / 2
                box = (x0, y0, x0 + w, y0 + h)
                inside = frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] and box[3] <= frame.y1
                if inside and not any(b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3]
                                      for b in taken):
                    best = (box, dist)
                    break
            if best:
                break
        if best is None:  # no free place nearby: the first position
            x0, y0 = x + marker_px + 1, y + marker_px - 2
            best = ((x0, y0, x0 + w, y0 + h), 1.0)
        box, dist = best
        taken.append(box)
        out.append(ax.annotate(texts[i], (xs[i], ys[i]), xytext=((box[0] + 1 - x) / px, (box[1] + 1 - y) / px),
                               textcoords="offset points", fontsize=fontsize, ha="left", va="bottom",
                               arrowprops=dict(arrowstyle="-", color="#999", lw=0.5) if dist > 1 else None))
    return out


def _nine_grid_fig(contacts: pd.DataFrame, title: str, cuts: dict | None = None):
    """One account's contacts on the nine-grid, drawn as in cathedral.plots: support across
    (opposed → supportive), intimacy up; the target cell (top right) green, the risk cell (top left) red."""
    import matplotlib.pyplot as plt
    from ..plots import RISK_COLOUR, TARGET_COLOUR, grid_legend_handles
    from .scorecard import DEFAULT_THRESHOLDS

    cuts = cuts or {"intimacy": DEFAULT_THRESHOLDS["intimacy_cuts"], "support": DEFAULT_THRESHOLDS["support_cuts"]}
    (i_lo, i_hi), (s_lo, s_hi) = cuts["intimacy"], cuts["support"]
    fig, ax = plt.subplots(figsize=(3.6, 3.5))
    ax.set_xlim(-1.08, 1.08)  # a margin: contacts at the edge (support ±1, intimacy 0 or 1) are drawn whole
    ax.set_ylim(-0.05, 1.05)
    for x in (s_lo, s_hi):
        ax.axvline(x, color="#bbb", lw=0.8)
    for y in (i_lo, i_hi):
        ax.axhline(y, color="#bbb", lw=0.8)
    ax.add_patch(plt.Rectangle((s_hi, i_hi), 1.08 - s_hi, 1.05 - i_hi, color=TARGET_COLOUR, alpha=0.15, zorder=0))
    ax.add_patch(plt.Rectangle((-1.08, i_hi), s_lo + 1.08, 1.05 - i_hi, color=RISK_COLOUR, alpha=0.15, zorder=0))
    w = contacts["influence"].to_numpy(dtype=float)
    size = 40 + 160 * w / w.max() if len(w) and w.max() > 0 else 60
    ax.scatter(contacts["support"], contacts["intimacy"], s=size, color="#3465a4", alpha=0.8, zorder=3)
    labels = [str(c).split("-")[-1] for c in contacts["contact_id"]]
    place_labels(ax, contacts["support"].to_numpy(float), contacts["intimacy"].to_numpy(float), labels)
    ax.set_xticks([-1, s_lo, s_hi, 1], ["-1", f"{s_lo:.2f}", f"{s_hi:.2f}", "1"])
    ax.set_yticks([0, i_lo, i_hi, 1], ["0", f"{i_lo:.2f}", f"{i_hi:.2f}", "1"])
    ax.set_xlabel("support (opposed → supportive)", fontsize=8)
    ax.set_ylabel("intimacy (low → high)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(title, fontsize=8)
    fig.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=TARGET_COLOUR, alpha=0.3, label="target cell"),
                        plt.Rectangle((0, 0), 1, 1, color=RISK_COLOUR, alpha=0.3, label="risk cell")],
               loc="lower center", ncol=2, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def _wallet_ticks(axis, low: float, high: float) -> None:
    """Log-scale wallet ticks at 1, 2 and 5 per decade, written out with thousands separators."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    lo, hi = np.floor(np.log10(max(low, 1e-9))), np.ceil(np.log10(max(high, 1e-9)))
    ticks = [m * 10 ** e for e in np.arange(lo, hi + 1) for m in (1, 2, 5) if low <= m * 10 ** e <= high]
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))


def _tier_map_fig(tt: pd.DataFrame, currency: str = "k"):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5.6))
    colors = {"S": "#204a87", "A": "#4e9a06", "B": "#c4a000", "C": "#888a85"}
    for t, c in colors.items():
        g = tt[(tt["model_tier"] == t) & ~tt["cash_flow"]]
        ax.scatter(g["fit"], g["wallet"], color=c, label=f"tier {t}", s=40, zorder=3)
    g = tt[tt["cash_flow"]]
    ax.scatter(g["fit"], g["wallet"], color="#cc0000", marker="x", label="cash-flow", s=50, zorder=3)
    bad = tt[(tt["finding"] != "") & (tt["recorded_tier"] != "")]
    ax.scatter(bad["fit"], bad["wallet"], facecolors="none", edgecolors="k", s=140, label="recorded tier differs",
               zorder=3)
    th = tt.attrs.get("thresholds", {})
    for key in ("S_min_wallet", "A_min_wallet", "B_min_wallet"):
        if key in th:
            ax.axhline(th[key], color="#ccc", lw=0.8, ls="--")
    if "cashflow_fit" in th:
        ax.axvline(th["cashflow_fit"], color="#cc0000", lw=0.8, ls=":")
    wallets = tt["wallet"].to_numpy(float)
    wallets = wallets[np.isfinite(wallets) & (wallets > 0)]
    low, high = (wallets.min() / 1.5, wallets.max() * 1.5) if len(wallets) else (1.0, 10.0)
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    fits = tt["fit"].to_numpy(float)
    ax.set_xlim(max(0.0, np.nanmin(fits) - 0.05) if len(fits) else 0, min(1.0, np.nanmax(fits) + 0.08) if len(fits) else 1)
    _wallet_ticks(ax.yaxis, low, high)
    place_labels(ax, tt["fit"].to_numpy(float), tt["wallet"].to_numpy(float),
                 [str(a) for a in tt["account_id"]], fontsize=6, marker_px=5)
    ax.set_xlabel("strategic fit")
    ax.set_ylabel(f"wallet ({currency} a year, log scale)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: it would hide accounts
    ax.grid(alpha=0.25, which="major")
    ax.set_title("Tier map: wallet against fit (docs/model.md §6)")
    fig.tight_layout()
    return fig


def _by_action(frame: pd.DataFrame, index: str, values: str) -> pd.DataFrame:
    """A scorecard as one row per `index` and one column per key action, named (not numbered)."""
    from .scorecard import ACTIONS

    wide = frame.pivot(index=index, columns="action", values=values)
    wide = wide.rename(columns=lambda a: f"{a}. {ACTIONS[a]}" if a in ACTIONS else str(a))
    wide.columns.name = None
    return wide.reset_index()


def _drop_empty_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """The frame without columns that hold nothing in any row (NaN, None or ""), and their names."""
    empty = [c for c in frame.columns
             if frame[c].map(lambda v: v is None or (isinstance(v, str) and v == "")
                             or (not isinstance(v, str) and bool(pd.isna(v)))).all()]
    return frame.drop(columns=empty), empty


def write_report(tables: dict, out: str | os.PathLike, title: str = "Portfolio evaluation",
                 currency: str = "k") -> Path:
    """Write the evaluation's CSVs and a self-contained `report.html` (inline CSS, plots as
    base64 PNG) to the folder `out`; returns the report's path. `currency` labels money axes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(out / f"{name}.csv", index=False)
    as_of = tables["portfolio_scorecard"].attrs.get("as_of", "")
    tt = tables["tiers"]
    grid = tables["nine_grid"]
    key = tt[tt["recorded_tier"].isin(["S", "A"]) | tt["model_tier"].isin(["S", "A"])]
    grids = []
    for r in key.itertuples(index=False):
        g = grid[grid["account_id"] == r.account_id]
        if len(g):
            grids.append(_png(_nine_grid_fig(g, f"{r.account_id} {r.name} "
                                                f"(tier {r.recorded_tier or '–'} recorded, {r.model_tier} by the model)",
                                             grid.attrs.get("grid_cuts"))))
    k = tables["kpis"].iloc[0]
    kpi_frame = pd.DataFrame({"kpi": ["sales (12 months)", "profit (12 months)", "sales per head", "profit per head",
                                      "growth", "win rate", "share of wallet"],
                              "value": [k["sales"], k["profit"], k["sales_per_head"], k["profit_per_head"],
                                        k["growth"], k["win_rate"], k["share_of_wallet"]]})
    acc_wide = _by_action(tables["account_scorecard"], "account_id", "passed")
    acc_wide = acc_wide.applymap(lambda v: "✓" if v is True else "✗" if v is False else ("" if v is None else v))
    acc_wide, _ = _drop_empty_columns(acc_wide)
    am_wide, am_empty = _drop_empty_columns(_by_action(tables["account_manager_scorecard"], "person_id", "measure"))
    am_note = (f"<p class='na'>Not measured per account manager: {html.escape(', '.join(am_empty))}.</p>"
               if am_empty else "")
    sections = [
        f"<h1>{html.escape(title)}</h1><p>As of {html.escape(as_of)}. Windows end on that date: "
        "12 months = 365 days, the contact norm over 13 weeks.</p>",
        "<h2>Portfolio scorecard: the nine key actions</h2>", _table(tables["portfolio_scorecard"]),
        "<h2>KPIs</h2>", _table(kpi_frame),
        "<h2>Accounts: actions passed (✓) or failed (✗), blank where not applicable</h2>", _table(acc_wide),
        "<h2>Account managers: the key actions' measures</h2>", _table(am_wide), am_note,
        _table(_drop_empty_columns(tables["account_manager_kpis"])[0]),
        "<h2>Tiers and strategic fit</h2><p>Tier map: wallet against fit, coloured by the tier of docs/model.md §6; "
        "circled where the CRM records another tier; dashed lines: the wallet thresholds, dotted: cash-flow fit.</p>",
        _png(_tier_map_fig(tt, currency)),
        "<h3>Findings</h3>", _table(tables["tier_findings"][["account_id", "name", "wallet", "fit", "recorded_tier",
                                                              "model_tier", "cash_flow", "finding"]]),
        "<h2>Nine-grid of each S/A account</h2><p>Ratings where recorded, else the replayed estimate; "
        "support across, intimacy up (as in every nine-grid of Cathedral); green: the target cell "
        "(high intimacy, supportive), red: the risk cell (high intimacy, opposed); dot size: influence.</p>",
        f"<div class='grids'>{''.join(grids)}</div>",
        "<h3>Contacts in the risk cell</h3>", _table(tables["risk_contacts"]),
        "<h3>Open complaints</h3>", _table(tables["open_complaints"]),
        "<h2>Estimated state (replay of the last two years)</h2>", _table(tables["account_states"]),
        "<h2>Data quality</h2>", _table(tables["data_quality"], max_rows=200),
    ]
    doc = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<style>{_CSS}</style></head><body>{''.join(sections)}</body></html>")
    path = out / "report.html"
    path.write_text(doc, encoding="utf-8")
    return path


def format_scorecard(portfolio: pd.DataFrame) -> str:
    """The portfolio scorecard as a text table (for the CLI)."""
    lines = [f"{'':3}{'action':<40}{'measure':>10}{'threshold':>12}  result  detail"]
    for r in portfolio.itertuples(index=False):
        m = "" if r.measure is None or (isinstance(r.measure, float) and np.isnan(r.measure)) else f"{r.measure:.2f}"
        t = "" if r.threshold is None else f"{r.threshold:g}" if isinstance(r.threshold, (int, float)) else str(r.threshold)
        res = "pass" if r.passed is True else "FAIL" if r.passed is False else "n/a"
        lines.append(f"{r.action:<3}{r.name:<40}{m:>10}{t:>12}  {res:<6}  {r.detail}")
    return "\n".join(lines)
