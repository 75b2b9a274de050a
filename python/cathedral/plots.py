"""Plots: revenue fan charts and the nine-grid (matplotlib)."""
from __future__ import annotations

from typing import Mapping

import numpy as np

from . import _core

# the levels of the nine-grid's axes, from the engine's cell names "intimacy/support"
_INTIMACY = tuple(dict.fromkeys(c.split("/")[0] for c in _core.GRID_CELLS))
_SUPPORT = tuple(dict.fromkeys(c.split("/")[1] for c in _core.GRID_CELLS))


def _rolling_sum(x: np.ndarray, window: int) -> np.ndarray:
    c = np.cumsum(x, axis=-1)
    out = c.copy()
    out[..., window:] = c[..., window:] - c[..., :-window]
    return out


def fan_chart(results: Mapping[str, "Results"], metric: str = "revenue", window: int = 13, ax=None):
    """One panel per plan: the `window`-week rolling sum of a portfolio flow,
    median with 50 % and 90 % bands over replications."""
    import matplotlib.pyplot as plt

    names = list(results)
    if ax is None:
        fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.6), sharey=True, squeeze=False)
        axes = axes[0]
    else:
        axes = np.atleast_1d(ax)
        fig = axes[0].figure
    for axis, name in zip(axes, names):
        # the first full window ends in week window - 1
        # plain arrays: shifted slices of a DataArray would be aligned by week, not subtracted
        series = _rolling_sum(results[name].weekly(metric).to_numpy(), window)[:, window - 1:]
        weeks = np.arange(window - 1, window - 1 + series.shape[1])
        q = np.quantile(series, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        axis.fill_between(weeks, q[0], q[4], alpha=0.2, color="tab:blue", label="5–95 %")
        axis.fill_between(weeks, q[1], q[3], alpha=0.35, color="tab:blue", label="25–75 %")
        axis.plot(weeks, q[2], color="tab:blue", lw=1.5, label="median")
        axis.set_title(name)
        axis.set_xlabel("week")
        axis.grid(alpha=0.3)
    axes[0].set_ylabel(f"{metric}, rolling {window} weeks")
    axes[0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def _grid_matrix(counts: np.ndarray) -> np.ndarray:
    """9 cell counts (intimacy-major) as a 3×3 matrix: rows high→low intimacy, columns opposed→supportive."""
    return counts.reshape(3, 3)[::-1]


def nine_grid_plot(results, week: int = -1, ax=None, title: str | None = None):
    """The portfolio nine-grid: key contacts per cell, summed over accounts (mean over replications)."""
    import matplotlib.pyplot as plt

    counts = results.nine_grid(week).sum(axis=0).to_numpy()
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.2, 3.8))
    else:
        fig = ax.figure
    _draw_grid(ax, counts, title or f"nine-grid, end of week {week % results.horizon_weeks}")
    fig.tight_layout()
    return fig


def _draw_grid(ax, counts: np.ndarray, title: str, vmax: float | None = None) -> None:
    m = _grid_matrix(counts)
    vmax = m.max() if vmax is None else vmax
    ax.imshow(m, cmap="Blues", vmin=0, vmax=vmax if vmax > 0 else 1)
    for i in range(3):
        for j in range(3):
            ax.text(j, i, f"{m[i, j]:.0f}", ha="center", va="center",
                    color="white" if m[i, j] > 0.6 * vmax else "black", fontsize=11)
    ax.set_xticks(range(3), _SUPPORT)
    ax.set_yticks(range(3), _INTIMACY[::-1])
    ax.set_xlabel("support")
    ax.set_ylabel("intimacy")
    # the target cell (high/supportive) and the risk cell (high/opposed)
    ax.add_patch(__import__("matplotlib").patches.Rectangle((1.5, -0.5), 1, 1, fill=False, ec="green", lw=2))
    ax.add_patch(__import__("matplotlib").patches.Rectangle((-0.5, -0.5), 1, 1, fill=False, ec="red", lw=2))
    ax.set_title(title, fontsize=10)


def nine_grid_comparison(results: Mapping[str, "Results"], week: int = -1):
    """The portfolio nine-grid at the start (week 0's end) and at `week` for each plan."""
    import matplotlib.pyplot as plt

    names = list(results)
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(3.6 * (len(names) + 1), 3.6))
    first = results[names[0]]
    grids = [first.nine_grid(0).sum(axis=0).to_numpy()] + [results[n].nine_grid(week).sum(axis=0).to_numpy() for n in names]
    vmax = max(g.max() for g in grids)  # one colour scale for every panel
    _draw_grid(axes[0], grids[0], "end of week 0", vmax)
    for axis, name, grid in zip(axes[1:], names, grids[1:]):
        _draw_grid(axis, grid, f"{name}, week {week % results[name].horizon_weeks}", vmax)
    fig.tight_layout()
    return fig


assert len(_core.GRID_CELLS) == 9
