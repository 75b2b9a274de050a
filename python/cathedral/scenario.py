"""Scenarios: load, validate, edit and save (docs/model.md §2)."""
from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import Any, Mapping

from . import _core

_DATA = Path(__file__).resolve().parent / "data"
_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def bundled_file(name: str) -> Path:
    """A file of the bundled demo: inside the installed package, else the source tree's examples/."""
    for folder in (_DATA, _EXAMPLES):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"bundled file {name!r} not found in {_DATA} or {_EXAMPLES}")


class Scenario:
    """A validated scenario. Build one with `load`, `from_dict` or `demo`.

    Every constructor validates in full: a bad field raises ScenarioError
    (a ValueError) whose message names it by its path, e.g.
    ``accounts[3].contacts[0].influence: must be >= 0, got -1``.
    """

    def __init__(self, core: "_core.Scenario"):
        if not isinstance(core, _core.Scenario):
            raise TypeError("use Scenario.load, Scenario.from_dict or Scenario.demo")
        self._core = core

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Scenario":
        return cls(_core.Scenario.load(os.fspath(path)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Scenario":
        return cls(_core.Scenario.from_dict(data))

    @classmethod
    def demo(cls) -> "Scenario":
        """The bundled demo portfolio (examples/demo_portfolio.json)."""
        return cls.load(bundled_file("demo_portfolio.json"))

    def to_dict(self) -> dict:
        """The full scenario, defaults included; `from_dict(to_dict())` gives it back unchanged."""
        return self._core.to_dict()

    def save(self, path: str | os.PathLike) -> None:
        self._core.save(os.fspath(path))

    # --- read-only views -------------------------------------------------
    name = property(lambda self: self._core.name)
    currency = property(lambda self: self._core.currency, doc="the unit of money amounts, a label (default \"k\")")
    horizon_weeks = property(lambda self: self._core.horizon_weeks)
    decision_interval_weeks = property(lambda self: self._core.decision_interval_weeks)
    seed = property(lambda self: self._core.seed)
    n_accounts = property(lambda self: self._core.n_accounts)
    account_ids = property(lambda self: list(self._core.account_ids))

    @property
    def policy(self) -> dict | None:
        return self.to_dict().get("policy")

    def initial_tiers(self) -> dict:
        """Tier label per account id at week 0 (docs/model.md §6): S, A, B, C or cash_flow."""
        from . import tiers

        return dict(zip(self._core.account_ids, tiers.labels(scenario=self)))

    def demand(self, policy=None):
        """Each resource's planned use against its capacity, per decision epoch, before fitting
        (docs/model.md §4): a DataFrame indexed by (epoch, resource) with week, capacity,
        commitments, plan, use and ratio = use / capacity. `policy` None: the scenario's own.
        See cathedral.demand.demand."""
        from .demand import demand

        return demand(self, policy)

    def tier_thresholds(self) -> dict:
        """The §6 thresholds at week 0 (see cathedral.tiers.thresholds)."""
        from . import tiers

        return tiers.thresholds(scenario=self)

    @staticmethod
    def defaults() -> dict:
        """The engine's defaults, read from the engine: the top-level settings, an account's and a
        key contact's fields (docs/model.md §2; an account's fit_target defaults to its fit), the
        resources that have one, the costs and parameters of §9 and the tiering of §6."""
        return copy.deepcopy(_defaults())

    def accounts(self):
        """The accounts as a DataFrame (one row per account, with its week-0 tier)."""
        import pandas as pd

        rows = []
        for acc in self.to_dict()["accounts"]:
            row = {k: v for k, v in acc.items() if k not in ("contacts", "pipeline")}
            row["n_contacts"] = len(acc["contacts"])
            rows.append(row)
        frame = pd.DataFrame(rows).set_index("id").rename_axis("account_id")  # the file keeps "id"
        frame["tier"] = pd.Series(self.initial_tiers())
        return frame

    # --- editing: each returns a new, validated scenario -------------------
    def _edited(self, edit) -> "Scenario":
        data = self.to_dict()
        edit(data)
        return Scenario.from_dict(data)

    def with_params(self, **params) -> "Scenario":
        """A copy with parameters of docs/model.md §9 changed, e.g. `with_params(coverage_gain=0.06)`."""
        return self._edited(lambda d: d["params"].update(params))

    def with_costs(self, **costs) -> "Scenario":
        """A copy with unit costs changed, e.g. `with_costs(visit_money=0.1)`."""
        return self._edited(lambda d: d["costs"].update(costs))

    def with_resources(self, **resources) -> "Scenario":
        """A copy with resources changed, e.g. `with_resources(account_managers=15)`."""
        return self._edited(lambda d: d["resources"].update(resources))

    def with_settings(self, **settings) -> "Scenario":
        """A copy with top-level settings changed: name, horizon_weeks, decision_interval_weeks, seed, currency."""
        allowed = ("name", "horizon_weeks", "decision_interval_weeks", "seed", "currency")
        for key in settings:
            if key not in allowed:
                raise ValueError(f"with_settings: {key!r} is not a setting; settings are: {', '.join(allowed)}")
        return self._edited(lambda d: d.update(settings))

    def with_policy(self, policy) -> "Scenario":
        """A copy whose `policy` is `policy` (a static, tiered or schedule policy, or None)."""
        from .policies import Policy

        spec = policy.to_dict() if isinstance(policy, Policy) else policy

        def edit(d):
            d.pop("policy", None)
            if spec is not None:
                d["policy"] = spec

        return self._edited(edit)

    def with_shocks(self, *shocks, replace: bool = False) -> "Scenario":
        """A copy with shocks added (or, with replace=True, instead of the present ones).
        See cathedral.shocks for the four kinds."""
        if len(shocks) == 1 and isinstance(shocks[0], (list, tuple)):
            shocks = tuple(shocks[0])  # with_shocks([a, b]) as well as with_shocks(a, b)
        items = []
        for i, s in enumerate(shocks):
            if not isinstance(s, Mapping):
                raise TypeError(f"with_shocks: shock {i} must be a dict (see cathedral.shocks), got {type(s).__name__}")
            items.append(dict(s))

        def edit(d):
            d["shocks"] = items if replace else d.get("shocks", []) + items

        return self._edited(edit)

    def select(self, ids) -> "Scenario":
        """A copy with only the accounts in `ids` (in the scenario's order). Policy entries and
        shocks that name a dropped account are dropped too."""
        if isinstance(ids, str):
            ids = [ids]
        wanted = list(ids)
        known = self.account_ids
        for i in wanted:
            if i not in known:
                raise ValueError(f"select: unknown account id {i!r}" + _hint(i, known))
        keep = set(wanted)
        if not keep:
            raise ValueError("select: at least one account is needed")

        def edit(d):
            d["accounts"] = [a for a in d["accounts"] if a["id"] in keep]
            d["shocks"] = [s for s in d.get("shocks", []) if s.get("account", next(iter(keep))) in keep]
            if "policy" in d:
                _drop_accounts(d["policy"], keep)

        return self._edited(edit)

    def replace_account(self, account_id: str, **fields) -> "Scenario":
        """A copy with fields of one account replaced, e.g. `replace_account("acc-01", wallet=5000)`."""
        known = self.account_ids
        if account_id not in known:
            raise ValueError(f"replace_account: unknown account id {account_id!r}" + _hint(account_id, known))

        def edit(d):
            for a in d["accounts"]:
                if a["id"] == account_id:
                    a.update(fields)

        return self._edited(edit)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self.to_dict() == other.to_dict()

    # --- pickling and copying: through the full dict, which from_dict reads back exactly -----
    def __reduce__(self):
        return (_scenario_from_dict, (self.to_dict(),))

    def __copy__(self) -> "Scenario":
        return self  # immutable: every edit returns a new scenario

    def __deepcopy__(self, memo) -> "Scenario":
        return Scenario.from_dict(self.to_dict())

    def __repr__(self) -> str:
        return (f"<Scenario {self.name!r}: {self.n_accounts} accounts, {self.horizon_weeks} weeks, "
                f"decision every {self.decision_interval_weeks} weeks, seed {self.seed}>")


def _scenario_from_dict(data) -> "Scenario":
    """Unpickling: the scenario from its full dict (module level, so pickle finds it)."""
    return Scenario.from_dict(data)


# A scenario that carries only sections (tiering, params, costs): one placeholder account
# and no resources. Its to_dict holds the engine's defaults.
_STUB_ACCOUNT = {"id": "_", "wallet": 1.0, "contacts": [{"id": "_"}]}
_REQUIRED_RESOURCES = ("account_managers", "executive_days_per_year", "budget_per_year")


def _stub(**sections) -> "_core.Scenario":
    data = {"accounts": [_STUB_ACCOUNT], "resources": {k: 0 for k in _REQUIRED_RESOURCES}}
    data.update({k: v for k, v in sections.items() if v is not None})
    return _core.Scenario.from_dict(data)


def _number(row: dict):
    """A table's default as the scenario file writes it: integers for the integer domains."""
    return int(row["default"]) if row["domain"].startswith("integer") else row["default"]


@functools.lru_cache(maxsize=1)
def _defaults() -> dict:
    full = _stub().to_dict()
    account = full["accounts"][0]
    contact = account.pop("contacts")[0]
    for key in ("id", "name", "wallet", "fit_target", "pipeline"):
        account.pop(key, None)
    contact.pop("id")
    out = {k: full[k] for k in ("name", "horizon_weeks", "decision_interval_weeks", "seed")}
    out["account"] = account
    out["contact"] = contact
    out["resources"] = {k: v for k, v in full["resources"].items() if k not in _REQUIRED_RESOURCES}
    out["costs"] = {row["name"]: _number(row) for row in _core.cost_table()}
    out["params"] = {row["name"]: _number(row) for row in _core.param_table()}
    out["tiering"] = full["tiering"]
    return out


def _hint(name: str, candidates) -> str:
    import difflib

    close = difflib.get_close_matches(str(name), list(candidates), n=1)
    return f'; did you mean "{close[0]}"?' if close else ""


def _drop_accounts(policy: dict, keep: set) -> None:
    if policy.get("type") in ("static", "tiered") and "accounts" in policy:
        policy["accounts"] = {k: v for k, v in policy["accounts"].items() if k in keep}
    for phase in policy.get("phases", []):
        _drop_accounts(phase["policy"], keep)


def scenario_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a scenario file, as a dict (docs/scenario.schema.json).

    Generated from the field tables the loader reads, it is as strict as `Scenario.load` and
    `Scenario.from_dict` on every field: types, domains, enum names, required and unknown keys.
    Rules across fields (unique ids, references to account and contact ids, weeks within the
    horizon; listed in docs/scenario-format.md) are only in its descriptions: the loader checks
    them, the schema cannot.
    """
    return _core.scenario_schema()
