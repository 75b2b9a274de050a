"""Plots: fan charts, the nine-grid, paired differences and distributions of plans, the
attribution waterfall (matplotlib).

Every axis that shows money names the scenario's currency and what the amount covers ("3-year
total", "13-week rolling sum"), and every title names the plan (`Results.plan_name`; `compare`
names each plan). The nine-grid is drawn one way everywhere, here and in the CRM report:
support across (opposed → supportive), intimacy up (low → high), so the target cell
(high × supportive) is top right and the risk cell (high × opposed) top left.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from . import _core
from .display import difference_kind, format_value, kpi_axis_label, kpi_kind, kpi_unit, metric_unit

# the levels of the nine-grid's axes, from the engine's cell names "intimacy/support"
_INTIMACY = tuple(dict.fromkeys(c.split("/")[0] for c in _core.GRID_CELLS))
_SUPPORT = tuple(dict.fromkeys(c.split("/")[1] for c in _core.GRID_CELLS))
TARGET_COLOUR, RISK_COLOUR = "#2e7d32", "#c62828"  # the target and risk cells, in plots and the report
PLAN_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive")


def _thousands(axis) -> None:
    """Tick labels with thousands separators (no 1e6 offset text), few enough not to run together."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 10 or v == 0 else f"{v:,.2g}"))


def _share_ticks(axis) -> None:
    """Shares as percentages, with as many decimals as the tick spacing needs (67.5 %, not 68 %)."""
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=1.0, symbol=" %"))


def _points_ticks(axis) -> None:
    """Differences of shares in percentage points: 0.05 → "5 pp"."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.4g} pp"))


def _kpi_ticks(axis, kpi: str) -> None:
    (_share_ticks if kpi_kind(kpi) == "share" else _thousands)(axis)


def _rolling_sum(x: np.ndarray, window: int) -> np.ndarray:
    c = np.cumsum(x, axis=-1)
    out = c.copy()
    out[..., window:] = c[..., window:] - c[..., :-window]
    return out


def fan_chart(results: Mapping[str, "Results"], metric: str = "revenue", window: int = 13, ax=None):
    """One panel per plan (titled by its name): the `window`-week rolling sum of a portfolio
    flow, median with 50 % and 90 % bands over replications, in the scenario's currency."""
    import matplotlib.pyplot as plt

    names = list(results)
    first = results[names[0]]
    if ax is None:
        fig, axes = plt.subplots(1, len(names), figsize=(4.4 * len(names), 3.8), sharey=True, squeeze=False)
        axes = axes[0]
        fig.suptitle(f"{metric.replace('_', ' ')} of the portfolio, {window}-week rolling sum: "
                     f"{first.scenario.name}", fontsize=11)
    else:
        axes = np.atleast_1d(ax)
        fig = axes[0].figure
    for axis, name in zip(axes, names):
        # the first full window ends in week window - 1
        # plain arrays: shifted slices of a DataArray would be aligned by week, not subtracted
        series = _rolling_sum(results[name].weekly(metric).to_numpy(), window)[:, window - 1:]
        weeks = np.arange(window - 1, window - 1 + series.shape[1])
        q = np.quantile(series, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        axis.fill_between(weeks, q[0], q[4], alpha=0.2, color="tab:blue", label="5–95 % of replications")
        axis.fill_between(weeks, q[1], q[3], alpha=0.35, color="tab:blue", label="25–75 %")
        axis.plot(weeks, q[2], color="tab:blue", lw=1.5, label="median")
        axis.set_title(str(name), fontsize=10)
        axis.set_xlabel("week")
        axis.grid(alpha=0.3)
        _thousands(axis.yaxis)
    unit = metric_unit(metric, first.currency)
    axes[0].set_ylabel(f"{metric.replace('_', ' ')} per {window} weeks" + (f" ({unit})" if unit else ""))
    axes[0].legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    return fig


# --- the nine-grid ---------------------------------------------------------------------------
def _grid_matrix(counts: np.ndarray) -> np.ndarray:
    """9 cell counts (intimacy-major) as a 3×3 matrix: rows high→low intimacy, columns opposed→supportive."""
    return counts.reshape(3, 3)[::-1]


def grid_legend_handles():
    """Legend entries for the target and the risk cell (used by every nine-grid drawing)."""
    from matplotlib.patches import Patch

    return [Patch(facecolor="none", edgecolor=TARGET_COLOUR, lw=2, label="target cell: high intimacy, supportive"),
            Patch(facecolor="none", edgecolor=RISK_COLOUR, lw=2, label="risk cell: high intimacy, opposed")]


def nine_grid_plot(results, week: int = -1, ax=None, title: str | None = None):
    """The portfolio nine-grid: key contacts per cell, summed over accounts (mean over replications)."""
    import matplotlib.pyplot as plt

    counts = results.nine_grid(week).sum(axis=0).to_numpy()
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.4, 4.4))
    else:
        fig = ax.figure
    _draw_grid(ax, counts, title or f"{results.plan_name}: key contacts, end of week {week % results.horizon_weeks}")
    ax.legend(handles=grid_legend_handles(), loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def _draw_grid(ax, counts: np.ndarray, title: str, vmax: float | None = None) -> None:
    from matplotlib.patches import Rectangle

    m = _grid_matrix(counts)
    vmax = m.max() if vmax is None else vmax
    ax.imshow(m, cmap="Blues", vmin=0, vmax=vmax if vmax > 0 else 1)
    for i in range(3):
        for j in range(3):
            ax.text(j, i, f"{m[i, j]:,.0f}", ha="center", va="center",
                    color="white" if m[i, j] > 0.6 * vmax else "black", fontsize=11)
    ax.set_xticks(range(3), _SUPPORT)
    ax.set_yticks(range(3), _INTIMACY[::-1])
    ax.set_xlabel("support →")
    ax.set_ylabel("intimacy →")
    # the target cell (high/supportive, top right) and the risk cell (high/opposed, top left)
    ax.add_patch(Rectangle((1.5, -0.5), 1, 1, fill=False, ec=TARGET_COLOUR, lw=2.5))
    ax.add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=False, ec=RISK_COLOUR, lw=2.5))
    ax.set_title(title, fontsize=9)


def nine_grid_comparison(results: Mapping[str, "Results"], week: int = -1):
    """The portfolio nine-grid at the start (week 0's end) and at `week` for each plan, on one colour scale."""
    import matplotlib.pyplot as plt

    names = list(results)
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(3.6 * (len(names) + 1), 4.2))
    first = results[names[0]]
    grids = [first.nine_grid(0).sum(axis=0).to_numpy()] + [results[n].nine_grid(week).sum(axis=0).to_numpy() for n in names]
    vmax = max(g.max() for g in grids)  # one colour scale for every panel
    _draw_grid(axes[0], grids[0], "start (end of week 0)", vmax)
    for axis, name, grid in zip(axes[1:], names, grids[1:]):
        _draw_grid(axis, grid, f"{name}, end of week {week % results[name].horizon_weeks}", vmax)
    fig.suptitle(f"Key contacts per nine-grid cell, summed over accounts: {first.scenario.name}", fontsize=11)
    fig.legend(handles=grid_legend_handles(), loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


# --- comparisons ---------------------------------------------------------------------------------
def _panels(n: int, axes, size=(4.6, 3.4)):
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, n, figsize=(size[0] * n, size[1]), squeeze=False)
        return fig, list(axes[0]), True
    axes = list(np.atleast_1d(axes))
    if len(axes) != n:
        raise ValueError(f"ax: needs {n} axes, one per KPI, got {len(axes)}")
    return axes[0].figure, axes, False


def paired_difference_chart(comparison, kpis=("revenue", "contribution"), axes=None):
    """Per KPI, each plan's mean paired difference to the baseline (dot) with its confidence
    interval (bar), labelled with the difference and the share of replications in which the plan
    does better than the baseline."""
    kpis = list(kpis)
    fig, axes, own = _panels(len(kpis), axes)
    table = comparison.table(kpis)
    others = [p for p in comparison.plans if p != comparison.baseline]
    pct = round(100 * comparison.confidence)
    for ax, k in zip(axes, kpis):
        rows = table.loc[k].loc[others] if others else table.loc[k].iloc[:0]
        y = np.arange(len(others))[::-1]
        colours = [PLAN_COLOURS[comparison.plans.index(p) % len(PLAN_COLOURS)] for p in others]
        lo = (rows["diff"] - rows["diff_ci_low"]).to_numpy()
        hi = (rows["diff_ci_high"] - rows["diff"]).to_numpy()
        for yi, d, l, h, c in zip(y, rows["diff"], lo, hi, colours):
            err = [[l], [h]] if np.isfinite(l) and np.isfinite(h) else None  # no interval from one replication
            ax.errorbar(d, yi, xerr=err, fmt="o", color=c, capsize=5, lw=2, ms=7)
        ax.axvline(0, color="#444", lw=1)
        ax.set_yticks(y, others)
        ax.set_ylim(-0.7, len(others) - 0.3)
        ax.set_title(f"{k.replace('_', ' ')}: difference to {comparison.baseline}", fontsize=10)
        share = kpi_kind(k) == "share"  # a difference of shares is in percentage points
        unit = "percentage points" if share else kpi_unit(k, comparison.currency, comparison.horizon_weeks)
        ax.set_xlabel(f"paired difference ({unit}), {pct} % interval", fontsize=8)
        _points_ticks(ax.xaxis) if share else _thousands(ax.xaxis)
        ax.grid(alpha=0.3, axis="x")
        span = np.nanmax(np.abs(np.r_[rows["diff_ci_low"], rows["diff_ci_high"], 0.0]))
        ax.set_xlim(-1.15 * span if span > 0 else -1, 1.15 * span if span > 0 else 1)  # zero in the middle
        kind = difference_kind(k)
        for yi, d, p in zip(y, rows["diff"], rows["p_beats_baseline"]):
            sign = "+" if d > 0 else ""
            # above the dot, reaching towards zero, so that it stays inside the panel
            better = "–" if not np.isfinite(p) else f"{100 * p:.0f} %"
            ax.annotate(f"{sign}{format_value(d, kind)}, better in {better}", (d, yi), xytext=(0, 9),
                        textcoords="offset points", fontsize=8, ha="left" if d < 0 else "right" if d > 0 else "center")
    if own:
        fig.tight_layout()
    return fig


def kpi_violins(comparison, kpis=("revenue", "contribution"), axes=None):
    """Per KPI, the distribution of each plan's value over replications (median marked)."""
    kpis = list(kpis)
    fig, axes, own = _panels(len(kpis), axes)
    for ax, k in zip(axes, kpis):
        data = [r.kpi_values().sel(kpi=k).dropna("replication").to_numpy() for r in comparison.results.values()]
        for i, d in enumerate(data, start=1):
            c = PLAN_COLOURS[(i - 1) % len(PLAN_COLOURS)]
            if d.size > 1 and np.ptp(d) > 0:
                parts = ax.violinplot([d], positions=[i], showmedians=True)
                for body in parts["bodies"]:
                    body.set_facecolor(c)
            elif d.size:  # one value (or all equal): no density to draw
                ax.plot([i], [d[0]], "_", color=c, ms=30, mew=2)
        ax.set_xticks(range(1, len(data) + 1), comparison.plans, rotation=15, ha="right")
        ax.set_xlim(0.4, len(data) + 0.6)
        ax.set_title(f"{k.replace('_', ' ')}: each plan over replications", fontsize=10)
        ax.set_ylabel(kpi_axis_label(k, comparison.currency, comparison.horizon_weeks), fontsize=9)
        _kpi_ticks(ax.yaxis, k)
        ax.grid(alpha=0.3, axis="y")
    if own:
        fig.tight_layout()
    return fig


def comparison_figure(comparison, kpis=("revenue", "contribution")):
    """The paired differences (top row) above the distributions (bottom row), one column per KPI."""
    import matplotlib.pyplot as plt

    kpis = list(kpis)
    n_others = max(1, len(comparison.plans) - 1)
    fig, axes = plt.subplots(2, len(kpis), figsize=(5.0 * len(kpis), 2.2 + 0.55 * n_others + 3.4), squeeze=False,
                             gridspec_kw={"height_ratios": [0.9 + 0.4 * n_others, 3.0]})
    paired_difference_chart(comparison, kpis, axes=axes[0])
    kpi_violins(comparison, kpis, axes=axes[1])
    base = comparison.results[comparison.baseline]
    fig.suptitle(f"{', '.join(map(str, comparison.plans))} on {base.scenario.name} "
                 f"({base.replications:,} replications each, common random numbers)", fontsize=11)
    fig.tight_layout()
    return fig


# --- attribution ------------------------------------------------------------------------------------
def attribution_waterfall(attribution, kpi: str = "revenue", axes=None):
    """Left: a waterfall on an axis from zero, base plan, each layer's step, new plan, each bar
    labelled. Right: the layers' parts and the total change with their confidence intervals (the
    steps, magnified: they are small next to the totals)."""
    import matplotlib.pyplot as plt
    from .activities import LAYERS

    t = attribution.table().loc[kpi]
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.0), gridspec_kw={"width_ratios": [1.25, 1]})
    else:
        axes = list(np.atleast_1d(axes))
        fig = axes[0].figure
    kind = kpi_kind(kpi)
    unit = kpi_unit(kpi, attribution.currency, attribution.horizon_weeks)
    ax = axes[0]
    labels = [attribution.base_name, *(attribution.part_label(layer) for layer in LAYERS), attribution.new_name]
    values = t["value"]
    level = values["base"]
    ax.bar(0, level, color="#9e9e9e")
    ax.annotate(format_value(level, kind), (0, level), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
    for i, layer in enumerate(LAYERS, start=1):
        step = values[layer]
        ax.bar(i, step, bottom=level, color="tab:green" if step >= 0 else "tab:red")
        top = level + max(step, 0)
        ax.annotate(("+" if step > 0 else "") + format_value(step, kind), (i, top), xytext=(0, 3),
                    textcoords="offset points", ha="center", fontsize=8)
        level += step
    ax.bar(len(LAYERS) + 1, values["new"], color="tab:blue")
    ax.annotate(format_value(values["new"], kind), (len(LAYERS) + 1, values["new"]), xytext=(0, 3),
                textcoords="offset points", ha="center", fontsize=8)
    ax.set_xticks(range(len(labels)), labels, rotation=15, ha="right", fontsize=8)
    lo = min(0.0, values["base"], values["new"], level)
    hi = max(0.0, values["base"], values["new"], level)
    ax.set_ylim(lo - 0.02 * (hi - lo) if lo < 0 else 0, hi + 0.1 * (hi - lo))  # the axis starts at zero
    ax.set_ylabel(kpi_axis_label(kpi, attribution.currency, attribution.horizon_weeks), fontsize=8)
    _kpi_ticks(ax.yaxis, kpi)
    ax.set_title(f"{kpi.replace('_', ' ')}: {attribution.base_name} → {attribution.new_name}", fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    if len(axes) > 1:
        ax = axes[1]
        parts = [*LAYERS, "total"]
        y = np.arange(len(parts))[::-1]
        for yi, p in zip(y, parts):
            r = t.loc[p]
            c = "tab:blue" if p == "total" else ("tab:green" if r["value"] >= 0 else "tab:red")
            ax.barh(yi, r["value"], color=c, alpha=0.8)
            if np.isfinite(r["ci_low"]):
                ax.errorbar(r["value"], yi, xerr=[[r["value"] - r["ci_low"]], [r["ci_high"] - r["value"]]],
                            color="black", capsize=4, lw=1)
        ax.axvline(0, color="#444", lw=1)
        ax.set_yticks(y, [attribution.part_label(p) for p in parts], fontsize=8)
        pct = round(100 * attribution.confidence)
        ax.set_xlabel(f"change ({unit}), {pct} % interval", fontsize=8)
        _kpi_ticks(ax.xaxis, kpi)
        ax.set_title("the change by layer (Shapley values)", fontsize=10)
        ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


assert len(_core.GRID_CELLS) == 9
