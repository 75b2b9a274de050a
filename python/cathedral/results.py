"""Results of a run: KPIs, weekly portfolio series, per-account summaries,
trajectories, fitted allocations and the nine-grid (docs/model.md §8).

Summaries (means, standard errors, quantiles over replications) are pandas
frames; values per replication are xarray DataArrays with named dimensions
(`replication`, `week`, `account_id`, `epoch`, `kpi`) and their labels as
coordinates, so `.sel(account_id="acc-001")` picks by label and `.to_numpy()`
gives the plain array. Arithmetic between DataArrays aligns them by label.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from . import _core

_METRICS = tuple(_core.METRICS)
_FLOWS = _METRICS[: _core.N_FLOWS]
_Z95 = 1.959963984540054


class Results:
    """What simulate() returns. Means are over replications; with
    mode="mean_field" there is one deterministic replication (no standard errors)."""

    def __init__(self, raw: dict, scenario, policy=None):
        self._raw = raw
        self.scenario = scenario
        self.replications: int = raw["replications"]
        self.seed: int = raw["seed"]
        self.mode: str = raw["mode"]
        self.horizon_weeks: int = raw["horizon_weeks"]
        self._policy = policy
        self.account_ids = scenario.account_ids
        self._kpi_names = list(raw["kpi_names"])
        # how tables, plots and exports name the plan; `compare` sets the plan's name
        self.plan_name: str = _plan_label(policy, scenario)

    @property
    def currency(self) -> str:
        """The unit of money amounts: the scenario's `currency` (a label, default "k")."""
        from .display import currency_of

        return currency_of(self.scenario)

    @property
    def policy(self):
        """The Policy (or dict) that was simulated; the scenario's `policy` when none was passed."""
        return self._policy if self._policy is not None else self.scenario.policy

    # --- KPIs --------------------------------------------------------------
    def kpis(self) -> pd.Series:
        """The KPIs of docs/model.md §8, means over replications."""
        return self.kpi_table()["mean"]

    def kpi_table(self, confidence: float = 0.95) -> pd.DataFrame:
        """Per KPI: mean, standard error, a normal confidence interval and 5/50/95 % quantiles."""
        if not 0 < confidence < 1:
            raise ValueError(f"confidence: must be in (0, 1), got {confidence}")
        from statistics import NormalDist

        z = NormalDist().inv_cdf(0.5 + confidence / 2)
        values = self._raw["kpis"]
        rows = {}
        for j, name in enumerate(self._kpi_names):
            col = values[:, j]
            ok = col[~np.isnan(col)]
            n = ok.size
            mean = ok.mean() if n else np.nan
            se = ok.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
            q = np.quantile(ok, [0.05, 0.5, 0.95]) if n else [np.nan] * 3
            rows[name] = {"mean": mean, "se": se, "ci_low": mean - z * se, "ci_high": mean + z * se,
                          "p5": q[0], "p50": q[1], "p95": q[2]}
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index.name = "kpi"
        return table

    def kpi_values(self) -> xr.DataArray:
        """Every KPI of every replication: dims (replication, kpi), e.g. `.sel(kpi="revenue")`;
        `.to_pandas()` gives the replications × KPIs frame."""
        return self._labelled(self._raw["kpis"], ("replication", "kpi"), "kpis")

    # --- portfolio ------------------------------------------------------------
    def portfolio(self, metric: str | None = None) -> pd.DataFrame:
        """Weekly portfolio metrics: mean and 5/50/95 % quantiles over replications.

        Flows are summed over accounts (contribution and cash_flow net of the
        team cost); states are means over accounts, except wallet (summed).
        """
        data = self._raw["portfolio"]
        weeks = pd.RangeIndex(self.horizon_weeks, name="week")
        names = [self._check_metric(metric)] if metric is not None else list(_METRICS)
        frames = {}
        for name in names:
            series = data[:, :, _METRICS.index(name)]
            q = np.quantile(series, [0.05, 0.5, 0.95], axis=0)
            frames[name] = pd.DataFrame({"mean": series.mean(axis=0), "p5": q[0], "p50": q[1], "p95": q[2]},
                                        index=weeks)
        if metric is not None:
            return frames[metric]
        return pd.concat(frames, axis=1, names=["metric", "stat"])

    def totals(self, metric: str) -> xr.DataArray:
        """One horizon total of a flow per replication (portfolio-wide): dims (replication,)."""
        name = self._check_metric(metric)
        if name not in _FLOWS:
            raise ValueError(f"totals({name!r}): {name} is a state, not a flow; use portfolio() or trajectory()")
        return self._labelled(self._raw["portfolio"][:, :, _METRICS.index(name)].sum(axis=1), ("replication",), name)

    def weekly(self, metric: str) -> xr.DataArray:
        """The portfolio series of one metric per replication: dims (replication, week)."""
        name = self._check_metric(metric)
        return self._labelled(self._raw["portfolio"][:, :, _METRICS.index(name)], ("replication", "week"), name)

    def trajectory(self, metric: str) -> xr.DataArray:
        """Per replication, week and account, for metrics kept with keep="trajectories" (or a list):
        dims (replication, week, account_id)."""
        name = self._check_metric(metric)
        kept = self._raw["trajectories"]
        if name not in kept:
            raise ValueError(f"trajectory({name!r}): not kept in this run; "
                             f"simulate(..., keep=\"trajectories\") or keep=[{name!r}, ...]")
        return self._labelled(kept[name], ("replication", "week", "account_id"), name)

    # --- accounts ---------------------------------------------------------------
    def accounts(self) -> pd.DataFrame:
        """Per account: tiers, flows summed over the horizon and states at the end (means
        over replications), with standard errors of revenue and contribution."""
        mean = self._raw["account_mean"]
        var = self._raw["account_var"]
        frame = pd.DataFrame(mean, columns=list(_METRICS), index=pd.Index(self.account_ids, name="account_id"))
        n = self.replications
        for name in ("revenue", "contribution"):
            frame[f"{name}_se"] = np.sqrt(var[:, _METRICS.index(name)] / n) if n > 1 else np.nan
        tiers = self.scenario.initial_tiers()
        frame.insert(0, "name", self.scenario._core.account_names)
        frame.insert(1, "tier_start", [tiers[a] for a in self.account_ids])
        last = self._raw["tier_share"][-1]  # accounts × 5, at the last decision epoch
        labels = list(_core.TIER_LABELS)
        frame.insert(2, "tier_last_epoch", [labels[i] for i in last.argmax(axis=1)])
        return frame

    def tier_shares(self, epoch: int = -1) -> pd.DataFrame:
        """Share of replications in which each account had each tier label at a decision epoch."""
        epochs = self._raw["tier_share"].shape[0]
        if not -epochs <= epoch < epochs:
            raise ValueError(f"epoch: must be in [{-epochs}, {epochs - 1}], got {epoch}")
        shares = self._raw["tier_share"][epoch]
        return pd.DataFrame(shares, columns=list(_core.TIER_LABELS),
                            index=pd.Index(self.account_ids, name="account_id"))

    # --- allocations ----------------------------------------------------------------
    def allocations(self) -> pd.DataFrame:
        """The fitted allocation per decision epoch and account (means over replications),
        with the epoch's resource scale factor f and binding resource (docs/model.md §4)."""
        alloc = self._raw["allocation_mean"]  # epochs × accounts × fields
        E, A, _ = alloc.shape
        interval = self._raw["decision_interval_weeks"]
        index = pd.MultiIndex.from_product([range(E), self.account_ids], names=["epoch", "account_id"])
        frame = pd.DataFrame(alloc.reshape(E * A, -1), columns=list(_core.ALLOCATION_FIELDS), index=index)
        frame.insert(0, "week", np.repeat(np.arange(E) * interval, A))
        epochs = self.scale_factors()
        frame["scale_factor"] = np.repeat(epochs["scale_factor"].to_numpy(), A)
        frame["binding_resource"] = np.repeat(epochs["binding_resource"].to_numpy(), A)
        frame["infeasible_share"] = np.repeat(epochs["infeasible_share"].to_numpy(), A)
        return frame

    def scale_factors(self) -> pd.DataFrame:
        """Per decision epoch: mean, min and max of the resource scale factor f over replications,
        the most frequent binding resource and the share of replications where it was infeasible."""
        scale = self._raw["scale"]
        binding = self._raw["binding"].astype(int)
        names = list(_core.RESOURCES)
        modal = [names[np.bincount(binding[:, e], minlength=len(names)).argmax()] for e in range(scale.shape[1])]
        interval = self._raw["decision_interval_weeks"]
        return pd.DataFrame({
            "week": np.arange(scale.shape[1]) * interval,
            "scale_factor": scale.mean(axis=0),
            "scale_min": scale.min(axis=0),
            "scale_max": scale.max(axis=0),
            "binding_resource": modal,
            "infeasible_share": self._raw["infeasible"].mean(axis=0),
        }, index=pd.RangeIndex(scale.shape[1], name="epoch"))

    def scale_factor_values(self) -> xr.DataArray:
        """The resource scale factor f of every replication and decision epoch: dims (replication,
        epoch), with the epoch's first `week` and, per replication and epoch, the
        `binding_resource` and whether it was `infeasible` as coordinates."""
        out = self._labelled(self._raw["scale"], ("replication", "epoch"), "scale_factor")
        names = np.array(_core.RESOURCES, dtype=object)
        return out.assign_coords(
            binding_resource=(("replication", "epoch"), names[self._raw["binding"].astype(int)]),
            infeasible=(("replication", "epoch"), self._raw["infeasible"].astype(bool)))

    # --- nine-grid ------------------------------------------------------------------
    def nine_grid(self, week: int = -1) -> pd.DataFrame:
        """Key contacts per nine-grid cell and account at the end of `week` (mean over replications)."""
        grid = self._raw["grid_mean"]
        if isinstance(week, bool) or not isinstance(week, (int, np.integer)):
            raise ValueError(f"week: must be an integer, got {week!r}")
        if not -self.horizon_weeks <= week < self.horizon_weeks:
            raise ValueError(f"week: must be in [{-self.horizon_weeks}, {self.horizon_weeks - 1}], got {week}")
        return pd.DataFrame(grid[week], columns=list(_core.GRID_CELLS),
                            index=pd.Index(self.account_ids, name="account_id"))

    # --- plots ------------------------------------------------------------------------
    def plot_fan(self, metric: str = "revenue", ax=None, label: str | None = None):
        """The weekly portfolio series of a flow (13-week rolling sum): median and 50/90 % bands."""
        from .plots import fan_chart

        return fan_chart({label or self.plan_name: self}, metric=metric, ax=ax)

    def plot_nine_grid(self, week: int = -1, ax=None):
        from .plots import nine_grid_plot

        return nine_grid_plot(self, week=week, ax=ax)

    # ------------------------------------------------------------------------------------
    def _labelled(self, data: np.ndarray, dims: tuple, name: str) -> xr.DataArray:
        coords = {}
        for dim, n in zip(dims, data.shape):
            if dim == "account_id":
                coords[dim] = list(self.account_ids)
            elif dim == "kpi":
                coords[dim] = list(self._kpi_names)
            else:  # replication, week, epoch: numbered from 0
                coords[dim] = np.arange(n)
        if "epoch" in dims:
            coords["week"] = ("epoch", np.arange(data.shape[dims.index("epoch")]) * self._raw["decision_interval_weeks"])
        return xr.DataArray(data, dims=dims, coords=coords, name=name)

    def _check_metric(self, metric: str) -> str:
        if metric not in _METRICS:
            import difflib

            hint = difflib.get_close_matches(str(metric), _METRICS, n=1)
            raise ValueError(f"unknown metric {metric!r}" + (f'; did you mean "{hint[0]}"?' if hint else "")
                             + f"; metrics are: {', '.join(_METRICS)}")
        return metric

    # --- display and export -------------------------------------------------------------
    def _repr_html_(self) -> str:
        """The KPI table in a notebook: mean, 95 % interval and the 5–95 % range of the replications."""
        from .display import horizon_label, html_table, kpi_row_units

        t = self.kpi_table()
        shown = pd.DataFrame({
            "mean": t["mean"],
            "95 % interval": list(zip(t["ci_low"], t["ci_high"])),
            "5–95 % of replications": list(zip(t["p5"], t["p95"])),
        }, index=t.index)
        scale = self.scale_factors()
        binding = scale["binding_resource"].mode().iat[0] if len(scale) else "none"
        title = (f"{self.plan_name} on {self.scenario.name}: {self.replications:,} replications ({self.mode}), "
                 f"seed {self.seed}, {self.horizon_weeks} weeks ({horizon_label(self.horizon_weeks)})")
        note = (f"Money in {self.currency}. Resource scale factor {scale['scale_factor'].mean():.2f} on average "
                f"(binding: {binding}). Tables: kpi_table(), portfolio(), accounts(), allocations(); "
                f"to_excel(path), to_csv(folder).")
        return html_table(shown, title=title, currency=self.currency,
                          row_units=kpi_row_units(t.index, self.currency, self.horizon_weeks), note=note)

    def tables(self) -> dict:
        """The tables that `to_excel` and `to_csv` write, by sheet (file) name: kpis (with units),
        portfolio (weekly: mean and 5/50/95 % of each metric), accounts, allocations,
        scale_factors, and about (scenario, plan, seed, replications, currency)."""
        from .display import kpi_unit

        kpis = self.kpi_table()
        kpis.insert(0, "unit", [kpi_unit(k, self.currency, self.horizon_weeks) for k in kpis.index])
        return {
            "kpis": kpis,
            "portfolio": self.portfolio(),
            "accounts": self.accounts(),
            "allocations": self.allocations(),
            "scale_factors": self.scale_factors(),
            "about": self._about(),
        }

    def _about(self) -> pd.DataFrame:
        rows = {"scenario": self.scenario.name, "plan": self.plan_name, "currency": self.currency,
                "replications": self.replications, "seed": self.seed, "mode": self.mode,
                "horizon_weeks": self.horizon_weeks, "cathedral_version": _core.__version__}
        return pd.DataFrame({"field": list(rows), "value": [str(v) for v in rows.values()]})

    def to_excel(self, path) -> "Path":
        """Write `tables()` to an Excel workbook, one sheet per table (needs openpyxl); atomic."""
        from .export import write_excel

        return write_excel(path, self.tables())

    def to_csv(self, folder) -> list:
        """Write `tables()` to `folder`, one CSV per table (kpis.csv, portfolio.csv, ...); atomic per file."""
        from .export import write_csv

        return write_csv(folder, self.tables())

    def __repr__(self) -> str:
        k = self.kpis()
        return (f"<Results {self.mode}: {self.replications} replications, seed {self.seed}, "
                f"{self.horizon_weeks} weeks; revenue {k['revenue']:.4g}, contribution {k['contribution']:.4g}>")


def _plan_label(policy, scenario) -> str:
    """A plan's name for titles when none was given: "the scenario's tiered plan", "static plan"."""
    own = policy is None
    if own:
        policy = scenario.policy
    kind = getattr(policy, "type", None) or (policy.get("type") if isinstance(policy, dict) else None)
    label = f"{kind} plan" if kind else "plan"
    return f"the scenario's {label}" if own else label
