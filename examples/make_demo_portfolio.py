#!/usr/bin/env python3
"""Write the demo portfolio and the three plans the demo compares.

    .venv/bin/python examples/make_demo_portfolio.py

writes examples/demo_portfolio.json (40 accounts, seed 2026, its policy the
"cathedral" plan) and examples/demo_plans.json ("even spread", "key
relationships only", "cathedral"), and prints each plan's planned use of
account-manager hours, executive days and money against what is available
(docs/model.md §4 with the §9 default costs, tiers as in §6).

A fair demo: the resources are sized so that the cathedral plan fits them at
every decision epoch, and the other two plans are sized to use, on average over
the horizon's decision epochs, the same AM hours and money as the cathedral plan
(the even spread the same executive days too; key relationships only has no
executive activity). So the plans differ in how they spend, not in how much.

Tiers, the plans' allocations at week 0 and their planned use are the
engine's (cathedral.tiers, cathedral.resources), so the package must be built
(`make install`).
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib

import numpy as np

from cathedral import Scenario, tiers
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


def unit_use(**levels):
    """(AM hours/week, exec days/year, money/year) of one account's entry, by the engine's §4."""
    total = planned_use(_ONE_ACCOUNT, [entry(**levels)]).total()
    return np.array([total[r] for r in RESOURCES])


def mean_use(scenario, policy):
    """The plan's planned use before fitting, per resource, averaged over the decision epochs
    of its mean-field path (cathedral.demand: the centres' setup counts in the epoch it opens)."""
    d = Scenario.from_dict(scenario).demand(policy)
    return d["use"].groupby(level="resource").mean()


def size_resources(portfolio, cathedral):
    """Resources that the cathedral plan fits at every decision epoch (docs/model.md §4): AM FTE
    rounded up to half a person, executive days and budget to the largest epoch's use."""
    d = Scenario.from_dict(portfolio).demand(cathedral)
    peak = d["use"].groupby(level="resource").max()
    r = portfolio["resources"]
    r["account_managers"] = math.ceil(peak["am_hours"] / r["am_hours_per_week"] * 2.0) / 2.0
    r["executive_days_per_year"] = float(math.ceil(peak["executive_days"]))
    r["budget_per_year"] = float(math.ceil(peak["budget"] / 10.0) * 10)


def even_spread(n_accounts, target):
    """Every account the same: benchmarking meetings and executive visits one for one, sized to
    the target's executive days; the weekly items social hours and value:visits:service = 3:2:2,
    sized so that the plan needs the target's AM hours and money."""
    ed = RESOURCES.index("executive_days")
    per_pair = unit_use(benchmarking=1) + unit_use(exec_visits=1)
    x = target["executive_days"] / n_accounts / per_pair[ed]
    rest = np.array([target[r] for r in RESOURCES]) / n_accounts - x * per_pair
    social = unit_use(social=1)
    bundle = 3 * unit_use(value=1) + 2 * unit_use(visits=1) + 2 * unit_use(service=1)
    hours, money = RESOURCES.index("am_hours"), RESOURCES.index("budget")
    s, k = np.linalg.solve([[social[hours], bundle[hours]], [social[money], bundle[money]]],
                           [rest[hours], rest[money]])
    if s < 0 or k < 0:
        raise ValueError(f"even spread: no mix of social hours and value:visits:service fits the target {target}")
    return {
        "type": "static",
        "default": entry(social=round(s, 2), value=round(3 * k, 2), visits=round(2 * k, 2),
                         service=round(2 * k, 2), benchmarking=round(x, 3), exec_visits=round(x, 3),
                         pursue_agreement=True, jic=False),
    }


def key_relationships_only(portfolio, cathedral, target):
    """Social and value hours only, each tier in proportion to the AM hours the cathedral plan
    spends there; the social share sized so the plan needs the target's money (social hours
    cost money, value hours none), the total so it needs the target's AM hours. Executive days:
    none (the plan has no executive activity)."""
    hours = {tier: entry_hours(e) for tier, e in cathedral["templates"].items()}
    as_social = mean_use(portfolio, {"type": "tiered", "templates": {t: entry(social=h) for t, h in hours.items()}})
    a = target["budget"] / as_social["budget"]  # social hours per cathedral hour
    b = target["am_hours"] / as_social["am_hours"] - a  # value hours per cathedral hour
    if b < 0:
        raise ValueError("key relationships only: the target's money needs more social hours than its AM hours")
    templates = {t: entry(social=round(a * h, 2), value=round(b * h, 2)) for t, h in hours.items()}
    return {"type": "tiered", "templates": templates}


def build():
    """(portfolio, plans) as written to the two JSON files."""
    portfolio = generate_portfolio(40, (3, 10), seed=2026, horizon_weeks=156, name="Demo portfolio")
    portfolio["decision_interval_weeks"] = 13
    cathedral = portfolio["policy"]
    size_resources(portfolio, cathedral)
    # the other plans use, over the horizon, what the cathedral plan uses: the same resources
    target = mean_use(portfolio, cathedral)
    plans = {
        "even spread": even_spread(len(portfolio["accounts"]), target),
        "key relationships only": key_relationships_only(portfolio, cathedral, target),
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
        d = Scenario.from_dict(portfolio).demand(plan)
        if i == 0:
            cap = d.xs(0, level="epoch")["capacity"]
            print(f"available: {cap['am_hours']:g} AM h/week ({r['account_managers']:g} FTE), "
                  f"{cap['executive_days']:g} exec days/yr, budget {cap['budget']:g}/yr; "
                  "planned use, mean (max) over the decision epochs:")
        mean = d["use"].groupby(level="resource").mean()
        peak = d["ratio"].groupby(level="resource").max()
        parts = ", ".join(f"{k} {mean[k]:.1f} ({mean[k] / cap[k]:.0%}, max {peak[k]:.0%})" for k in RESOURCES)
        print(f"  {name:24s} {parts}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="write nothing: say whether the files hold what the script would write")
    args = parser.parse_args(argv)
    portfolio, plans = build()
    if args.check:
        same = (json.loads(PORTFOLIO_PATH.read_text()) == portfolio and json.loads(PLANS_PATH.read_text()) == plans)
        print("the demo files are up to date" if same else "the demo files differ from what the script writes")
        report(portfolio, plans)
        return 0 if same else 1
    PORTFOLIO_PATH.write_text(json.dumps(portfolio, indent=2) + "\n")
    PLANS_PATH.write_text(json.dumps(plans, indent=2) + "\n")
    print(f"wrote {PORTFOLIO_PATH.relative_to(ROOT)} and {PLANS_PATH.relative_to(ROOT)}")
    report(portfolio, plans)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
