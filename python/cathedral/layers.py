"""The equations of docs/model.md §3.3–§3.4, one step each, broadcast over numpy arrays.

They are the engine's own functions (not a Python copy), taking the parameters
from a Scenario: use them to replay recorded effort (state estimation) or to
check a trajectory by hand.

    from cathedral import layers
    I, S = layers.key_step(scenario, I, S, stance, r_social, r_value, org)
"""
from __future__ import annotations

import functools

from . import _core

__all__ = ["hill", "key_step", "successor", "social_response", "value_response", "visit_response",
           "service_response", "coverage_step", "satisfaction_step", "org_step", "events_this_week"]

hill = _core.hill
events_this_week = _core.events_this_week


def _with_scenario(fn):
    @functools.wraps(fn)
    def call(scenario, *args, **kwargs):
        return fn(getattr(scenario, "_core", scenario), *args, **kwargs)

    return call


key_step = _with_scenario(_core.key_step)
successor = _with_scenario(_core.successor)
social_response = _with_scenario(_core.social_response)
value_response = _with_scenario(_core.value_response)
visit_response = _with_scenario(_core.visit_response)
service_response = _with_scenario(_core.service_response)
coverage_step = _with_scenario(_core.coverage_step)
satisfaction_step = _with_scenario(_core.satisfaction_step)
org_step = _with_scenario(_core.org_step)
