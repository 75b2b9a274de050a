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

    def __init__(self, parts: dict, kpis: list[str], confidence: float, scenario=None,
                 base_name: str = "base plan", new_name: str = "new plan", replications: int | None = None):
        self._parts = parts  # kpi -> {layer|"base"|"new"|"total": per-replication values}
        self.kpis = kpis
        self.confidence = confidence
        self.scenario = scenario
        self.base_name = base_name
        self.new_name = new_name
        self.replications = replications

    @property
    def currency(self) -> str:
        from .display import currency_of

        return currency_of(self.scenario)

    @property
    def horizon_weeks(self) -> int | None:
        return self.scenario.horizon_weeks if self.scenario is not None else None

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
        """The change from the base plan to the new plan by layer: a waterfall on an axis from zero
        (left) and the layers' parts with their confidence intervals (right)."""
        from .plots import attribution_waterfall

        if kpi not in self.kpis:
            raise ValueError(f"kpi: {kpi!r} was not attributed; KPIs are: {', '.join(self.kpis)}")
        return attribution_waterfall(self, kpi, axes=ax)

    # --- display and export ---------------------------------------------------------------
    def part_label(self, part: str) -> str:
        """How tables and plots name a part: the two plans by name, layers by their layer."""
        words = {"base": self.base_name, "new": self.new_name, "total": "total change", "org": "organisational layer"}
        return words.get(part, f"{part} layer")

    def _repr_html_(self) -> str:
        """Per KPI: the base plan, each layer's part with its interval, the total change, the new plan."""
        from .display import horizon_label, html_table, kpi_row_units

        t = self.table()
        pct = round(100 * self.confidence)
        shown = pd.DataFrame({"value": t["value"].to_numpy(), f"{pct} % interval": list(zip(t["ci_low"], t["ci_high"]))},
                             index=pd.MultiIndex.from_tuples([(k, self.part_label(p)) for k, p in t.index],
                                                             names=["kpi", "part"]))
        horizon = f", {horizon_label(self.horizon_weeks)}" if self.horizon_weeks else ""
        reps = f"{self.replications:,} replications, " if self.replications else ""
        title = f"From {self.base_name} to {self.new_name}: the change by layer (Shapley values; {reps}paired{horizon})"
        note = "The layers' parts add up to the total change; intervals are paired over replications."
        return html_table(shown, title=title, currency=self.currency,
                          row_units=kpi_row_units(self.kpis, self.currency, self.horizon_weeks or 0), note=note)

    def tables(self) -> dict:
        """The tables that `to_excel` and `to_csv` write: attribution (`table()`) and about."""
        rows = {"scenario": getattr(self.scenario, "name", ""), "base_plan": self.base_name,
                "new_plan": self.new_name, "currency": self.currency, "confidence": self.confidence,
                "replications": self.replications}
        about = pd.DataFrame({"field": list(rows), "value": ["" if v is None else str(v) for v in rows.values()]})
        return {"attribution": self.table(), "about": about}

    def to_excel(self, path):
        """Write `tables()` to an Excel workbook, one sheet per table (needs openpyxl); atomic."""
        from .export import write_excel

        return write_excel(path, self.tables())

    def to_csv(self, folder):
        """Write `tables()` to `folder`, one CSV per table; atomic per file."""
        from .export import write_csv

        return write_csv(folder, self.tables())


def attribute(scenario, base_plan, new_plan, *, kpis=("revenue", "gross_profit", "contribution"),
              replications: int = 1000, seed: int | None = None, mode: str = "monte_carlo",
              threads: int | None = None, confidence: float = 0.95, progress=None,
              names: tuple[str, str] | None = None) -> Attribution:
    """Decompose the KPI difference between two plans into the parts due to the key, broad and
    organisational parts of the allocation.

    Each of the 2³ mixes takes some layers' fields from `new_plan` and the rest from `base_plan`
    (each field's layer is in the activity table: `cathedral.activities.layer_fields()`,
    docs/activities.md; the contact focus goes with the key layer). All run with the same seed; a
    layer's part is its Shapley value, the average of its marginal effect over the orders in
    which the layers can be switched, computed per replication, so the parts add up to the
    total change exactly and carry paired standard errors. `names` (base, new) name the two
    plans in tables and plots.
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
    base_name, new_name = names if names is not None else ("base plan", "new plan")
    return Attribution(parts, kpis, confidence, scenario=scenario, base_name=str(base_name), new_name=str(new_name),
                       replications=replications)
