#!/usr/bin/env python3
"""Write the demo portfolio and the three plans the demo compares.

    /usr/bin/python3 examples/make_demo_portfolio.py

writes examples/demo_portfolio.json (40 accounts, seed 2026, its policy the
"cathedral" plan) and examples/demo_plans.json ("even spread", "key
relationships only", "cathedral"), and prints each plan's planned use of
account-manager hours, executive days and money against what is available
(docs/model.md §4 with the §9 default costs, tiers as in §6 at week 0).

The generator is loaded by path, so the compiled package need not be built.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
PORTFOLIO_PATH = HERE / "demo_portfolio.json"
PLANS_PATH = HERE / "demo_plans.json"

# §9 default costs used for planning.
VISIT_HOURS = 2.0
BENCHMARKING_HOURS, EXEC_VISIT_HOURS, JIC_HOURS_PER_WEEK = 16.0, 8.0, 4.0
BENCHMARKING_EXEC_DAYS, EXEC_VISIT_EXEC_DAYS = 1.0, 2.0
SOCIAL_MONEY_PER_HOUR, VISIT_MONEY, SERVICE_MONEY_PER_HOUR = 0.3, 0.05, 0.0
BENCHMARKING_MONEY, EXEC_VISIT_MONEY = 5.0, 20.0
JIC_SETUP_MONEY, JIC_MONEY_PER_YEAR = 500.0, 300.0
CASHFLOW_FIT = 0.35


def _load_generator():
    path = ROOT / "python" / "cathedral" / "generate.py"
    spec = importlib.util.spec_from_file_location("_cathedral_generate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def entry(social=0.0, value=0.0, visits=0.0, service=0.0, benchmarking=0.0,
          exec_visits=0.0, pursue_agreement=False, jic=False):
    return {
        "social_hours": float(social), "value_hours": float(value),
        "visits": float(visits), "service_hours": float(service),
        "benchmarking": float(benchmarking), "exec_visits": float(exec_visits),
        "pursue_agreement": bool(pursue_agreement), "jic": bool(jic),
    }


def tier_labels(accounts):
    """docs/model.md §6 with the default tiering: S/A/B/C or cash_flow, week 0."""
    wallets = np.array([a["wallet"] for a in accounts], dtype=float)
    s_min, a_min, b_min = (float(np.percentile(wallets, q)) for q in (90, 70, 40))
    labels = []
    for a in accounts:
        w, f = a["wallet"], a["fit"]
        if f < CASHFLOW_FIT:
            labels.append("cash_flow")
        elif w >= s_min and f >= 0.7:
            labels.append("S")
        elif w >= a_min and f >= 0.5:
            labels.append("A")
        elif w >= b_min:
            labels.append("B")
        else:
            labels.append("C")
    return labels


def allocation(scenario, policy):
    """Per-account allocation entries of a static or tiered policy at week 0."""
    accounts = scenario["accounts"]
    labels = tier_labels(accounts)
    out = []
    for acc, lab in zip(accounts, labels):
        if policy["type"] == "tiered":
            e = policy["templates"].get(lab) or policy["templates"][
                "C" if lab == "cash_flow" else lab]
        else:
            e = dict(policy.get("default", {}))
            tier_key = lab if lab in policy.get("tiers", {}) else None
            if tier_key:
                e.update(policy["tiers"][tier_key])
            e.update(policy.get("accounts", {}).get(acc["id"], {}))
        out.append(entry(e.get("social_hours", 0), e.get("value_hours", 0),
                         e.get("visits", 0), e.get("service_hours", 0),
                         e.get("benchmarking", 0), e.get("exec_visits", 0),
                         e.get("pursue_agreement", False), e.get("jic", False)))
    return out


def entry_hours(e):
    """AM hours per week of one allocation entry (§3.7 / §4)."""
    return (e["social_hours"] + e["value_hours"] + e["service_hours"]
            + e["visits"] * VISIT_HOURS
            + e["benchmarking"] / 52.0 * BENCHMARKING_HOURS
            + e["exec_visits"] / 52.0 * EXEC_VISIT_HOURS
            + (JIC_HOURS_PER_WEEK if e["jic"] else 0.0))


def planned_use(scenario, policy):
    """Planned use at week 0: AM hours/week, executive days/year, money/year
    (a centre opening this epoch counts its setup cost). "committed" holds
    the part taken first (running and opening joint innovation centres)."""
    hours = exec_days = money = 0.0
    committed = {"hours": 0.0, "exec_days": 0.0, "money": 0.0}
    for acc, e in zip(scenario["accounts"], allocation(scenario, policy)):
        hours += entry_hours(e)
        if e["jic"]:
            committed["hours"] += JIC_HOURS_PER_WEEK
            committed["money"] += JIC_MONEY_PER_YEAR + (0.0 if acc["jic"] else JIC_SETUP_MONEY)
        exec_days += (e["benchmarking"] * BENCHMARKING_EXEC_DAYS
                      + e["exec_visits"] * EXEC_VISIT_EXEC_DAYS)
        money += (52.0 * (e["social_hours"] * SOCIAL_MONEY_PER_HOUR
                          + e["visits"] * VISIT_MONEY
                          + e["service_hours"] * SERVICE_MONEY_PER_HOUR)
                  + e["benchmarking"] * BENCHMARKING_MONEY
                  + e["exec_visits"] * EXEC_VISIT_MONEY)
        if e["jic"]:
            money += JIC_MONEY_PER_YEAR + (0.0 if acc["jic"] else JIC_SETUP_MONEY)
    return {"hours": hours, "exec_days": exec_days, "money": money, "committed": committed}


def scale_factor(scenario, use):
    """The §4 factor f <= 1 and the binding resource (None if nothing binds)."""
    avail = available(scenario)
    f, binding = 1.0, None
    for k in ("hours", "exec_days", "money"):
        flex = use[k] - use["committed"][k]
        if flex > 0:
            fk = (avail[k] - use["committed"][k]) / flex
            if fk < f:
                f, binding = fk, k
    return max(f, 0.0), binding


def available(scenario):
    r = scenario["resources"]
    return {"hours": r["account_managers"] * r["am_hours_per_week"],
            "exec_days": r["executive_days_per_year"],
            "money": r["budget_per_year"]}


def even_spread(n_accounts, target_hours):
    """Every account the same: 1 benchmarking and 1 executive visit a year,
    the weekly items in the ratio social:value:visits:service = 2:3:2:2,
    scaled so that the plan needs `target_hours` AM hours a week."""
    fixed = 1.0 / 52.0 * BENCHMARKING_HOURS + 1.0 / 52.0 * EXEC_VISIT_HOURS
    base = entry(social=2, value=3, visits=2, service=2)
    scale = (target_hours / n_accounts - fixed) / entry_hours(base)
    return {
        "type": "static",
        "default": entry(social=round(2 * scale, 2), value=round(3 * scale, 2),
                         visits=round(2 * scale, 2), service=round(2 * scale, 2),
                         benchmarking=1, exec_visits=1, pursue_agreement=True, jic=False),
    }


def key_relationships_only(cathedral):
    """Social and value hours only, each tier given the AM hours the cathedral
    plan spends there (one third social, two thirds value), to 0.5 h."""
    templates = {}
    for tier, e in cathedral["templates"].items():
        h = entry_hours(e)
        templates[tier] = entry(social=round(h / 3.0 * 2.0) / 2.0,
                                value=round(2.0 * h / 3.0 * 2.0) / 2.0)
    return {"type": "tiered", "templates": templates}


def build():
    """(portfolio, plans) as written to the two JSON files."""
    gen = _load_generator()
    portfolio = gen.generate_portfolio(40, (3, 10), seed=2026, horizon_weeks=156,
                                       name="Demo portfolio")
    portfolio["decision_interval_weeks"] = 13
    cathedral = portfolio["policy"]
    cathedral_hours = planned_use(portfolio, cathedral)["hours"]
    plans = {
        "even spread": even_spread(len(portfolio["accounts"]), cathedral_hours),
        "key relationships only": key_relationships_only(cathedral),
        "cathedral": cathedral,
    }
    # Normalise through JSON so that the result equals what the files hold.
    return json.loads(json.dumps(portfolio)), json.loads(json.dumps(plans))


def report(portfolio, plans):
    accounts = portfolio["accounts"]
    labels = tier_labels(accounts)
    wallets = [a["wallet"] for a in accounts]
    counts = {t: labels.count(t) for t in ("S", "A", "B", "C", "cash_flow")}
    print(f"{portfolio['name']}: {len(accounts)} accounts, wallets "
          f"{min(wallets):g} to {max(wallets):g} (total {sum(wallets):,.0f}), tiers {counts}")
    avail = available(portfolio)
    r = portfolio["resources"]
    print(f"available: {avail['hours']:g} AM h/week ({r['account_managers']:g} FTE), "
          f"{avail['exec_days']:g} exec days/yr, budget {avail['money']:g}/yr")
    for name, plan in plans.items():
        use = planned_use(portfolio, plan)
        parts = ", ".join(f"{k} {use[k]:.1f}/{avail[k]:g} ({use[k] / avail[k]:.0%})"
                          for k in ("hours", "exec_days", "money"))
        f, binding = scale_factor(portfolio, use)
        print(f"  {name:24s} {parts}; f = {f:.3f}"
              + (f" ({binding} bind)" if binding else " (nothing binds)"))


def main():
    portfolio, plans = build()
    PORTFOLIO_PATH.write_text(json.dumps(portfolio, indent=2) + "\n")
    PLANS_PATH.write_text(json.dumps(plans, indent=2) + "\n")
    print(f"wrote {PORTFOLIO_PATH.relative_to(ROOT)} and {PLANS_PATH.relative_to(ROOT)}")
    report(portfolio, plans)


if __name__ == "__main__":
    main()
