"""Policies (MODEL.md §5): how effort is allocated at each decision epoch.

An allocation is a dict of the MODEL.md §3.0 fields; missing fields are 0 / False:

    social_hours, value_hours, visits, service_hours   per week
    benchmarking, exec_visits                          per year
    pursue_agreement, jic                              True / False
    contact_focus                                      per-account entries only:
                                                       {contact_id: weight} or a list
"""
from __future__ import annotations

import json
from typing import Any, Mapping

ALLOCATION_FIELDS = ("social_hours", "value_hours", "visits", "service_hours",
                     "benchmarking", "exec_visits", "pursue_agreement", "jic")
TIER_KEYS = ("S", "A", "B", "C", "cash_flow")


class Policy:
    """A policy spec, validated against the scenario when it is simulated."""

    def __init__(self, spec: Mapping[str, Any]):
        self.spec = dict(spec)

    @property
    def type(self) -> str:
        return self.spec.get("type", "?")

    def to_dict(self) -> dict:
        return json.loads(json.dumps(self.spec))

    def __repr__(self) -> str:
        return f"<Policy {self.type}: {json.dumps(self.spec)[:120]}>"


def _mapping(value, name):
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"{name}: must be a dict, got {type(value).__name__}")
    return dict(value)


def static(default: Mapping | None = None, accounts: Mapping | None = None,
           tiers: Mapping | None = None) -> Policy:
    """One allocation per account, fixed over time.

    `default` applies to every account; `tiers` (keys S, A, B, C, cash_flow,
    by the tiers at week 0) and then `accounts` (keys: account ids) override
    it field by field.
    """
    spec: dict[str, Any] = {"type": "static"}
    for key, value in (("default", default), ("tiers", tiers), ("accounts", accounts)):
        value = _mapping(value, key)
        if value is not None:
            spec[key] = value
    return Policy(spec)


def tiered(templates: Mapping[str, Mapping]) -> Policy:
    """An allocation template per tier (S, A, B, C required; cash_flow optional).

    Accounts are re-tiered at every decision epoch (MODEL.md §6), so effort
    follows an account whose wallet or fit moves it to another tier.
    Without a cash_flow template, cash-flow customers get their letter tier's.
    """
    return Policy({"type": "tiered", "templates": _mapping(templates, "templates")})


def as_spec(policy) -> dict | None:
    """A Policy, a policy dict or None, as the spec dict the engine parses."""
    if policy is None:
        return None
    if isinstance(policy, Policy):
        return policy.spec
    if isinstance(policy, Mapping):
        return dict(policy)
    raise TypeError(f"policy: must be a cathedral.policies.Policy, a dict or None, got {type(policy).__name__}")
