"""From a CRM export to the methodology's evaluation and a scenario of today's state.

    from cathedral import crm
    data = crm.load("examples/crm")           # tables + data-quality report
    card = crm.scorecard(data)                 # the nine key actions, per account / AM / portfolio
    scenario, plan = crm.to_scenario(data)     # today's state by replay, and the as-is plan
    tables = crm.evaluate(data)                # everything as DataFrames
"""
from . import synthetic
from .estimate import Replay, as_is_allocation, as_is_plan, replay, to_scenario
from .load import CRM, CRMError, CRMWarning, load
from .report import evaluate, write_report
from .scorecard import DEFAULT_THRESHOLDS, Scorecard, kpis, scorecard, tiers

__all__ = ["synthetic", "load", "CRM", "CRMError", "CRMWarning", "scorecard", "Scorecard", "DEFAULT_THRESHOLDS", "tiers", "kpis",
           "replay", "Replay", "to_scenario", "as_is_allocation", "as_is_plan", "evaluate", "write_report"]
