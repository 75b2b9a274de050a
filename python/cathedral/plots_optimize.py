"""Plots of the optimiser (matplotlib): the allocation heat map and the efficient frontier.

    optimization_heatmap(opt)     accounts × rate levers grouped by tier: the optimised plan and its
                                  shift from the start plan (Optimization.plot)
    frontier_plot(frontier)       level of a resource against the optimum, the start plan marked
                                  under it (Frontier.plot)
"""
from __future__ import annotations

import numpy as np

from . import activities

# the tiers in the order the heat map stacks them (docs/model.md §6)
_TIER_ORDER = ("S", "A", "B", "C", "cash_flow")
_TIER_LABELS = {"S": "S", "A": "A", "B": "B", "C": "C", "cash_flow": "cash\nflow"}
# how an axis names a scenario resource (frontier's x axis)
_RESOURCE_AXES = {"account_managers": "account managers (FTE)",
                  "executive_days_per_year": "executive days a year",
                  "budget_per_year": "budget a year"}


def _units(field: str) -> str:
    return activities.activity(field)["unit"]


def _horizon_words(weeks: int) -> str:
    """'3-year total', '1-year total' or '26-week total'."""
    if weeks % 52 == 0:
        return f"{weeks // 52}-year total"
    return f"{weeks}-week total"


def objective_label(opt) -> str:
    """The objective in words with its horizon: 'contribution, 3-year total' (NPV when discounted)."""
    weights = np.asarray(opt._pb.weights)
    weeks = int(np.count_nonzero(weights))
    name = opt.objective_name.replace("_", " ")
    discounted = weeks > 1 and not np.allclose(weights[:weeks], 1.0)
    text = f"{name}, {_horizon_words(weeks)}" + (" (net present value)" if discounted else "")
    if getattr(opt, "risk", None) is not None:
        text = f"{opt.risk[0]} {opt.risk[1]:g} of {text}"
    return text


def _currency(scenario) -> str:
    return str(scenario.to_dict().get("currency") or "money")


def _phase_rows(frame, phase):
    """One phase's rows of an allocation frame (index account_id, or account_id × from_week)."""
    if frame.index.nlevels == 1:
        return frame
    weeks = sorted(frame.index.get_level_values("from_week").unique())
    week = weeks[0] if phase is None else phase
    if week not in weeks:
        raise ValueError(f"phase: must be one of the plan's phase start weeks {weeks}, got {phase!r}")
    return frame.xs(week, level="from_week")


def _ordered(frame):
    """Rows grouped by tier (S, A, B, C, cash_flow), the account order kept within a tier."""
    rank = {t: i for i, t in enumerate(_TIER_ORDER)}
    key = frame["tier"].map(lambda t: rank.get(t, len(rank)))
    return frame.assign(_rank=key.to_numpy(), _pos=np.arange(len(frame))).sort_values(["_rank", "_pos"]).drop(
        columns=["_rank", "_pos"])


def optimization_heatmap(opt, ax=None, phase=None, values=None):
    """Two panels over accounts (rows, grouped by tier) × levers (columns): the optimised
    allocation, each rate lever as a share of its range — 0 up to the largest value the optimised
    or the start plan gives it, in the lever's unit in the column header — and the flags among the
    levers (agreement, centre) off/on; and the shift from the start plan in the same shares,
    diverging around 0. `values` writes each cell's value in the lever's unit (default: up to 60
    accounts). A phased plan shows one phase (`phase`: its start week; default the first).
    `ax`: two axes to draw into."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.transforms import blended_transform_factory, offset_copy

    rates = [f for f in activities.RATES if f in opt.levers] or list(activities.RATES)
    flags = [f for f in activities.FLAGS if f in opt.levers]
    levers = rates + flags
    plan = _ordered(_phase_rows(opt.allocation(), phase))
    start = _phase_rows(opt.start_allocation(), phase).loc[plan.index]
    now = plan[levers].to_numpy(dtype=float)
    before = start[levers].to_numpy(dtype=float)
    top = np.array([1.0 if f in flags else max(float(np.max(now[:, j], initial=0.0)),
                                               float(np.max(before[:, j], initial=0.0)), 1e-12)
                    for j, f in enumerate(levers)])
    share = now / top
    shift_share = (now - before) / top
    n = len(plan)
    values = n <= 60 if values is None else bool(values)
    if ax is None:
        height = min(max(4.8, 0.2 * n + 2.2), 18.0)
        fig, axes = plt.subplots(1, 2, figsize=(4.4 + 2 * 0.62 * len(levers), height), sharey=True)
    else:
        axes = np.atleast_1d(ax)
        if len(axes) != 2:
            raise ValueError("ax: pass two axes (the plan and its shift from the start plan)")
        fig = axes[0].figure
    im = axes[0].imshow(share, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest")
    lim = float(np.max(np.abs(shift_share), initial=0.0))
    lim = lim if lim > 1e-12 else 1.0
    im2 = axes[1].imshow(shift_share, aspect="auto", cmap="RdBu",
                         norm=TwoSlopeNorm(vcenter=0.0, vmin=-lim, vmax=lim), interpolation="nearest")
    headers = [f"{f.replace('_', ' ')}\n" + ("off / on" if f in flags else f"0–{_short(t)} {_units(f)}")
               for f, t in zip(levers, top)]
    tiers = plan["tier"].tolist()
    breaks = [i for i in range(1, n) if tiers[i] != tiers[i - 1]]
    show_ids = n <= 80
    size = max(4.5, min(8.0, 480 / max(n, 1)))
    for k, axis in enumerate(axes):
        axis.set_xticks(range(len(levers)), headers, rotation=40, ha="right", rotation_mode="anchor", fontsize=8)
        for b in breaks:
            axis.axhline(b - 0.5, color="white" if k == 0 else "0.25", lw=1.4)
        if flags and rates:
            axis.axvline(len(rates) - 0.5, color="white" if k == 0 else "0.25", lw=1.4)
        if show_ids:
            axis.set_yticks(range(n), [str(i) for i in plan.index], fontsize=size)
        else:
            axis.set_yticks([])
        axis.tick_params(axis="y", length=0)
    if values:  # white on the dark cells: viridis's low end, RdBu's ends
        _write_values(axes[0], now, share < 0.55, flags, levers, size)
        _write_values(axes[1], now - before, np.abs(shift_share) > 0.6 * lim, flags, levers, size, signed=True)
    # the tiers: a bracket and a label left of the account ids
    band = -48 if show_ids else -6
    trans = blended_transform_factory(offset_copy(axes[0].transAxes, fig=fig, x=band, units="points"),
                                      axes[0].transData)
    label_at = blended_transform_factory(offset_copy(axes[0].transAxes, fig=fig, x=band - 5, units="points"),
                                         axes[0].transData)
    for t in dict.fromkeys(tiers):
        rows = [i for i, x in enumerate(tiers) if x == t]
        first, last = rows[0], rows[-1]
        axes[0].plot([0, 0], [first - 0.35, last + 0.35], color="0.35", lw=2.2, transform=trans, clip_on=False,
                     solid_capstyle="butt")
        axes[0].text(0, 0.5 * (first + last), _TIER_LABELS.get(t, t), transform=label_at, ha="right",
                     va="center", fontsize=10, fontweight="bold", linespacing=1.0)
    axes[0].set_title("optimised plan", fontsize=10)
    axes[1].set_title("shift from the start plan", fontsize=10)
    c1 = fig.colorbar(im, ax=axes[0], fraction=0.05, pad=0.02)
    c1.set_label("share of the lever's range (column header)", fontsize=8)
    c2 = fig.colorbar(im2, ax=axes[1], fraction=0.05, pad=0.02)
    c2.set_label("change, share of the lever's range", fontsize=8)
    c1.ax.tick_params(labelsize=7)
    c2.ax.tick_params(labelsize=7)
    when = ""
    if len(opt.phase_weeks) > 1:
        week = opt.phase_weeks[0] if phase is None else phase
        when = f", the phase from week {week}"
    fig.suptitle(f"{objective_label(opt)}: {opt.objective:,.0f} against {opt.start_objective:,.0f} for the start "
                 f"plan ({opt.gain:+.1%}){when}", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / fig.get_figheight()))  # room for the suptitle
    fig.subplots_adjust(left=max(fig.subplotpars.left, (1.15 if show_ids else 0.7) / fig.get_figwidth()))
    return fig


def _write_values(axis, data, dark, flags, levers, size, signed=False):
    """Each cell's value in its lever's unit (flags: on, or + / − where the switch moved)."""
    for i in range(data.shape[0]):
        for j, f in enumerate(levers):
            v = data[i, j]
            if f in flags:
                text = ("+" if v > 0 else "−" if v < 0 else "") if signed else ("on" if v > 0.5 else "")
            elif abs(v) < 5e-3:
                text = "" if signed else "0"
            elif signed:
                text = f"{v:+.2g}" if abs(v) < 10 else f"{v:+.0f}"
            else:
                text = f"{v:.2g}" if abs(v) < 10 else f"{v:.0f}"
            if text:
                axis.text(j, i, text.replace("-", "−"), ha="center", va="center", fontsize=size * 0.85,
                          color="white" if dark[i, j] else "black")


def _short(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 or float(v).is_integer() else f"{v:.2g}"


def _frontier_label(frontier) -> str:
    opts = getattr(frontier, "optimizations", None) or []
    if opts:
        return objective_label(opts[0])
    return str(getattr(frontier, "objective_name", "objective")).replace("_", " ")


def _resource_label(frontier) -> str:
    resource = getattr(frontier, "resource", None)
    label = _RESOURCE_AXES.get(resource, str(resource).replace("_", " "))
    opts = getattr(frontier, "optimizations", None) or []
    if resource == "budget_per_year" and opts:
        label = f"budget a year ({_currency(opts[0].scenario)})"
    return label


def frontier_plot(frontier, ax=None):
    """The efficient frontier: the optimum of the objective at each level of the resource, with
    the start plan as a marked point (at today's level, under the frontier) and the gain of
    reallocating at today's level."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
    else:
        fig = ax.figure
    data = frontier.sort_values("level")
    x = data["level"].to_numpy(dtype=float)
    y = data["objective"].to_numpy(dtype=float)
    ax.plot(x, y, "-o", color="tab:blue", lw=1.8, ms=4, label="optimised (efficient frontier)", zorder=3)
    for xi, yi in zip(x, y):
        ax.annotate(f"{yi:,.0f}", xy=(xi, yi), xytext=(0, 6), textcoords="offset points", ha="center",
                    fontsize=7, color="tab:blue")
    start = getattr(frontier, "start", None)
    if start:
        sx, sy = float(start["level"]), float(start["objective"])
        ax.plot([sx], [sy], "D", color="tab:red", ms=7, label="start plan", zorder=4)
        ax.annotate("start plan", xy=(sx, sy), xytext=(7, 0), textcoords="offset points", va="center",
                    fontsize=8, color="tab:red")
        if x.size >= 2 and x[0] <= sx <= x[-1]:
            at = float(np.interp(sx, x, y))
            gain = at - sy
            ax.annotate("", xy=(sx, at), xytext=(sx, sy),
                        arrowprops=dict(arrowstyle="->", color="0.35", lw=1.2, shrinkA=4, shrinkB=2), zorder=2)
            rel = f" ({gain / abs(sy):+.1%})" if abs(sy) > 1e-12 else ""
            right_half = sx > 0.5 * (x[0] + x[-1])  # the text goes where there is room
            text = f"reallocating at\ntoday's level:\n{gain:+,.0f}{rel}"
            if sy < y.min() and x[0] < sx:  # every level shown beats the start plan
                text += f"\n\nat only {x[0]:,.4g}, the best\nplan still beats it"
            ax.annotate(text, xy=(sx, 0.5 * (sy + at)),
                        xytext=(-8 if right_half else 8, 0), textcoords="offset points", va="center",
                        ha="right" if right_half else "left", fontsize=8, color="0.25")
            # the least level on the frontier that already matches the start plan
            if y[0] <= sy <= y[-1] and np.all(np.diff(y) >= 0):
                need = float(np.interp(sy, y, x))
                if need < sx - 1e-9:
                    ax.plot([need, sx], [sy, sy], ":", color="0.45", lw=1.1, zorder=2)
                    ax.annotate(f"same {frontier.objective_name.replace('_', ' ')} with {need:,.3g}",
                                xy=(need, sy), xytext=(0, -12), textcoords="offset points",
                                ha="left", va="top", fontsize=8, color="0.25")
    ax.set_xlabel(_resource_label(frontier))
    ax.set_ylabel(_frontier_label(frontier))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title("efficient frontier: the best plan at each level", fontsize=10)
    ax.grid(alpha=0.3)
    ax.margins(y=0.08)  # the points away from the frame; the start plan is labelled where it is (no legend to hide it)
    fig.tight_layout()
    return fig
