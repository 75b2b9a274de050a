"""Scenario preparation shared by the two baseline implementations.

This module only *reads* a scenario dict (the engine's JSON schema, docs/model.md §2)
and a static policy, fills in the defaults of docs/model.md §2 and §9, and fits the
static allocation to the resources (docs/model.md §4). It contains none of the weekly
dynamics (§3): each baseline implements those on its own.

Supported subset of the schema (everything the benchmark needs):

* every parameter of §9 and every cost, with the §9 defaults for missing ones;
* accounts with any number of contacts (padded to the largest count with
  weight-0 contacts), listed pipelines or the synthesised one;
* a policy of the form ``{"type": "static", "default": {...}}``: the ``default``
  entry is applied to every account (no ``tiers``/``accounts`` entries, no
  ``contact_focus``, so key hours are split by influence, §3.0);
* no shocks, no ``mean_field`` mode.
"""
from __future__ import annotations

import math

import numpy as np

# docs/model.md §9, parameters
PARAM_DEFAULTS = {
    # key
    "intimacy_gain": 0.08,
    "social_half_hours": 2.0, "social_shape": 1.0,
    "value_to_intimacy": 0.5,
    "intimacy_decay": 0.012,
    "org_shelter": 0.5,
    "support_gain": 0.06,
    "value_half_hours": 3.0, "value_shape": 1.0,
    "support_relax": 0.01,
    "affinity": 0.3,
    "turnover_per_year": 0.12,
    "successor_intimacy_base": 0.1, "successor_intimacy_from_coverage": 0.4,
    "successor_support_from_org": 0.6,
    # broad
    "coverage_gain": 0.05, "coverage_decay": 0.015,
    "visit_half_per_100_staff": 1.0, "visit_shape": 1.0,
    "satisfaction_rate": 0.05, "satisfaction_floor": 0.3,
    "satisfaction_weight_coverage": 0.4,
    "service_half_hours": 2.0, "service_shape": 1.0,
    "discovery_base": 0.4, "discovery_from_intimacy": 0.5,
    "tech_from_coverage": 0.6, "tech_from_jic": 0.4,
    "dig_wallet_share": 0.15, "dig_deal_fraction": 0.25,
    # org
    "org_from_coverage": 0.004, "org_from_jic": 0.01, "org_decay": 0.005,
    "benchmarking_jump": 0.12, "exec_visit_jump": 0.06,
    "agreement_min_org": 0.5, "agreement_min_fit": 0.6,
    "agreement_weeks": 104, "agreement_circled": 0.5,
    # fit
    "fit_reversion": 0.02, "fit_noise": 0.01,
    "strategy_shifts_per_year": 0.2, "strategy_shift_sd": 0.3,
    "cashflow_fit": 0.35,
    "wallet_fit_growth": 0.2,
    # deals
    "deal_fraction": 0.08, "deal_size_sigma": 0.6,
    "sales_cycle_weeks": 16, "payment_delay_weeks": 13,
    "win_intercept": -0.5, "win_support": 2.5, "win_tech": 1.0,
    "win_org": 1.0, "win_fit": 0.5, "win_satisfaction": 1.0, "win_competitor": 1.0,
    "base_margin": 0.25, "tech_premium": 0.10, "agreement_premium": 0.05,
    # market
    "macro_persistence": 0.98, "macro_sd": 0.03,
}

# docs/model.md §9, costs
COST_DEFAULTS = {
    "social_money_per_hour": 0.3,
    "visit_hours": 2.0, "visit_money": 0.05,
    "service_money_per_hour": 0.0,
    "benchmarking_exec_days": 1.0, "benchmarking_hours": 16.0, "benchmarking_money": 5.0,
    "exec_visit_exec_days": 2.0, "exec_visit_hours": 8.0, "exec_visit_money": 20.0,
    "agreement_exec_days": 2.0, "agreement_hours": 40.0, "agreement_money": 10.0,
    "jic_setup_money": 500.0, "jic_money_per_year": 300.0, "jic_hours_per_week": 4.0,
}

# docs/model.md §2.3 (account_managers, executive days and budget have no default:
# missing ones are taken as unlimited here)
RESOURCE_DEFAULTS = {
    "account_managers": math.inf,
    "am_hours_per_week": 30.0,
    "executive_days_per_year": math.inf,
    "budget_per_year": math.inf,
    "am_cost_per_year": 150.0,
}

RATE_FIELDS = ("social_hours", "value_hours", "visits", "service_hours", "benchmarking", "exec_visits")
BOOL_FIELDS = ("pursue_agreement", "jic")

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


def fit_to_resources(rates: np.ndarray, jic_plan: np.ndarray, jic_running: np.ndarray,
                     costs: dict, resources: dict):
    """docs/model.md §4 for one epoch. `rates` is accounts x 6 (RATE_FIELDS order).

    Returns (f, binding) with binding one of "none", "am_hours",
    "executive_days", "budget". Raises ValueError when the commitments alone
    exceed a resource (the benchmark never does that)."""
    c = costs
    social, value, visits, service, bm, ev = (rates[:, i] for i in range(6))
    commit_hours = float(np.sum(jic_plan * c["jic_hours_per_week"]))
    commit_money = float(np.sum(jic_plan * (c["jic_money_per_year"]
                                            + np.where(jic_running, 0.0, c["jic_setup_money"]))))
    plan_hours = float(np.sum(social + value + service + visits * c["visit_hours"]
                              + bm / 52.0 * c["benchmarking_hours"] + ev / 52.0 * c["exec_visit_hours"]))
    plan_exec = float(np.sum(bm * c["benchmarking_exec_days"] + ev * c["exec_visit_exec_days"]))
    plan_money = float(np.sum(52.0 * (social * c["social_money_per_hour"] + visits * c["visit_money"]
                                      + service * c["service_money_per_hour"])
                              + bm * c["benchmarking_money"] + ev * c["exec_visit_money"]))
    capacity = {
        "am_hours": resources["account_managers"] * resources["am_hours_per_week"],
        "executive_days": resources["executive_days_per_year"],
        "budget": resources["budget_per_year"],
    }
    commit = {"am_hours": commit_hours, "executive_days": 0.0, "budget": commit_money}
    need = {"am_hours": plan_hours, "executive_days": plan_exec, "budget": plan_money}
    f, binding = 1.0, "none"
    for r in ("am_hours", "executive_days", "budget"):
        left = capacity[r] - commit[r]
        if left < 0.0:
            raise ValueError(f"infeasible allocation: commitments need {commit[r]} of {r}, "
                             f"only {capacity[r]} available (not supported by the baselines)")
        if need[r] > left and need[r] > 0.0:
            if left / need[r] < f:
                f, binding = left / need[r], r
    return f, binding


def prepare(scenario: dict, policy: dict) -> dict:
    """Flatten a scenario dict and a static policy into numpy arrays.

    The allocation is static, so only two epochs can differ: epoch 0 (where a
    planned centre that is not running yet opens and its setup money is a
    commitment) and every later epoch. `alloc` has shape (2, A, 6): the fitted
    rates of epoch 0 and of the later epochs; `scale` the two factors f.
    """
    params = dict(PARAM_DEFAULTS)
    for k, v in (scenario.get("params") or {}).items():
        if k not in params:
            raise ValueError(f"unknown parameter {k!r}")
        params[k] = v
    costs = dict(COST_DEFAULTS)
    for k, v in (scenario.get("costs") or {}).items():
        if k not in costs:
            raise ValueError(f"unknown cost {k!r}")
        costs[k] = float(v)
    resources = dict(RESOURCE_DEFAULTS)
    resources.update({k: float(v) for k, v in (scenario.get("resources") or {}).items()})
    if scenario.get("shocks"):
        raise ValueError("shocks are not supported by the baselines")

    H = int(scenario.get("horizon_weeks", 156))
    interval = int(scenario.get("decision_interval_weeks", 13))
    accounts = scenario["accounts"]
    A = len(accounts)
    Kmax = max([len(a.get("contacts") or []) for a in accounts] + [1])

    def col(name, default):
        return np.array([float(a.get(name, default)) for a in accounts], dtype=np.float64)

    wallet = col("wallet", np.nan)
    fit = col("fit", 0.5)
    fit_target = np.array([float(a.get("fit_target", a.get("fit", 0.5))) for a in accounts])
    acc = {
        "wallet": wallet,
        "wallet_growth": col("wallet_growth", 0.0),
        "staff": col("staff", 100.0),
        "fit": fit,
        "fit_target": fit_target,
        "capability_match": col("capability_match", 1.0),
        "competitor_strength": col("competitor_strength", 0.5),
        "coverage": col("coverage", 0.0),
        "satisfaction": col("satisfaction", 0.5),
        "org": col("org", 0.0),
        "agreement_weeks_left": np.array([int(a.get("agreement_weeks_left", 0)) for a in accounts],
                                         dtype=np.int64),
        "jic": np.array([bool(a.get("jic", False)) for a in accounts]),
        "mean_deal": float(params["deal_fraction"]) * wallet,
    }

    # Contacts, padded to Kmax; padding has weight 0 and never matters.
    n_contacts = np.zeros(A, dtype=np.int64)
    weight = np.zeros((A, Kmax))
    intimacy = np.zeros((A, Kmax))
    support = np.zeros((A, Kmax))
    stance = np.zeros((A, Kmax))
    for a, account in enumerate(accounts):
        cs = account.get("contacts") or []
        n_contacts[a] = len(cs)
        if not cs:
            continue
        infl = np.array([float(c.get("influence", 1.0)) for c in cs])
        w = infl / infl.sum() if infl.sum() > 0 else np.full(len(cs), 1.0 / len(cs))
        weight[a, :len(cs)] = w
        intimacy[a, :len(cs)] = [float(c.get("intimacy", 0.0)) for c in cs]
        support[a, :len(cs)] = [float(c.get("support", 0.0)) for c in cs]
        stance[a, :len(cs)] = [float(c.get("stance", 0.0)) for c in cs]

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
    f0, bind0 = fit_to_resources(base, jic_plan, acc["jic"], costs, resources)
    f1, bind1 = fit_to_resources(base, jic_plan, jic_plan, costs, resources)
    alloc = np.stack([base * f0, base * f1])

    return {
        "H": H, "interval": interval, "A": A, "Kmax": Kmax,
        "L": int(params["sales_cycle_weeks"]), "D": int(params["payment_delay_weeks"]),
        "params": {k: float(v) for k, v in params.items()},
        "costs": costs, "resources": resources,
        "team_cost": resources["account_managers"] * resources["am_cost_per_year"] / 52.0
        if math.isfinite(resources["account_managers"]) else 0.0,
        "acc": acc,
        "n_contacts": n_contacts, "weight": weight, "intimacy": intimacy, "support": support, "stance": stance,
        "has_listed": has_listed, "listed_week": listed_week, "listed_account": listed_account,
        "listed_size": listed_size,
        "alloc": alloc, "scale": (f0, f1), "binding": (bind0, bind1),
        "pursue": pursue, "jic_plan": jic_plan,
    }
