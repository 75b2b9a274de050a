"""Designs: the points at which a scenario is run, one row of `.points` per point.

Each column is an input: a path into the scenario and how its value applies ("set", "scale",
"shift"). Designs drawn from uncertainties (lhs, sobol, morris) also keep `unit`, the points'
quantiles in the unit cube, which the Sobol and Morris estimators read.
"""
from __future__ import annotations

import itertools
import math
import numbers
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ._inputs import HOWS, Uncertainty, prebind


class Design:
    """Points to run: `.points` (a DataFrame, one row per point, one column per input) and
    `.inputs` (name -> (path, how)). NaN in a cell leaves that field as the scenario has it."""

    def __init__(self, points: pd.DataFrame, inputs: Mapping[str, tuple[str, str]], kind: str,
                 uncertainties: Sequence[Uncertainty] | None = None, unit: np.ndarray | None = None,
                 meta: Mapping | None = None):
        if len(points) == 0:
            raise ValueError(f"{kind}: the design is empty (no points)")
        if points.shape[1] == 0:
            raise ValueError(f"{kind}: the design has no inputs")
        self.points = points.reset_index(drop=True)
        self.points.index.name = "point"
        self.inputs = dict(inputs)
        self.kind = kind
        self.uncertainties = list(uncertainties) if uncertainties is not None else None
        self.unit = unit
        self.meta = dict(meta or {})

    @property
    def n_points(self) -> int:
        return len(self.points)

    def edits(self) -> list[tuple[str, str]]:
        return [self.inputs[c] for c in self.points.columns]

    def values(self) -> np.ndarray:
        try:
            return np.ascontiguousarray(self.points.to_numpy(dtype=float))
        except (TypeError, ValueError):
            bad = [c for c in self.points.columns if not pd.api.types.is_numeric_dtype(self.points[c])]
            raise ValueError(f"design: column {bad[0] if bad else '?'}: values must be numbers") from None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "inputs": {k: list(v) for k, v in self.inputs.items()},
                "columns": list(self.points.columns), "meta": self.meta,
                "uncertainties": [u.to_dict() for u in self.uncertainties] if self.uncertainties else None}

    def __len__(self) -> int:
        return self.n_points

    def __repr__(self) -> str:
        return f"<Design {self.kind}: {self.n_points} points × {len(self.inputs)} inputs ({', '.join(self.inputs)})>"


def _check_uncertainties(uncertainties, where: str) -> list[Uncertainty]:
    if isinstance(uncertainties, Uncertainty):
        uncertainties = [uncertainties]
    items = list(uncertainties or [])
    if not items:
        raise ValueError(f"{where}: at least one Uncertainty is needed")
    names = set()
    for i, u in enumerate(items):
        if not isinstance(u, Uncertainty):
            raise TypeError(f"{where}: item {i} must be an Uncertainty, got {type(u).__name__}")
        if u.name in names:
            raise ValueError(f"{where}: two inputs are named {u.name!r}; give one a name=")
        names.add(u.name)
    return items


def _count(n, name: str, where: str, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < minimum:
        raise ValueError(f"{where}: {name} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _seed(seed):
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed: must be an integer >= 0 or None, got {seed!r}")
    return int(seed)


def _from_unit(uncertainties: list[Uncertainty], unit: np.ndarray, kind: str, meta: dict) -> Design:
    bound = [prebind(u) for u in uncertainties]
    cols = {u.name: u.values(unit[:, j]) for j, u in enumerate(bound)}
    inputs = {u.name: (u.path, u.how) for u in uncertainties}
    return Design(pd.DataFrame(cols), inputs, kind, uncertainties, unit, meta)


def lhs(uncertainties, n: int, seed: int | None = 0) -> Design:
    """A Latin hypercube of n points (scipy.stats.qmc.LatinHypercube, each stratum's point drawn
    at random), mapped through each input's distribution."""
    from scipy.stats import qmc

    items = _check_uncertainties(uncertainties, "lhs")
    n = _count(n, "n", "lhs")
    unit = qmc.LatinHypercube(d=len(items), seed=_seed(seed)).random(n)
    return _from_unit(items, unit, "lhs", {"n": n, "seed": seed})


def sobol(uncertainties, n: int, seed: int | None = 0) -> Design:
    """Saltelli's scheme over a scrambled Sobol sequence (scipy.stats.qmc.Sobol) of 2d
    dimensions: matrices A and B (n rows each, from its first and last d columns) and, for each
    input i, AB_i (A with column i from B): n·(d + 2) points, in the order A, B, AB_1 … AB_d.
    n should be a power of 2. `sobol_indices` estimates first-order and total indices from it."""
    from scipy.stats import qmc

    items = _check_uncertainties(uncertainties, "sobol")
    n = _count(n, "n", "sobol", minimum=2)
    d = len(items)
    engine = qmc.Sobol(d=2 * d, scramble=True, seed=_seed(seed))
    m = math.log2(n)
    base = engine.random_base2(int(m)) if m.is_integer() else engine.random(n)
    A, B = base[:, :d], base[:, d:]
    blocks = [A, B]
    for i in range(d):
        AB = A.copy()
        AB[:, i] = B[:, i]
        blocks.append(AB)
    return _from_unit(items, np.vstack(blocks), "sobol", {"n": n, "d": d, "seed": seed})


def morris(uncertainties, trajectories: int = 10, levels: int = 4, seed: int | None = 0) -> Design:
    """Morris's elementary-effects design: `trajectories` paths of d + 1 points on a grid of
    `levels` (even) levels per input, each step moving one input by Δ = levels / (2 (levels − 1))
    of its range (Morris 1991). Level k maps to the quantile (k + ½) / levels of the input's
    distribution. `morris_indices` estimates μ*, μ and σ from it."""
    items = _check_uncertainties(uncertainties, "morris")
    r = _count(trajectories, "trajectories", "morris")
    p = _count(levels, "levels", "morris", minimum=2)
    if p % 2:
        raise ValueError(f"morris: levels must be even, got {p}")
    d = len(items)
    rng = np.random.default_rng(_seed(seed))
    delta = p / (2 * (p - 1))
    grid = np.arange(p // 2) / (p - 1)  # starting values x* with x* + Δ <= 1
    B = np.tril(np.ones((d + 1, d)), -1)
    J = np.ones((d + 1, d))
    rows = []
    for _ in range(r):
        x = rng.choice(grid, size=d)
        D = np.diag(rng.choice([-1.0, 1.0], size=d))
        P = np.eye(d)[rng.permutation(d)]
        traj = (J * x + (delta / 2) * ((2 * B - J) @ D + J)) @ P
        rows.append(traj)
    x = np.clip(np.vstack(rows), 0.0, 1.0)
    levels_index = np.rint(x * (p - 1))
    unit = (levels_index + 0.5) / p
    meta = {"trajectories": r, "levels": p, "d": d, "seed": seed, "delta": delta}
    return _from_unit(items, unit, "morris", meta)


def _inputs_of(keys, how) -> tuple[list[str], dict]:
    names, inputs = [], {}
    for key in keys:
        if isinstance(key, Uncertainty):
            name, spec = key.name, (key.path, key.how)
        elif isinstance(key, str):
            if key.endswith((":scale", ":shift")):
                path, h = key.rsplit(":", 1)
            else:
                path, h = key, (how.get(key, "set") if isinstance(how, Mapping) else (how or "set"))
            if h not in HOWS:
                raise ValueError(f'{key}: how must be "set", "scale" or "shift", got {h!r}')
            name, spec = key, (path, h)
        else:
            raise TypeError(f"design: inputs are named by path (a string) or an Uncertainty, got {type(key).__name__}")
        names.append(name)
        inputs[name] = spec
    return names, inputs


def full_factorial(levels: Mapping, how: Mapping | str | None = None) -> Design:
    """Every combination of the given values: `{path: [values...]}` (keys may be Uncertainty
    objects, whose path and how are used; `how` sets it for paths: "scale", or {path: "shift"}).
    A key "path:scale" or "path:shift" says how in its name."""
    if not isinstance(levels, Mapping) or not levels:
        raise ValueError("full_factorial: levels must be a non-empty dict {path: [values]}")
    names, inputs = _inputs_of(levels.keys(), how)
    values = []
    for name, vs in zip(names, levels.values()):
        vs = list(np.atleast_1d(vs))
        if not vs:
            raise ValueError(f"full_factorial: {name} has no values (the design would be empty)")
        values.append(vs)
    rows = list(itertools.product(*values))
    return Design(pd.DataFrame(rows, columns=names), inputs, "full_factorial")


def from_dataframe(df: pd.DataFrame, how: Mapping | str | None = None) -> Design:
    """Points given as a DataFrame: one row per point, one column per path (a column
    "path:scale" or "path:shift" scales or shifts; or pass how=). NaN leaves a field as it is."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"from_dataframe: df must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise ValueError("from_dataframe: the design is empty (no rows)")
    names, inputs = _inputs_of([str(c) for c in df.columns], how)
    points = df.copy()
    points.columns = names
    return Design(points, inputs, "dataframe")


def design_from_dict(points: pd.DataFrame, d: dict) -> Design:
    """A design back from Design.to_dict and its points (ExperimentResults.load)."""
    uncertainties = [Uncertainty.from_dict(u) for u in d["uncertainties"]] if d.get("uncertainties") else None
    return Design(points[d["columns"]], {k: tuple(v) for k, v in d["inputs"].items()}, d["kind"], uncertainties,
                  None, d.get("meta"))
