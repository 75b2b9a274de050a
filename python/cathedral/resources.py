"""Planned resource use (docs/model.md §4), computed by the engine.

    from cathedral.resources import planned_use
    use = planned_use(scenario, {"acc-001": {"social_hours": 2, "jic": True}, ...})
    use.commitments["budget"], use.plan["am_hours"], use.scale, use.binding
    use.table()          # per resource: capacity, commitments, plan, total

Resources are AM hours per week, executive days per year and budget per year
(`RESOURCES`). Running and opening joint innovation centres are commitments,
taken first; the rest of the plan is scaled by f ≤ 1 where it exceeds what is
left (the fitted allocation is `allocation`).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from . import _core

RESOURCES = tuple(_core.RESOURCES[1:])  # am_hours, executive_days, budget
FIELDS = tuple(_core.ALLOCATION_FIELDS)


@dataclass(frozen=True)
class PlannedUse:
    """What `planned_use` returns: per resource (RESOURCES) the capacity, the commitments and
    the rest of the plan before scaling; the scale factor f, the binding resource ("none" when
    nothing binds), whether the commitments alone exceed a resource, and the fitted allocation
    (accounts × ALLOCATION_FIELDS)."""

    capacity: dict
    commitments: dict
    plan: dict
    scale: float
    binding: str
    infeasible: bool
    infeasible_resource: str
    allocation: np.ndarray

    def total(self) -> dict:
        """Commitments plus the plan before scaling, per resource."""
        return {r: self.commitments[r] + self.plan[r] for r in RESOURCES}

    def table(self):
        import pandas as pd

        frame = pd.DataFrame({"capacity": self.capacity, "commitments": self.commitments, "plan": self.plan})
        frame = frame.loc[list(RESOURCES)]
        frame["total"] = frame["commitments"] + frame["plan"]
        frame.index.name = "resource"
        return frame


def _entry_row(entry: Mapping, where: str) -> list[float]:
    for key in entry:
        if key not in FIELDS and key != "contact_focus":
            close = difflib.get_close_matches(str(key), FIELDS, n=1)
            raise ValueError(f"{where}.{key}: not an allocation field" + (f'; did you mean "{close[0]}"?' if close else ""))
    return [float(entry.get(f, 0.0)) for f in FIELDS]


def allocation_array(allocation, account_ids) -> np.ndarray:
    """An allocation as an accounts × ALLOCATION_FIELDS float array, in the order of `account_ids`.

    `allocation`: such an array; a DataFrame with allocation-field columns (rows in that order, or
    an `account_id` index or column); a dict {account_id: entry}; or a list of entries, one per
    account. Missing fields are 0 (False)."""
    ids = list(account_ids)
    if isinstance(allocation, np.ndarray):
        arr = np.asarray(allocation, dtype=float)
    elif hasattr(allocation, "columns"):  # a DataFrame
        frame = allocation
        if "account_id" in frame.columns:
            frame = frame.set_index("account_id")
        if frame.index.name == "account_id":
            missing = [a for a in ids if a not in frame.index]
            if missing:
                raise ValueError(f"allocation: no row for account {missing[0]!r}")
            frame = frame.loc[ids]
        arr = np.column_stack([frame[f].to_numpy(dtype=float) if f in frame.columns else np.zeros(len(frame))
                               for f in FIELDS]) if len(frame) else np.zeros((0, len(FIELDS)))
    elif isinstance(allocation, Mapping):
        for key in allocation:
            if key not in ids:
                close = difflib.get_close_matches(str(key), ids, n=1)
                raise ValueError(f"allocation: unknown account id {key!r}" + (f'; did you mean "{close[0]}"?' if close else ""))
        arr = np.array([_entry_row(allocation.get(a, {}), f"allocation[{a!r}]") for a in ids], dtype=float)
    else:
        arr = np.array([_entry_row(e, f"allocation[{i}]") for i, e in enumerate(allocation)], dtype=float)
    if arr.shape != (len(ids), len(FIELDS)):
        raise ValueError(f"allocation: must have one row per account ({len(ids)}) and one column per allocation "
                         f"field ({len(FIELDS)}), got shape {arr.shape}")
    return arr.reshape(len(ids), len(FIELDS))


def planned_use(scenario, allocation, *, jic_running=None) -> PlannedUse:
    """The engine's §4 fit of `allocation` (see `allocation_array`) to the scenario's resources at one
    decision epoch. `jic_running`: per account, whether a centre runs before the epoch (one kept
    running pays no setup); default the scenario's initial `jic`. `scenario` is a Scenario or a
    scenario dict."""
    from .scenario import Scenario

    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_dict(scenario)
    arr = allocation_array(allocation, scenario.account_ids)
    if not np.isfinite(arr).all():
        raise ValueError("allocation: every value must be a finite number")
    rates = _core.N_RATE_FIELDS  # the fields after the rates (pursue_agreement, jic) are flags
    negative = np.argwhere(arr[:, :rates] < 0)
    if negative.size:
        a, f = negative[0]
        raise ValueError(f"allocation[{a}].{FIELDS[f]}: must be >= 0, got {arr[a, f]:g}")
    running = None if jic_running is None else np.asarray(jic_running, dtype=bool).astype(np.uint8)
    raw = _core.planned_use(scenario._core, arr, running)
    return PlannedUse(**raw)


def policy_allocation(scenario, policy=None) -> np.ndarray:
    """The allocation `policy` (default: the scenario's) decides at week 0, before it is fitted
    to the resources (accounts × ALLOCATION_FIELDS; flags as 0/1): the engine's own decision,
    from a one-week mean-field run with resources that cannot bind."""
    from .scenario import Scenario
    from .simulation import simulate

    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_dict(scenario)
    # the largest amounts a scenario may hold (docs/limits.md: 1e15, so that sums stay finite)
    unbounded = scenario.with_shocks([], replace=True).with_settings(horizon_weeks=1, decision_interval_weeks=1).with_resources(
        account_managers=1e15, executive_days_per_year=1e15, budget_per_year=1e15)
    res = simulate(unbounded, policy, mode="mean_field", progress=False)
    return res._raw["allocation_mean"][0].copy()
