"""Plots of experiments (matplotlib): tornado, Sobol bars per period, regret heat map, scatter."""
from __future__ import annotations

import numpy as np
import pandas as pd


def _axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    return ax.figure, ax


def plot_tornado(table: pd.DataFrame, ax=None, title: str | None = None):
    """The tornado of `tornado(...)`: per input, a bar from the outcome at its low to its high
    value, around the base; the largest swing on top."""
    t = table.iloc[::-1]
    fig, ax = _axes(ax, (7, 0.45 * len(t) + 1.5))
    base = float(t["base"].iloc[0])
    y = np.arange(len(t))
    ax.barh(y, t["low"] - base, left=base, color="#c44e52", label="low value")
    ax.barh(y, t["high"] - base, left=base, color="#4c72b0", label="high value")
    ax.axvline(base, color="black", lw=0.8)
    ax.set_yticks(y, [f"{i}  [{lo:.3g} … {hi:.3g}]" for i, lo, hi in zip(t.index, t["low_value"], t["high_value"])])
    ax.set_xlabel(table.attrs.get("outcome", "outcome") + " over the horizon")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title or "Tornado: one input at a time")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def plot_sobol(indices: pd.DataFrame, periods=None, title: str | None = None):
    """`sobol_indices(...)` as bars per period: first-order (S1) and total (ST) indices with
    their confidence intervals, one panel per period."""
    import matplotlib.pyplot as plt

    labels = list(dict.fromkeys(indices.index.get_level_values("period")))
    if periods is not None:
        labels = [p for p in labels if p in list(periods)]
    inputs = list(dict.fromkeys(indices.index.get_level_values("input")))
    fig, axes = plt.subplots(1, len(labels), figsize=(max(4.5, 0.5 * len(inputs) + 2) * len(labels) ** 0.8, 3.8),
                             squeeze=False, sharey=True)
    x = np.arange(len(inputs))
    for ax, label in zip(axes[0], labels):
        frame = indices.xs(label, level="period").loc[inputs]
        for offset, key, colour in ((-0.2, "S1", "#4c72b0"), (0.2, "ST", "#dd8452")):
            err = np.vstack([frame[key] - frame[f"{key}_low"], frame[f"{key}_high"] - frame[key]]).clip(min=0)
            ax.bar(x + offset, frame[key], width=0.4, yerr=err, capsize=2, color=colour, label=key)
        ax.set_xticks(x, inputs, rotation=35, ha="right", fontsize=8)
        ax.set_title(str(label))
        ax.grid(alpha=0.3, axis="y")
    axes[0][0].set_ylabel("Sobol index")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title or "Which inputs drive the outcome, period by period")
    fig.tight_layout()
    return fig


def plot_regret(results, outcome: str = "contribution", by: str | None = None, bins: int = 6, *, period=None,
                maximize: bool = True, ax=None):
    """Regret of each plan (rows) — the best plan's outcome minus its own — across the points:
    binned by input `by` (mean regret per bin of its values), or point by point (points sorted
    by the best outcome) when `by` is None."""
    from ._analysis import regret

    r = regret(results, outcome, period=period, maximize=maximize)  # points × plans
    fig, ax = _axes(ax, (8, 0.5 * len(results.plans) + 2))
    if by is None:
        y = results.horizon(outcome) if period is None else results.outcome(outcome, period=period)
        order = np.argsort(y.max(axis=1))
        grid, xlabel, ticks = r[order].T, "points (by the best plan's outcome)", None
    else:
        x = results.points[by].to_numpy(dtype=float)
        edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)))
        which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
        grid = np.array([[r[which == b, j].mean() if np.any(which == b) else np.nan for b in range(len(edges) - 1)]
                         for j in range(len(results.plans))])
        xlabel, ticks = by, [f"{lo:.3g}–{hi:.3g}" for lo, hi in zip(edges[:-1], edges[1:])]
    im = ax.imshow(grid, aspect="auto", cmap="magma_r", interpolation="nearest")
    ax.set_yticks(np.arange(len(results.plans)), results.plans)
    if ticks is not None:
        ax.set_xticks(np.arange(len(ticks)), ticks, rotation=30, ha="right", fontsize=8)
    ax.set_xlabel(xlabel)
    fig.colorbar(im, ax=ax, label=f"regret ({outcome})")
    ax.set_title("Regret: how much worse than the best plan at each point")
    fig.tight_layout()
    return fig


def plot_scatter(results, input: str, outcome: str = "contribution", *, period=None, ax=None):
    """An outcome against one input, a colour per plan (horizon total unless `period`)."""
    if input not in results.points.columns:
        raise ValueError(f"input: {input!r} is not an input of the design; inputs: {', '.join(results.points.columns)}")
    fig, ax = _axes(ax, (6, 4))
    x = results.points[input].to_numpy(dtype=float)
    y = results.horizon(outcome) if period is None else results.outcome(outcome, period=period)
    for j, plan in enumerate(results.plans):
        ax.scatter(x, y[:, j], s=10, alpha=0.6, label=plan)
    ax.set_xlabel(input)
    ax.set_ylabel(outcome)
    ax.grid(alpha=0.3)
    if len(results.plans) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
