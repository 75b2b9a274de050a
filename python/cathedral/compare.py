"""Paired comparison of plans with common random numbers."""
from __future__ import annotations

from statistics import NormalDist
from typing import Mapping

import numpy as np
import pandas as pd

from .simulation import _check_memory_of_plans, simulate

# KPIs where less is better; "beats the baseline" means lower for these.
LOWER_IS_BETTER = frozenset({"spend"})


def _paired_stats(values: np.ndarray, base: np.ndarray, lower_is_better: bool, z: float) -> dict:
    ok = ~(np.isnan(values) | np.isnan(base))
    d = values[ok] - base[ok]
    n = d.size
    mean_diff = d.mean() if n else np.nan
    se = d.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
    a, b = values[~np.isnan(values)], base[~np.isnan(base)]
    unpaired = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size) if a.size > 1 and b.size > 1 else np.nan
    better = (d < 0) if lower_is_better else (d > 0)
    return {"diff": mean_diff, "diff_se": se, "diff_ci_low": mean_diff - z * se, "diff_ci_high": mean_diff + z * se,
            "unpaired_se": unpaired, "p_beats_baseline": better.mean() + 0.5 * (d == 0).mean() if n else np.nan}


class Comparison:
    """Plans run with common random numbers, compared with the baseline replication by replication."""

    def __init__(self, results: dict, baseline: str, confidence: float):
        self.results = results
        self.baseline = baseline
        self.confidence = confidence

    @property
    def plans(self) -> list[str]:
        return list(self.results)

    def table(self, kpis=None) -> pd.DataFrame:
        """Per KPI and plan: mean, its standard error, the paired difference to the baseline with
        its confidence interval, the unpaired standard error for reference, and the probability
        that the plan beats the baseline (share of replications; ties count half; lower is
        better for spend)."""
        z = NormalDist().inv_cdf(0.5 + self.confidence / 2)
        base = self.results[self.baseline].kpi_values()
        known = [str(k) for k in base.kpi.values]
        names = known if kpis is None else list(kpis)
        rows = []
        for k in names:
            if k not in known:
                raise ValueError(f"unknown KPI {k!r}; KPIs are: {', '.join(known)}")
            b = base.sel(kpi=k).to_numpy()
            for plan, res in self.results.items():
                v = res.kpi_values().sel(kpi=k).to_numpy()
                ok = v[~np.isnan(v)]
                row = {"kpi": k, "plan": plan, "mean": ok.mean() if ok.size else np.nan,
                       "se": ok.std(ddof=1) / np.sqrt(ok.size) if ok.size > 1 else np.nan}
                row.update(_paired_stats(v, b, k in LOWER_IS_BETTER, z))
                rows.append(row)
        return pd.DataFrame(rows).set_index(["kpi", "plan"])

    def summary(self, kpis=("revenue", "gross_profit", "contribution", "cash_flow", "win_rate", "share_of_wallet")):
        """Means per KPI (rows) and plan (columns)."""
        kpis = list(kpis)
        return self.table(kpis)["mean"].unstack("plan").loc[kpis, self.plans]

    def plot(self, kpis=("revenue", "contribution")):
        """The distribution of each KPI over replications, plans side by side."""
        import matplotlib.pyplot as plt

        kpis = list(kpis)
        fig, axes = plt.subplots(1, len(kpis), figsize=(4.5 * len(kpis), 3.8), squeeze=False)
        for ax, k in zip(axes[0], kpis):
            data = [r.kpi_values().sel(kpi=k).dropna("replication").to_numpy() for r in self.results.values()]
            ax.violinplot(data, showmedians=True)
            ax.set_xticks(range(1, len(data) + 1), self.plans, rotation=20, ha="right")
            ax.set_title(k)
            ax.grid(alpha=0.3, axis="y")
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        return f"<Comparison of {', '.join(self.plans)} (baseline {self.baseline!r})>"


def compare(scenario, plans: Mapping, *, baseline: str | None = None, replications: int = 1000,
            seed: int | None = None, mode: str = "monte_carlo", threads: int | None = None,
            confidence: float = 0.95, progress=None) -> Comparison:
    """Run every plan with the same seed (common random numbers) and compare each with the
    baseline (default: the first plan) through paired differences per replication."""
    if not isinstance(plans, Mapping) or not plans:
        raise ValueError("plans: must be a non-empty dict {name: policy}")
    names = list(plans)
    baseline = names[0] if baseline is None else baseline
    if baseline not in plans:
        raise ValueError(f"baseline: {baseline!r} is not one of the plans: {', '.join(map(str, names))}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: must be in (0, 1), got {confidence}")
    seed = scenario.seed if seed is None else seed
    if isinstance(replications, int) and replications >= 1 and hasattr(scenario, "to_dict"):
        # all plans' Results are kept: refused as a whole, before the first plan runs
        _check_memory_of_plans(scenario, [plans[n] for n in names], replications if mode == "monte_carlo" else 1,
                               threads or 0, mode)
    results = {name: simulate(scenario, plans[name], replications=replications, seed=seed, mode=mode,
                              threads=threads, progress=progress) for name in names}
    return Comparison(results, baseline, confidence)
