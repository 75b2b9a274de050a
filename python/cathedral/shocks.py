"""Shocks: events imposed on a scenario, for stress tests (`Scenario.with_shocks`).

    scenario.with_shocks(shocks.market(26, 77, 0.7),
                         shocks.contact_leaves("acc-03", "c1", week=40))
"""
from __future__ import annotations


def market(from_week: int, to_week: int, factor: float) -> dict:
    """A market downturn (factor < 1) or boom: M_t is multiplied by `factor` for from_week <= t <= to_week."""
    return {"type": "market", "from_week": from_week, "to_week": to_week, "factor": factor}


def contact_leaves(account: str, contact: str, week: int) -> dict:
    """A key contact departs in `week`; the successor starts as docs/model.md §3.4 says."""
    return {"type": "contact_leaves", "account": account, "contact": contact, "week": week}


def strategy_shift(account: str, week: int, fit_target: float) -> dict:
    """The customer's strategy turns: its fit target F̄ becomes `fit_target` in `week`."""
    return {"type": "strategy_shift", "account": account, "week": week, "fit_target": fit_target}


def competitor(account: str, from_week: int, strength: float) -> dict:
    """A competitor pushes in: κ becomes `strength` from `from_week` on."""
    return {"type": "competitor", "account": account, "from_week": from_week, "strength": strength}
