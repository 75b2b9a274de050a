"""Scenarios: load, validate, edit and save (MODEL.md §2)."""
from __future__ import annotations

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
    horizon_weeks = property(lambda self: self._core.horizon_weeks)
    decision_interval_weeks = property(lambda self: self._core.decision_interval_weeks)
    seed = property(lambda self: self._core.seed)
    n_accounts = property(lambda self: self._core.n_accounts)
    account_ids = property(lambda self: list(self._core.account_ids))

    @property
    def policy(self) -> dict | None:
        return self.to_dict().get("policy")

    def initial_tiers(self) -> dict:
        """Tier label per account id at week 0 (MODEL.md §6): S, A, B, C or cash_flow."""
        return dict(zip(self._core.account_ids, self._core.initial_tiers()))

    def tier_thresholds(self) -> dict:
        return self._core.tier_thresholds()

    def accounts(self):
        """The accounts as a DataFrame (one row per account, with its week-0 tier)."""
        import pandas as pd

        rows = []
        for acc in self.to_dict()["accounts"]:
            row = {k: v for k, v in acc.items() if k not in ("contacts", "pipeline")}
            row["n_contacts"] = len(acc["contacts"])
            rows.append(row)
        frame = pd.DataFrame(rows).set_index("id")
        frame["tier"] = pd.Series(self.initial_tiers())
        return frame

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return (f"<Scenario {self.name!r}: {self.n_accounts} accounts, {self.horizon_weeks} weeks, "
                f"decision every {self.decision_interval_weeks} weeks, seed {self.seed}>")
