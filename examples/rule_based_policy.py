"""A rule-based Python policy (docs/model.md §5): shift effort to broad relationships in a
market downturn, and shrink cash-flow customers to maintenance.

    .venv/bin/python examples/rule_based_policy.py

The policy sees every replication at once, so its rules are numpy expressions over
arrays of shape (replications, accounts); each replication gets its own allocation.
"""
import numpy as np

import cathedral
from cathedral import policies, shocks

BASE = {"social_hours": 2.0, "value_hours": 4.0, "visits": 2.0, "service_hours": 1.5,
        "benchmarking": 1.0, "exec_visits": 1.0, "pursue_agreement": True}
MAINTENANCE = {"visits": 0.5, "service_hours": 1.0}


class DownturnRule:
    """Reads a downturn from the portfolio's own revenue: when the last quarter's revenue
    fell more than 10 % short of the quarter before, visits and service double at the
    expense of social hours (broad relationships find the small deals and keep the
    customer's staff close while big projects are scarce)."""

    def __init__(self):
        self.previous = None  # revenue to date at the previous epoch, per replication

    def __call__(self, obs: cathedral.Observation) -> dict:
        revenue_now = obs.revenue_to_date.sum(axis=1)  # per replication
        downturn = np.zeros(obs.n_replications, dtype=bool)
        if self.previous is not None and obs.epoch >= 2:
            last_quarter = revenue_now - self.previous[0]
            quarter_before = self.previous[0] - self.previous[1]
            downturn = last_quarter < 0.9 * quarter_before
        self.previous = (revenue_now, self.previous[0] if self.previous is not None else revenue_now)

        shape = (obs.n_replications, obs.n_accounts)
        alloc = {k: np.full(shape, float(v)) for k, v in BASE.items()}
        broad = downturn[:, None]  # replications in a downturn
        alloc["visits"] = np.where(broad, 2 * BASE["visits"], BASE["visits"])
        alloc["service_hours"] = np.where(broad, 2 * BASE["service_hours"], BASE["service_hours"])
        alloc["social_hours"] = np.where(broad, 0.5 * BASE["social_hours"], BASE["social_hours"])
        # cash-flow customers: maintenance only, whatever their revenue
        for field in alloc:
            alloc[field] = np.where(obs.cash_flow, MAINTENANCE.get(field, 0.0), alloc[field])
        return alloc


if __name__ == "__main__":
    import pandas as pd

    pd.set_option("display.width", 160)
    scenario = cathedral.Scenario.demo().with_shocks(shocks.market(26, 77, 0.7))
    nothing = {k: (False if isinstance(v, bool) else 0.0) for k, v in BASE.items()}
    plans = {"static": policies.static(default=BASE, tiers={"cash_flow": {**nothing, **MAINTENANCE}}),
             "downturn rule": policies.python(DownturnRule())}
    comparison = cathedral.compare(scenario, plans, replications=500, seed=3)
    print(comparison.table(["revenue", "contribution"])[["mean", "diff", "diff_ci_low", "diff_ci_high",
                                                         "p_beats_baseline"]].round(3))
