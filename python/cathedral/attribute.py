"""Attribution of a plan change to the three layers (Shapley values over layers)."""
from __future__ import annotations

from itertools import product
from math import factorial
from statistics import NormalDist

import numpy as np
import pandas as pd

from .activities import LAYERS
from .policies import _LayerMix
from .simulation import simulate


class Attribution:
    """How much of the KPI difference between two plans each layer's change explains."""

    def __init__(self, parts: dict, kpis: list[str], confidence: float):
        self._parts = parts  # kpi -> {layer|"base"|"new"|"total": per-replication values}
        self.kpis = kpis
        self.confidence = confidence

    def table(self) -> pd.DataFrame:
        """Per KPI: the baseline value, each layer's Shapley part with its standard error and
        confidence interval, the total change (the parts add up to it) and the new value."""
        z = NormalDist().inv_cdf(0.5 + self.confidence / 2)
        rows = []
        for k in self.kpis:
            for part in ("base",) + LAYERS + ("total", "new"):
                v = self._parts[k][part]
                v = v[~np.isnan(v)]
                mean = v.mean() if v.size else np.nan
                se = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else np.nan
                rows.append({"kpi": k, "part": part, "value": mean, "se": se,
                             "ci_low": mean - z * se, "ci_high": mean + z * se})
        return pd.DataFrame(rows).set_index(["kpi", "part"])

    def plot(self, kpi: str = "revenue", ax=None):
        """A waterfall: baseline, the key, broad and organisational parts, the new plan."""
        import matplotlib.pyplot as plt

        t = self.table().loc[kpi]["value"]
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 3.8))
        else:
            fig = ax.figure
        labels = ["base plan", *LAYERS, "new plan"]
        level = t["base"]
        ax.bar(0, level, color="grey")
        for i, layer in enumerate(LAYERS, start=1):
            step = t[layer]
            ax.bar(i, step, bottom=level, color="tab:green" if step >= 0 else "tab:red")
            level += step
        ax.bar(len(LAYERS) + 1, t["new"], color="tab:blue")
        ax.set_xticks(range(len(labels)), labels)
        ax.set_ylabel(kpi)
        ax.set_title(f"{kpi}: change by layer (Shapley)")
        lo = min(t["base"], t["new"], level)
        hi = max(t["base"], t["new"], level)
        pad = 0.3 * (hi - lo) if hi > lo else abs(hi) * 0.1 + 1
        ax.set_ylim(lo - pad, hi + pad)
        ax.grid(alpha=0.3, axis="y")
        fig.tight_layout()
        return fig


def attribute(scenario, base_plan, new_plan, *, kpis=("revenue", "gross_profit", "contribution"),
              replications: int = 1000, seed: int | None = None, mode: str = "monte_carlo",
              threads: int | None = None, confidence: float = 0.95, progress=None) -> Attribution:
    """Decompose the KPI difference between two plans into the parts due to the key, broad and
    organisational parts of the allocation.

    Each of the 2³ mixes takes some layers' fields from `new_plan` and the rest from `base_plan`
    (each field's layer is in the activity table: `cathedral.activities.layer_fields()`,
    docs/activities.md; the contact focus goes with the key layer). All run with the same seed; a
    layer's part is its Shapley value, the average of its marginal effect over the orders in
    which the layers can be switched, computed per replication, so the parts add up to the
    total change exactly and carry paired standard errors.
    """
    seed = scenario.seed if seed is None else seed
    values = {}
    for mask in product((False, True), repeat=len(LAYERS)):
        plan = _LayerMix(base_plan, new_plan, mask)
        res = simulate(scenario, plan, replications=replications, seed=seed, mode=mode, threads=threads,
                       progress=progress)
        values[mask] = res.kpi_values()
    kpis = list(kpis)
    known = [str(k) for k in values[(False,) * len(LAYERS)].kpi.values]
    for k in kpis:
        if k not in known:
            raise ValueError(f"unknown KPI {k!r}; KPIs are: {', '.join(known)}")
    n = len(LAYERS)
    none, every = (False,) * n, (True,) * n
    parts = {}
    for k in kpis:
        v = {mask: per_rep.sel(kpi=k).to_numpy() for mask, per_rep in values.items()}
        out = {"base": v[none], "new": v[every], "total": v[every] - v[none]}
        for i, layer in enumerate(LAYERS):
            phi = np.zeros_like(out["base"])
            for mask in v:
                if mask[i]:
                    continue
                size = sum(mask)
                weight = factorial(size) * factorial(n - size - 1) / factorial(n)
                with_layer = tuple(True if j == i else m for j, m in enumerate(mask))
                phi = phi + weight * (v[with_layer] - v[mask])
            out[layer] = phi
        parts[k] = out
    return Attribution(parts, kpis, confidence)
