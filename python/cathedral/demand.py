"""What a plan asks of the resources before fitting (docs/model.md §4), and the warning when
fitting had to cut a plan hard.

    scenario.demand(policy)      # per epoch and resource: capacity, use, ratio
    simulate(...)                # warns FitWarning when fitting scaled the plan below 0.9

A plan whose planned use exceeds a resource is scaled by f < 1 (§4): the run then simulates
less effort than the plan lists. A little scaling is the normal fit; a plan that asks for
twice the hours available is a planning error, and the warning says so.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

# Fitting below this scale factor (mean over replications, at some epoch) warns.
FIT_WARNING_SCALE = 0.9

# The resources as demand() and the warning name them, with their units.
_UNITS = {"am_hours": "AM hours/week", "executive_days": "executive days/year", "budget": "money/year"}


class ScenarioWarning(UserWarning):
    """A scenario that simulates, but not as its author likely meant (e.g. a horizon shorter
    than one decision interval)."""


def check_settings(scenario, stacklevel: int = 3) -> None:
    """Before a run, warn (ScenarioWarning) about a scenario without account-manager hours
    (fitting scales every plan that needs them to nothing, and the KPIs per account manager are
    undefined) and a horizon shorter than one decision interval (the policy decides once)."""
    resources = scenario.to_dict()["resources"]
    for which in ("account_managers", "am_hours_per_week"):
        if resources.get(which, 1) <= 0:
            warnings.warn(ScenarioWarning(
                f"resources.{which} is 0: there are no account-manager hours, so fitting (docs/model.md §4) "
                f"scales every plan that needs them to nothing, and the KPIs per account manager "
                f"(revenue_per_am_year, contribution_per_am_year) are undefined (NaN); set resources.{which} > 0"),
                stacklevel=stacklevel)
            break
    H, interval = scenario.horizon_weeks, scenario.decision_interval_weeks
    if H < interval:
        warnings.warn(ScenarioWarning(
            f"horizon_weeks ({H}) is shorter than decision_interval_weeks ({interval}): the run has one decision "
            f"epoch, cut short, so the policy never decides again; shorten decision_interval_weeks "
            f"(e.g. with_settings(decision_interval_weeks={max(1, H)}))"), stacklevel=stacklevel)


class FitWarning(UserWarning):
    """Fitting to the resources (docs/model.md §4) scaled a plan below FIT_WARNING_SCALE:
    the plan asks for much more than the resources allow."""


def demand(scenario, policy=None) -> pd.DataFrame:
    """Each resource's planned use against its capacity, per decision epoch, before fitting.

    The plan's allocation at each epoch is the policy's own decision on the mean-field path it
    would follow with resources that cannot bind (so a tiered plan re-tiers as planned); its
    use is the engine's §4 planned use (`cathedral.resources.planned_use`): the commitments
    of the joint innovation centres (running ones, and the setup of those opening at that
    epoch) plus the rest of the plan, in the resource's unit (AM hours per week, executive
    days and money per year).

    Returns a DataFrame indexed by (epoch, resource) with columns `week` (the epoch's first),
    `capacity`, `commitments`, `plan`, `use` (commitments + plan) and `ratio` (use /
    capacity: above 1 the fit scales the plan, by f = what the commitments leave / plan, on
    the most binding resource; 0 for no use, inf for use of a resource with no capacity).
    """
    from .resources import RESOURCES, planned_use
    from .scenario import Scenario
    from .simulation import simulate

    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: must be a cathedral.Scenario, got {type(scenario).__name__}")
    unbounded = scenario.with_resources(account_managers=1e15, executive_days_per_year=1e15,
                                        budget_per_year=1e15)
    res = simulate(unbounded, policy, mode="mean_field", progress=False)
    alloc = res._raw["allocation_mean"]  # epochs × accounts × fields, unscaled (nothing binds)
    jic = _jic_column()
    interval = scenario.decision_interval_weeks
    rows = []
    running = None  # epoch 0: the scenario's initial centres
    for e in range(alloc.shape[0]):
        use = planned_use(scenario, alloc[e], jic_running=running)
        for r in RESOURCES:
            total = use.commitments[r] + use.plan[r]
            cap = use.capacity[r]
            ratio = total / cap if cap > 0 else (np.inf if total > 0 else 0.0)
            rows.append({"epoch": e, "resource": r, "week": e * interval, "capacity": cap,
                         "commitments": use.commitments[r], "plan": use.plan[r], "use": total, "ratio": ratio})
        running = alloc[e][:, jic] > 0.5
    return pd.DataFrame(rows).set_index(["epoch", "resource"])


def _jic_column() -> int:
    from . import _core

    return list(_core.ALLOCATION_FIELDS).index("jic")


def check_fit(results, label: str | None = None, stacklevel: int = 3) -> None:
    """Warn (FitWarning) when fitting scaled the plan below FIT_WARNING_SCALE at some epoch
    (the mean over replications of the scale factor f, Results.scale_factors)."""
    epochs = results.scale_factors()
    low = epochs[epochs["scale_factor"] < FIT_WARNING_SCALE]
    if low.empty:
        return
    worst = low["scale_factor"].idxmin()
    row = low.loc[worst]
    resource = row["binding_resource"]
    unit = _UNITS.get(resource, resource)
    n = len(low)
    span = (f"at epoch {worst} (week {int(row['week'])})" if n == 1 else
            f"at {n} of {len(epochs)} decision epochs, most at epoch {worst} (week {int(row['week'])})")
    who = f"{label}: " if label else ""
    f = float(row["scale_factor"])
    ask = (f"the plan asks for about {1 / f:.1f}× what is left of it after the centres' commitments" if f >= 0.01
           else "next to nothing is left of it for the plan")
    warnings.warn(FitWarning(
        f"{who}fitting to the resources scaled the plan to f = {f:.2f} of its effort {span}, "
        f"binding on {resource} ({unit}): {ask}. The results are those of the scaled plan; "
        f"scenario.demand(policy) shows the planned use per epoch and resource"), stacklevel=stacklevel)
