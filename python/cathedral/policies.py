"""Policies (docs/model.md §5): how effort is allocated at each decision epoch.

An allocation is a dict of the allocation fields (`ALLOCATION_FIELDS`, from the engine's
activity table: docs/activities.md gives each its unit — rates per week or per year — and
the flags, True / False); missing fields are 0 / False. Per-account entries may add
`contact_focus`: {contact_id: weight} or a list.
"""
from __future__ import annotations

import difflib
import json
from typing import Any, Callable, Mapping

import numpy as np

from . import _core
from .activities import FIELDS as ALLOCATION_FIELDS, FLAGS as _BOOL_FIELDS  # docs/model.md §3.0

TIER_KEYS = tuple(_core.TIER_LABELS)  # S, A, B, C, cash_flow (docs/model.md §6)


class PolicyError(ValueError):
    """A Python policy returned something that is not a valid allocation."""


class Policy:
    """A policy; static and tiered ones are specs validated against the scenario when simulated."""

    def __init__(self, spec: Mapping[str, Any]):
        self.spec = dict(spec)

    @property
    def type(self) -> str:
        return self.spec.get("type", "?")

    def to_dict(self) -> dict:
        """The JSON form, as a scenario's `policy` field holds it."""
        return json.loads(json.dumps(self.spec))

    def _tree(self, scenario):
        return self.spec

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


def tiered(templates: Mapping[str, Mapping], accounts: Mapping | None = None) -> Policy:
    """An allocation template per tier (S, A, B, C required; cash_flow optional).

    Accounts are re-tiered at every decision epoch (docs/model.md §6), so effort
    follows an account whose wallet or fit moves it to another tier.
    Without a cash_flow template, cash-flow customers get their letter tier's.

    `accounts` ({account id: entry}) overrides, field by field, the template an account
    gets at each epoch: `tiered(t, accounts={"acc-007": {"jic": True}})` runs a centre
    at acc-007 whatever its tier, its other fields following its tier's template. An
    entry may set `contact_focus` as in a static policy.
    """
    spec: dict[str, Any] = {"type": "tiered", "templates": _mapping(templates, "templates")}
    accounts = _mapping(accounts, "accounts")
    if accounts:
        spec["accounts"] = accounts
    return Policy(spec)


class Observation:
    """What a Python policy sees at a decision epoch, for all replications at once.

    Per-account fields are numpy arrays of shape (replications, accounts):
    `wallet` (W), `fit` (F), `coverage` (C), `satisfaction` (Q), `org` (O),
    `support` (K, influence-weighted), `intimacy` (Ī), `agreement_weeks_left`,
    `jic` (1 while a centre runs), `revenue_to_date`, `gross_profit_to_date`,
    `pipeline_value` (open deals), `tier` (codes 0–3 for `tier_labels` S, A, B, C),
    `cash_flow` (bool). `nine_grid` is (replications, accounts, 9): key contacts
    per cell, cells named in `grid_cells` (intimacy/support). Scalars: `epoch`,
    `week`, `n_replications`, `n_accounts`; `replication` holds each row's
    replication number; `account_ids`; `resources` (AM hours per week, executive
    days and budget per year available); `resources_left()` (per replication,
    after the centres running now).
    """

    tier_labels = TIER_KEYS[:4]

    def __init__(self, raw: dict, account_ids: list[str], per_centre: Mapping | None = None):
        self.grid_cells = tuple(_core.GRID_CELLS)
        self.account_ids = list(account_ids)
        for key, value in raw.items():
            setattr(self, key, value)
        self.cash_flow = self.cash_flow.astype(bool)
        self.n_replications, self.n_accounts = self.tier.shape
        # the commitment of one centre kept running, per resource (the engine's §4)
        self._per_centre = dict(per_centre or {})

    def resources_left(self) -> dict:
        """What the resources leave for the plan after the joint innovation centres running now
        (docs/model.md §4: they are commitments, taken first), per replication: AM hours per week,
        executive days per year, budget per year. A centre kept running needs no setup."""
        centres = self.jic.sum(axis=1)
        out = {}
        for name, resource in (("am_hours_per_week", "am_hours"), ("executive_days_per_year", "executive_days"),
                               ("budget_per_year", "budget")):
            out[name] = float(self.resources[name]) - centres * self._per_centre.get(resource, 0.0)
        return out

    def tier_label(self):
        """Tier labels as strings (replications × accounts): S, A, B, C or cash_flow."""
        labels = np.array(self.tier_labels + ("cash_flow",), dtype=object)
        return labels[np.where(self.cash_flow, 4, self.tier)]

    def __repr__(self) -> str:
        return (f"<Observation epoch {self.epoch} (week {self.week}): "
                f"{self.n_replications} replications × {self.n_accounts} accounts>")


class _Decider:
    """Calls the user's function and turns its mapping into the engine's array."""

    def __init__(self, fn, account_ids, per_centre):
        self.fn = fn
        self.account_ids = list(account_ids)
        self.per_centre = per_centre

    def __call__(self, raw: dict) -> np.ndarray:
        obs = Observation(raw, self.account_ids, self.per_centre)
        R, A = obs.n_replications, obs.n_accounts
        where = f"python policy at epoch {obs.epoch} (week {obs.week})"
        result = self.fn(obs)
        if not isinstance(result, Mapping):
            raise PolicyError(f"{where}: must return a mapping of allocation fields to arrays, "
                              f"got {type(result).__name__}")
        out = np.zeros((R, A, len(ALLOCATION_FIELDS)))
        for key, value in result.items():
            if key not in ALLOCATION_FIELDS:
                hint = difflib.get_close_matches(str(key), ALLOCATION_FIELDS, n=1)
                raise PolicyError(f"{where}: {key!r} is not an allocation field"
                                  + (f'; did you mean "{hint[0]}"?' if hint else "")
                                  + f"; fields are: {', '.join(ALLOCATION_FIELDS)}")
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                raise PolicyError(f"{where}: {key}: must be numbers, got {type(value).__name__}") from None
            if arr.shape not in ((), (A,), (R, A)):
                raise PolicyError(f"{where}: {key}: shape {arr.shape} must be (accounts,) = ({A},) "
                                  f"or (replications, accounts) = ({R}, {A})")
            if not np.all(np.isfinite(arr)):
                raise PolicyError(f"{where}: {key}: must be finite numbers, got {arr[~np.isfinite(arr)].flat[0]}")
            if np.any(arr < 0):
                raise PolicyError(f"{where}: {key}: must be >= 0, got {arr[arr < 0].flat[0]}")
            if key in _BOOL_FIELDS and np.any((arr != 0) & (arr != 1)):
                raise PolicyError(f"{where}: {key}: must be True/False (or 1/0), got {arr[(arr != 0) & (arr != 1)].flat[0]}")
            out[:, :, ALLOCATION_FIELDS.index(key)] = np.broadcast_to(arr, (R, A))
        return out


class PythonPolicy(Policy):
    def __init__(self, fn: Callable):
        if not callable(fn):
            raise TypeError(f"policies.python: fn must be callable, got {type(fn).__name__}")
        super().__init__({"type": "python", "function": getattr(fn, "__qualname__", repr(fn))})
        self.fn = fn

    def to_dict(self) -> dict:
        raise ValueError("a python policy has no JSON form; save the function's code instead")

    def _tree(self, scenario):
        return ("python", _Decider(self.fn, scenario.account_ids, _running_centre_commitment(scenario)))


def _running_centre_commitment(scenario) -> dict:
    """What one joint innovation centre kept running commits, per resource, at the scenario's costs."""
    from .resources import planned_use
    from .scenario import Scenario, _stub

    one = Scenario(_stub(costs=scenario.to_dict()["costs"]))
    return planned_use(one, [{"jic": True}], jic_running=[True]).commitments


def python(fn: Callable[[Observation], Mapping]) -> Policy:
    """A policy written in Python (docs/model.md §5).

    `fn(obs)` is called once per decision epoch with the Observation of all
    replications at once and returns a mapping of allocation fields to arrays
    of shape (accounts,) or (replications, accounts), or scalars; missing
    fields are 0 / False. A bad field, shape or value raises PolicyError naming
    the field and the epoch; an exception inside fn propagates with its traceback.
    """
    return PythonPolicy(fn)


class SchedulePolicy(Policy):
    def __init__(self, phases: list[tuple[int, Policy]]):
        self.phases = phases
        spec_phases = []
        for week, p in phases:
            spec = p.spec if isinstance(p, Policy) else dict(p)
            spec_phases.append({"from_week": week, "policy": spec})
        super().__init__({"type": "schedule", "phases": spec_phases})

    def _json_only(self) -> bool:
        return all(not isinstance(p, (PythonPolicy, SchedulePolicy)) or
                   (isinstance(p, SchedulePolicy) and p._json_only()) for _, p in self.phases)

    def to_dict(self) -> dict:
        if not self._json_only():
            raise ValueError("a schedule with a python policy has no JSON form")
        return super().to_dict()

    def _tree(self, scenario):
        if self._json_only():
            return self.spec
        return ("schedule", [(week, as_tree(p, scenario)) for week, p in self.phases])


def schedule(phases: Mapping[int, Any]) -> Policy:
    """Plans that take over at given weeks, e.g. `schedule({0: plan_a, 52: plan_b})`.

    A switch takes effect at the first decision epoch at or after its week;
    the first plan must start at week 0.
    """
    if not isinstance(phases, Mapping) or not phases:
        raise ValueError("policies.schedule: phases must be a non-empty dict {from_week: policy}")
    items = []
    for week, p in phases.items():
        if isinstance(week, bool) or not isinstance(week, int) or week < 0:
            raise ValueError(f"policies.schedule: week {week!r} must be an integer >= 0")
        if not isinstance(p, (Policy, Mapping)):
            raise TypeError(f"policies.schedule: the plan for week {week} must be a Policy or a dict, "
                            f"got {type(p).__name__}")
        items.append((week, p))
    items.sort(key=lambda x: x[0])
    if items[0][0] != 0:
        raise ValueError(f"policies.schedule: the first plan must start at week 0, got {items[0][0]}")
    return SchedulePolicy(items)


class _LayerMix(Policy):
    """Each layer's allocation fields from `with_` where chosen, else from `base` (for attribution)."""

    def __init__(self, base, with_, layers: tuple[bool, bool, bool]):
        super().__init__({"type": "layer_mix", "layers": list(layers)})
        self.base, self.with_, self.layers = base, with_, tuple(bool(x) for x in layers)

    def to_dict(self) -> dict:
        raise ValueError("a layer mix has no JSON form")

    def _tree(self, scenario):
        return ("mix", as_tree(self.base, scenario), as_tree(self.with_, scenario), self.layers)


def as_tree(policy, scenario):
    """A Policy, a policy dict or None, as what the engine takes."""
    if policy is None:
        return None
    if isinstance(policy, Policy):
        return policy._tree(scenario)
    if isinstance(policy, Mapping):
        return dict(policy)
    raise TypeError(f"policy: must be a cathedral.policies.Policy, a dict or None, got {type(policy).__name__}")
