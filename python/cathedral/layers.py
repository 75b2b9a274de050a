"""The equations of docs/model.md §3.2–§3.4, one step each, broadcast over numpy arrays.

They are the engine's own functions (not a Python copy), taking the parameters
from a Scenario: use them to replay recorded effort (state estimation) or to
check a trajectory by hand.

    from cathedral import layers
    I, S = layers.key_step(scenario, I, S, stance, r_social, r_value, org)
"""
from __future__ import annotations

import functools

import numpy as np

from . import _core

__all__ = ["hill", "key_step", "successor", "social_response", "value_response", "visit_response",
           "service_response", "coverage_step", "satisfaction_step", "org_step", "events_held", "events_per_week",
           "turnover_probability", "mix_successor"]

hill = _core.hill
events_held = _core.events_held


def _with_scenario(fn):
    @functools.wraps(fn)
    def call(scenario, *args, **kwargs):
        return fn(getattr(scenario, "_core", scenario), *args, **kwargs)

    return call


key_step = _with_scenario(_core.key_step)
successor = _with_scenario(_core.successor)
turnover_probability = _with_scenario(_core.turnover_probability)
mix_successor = _with_scenario(_core.mix_successor)
social_response = _with_scenario(_core.social_response)
value_response = _with_scenario(_core.value_response)
visit_response = _with_scenario(_core.visit_response)
service_response = _with_scenario(_core.service_response)
coverage_step = _with_scenario(_core.coverage_step)
satisfaction_step = _with_scenario(_core.satisfaction_step)
_org_step = _with_scenario(_core.org_step)


def org_step(scenario, org, coverage, jic, fit, capability_match, n_benchmarking, n_exec_visits, *,
             mode="monte_carlo"):
    """§3.3 organisational layer; in mode="mean_field" the event counts are the fractional expected counts b/52."""
    if mode not in ("monte_carlo", "mean_field"):
        raise ValueError(f"mode: must be 'monte_carlo' or 'mean_field', got {mode!r}")
    return _org_step(scenario, org, coverage, jic, fit, capability_match, n_benchmarking, n_exec_visits,
                     expected=mode == "mean_field")


def events_per_week(rates, mode="monte_carlo"):
    """§3.2 (version 2): the events held in each week at yearly `rates` (weeks along axis 0).

    Monte Carlo: each column's event clock c_t = c_{t-1} + b_t (from 0) holds
    floor(c_t/52) - floor(c_{t-1}/52) events in week t, so a rate b gives b a year on
    average; mean field: the expected counts b_t/52.
    """
    rates = np.asarray(rates, dtype=float)
    if mode == "mean_field":
        return rates / 52.0
    if mode != "monte_carlo":
        raise ValueError(f"mode: must be 'monte_carlo' or 'mean_field', got {mode!r}")
    clock = np.cumsum(rates, axis=0)  # sequential sums, in week order, as the engine adds them
    before = np.concatenate([np.zeros_like(clock[:1]), clock[:-1]], axis=0)
    return events_held(before, clock)
