"""Scenario preparation shared by the two baseline implementations.

This module only *reads* a scenario dict (the engine's JSON schema, docs/model.md §2)
and a static policy. The defaults of docs/model.md §2 and §9 come from the engine
(the scenario is validated and written in full form by cathedral.Scenario), and so
does the fit of the static allocation to the resources (docs/model.md §4,
cathedral.resources.planned_use): the model's rules are written once, in the engine.
It contains none of the weekly dynamics (§3): each baseline implements those on its own.

Supported subset of the schema (everything the benchmark needs):

* every parameter of §9 and every cost;
* accounts with any number of contacts (padded to the largest count with
  weight-0 contacts), listed pipelines or the synthesised one;
* a policy of the form ``{"type": "static", "default": {...}}``: the ``default``
  entry is applied to every account (no ``tiers``/``accounts`` entries, no
  ``contact_focus``, so key hours are split by influence, §3.0);
* no shocks, no ``mean_field`` mode.
"""
from __future__ import annotations

import numpy as np

import cathedral
from cathedral import _core
from cathedral.resources import FIELDS as ALLOCATION_FIELDS
from cathedral.resources import planned_use

RATE_FIELDS = ALLOCATION_FIELDS[:_core.N_RATE_FIELDS]  # social_hours ... exec_visits, rates >= 0
BOOL_FIELDS = ALLOCATION_FIELDS[_core.N_RATE_FIELDS:]  # pursue_agreement, jic
# The rates the baselines model, in the column order of prepare()'s `alloc` that
# numpy_model and numba_model index by position. They are independent
# implementations of the model, so they name what they implement; a plan that
# uses any other activity is refused, not silently read as another column.
MODELLED_RATES = ("social_hours", "value_hours", "visits", "service_hours", "benchmarking", "exec_visits")

# Order of the per-replication outputs of both baselines.
OUTPUTS = ("revenue", "gross_profit", "wins", "direct_awards", "seen_deals", "decided_deals",
           "spend", "hours", "exec_days", "contribution", "cash_flow")


def _static_entry(policy: dict) -> dict:
    if not isinstance(policy, dict) or policy.get("type") != "static":
        raise ValueError("baselines support only policies of the form {'type': 'static', 'default': {...}}")
    extra = set(policy) - {"type", "default"}
    if extra:
        raise ValueError(f"baselines support only the 'default' entry of a static policy, got {sorted(extra)}")
    entry = dict(policy.get("default", {}))
    unknown = set(entry) - set(RATE_FIELDS) - set(BOOL_FIELDS)
    if unknown:
        raise ValueError(f"unsupported allocation fields {sorted(unknown)} (contact_focus is not supported)")
    out = {k: float(entry.get(k, 0.0)) for k in RATE_FIELDS}
    for k in RATE_FIELDS:
        if not out[k] >= 0.0:
            raise ValueError(f"{k} must be >= 0")
    out.update({k: bool(entry.get(k, False)) for k in BOOL_FIELDS})
    return out


def fit_to_resources(scenario: cathedral.Scenario, rates: np.ndarray, pursue: np.ndarray,
                     jic_plan: np.ndarray, jic_running: np.ndarray):
    """docs/model.md §4 for one epoch, by the engine. `rates` is accounts x 6 (RATE_FIELDS order).

    Returns (f, binding) with binding one of "none", "am_hours",
    "executive_days", "budget". Raises ValueError when the commitments alone
    exceed a resource (the benchmark never does that)."""
    alloc = np.zeros((rates.shape[0], len(ALLOCATION_FIELDS)))
    alloc[:, :len(RATE_FIELDS)] = rates
    alloc[:, ALLOCATION_FIELDS.index("pursue_agreement")] = pursue
    alloc[:, ALLOCATION_FIELDS.index("jic")] = jic_plan
    use = planned_use(scenario, alloc, jic_running=jic_running)
    if use.infeasible:
        r = use.infeasible_resource
        raise ValueError(f"infeasible allocation: commitments need {use.commitments[r]} of {r}, "
                         f"only {use.capacity[r]} available (not supported by the baselines)")
    return use.scale, use.binding


def prepare(scenario: dict, policy: dict) -> dict:
    """Flatten a scenario dict and a static policy into numpy arrays.

    The allocation is static, so only two epochs can differ: epoch 0 (where a
    planned centre that is not running yet opens and its setup money is a
    commitment) and every later epoch. `alloc` has shape (2, A, 6), columns MODELLED_RATES: the fitted
    rates of epoch 0 and of the later epochs; `scale` the two factors f.
    """
    checked = cathedral.Scenario.from_dict(scenario)  # validated, every default filled in
    full = checked.to_dict()
    if full["shocks"]:
        raise ValueError("shocks are not supported by the baselines")
    params, costs, resources = full["params"], full["costs"], full["resources"]

    H = int(full["horizon_weeks"])
    interval = int(full["decision_interval_weeks"])
    accounts = full["accounts"]
    A = len(accounts)
    Kmax = max([len(a["contacts"]) for a in accounts] + [1])

    def col(name):
        return np.array([float(a[name]) for a in accounts], dtype=np.float64)

    wallet = col("wallet")
    acc = {
        "wallet": wallet,
        "wallet_growth": col("wallet_growth"),
        "staff": col("staff"),
        "fit": col("fit"),
        "fit_target": col("fit_target"),
        "capability_match": col("capability_match"),
        "competitor_strength": col("competitor_strength"),
        "coverage": col("coverage"),
        "satisfaction": col("satisfaction"),
        "org": col("org"),
        "agreement_weeks_left": np.array([int(a["agreement_weeks_left"]) for a in accounts], dtype=np.int64),
        "jic": np.array([bool(a["jic"]) for a in accounts]),
        "mean_deal": float(params["deal_fraction"]) * wallet,
    }

    # Contacts, padded to Kmax; padding has weight 0 and never matters.
    n_contacts = np.zeros(A, dtype=np.int64)
    weight = np.zeros((A, Kmax))
    intimacy = np.zeros((A, Kmax))
    support = np.zeros((A, Kmax))
    stance = np.zeros((A, Kmax))
    for a, account in enumerate(accounts):
        cs = account["contacts"]
        n_contacts[a] = len(cs)
        if not cs:
            continue
        infl = np.array([float(c["influence"]) for c in cs])
        w = infl / infl.sum() if infl.sum() > 0 else np.full(len(cs), 1.0 / len(cs))
        weight[a, :len(cs)] = w
        intimacy[a, :len(cs)] = [float(c["intimacy"]) for c in cs]
        support[a, :len(cs)] = [float(c["support"]) for c in cs]
        stance[a, :len(cs)] = [float(c["stance"]) for c in cs]

    # Listed pipelines (an account with a "pipeline" key, even an empty one,
    # gets no synthesised pipeline). Deals at or after the horizon are dropped.
    has_listed = np.array([a.get("pipeline") is not None for a in accounts])
    listed = [(wk, a, float(d["size"])) for a, account in enumerate(accounts)
              for d in (account.get("pipeline") or []) for wk in [int(d["decision_week"])] if wk < H]
    listed.sort(key=lambda x: (x[0], x[1]))
    listed_week = np.array([x[0] for x in listed], dtype=np.int64)
    listed_account = np.array([x[1] for x in listed], dtype=np.int64)
    listed_size = np.array([x[2] for x in listed], dtype=np.float64)

    # Static allocation: the default entry at every account, fitted per epoch.
    entry = _static_entry(policy)
    base = np.tile(np.array([entry[k] for k in RATE_FIELDS]), (A, 1))
    pursue = np.full(A, entry["pursue_agreement"])
    jic_plan = np.full(A, entry["jic"])
    f0, bind0 = fit_to_resources(checked, base, pursue, jic_plan, acc["jic"])
    f1, bind1 = fit_to_resources(checked, base, pursue, jic_plan, jic_plan)
    alloc = np.stack([base * f0, base * f1])
    unmodelled = [k for k in RATE_FIELDS if k not in MODELLED_RATES and entry[k] != 0.0]
    if unmodelled or not set(MODELLED_RATES) <= set(RATE_FIELDS):
        raise ValueError(f"the baselines do not model the activities {unmodelled or sorted(set(MODELLED_RATES) - set(RATE_FIELDS))}")
    alloc = alloc[:, :, [RATE_FIELDS.index(k) for k in MODELLED_RATES]]  # the baselines' column order

    return {
        "H": H, "interval": interval, "A": A, "Kmax": Kmax,
        "L": int(params["sales_cycle_weeks"]), "D": int(params["payment_delay_weeks"]),
        "params": {k: float(v) for k, v in params.items()},
        "costs": {k: float(v) for k, v in costs.items()}, "resources": resources,
        "team_cost": resources["account_managers"] * resources["am_cost_per_year"] / 52.0,
        "acc": acc,
        "n_contacts": n_contacts, "weight": weight, "intimacy": intimacy, "support": support, "stance": stance,
        "has_listed": has_listed, "listed_week": listed_week, "listed_account": listed_account,
        "listed_size": listed_size,
        "alloc": alloc, "scale": (f0, f1), "binding": (bind0, bind1),
        "pursue": pursue, "jic_plan": jic_plan,
    }
