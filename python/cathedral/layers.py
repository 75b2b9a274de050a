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

# The valid values of each input (docs/model.md §2, §3): (low, high, what). A bad input gets a
# ValueError naming the function and the argument, never a silent NaN or a week-long loop.
_UNIT, _SIGNED = (0.0, 1.0, "in [0, 1]"), (-1.0, 1.0, "in [-1, 1]")
_NONNEGATIVE, _POSITIVE = (0.0, float("inf"), ">= 0"), (0.0, float("inf"), "> 0")
_EVENTS = (0.0, 100.0, "in [0, 100] (events a week)")
_DOMAINS = {
    "x": _NONNEGATIVE, "half": _POSITIVE, "shape": _POSITIVE,
    "intimacy": _UNIT, "support": _SIGNED, "stance": _SIGNED, "r_social": _UNIT, "r_value": _UNIT, "org": _UNIT,
    "coverage": _UNIT, "intimacy_successor": _UNIT, "support_successor": _SIGNED, "visits": _NONNEGATIVE,
    "staff": _POSITIVE, "service_hours": _NONNEGATIVE, "social_hours": _NONNEGATIVE, "value_hours": _NONNEGATIVE,
    "r_visits": _UNIT, "satisfaction": _UNIT, "r_service": _UNIT, "jic": _UNIT, "fit": _UNIT,
    "capability_match": _UNIT, "n_benchmarking": _EVENTS, "n_exec_visits": _EVENTS,
    "clock_before": _NONNEGATIVE, "clock_after": _NONNEGATIVE,
}


def _checked(value, function: str, name: str):
    """`value` as floats, or a ValueError `layers.FUNCTION: NAME: must be ...`."""
    where = f"layers.{function}: {name}"
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: must be numbers, got {type(value).__name__}") from None
    low, high, what = _DOMAINS[name]
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{where}: must be finite numbers, got {arr[bad].flat[0]}")
    open_low = what == "> 0"
    bad = (arr <= low if open_low else arr < low) | (arr > high)
    if bad.any():
        raise ValueError(f"{where}: must be {what}, got {arr[bad].flat[0]}")
    return arr


def _checking(fn, names: tuple[str, ...], with_scenario: bool = True):
    function = fn.__name__

    @functools.wraps(fn)
    def call(*args, **kwargs):
        args = list(args)
        offset = 0
        if with_scenario:
            from .scenario import Scenario

            scenario = args[0] if args else kwargs.pop("scenario", None)
            if args:
                args = args[1:]
            if isinstance(scenario, Scenario):
                scenario = scenario._core
            if not isinstance(scenario, _core.Scenario):
                raise TypeError(f"layers.{function}: scenario: must be a cathedral.Scenario, "
                                f"got {type(scenario).__name__}")
            offset = 1
        if len(args) > len(names):
            raise TypeError(f"layers.{function}: takes {len(names) + offset} arguments, got {len(args) + offset}")
        for i, name in enumerate(names):
            if i < len(args):
                args[i] = _checked(args[i], function, name)
            elif name in kwargs:
                kwargs[name] = _checked(kwargs[name], function, name)
        return fn(scenario, *args, **kwargs) if with_scenario else fn(*args, **kwargs)

    return call


hill = _checking(_core.hill, ("x", "half", "shape"), with_scenario=False)
events_held = _checking(_core.events_held, ("clock_before", "clock_after"), with_scenario=False)
key_step = _checking(_core.key_step, ("intimacy", "support", "stance", "r_social", "r_value", "org"))
successor = _checking(_core.successor, ("stance", "coverage", "org"))
turnover_probability = _checking(_core.turnover_probability, ())
mix_successor = _checking(_core.mix_successor, ("intimacy", "support", "intimacy_successor", "support_successor"))
social_response = _checking(_core.social_response, ("social_hours",))
value_response = _checking(_core.value_response, ("value_hours",))
visit_response = _checking(_core.visit_response, ("visits", "staff"))
service_response = _checking(_core.service_response, ("service_hours",))
coverage_step = _checking(_core.coverage_step, ("coverage", "r_visits"))
satisfaction_step = _checking(_core.satisfaction_step, ("satisfaction", "coverage", "r_service"))
_org_step = _checking(_core.org_step, ("org", "coverage", "jic", "fit", "capability_match", "n_benchmarking",
                                       "n_exec_visits"))


def org_step(scenario, org, coverage, jic, fit, capability_match, n_benchmarking, n_exec_visits, *,
             mode="monte_carlo"):
    """§3.3 organisational layer; in mode="mean_field" the event counts are the fractional expected counts b/52."""
    if mode not in ("monte_carlo", "mean_field"):
        raise ValueError(f"mode: must be 'monte_carlo' or 'mean_field', got {mode!r}")
    if mode == "monte_carlo":
        for name, n in (("n_benchmarking", n_benchmarking), ("n_exec_visits", n_exec_visits)):
            arr = _checked(n, "org_step", name)
            if np.any(arr != np.floor(arr)):
                raise ValueError(f"layers.org_step: {name}: must be whole numbers in monte_carlo mode, "
                                 f"got {arr[arr != np.floor(arr)].flat[0]}")
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
