"""Tiers and cash-flow customers (docs/model.md §6), computed by the engine.

The rule lives in the engine only; every part of the package (the generator,
the CRM scorecard, the examples, the tests) asks it here:

    from cathedral import tiers
    tiers.labels([900, 120, 40], [0.8, 0.6, 0.2])   # ['S', 'B', 'cash_flow']
    tiers.classify(wallets, fits)                   # (tier letters, cash-flow flags)
    tiers.thresholds(wallets)                       # S_min_wallet ... cashflow_fit

Unset minimum wallets are percentiles of `wallets` (the portfolio being
tiered); the minimum fits and the nine-grid come from `tiering` (the
scenario's ``tiering`` section), the cash-flow threshold from the parameter
``cashflow_fit``. Pass `scenario` to use a Scenario's tiering and parameters
(and, where wallets and fits are left out, its accounts at week 0).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from . import _core

LABELS = tuple(_core.TIER_LABELS)  # S, A, B, C, cash_flow
TIERS = LABELS[:4]


def _rules(tiering: Mapping | None, params: Mapping | None, scenario) -> "_core.Scenario":
    if scenario is not None:
        if tiering is not None or params is not None:
            raise ValueError("pass either scenario or tiering/params, not both")
        return scenario._core if hasattr(scenario, "_core") else scenario
    from .scenario import _stub

    return _stub(tiering=tiering, params=params)


def _values(x, name: str) -> list[float]:
    a = np.asarray(x, dtype=float)
    if a.ndim != 1:
        raise ValueError(f"{name}: must be one-dimensional, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name}: at least one value is needed")
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        raise ValueError(f"{name}[{bad[0]}]: must be a finite number, got {a[bad[0]]}")
    return a.tolist()


def thresholds(wallets=None, *, tiering: Mapping | None = None, params: Mapping | None = None,
               scenario=None) -> dict:
    """The thresholds of §6: S_min_wallet, A_min_wallet, B_min_wallet, S_min_fit, A_min_fit, cashflow_fit."""
    core = _rules(tiering, params, scenario)
    return _core.tier_thresholds(core, None if wallets is None else _values(wallets, "wallets"))


def _codes(wallets, fits, tiering, params, scenario):
    core = _rules(tiering, params, scenario)
    if (wallets is None) != (fits is None):
        raise ValueError("wallets and fits: pass both or neither")
    if wallets is None:
        return _core.tiers(core)
    w, f = _values(wallets, "wallets"), _values(fits, "fits")
    if len(w) != len(f):
        raise ValueError(f"fits: must have one value per wallet ({len(w)}), got {len(f)}")
    return _core.tiers(core, w, f)


def classify(wallets=None, fits=None, *, tiering: Mapping | None = None, params: Mapping | None = None,
             scenario=None) -> tuple[np.ndarray, np.ndarray]:
    """(tier, cash_flow): the tier letter (S, A, B or C) and the cash-flow flag of each account."""
    tier, cash, _ = _codes(wallets, fits, tiering, params, scenario)
    return np.array(TIERS, dtype=object)[tier], cash


def labels(wallets=None, fits=None, *, tiering: Mapping | None = None, params: Mapping | None = None,
           scenario=None) -> list[str]:
    """The label a tiered policy uses for each account: cash_flow where the fit is below
    cashflow_fit, else the tier (S, A, B or C)."""
    _, _, label = _codes(wallets, fits, tiering, params, scenario)
    return [LABELS[i] for i in label]


GRID_CELLS = tuple(_core.GRID_CELLS)  # "low/opposed" ... "high/supportive", intimacy-major
TARGET_CELL = GRID_CELLS[_core.TARGET_CELL]  # high/supportive
RISK_CELL = GRID_CELLS[_core.RISK_CELL]  # high/opposed


def grid_codes(intimacy, support, *, tiering: Mapping | None = None, scenario=None) -> np.ndarray:
    """The nine-grid cell of each key contact as a code 0-8 (an index into GRID_CELLS:
    intimacy level × 3 + support level), with the grid cuts of `tiering` (its ``grid``) or the
    scenario's; -1 where intimacy or support is missing (NaN)."""
    core = _rules(tiering, None, scenario)
    i = np.asarray(intimacy, dtype=float)
    s = np.asarray(support, dtype=float)
    codes = np.asarray(_core.grid_cells(core, i, s), dtype=np.int64)
    return np.where(np.isnan(i) | np.isnan(s), -1, codes)


def grid_cells(intimacy, support, *, tiering: Mapping | None = None, scenario=None) -> np.ndarray:
    """The nine-grid cell names (GRID_CELLS, e.g. "high/supportive") of each key contact;
    "" where intimacy or support is missing."""
    codes = grid_codes(intimacy, support, tiering=tiering, scenario=scenario)
    names = np.array(GRID_CELLS + ("",), dtype=object)
    return names[codes]
