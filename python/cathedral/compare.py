"""Paired comparison of plans with common random numbers."""
from __future__ import annotations

import warnings
from statistics import NormalDist
from typing import Mapping

import numpy as np
import pandas as pd

from .demand import FitWarning, check_fit
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
        self.results = results  # {name: Results}; each Results has its .scenario
        self.baseline = baseline
        self.confidence = confidence
        for name, res in results.items():  # tables, plots and exports name each plan
            res.plan_name = str(name)

    @property
    def currency(self) -> str:
        """The unit of money amounts: the baseline scenario's `currency`."""
        return self.results[self.baseline].currency

    @property
    def horizon_weeks(self) -> int:
        return self.results[self.baseline].horizon_weeks

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
        """What decides between plans: per KPI, the paired difference of each plan to the baseline
        with its confidence interval (top), and each plan's distribution over replications (bottom)."""
        from .plots import comparison_figure

        return comparison_figure(self, kpis)

    def plot_differences(self, kpis=("revenue", "contribution"), ax=None):
        """Per KPI (one panel each), each plan's mean paired difference to the baseline with its
        confidence interval; the zero line is the baseline."""
        from .plots import paired_difference_chart

        return paired_difference_chart(self, kpis, axes=ax)

    def plot_distributions(self, kpis=("revenue", "contribution"), ax=None):
        """Per KPI, the distribution of each plan's value over replications (violins)."""
        from .plots import kpi_violins

        return kpi_violins(self, kpis, axes=ax)

    # --- display and export ---------------------------------------------------------------
    DISPLAY_KPIS = ("revenue", "gross_profit", "contribution", "cash_flow", "spend", "win_rate", "share_of_wallet")

    def _repr_html_(self) -> str:
        """The paired table in a notebook: per KPI and plan, the mean, the difference to the baseline
        with its interval and the probability of beating the baseline."""
        from .display import difference_kind, format_interval, format_value, horizon_label, html_table, kpi_row_units

        known = set(str(k) for k in self.results[self.baseline].kpi_values().kpi.values)
        kpis = [k for k in self.DISPLAY_KPIS if k in known]
        t = self.table(kpis)
        pct = round(100 * self.confidence)
        rows = []
        for (kpi, plan), r in t.iterrows():
            is_base = plan == self.baseline
            kind = difference_kind(kpi)  # differences of shares in percentage points
            rows.append({"kpi": kpi, "plan": plan, "mean": r["mean"],
                         f"difference to {self.baseline}": "baseline" if is_base else
                         ("+" if r["diff"] > 0 else "") + format_value(r["diff"], kind),
                         f"{pct} % interval of the difference": "" if is_base else
                         format_interval(r["diff_ci_low"], r["diff_ci_high"], kind),
                         "P(beats baseline)": "" if is_base else format_value(r["p_beats_baseline"], "share")})
        shown = pd.DataFrame(rows).set_index(["kpi", "plan"])
        base = self.results[self.baseline]
        title = (f"{len(self.plans)} plans on {base.scenario.name}, paired with {self.baseline!r}: "
                 f"{base.replications:,} replications each, seed {base.seed}, {horizon_label(base.horizon_weeks)}")
        note = ("Differences are paired replication by replication (common random numbers: the plans share "
                "their luck). P(beats baseline): share of replications in which the plan does better "
                "(lower is better for spend); pp: percentage points. table() has every KPI; to_excel(path) writes it.")
        return html_table(shown, title=title, currency=self.currency,
                          row_units=kpi_row_units(kpis, self.currency, self.horizon_weeks), note=note)

    def tables(self) -> dict:
        """The tables that `to_excel` and `to_csv` write: comparison (the paired `table()` of every
        KPI), and each plan's kpis, portfolio, accounts, allocations and scale_factors one under the
        other with a `plan` column, and about."""
        per_plan = {name: res.tables() for name, res in self.results.items()}
        out = {"comparison": self.table()}
        for sheet in ("kpis", "portfolio", "accounts", "allocations", "scale_factors"):
            out[sheet] = pd.concat({name: t[sheet] for name, t in per_plan.items()}, names=["plan"])
        base = per_plan[self.baseline]["about"]
        extra = pd.DataFrame({"field": ["plans", "baseline", "confidence"],
                              "value": [", ".join(map(str, self.plans)), str(self.baseline), str(self.confidence)]})
        about = pd.concat([base[base["field"] != "plan"], extra], ignore_index=True)
        out["about"] = about
        return out

    def to_excel(self, path):
        """Write `tables()` to an Excel workbook, one sheet per table (needs openpyxl); atomic."""
        from .export import write_excel

        return write_excel(path, self.tables())

    def to_csv(self, folder):
        """Write `tables()` to `folder`, one CSV per table; atomic per file."""
        from .export import write_csv

        return write_csv(folder, self.tables())

    def __repr__(self) -> str:
        return f"<Comparison of {', '.join(self.plans)} (baseline {self.baseline!r})>"


def compare(scenario, plans: Mapping | None = None, *, baseline: str | None = None, replications: int = 1000,
            seed: int | None = None, mode: str = "monte_carlo", threads: int | None = None,
            confidence: float = 0.95, progress=None) -> Comparison:
    """Run every plan with the same seed (common random numbers) and compare each with the
    baseline (default: the first plan) through paired differences per replication.

    Two forms:

    - `compare(scenario, {name: policy})`: plans within one scenario;
    - `compare({name: (scenario, policy)})`: across scenarios, e.g. one more account manager
      or calm against a downturn (`policy` None takes that scenario's own). The seed defaults
      to the baseline's scenario's; every scenario must have the same horizon, so that the
      KPIs (3-year totals and rates) mean the same thing.

    Common random numbers pair the replications: replication i of every plan starts from the
    same random streams of each account (docs/model.md §10), so the paired difference carries
    only the plans' effect, not their luck.
    """
    from .scenario import Scenario

    if plans is None and isinstance(scenario, Mapping):
        cases = _cases(scenario)
    else:
        if not isinstance(scenario, Scenario):
            raise TypeError("compare: pass a Scenario and {name: policy}, or {name: (scenario, policy)}; "
                            f"got {type(scenario).__name__}")
        if not isinstance(plans, Mapping) or not plans:
            raise ValueError("plans: must be a non-empty dict {name: policy}")
        cases = {name: (scenario, policy) for name, policy in plans.items()}
    names = list(cases)
    baseline = names[0] if baseline is None else baseline
    if baseline not in cases:
        raise ValueError(f"baseline: {baseline!r} is not one of the plans: {', '.join(map(str, names))}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: must be in (0, 1), got {confidence}")
    _validate(cases)
    seed = cases[baseline][0].seed if seed is None else seed
    base_scenario = cases[baseline][0]
    if isinstance(replications, int) and replications >= 1:
        # all plans' Results are kept: refused as a whole, before the first plan runs
        _check_memory_of_plans(base_scenario, [p for _, p in cases.values()],
                               replications if mode == "monte_carlo" else 1, threads or 0, mode)
    results = {}
    for name, (sc, policy) in cases.items():
        with warnings.catch_warnings():  # the fit warning is given below, naming the plan
            warnings.simplefilter("ignore", FitWarning)
            results[name] = simulate(sc, policy, replications=replications, seed=seed, mode=mode,
                                     threads=threads, progress=progress)
        check_fit(results[name], label=f"plan {name!r}", stacklevel=2)
    return Comparison(results, baseline, confidence)


def _validate(cases: dict) -> None:
    """Every plan with a JSON form checked against its scenario before anything runs; the error
    names the plan: `plan 'focused': policy.templates.S.vists: unknown key; ...`."""
    from . import _core
    from .policies import Policy, PythonPolicy, SchedulePolicy, _LayerMix

    for name, (sc, policy) in cases.items():
        if policy is None or isinstance(policy, (PythonPolicy, _LayerMix)):
            continue
        if isinstance(policy, SchedulePolicy) and not policy._json_only():
            continue
        spec = policy.to_dict() if isinstance(policy, Policy) else policy
        try:
            sc.with_policy(spec)
        except _core.ScenarioError as e:
            raise _core.ScenarioError(f"plan {name!r}: {e}") from None


def _cases(cases: Mapping) -> dict:
    """{name: (scenario, policy)} checked: pairs of a Scenario and a policy, one horizon."""
    from .scenario import Scenario

    if not cases:
        raise ValueError("compare: {name: (scenario, policy)} must not be empty")
    out = {}
    for name, case in cases.items():
        if not (isinstance(case, tuple) and len(case) == 2 and isinstance(case[0], Scenario)):
            raise TypeError(f"compare: {name!r} must be a (scenario, policy) pair, got {type(case).__name__}; "
                            "for plans within one scenario call compare(scenario, {name: policy})")
        out[name] = case
    horizons = {name: sc.horizon_weeks for name, (sc, _) in out.items()}
    if len(set(horizons.values())) > 1:
        listed = ", ".join(f"{n!r} {h}" for n, h in horizons.items())
        raise ValueError(f"compare: the scenarios must have the same horizon_weeks to compare their KPIs; got {listed}")
    return out
