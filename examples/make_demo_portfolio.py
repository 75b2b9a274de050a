#!/usr/bin/env python3
"""Write the demo portfolio and the three plans the demo compares.

    .venv/bin/python examples/make_demo_portfolio.py

writes examples/demo_portfolio.json (40 accounts, seed 2026, its policy the
"cathedral" plan) and examples/demo_plans.json ("even spread", "key
relationships only", "cathedral"), and prints each plan's planned use of
account-manager hours, executive days and money against what is available
(docs/model.md §4 with the §9 default costs, tiers as in §6 at week 0).

Tiers, the plans' allocations at week 0 and their planned use are the
engine's (cathedral.tiers, cathedral.resources), so the package must be built
(`make install`).
"""

from __future__ import annotations

import json
import pathlib

from cathedral import tiers
from cathedral.generate import generate_portfolio
from cathedral.resources import RESOURCES, planned_use, policy_allocation

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
PORTFOLIO_PATH = HERE / "demo_portfolio.json"
PLANS_PATH = HERE / "demo_plans.json"

# One account, for the planned use of a single allocation entry.
_ONE_ACCOUNT = {"accounts": [{"id": "one", "wallet": 1.0}],
                "resources": {"account_managers": 0, "executive_days_per_year": 0, "budget_per_year": 0}}


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
    return tiers.labels([a["wallet"] for a in accounts], [a["fit"] for a in accounts])


def entry_hours(e):
    """AM hours per week of one allocation entry (§4), a centre's hours included."""
    return planned_use(_ONE_ACCOUNT, [e]).total()["am_hours"]


def planned_use_of(scenario, policy):
    """The §4 planned use of `policy` at week 0 against the scenario's resources (a centre
    opening this epoch counts its setup cost): cathedral.resources.PlannedUse."""
    return planned_use(scenario, policy_allocation(scenario, policy))


def even_spread(n_accounts, target_hours):
    """Every account the same: 1 benchmarking and 1 executive visit a year,
    the weekly items in the ratio social:value:visits:service = 2:3:2:2,
    scaled so that the plan needs `target_hours` AM hours a week."""
    fixed = entry_hours(entry(benchmarking=1, exec_visits=1))
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
    portfolio = generate_portfolio(40, (3, 10), seed=2026, horizon_weeks=156, name="Demo portfolio")
    portfolio["decision_interval_weeks"] = 13
    cathedral = portfolio["policy"]
    cathedral_hours = planned_use_of(portfolio, cathedral).total()["am_hours"]
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
    counts = {t: labels.count(t) for t in tiers.LABELS}
    print(f"{portfolio['name']}: {len(accounts)} accounts, wallets "
          f"{min(wallets):g} to {max(wallets):g} (total {sum(wallets):,.0f}), tiers {counts}")
    r = portfolio["resources"]
    for i, (name, plan) in enumerate(plans.items()):
        use = planned_use_of(portfolio, plan)
        if i == 0:
            avail = use.capacity
            print(f"available: {avail['am_hours']:g} AM h/week ({r['account_managers']:g} FTE), "
                  f"{avail['executive_days']:g} exec days/yr, budget {avail['budget']:g}/yr")
        total = use.total()
        parts = ", ".join(f"{k} {total[k]:.1f}/{use.capacity[k]:g} ({total[k] / use.capacity[k]:.0%})"
                          for k in RESOURCES)
        print(f"  {name:24s} {parts}; f = {use.scale:.3f}"
              + (f" ({use.binding} binds)" if use.binding != "none" else " (nothing binds)"))


def main():
    portfolio, plans = build()
    PORTFOLIO_PATH.write_text(json.dumps(portfolio, indent=2) + "\n")
    PLANS_PATH.write_text(json.dumps(plans, indent=2) + "\n")
    print(f"wrote {PORTFOLIO_PATH.relative_to(ROOT)} and {PLANS_PATH.relative_to(ROOT)}")
    report(portfolio, plans)


if __name__ == "__main__":
    main()
