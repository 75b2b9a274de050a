"""Uncertain inputs: where a value goes in the scenario, and the distribution it is drawn from.

A distribution maps a quantile u in (0, 1) to a value (`ppf`), so every design (LHS, Sobol,
Morris) draws in the unit cube and maps each column through its input's distribution.
"""
from __future__ import annotations

import math
import numbers
from typing import Sequence

import numpy as np

from .. import _core

HOWS = ("set", "scale", "shift")
# quantiles are kept this far from 0 and 1, so that a truncated or unbounded distribution
# never maps a design's point to an infinite value or onto an open bound of its domain
_U_EDGE = 1e-12


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{what}: must be a finite number, got {value!r}")
    return float(value)


class Distribution:
    """A distribution of one input's values. Build one with uniform, triangular, normal,
    lognormal, choice or integers."""

    kind = "?"
    discrete = False
    bounded = True  # its support is a closed interval within which it must fit the field's domain

    def ppf(self, u) -> np.ndarray:
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        raise NotImplementedError

    def truncated(self, lo: float, hi: float) -> "Distribution":
        return self

    def integer_valued(self) -> bool:
        return False

    def to_dict(self) -> dict:
        return {"kind": self.kind, **self._args()}

    def _args(self) -> dict:
        return {}

    def __eq__(self, other):
        return isinstance(other, Distribution) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"{self.kind}({', '.join(repr(v) for v in self._args().values())})"


class _Uniform(Distribution):
    kind = "uniform"

    def __init__(self, lo, hi):
        self.lo, self.hi = _number(lo, "uniform: lo"), _number(hi, "uniform: hi")
        if not self.lo < self.hi:
            raise ValueError(f"uniform: lo must be < hi, got {self.lo} and {self.hi}")

    def ppf(self, u):
        return self.lo + np.asarray(u, dtype=float) * (self.hi - self.lo)

    def support(self):
        return self.lo, self.hi

    def _args(self):
        return {"lo": self.lo, "hi": self.hi}


class _Triangular(Distribution):
    kind = "triangular"

    def __init__(self, lo, mode, hi):
        self.lo, self.mode, self.hi = (_number(lo, "triangular: lo"), _number(mode, "triangular: mode"),
                                       _number(hi, "triangular: hi"))
        if not (self.lo <= self.mode <= self.hi and self.lo < self.hi):
            raise ValueError(f"triangular: needs lo <= mode <= hi and lo < hi, got {self.lo}, {self.mode}, {self.hi}")

    def ppf(self, u):
        u = np.asarray(u, dtype=float)
        lo, m, hi = self.lo, self.mode, self.hi
        c = (m - lo) / (hi - lo)
        left = lo + np.sqrt(np.maximum(u, 0) * (hi - lo) * (m - lo))
        right = hi - np.sqrt(np.maximum(1 - u, 0) * (hi - lo) * (hi - m))
        return np.clip(np.where(u < c, left, right), lo, hi)

    def support(self):
        return self.lo, self.hi

    def _args(self):
        return {"lo": self.lo, "mode": self.mode, "hi": self.hi}


class _Normal(Distribution):
    """Normal, truncated to [a, b] (the field's domain; infinite ends: no truncation)."""

    kind = "normal"
    bounded = False

    def __init__(self, mu, sd, a=-math.inf, b=math.inf):
        self.mu, self.sd = _number(mu, "normal: mu"), _number(sd, "normal: sd")
        if not self.sd > 0:
            raise ValueError(f"normal: sd must be > 0, got {self.sd}")
        self.a, self.b = float(a), float(b)

    def _z(self, lo, hi):
        return (lo - self.mu) / self.sd, (hi - self.mu) / self.sd

    def mass(self, lo, hi) -> float:
        from scipy.stats import norm

        za, zb = self._z(lo, hi)
        return float(norm.cdf(zb) - norm.cdf(za))

    def ppf(self, u):
        from scipy.stats import truncnorm

        za, zb = self._z(self.a, self.b)
        u = np.clip(np.asarray(u, dtype=float), _U_EDGE, 1 - _U_EDGE)
        return np.clip(truncnorm.ppf(u, za, zb, loc=self.mu, scale=self.sd), self.a, self.b)

    def support(self):
        return self.a, self.b

    def truncated(self, lo, hi):
        return type(self)(self.mu, self.sd, max(lo, self.a), min(hi, self.b))

    def _args(self):
        return {"mu": self.mu, "sd": self.sd}


class _LogNormal(_Normal):
    """exp(normal(mu, sigma)), truncated to the field's domain."""

    kind = "lognormal"

    def __init__(self, mu, sigma, a=0.0, b=math.inf):
        super().__init__(mu, sigma, a, b)
        if self.sd <= 0:
            raise ValueError(f"lognormal: sigma must be > 0, got {sigma}")

    @staticmethod
    def _log(x):
        return -math.inf if x <= 0 else math.log(x)

    def mass(self, lo, hi):
        from scipy.stats import norm

        za, zb = (self._log(lo) - self.mu) / self.sd, (self._log(hi) - self.mu) / self.sd
        return float(norm.cdf(zb) - norm.cdf(za))

    def ppf(self, u):
        from scipy.stats import truncnorm

        za, zb = (self._log(self.a) - self.mu) / self.sd, (self._log(self.b) - self.mu) / self.sd
        u = np.clip(np.asarray(u, dtype=float), _U_EDGE, 1 - _U_EDGE)
        return np.clip(np.exp(truncnorm.ppf(u, za, zb, loc=self.mu, scale=self.sd)), self.a, self.b)

    def truncated(self, lo, hi):
        return type(self)(self.mu, self.sd, max(lo, self.a, 0.0), min(hi, self.b))

    def _args(self):
        return {"mu": self.mu, "sigma": self.sd}


class _Choice(Distribution):
    kind = "choice"
    discrete = True

    def __init__(self, values):
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) and not isinstance(values, np.ndarray):
            raise ValueError(f"choice: values must be a list of numbers, got {values!r}")
        self.values = [_number(v, f"choice: values[{i}]") for i, v in enumerate(values)]
        if not self.values:
            raise ValueError("choice: values must not be empty")

    def ppf(self, u):
        k = len(self.values)
        i = np.minimum(np.floor(np.asarray(u, dtype=float) * k), k - 1).astype(int)
        return np.asarray(self.values)[np.maximum(i, 0)]

    def support(self):
        return min(self.values), max(self.values)

    def integer_valued(self):
        return all(float(v).is_integer() for v in self.values)

    def _args(self):
        return {"values": list(self.values)}


class _Integers(Distribution):
    kind = "integers"
    discrete = True

    def __init__(self, lo, hi):
        for name, v in (("lo", lo), ("hi", hi)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise ValueError(f"integers: {name} must be an integer, got {v!r}")
        self.lo, self.hi = int(lo), int(hi)
        if self.lo > self.hi:
            raise ValueError(f"integers: lo must be <= hi, got {self.lo} and {self.hi}")

    def ppf(self, u):
        n = self.hi - self.lo + 1
        i = np.minimum(np.floor(np.asarray(u, dtype=float) * n), n - 1)
        return self.lo + np.maximum(i, 0)

    def support(self):
        return float(self.lo), float(self.hi)

    def integer_valued(self):
        return True

    def _args(self):
        return {"lo": self.lo, "hi": self.hi}


def uniform(lo, hi) -> Distribution:
    """Uniform on [lo, hi]."""
    return _Uniform(lo, hi)


def triangular(lo, mode, hi) -> Distribution:
    """Triangular on [lo, hi] with its peak at mode."""
    return _Triangular(lo, mode, hi)


def normal(mu, sd) -> Distribution:
    """Normal with mean mu and standard deviation sd, truncated to the field's domain."""
    return _Normal(mu, sd)


def lognormal(mu, sigma) -> Distribution:
    """exp(normal(mu, sigma)): mu and sigma of the logarithm; truncated to the field's domain."""
    return _LogNormal(mu, sigma)


def choice(values) -> Distribution:
    """One of `values`, each equally likely."""
    return _Choice(values)


def integers(lo, hi) -> Distribution:
    """A whole number in [lo, hi] (both included), each equally likely."""
    return _Integers(lo, hi)


_KINDS = {"uniform": uniform, "triangular": triangular, "normal": normal, "lognormal": lognormal,
          "choice": choice, "integers": integers}


def distribution_from_dict(d: dict) -> Distribution:
    d = dict(d)
    return _KINDS[d.pop("kind")](**d)


def _bounds_text(b: dict) -> str:
    lo, hi = b["lo"], b["hi"]
    f = _core_format
    if math.isinf(lo) and math.isinf(hi):
        return "any finite number"
    if math.isinf(hi):
        return f"{'>' if b['lo_open'] else '>='} {f(lo)}"
    if math.isinf(lo):
        return f"{'<' if b['hi_open'] else '<='} {f(hi)}"
    return f"in {'(' if b['lo_open'] else '['}{f(lo)}, {f(hi)}{')' if b['hi_open'] else ']'}"


def _core_format(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def _inside(x: float, b: dict) -> bool:
    lo_ok = x > b["lo"] if b["lo_open"] else x >= b["lo"]
    hi_ok = x < b["hi"] if b["hi_open"] else x <= b["hi"]
    return lo_ok and hi_ok


class Uncertainty:
    """An uncertain input: `path` into the scenario and the distribution of its value.

    path   params.<name>, costs.<name>, resources.<name>, accounts.<field> (every account)
           or accounts[<id>].<field> (one account)
    how    "set" (the value replaces the field), "scale" (multiplies it) or "shift" (is added)
    name   the column of the design (default: the path, with ":scale"/":shift" when not set)
    """

    def __init__(self, path: str, distribution: Distribution, how: str = "set", name: str | None = None):
        if not isinstance(path, str) or not path:
            raise ValueError(f"Uncertainty: path must be a non-empty string, got {path!r}")
        if not isinstance(distribution, Distribution):
            raise TypeError(f"Uncertainty({path!r}): distribution must be one of cathedral.experiments.uniform, "
                            f"triangular, normal, lognormal, choice, integers; got {type(distribution).__name__}")
        if how not in HOWS:
            raise ValueError(f'Uncertainty({path!r}): how must be "set", "scale" or "shift", got {how!r}')
        self.path, self.distribution, self.how = path, distribution, how
        self.name = name if name is not None else (path if how == "set" else f"{path}:{how}")

    def bind(self, scenario, path: str | None = None) -> "Uncertainty":
        """This input checked against the scenario's field: the path must exist and the
        distribution lie in the field's domain (normal and lognormal are truncated to it)."""
        b = field_bounds(scenario, path or self.path, self.how)
        where = f"Uncertainty({self.path!r}{'' if self.how == 'set' else f', how={self.how!r}'})"
        what = "the field" if self.how == "set" else ("the factor" if self.how == "scale" else "the shift")
        dist = self.distribution
        if b["lo"] > b["hi"]:
            raise ValueError(f"{where}: no {what[4:]} keeps every account's field in its domain")
        if b["integer"] and not dist.integer_valued():
            raise ValueError(f"{where}: {self.path} holds whole numbers; use integers(lo, hi) or choice([...]) "
                             f"of whole numbers, not {dist!r}")
        if dist.bounded:
            lo, hi = dist.support()
            for end in (lo, hi):
                if not _inside(end, b):
                    raise ValueError(f"{where}: {what} must be {_bounds_text(b)}, but {dist!r} reaches "
                                     f"{_core_format(end)}")
            bound = Uncertainty(self.path, dist, self.how, self.name)
        else:
            if dist.mass(b["lo"], b["hi"]) < 1e-9:
                raise ValueError(f"{where}: {dist!r} lies (almost) wholly outside {what}'s domain, "
                                 f"{_bounds_text(b)}")
            bound = Uncertainty(self.path, dist.truncated(b["lo"], b["hi"]), self.how, self.name)
        if not math.isinf(b["lo"]) or not math.isinf(b["hi"]):
            bound._open = (b["lo"], b["lo_open"], b["hi"], b["hi_open"])
        return bound

    def values(self, u) -> np.ndarray:
        """The values at quantiles u."""
        x = np.asarray(self.distribution.ppf(u), dtype=float)
        lo, lo_open, hi, hi_open = getattr(self, "_open", (-math.inf, False, math.inf, False))
        if lo_open:
            x = np.maximum(x, np.nextafter(lo, math.inf))
        if hi_open:
            x = np.minimum(x, np.nextafter(hi, -math.inf))
        return x

    def quantile(self, q: float) -> float:
        return float(self.values(np.array([q]))[0])

    def to_dict(self) -> dict:
        return {"path": self.path, "how": self.how, "name": self.name, "distribution": self.distribution.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> "Uncertainty":
        return cls(d["path"], distribution_from_dict(d["distribution"]), d.get("how", "set"), d.get("name"))

    def __repr__(self) -> str:
        how = "" if self.how == "set" else f", how={self.how!r}"
        return f"Uncertainty({self.path!r}, {self.distribution!r}{how})"


def check_values(scenario, name: str, path: str, how: str, values: np.ndarray) -> None:
    """Every value of a design's column within what its field takes, before anything runs."""
    b = field_bounds(scenario, path, how)
    v = np.asarray(values, dtype=float)
    ok = np.isnan(v)
    lo_ok = v > b["lo"] if b["lo_open"] else v >= b["lo"]
    hi_ok = v < b["hi"] if b["hi_open"] else v <= b["hi"]
    ok |= lo_ok & hi_ok & np.isfinite(v)
    if b["integer"]:
        ok &= np.isnan(v) | (v == np.round(v))
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        what = {"set": "must be", "scale": "as a factor must be", "shift": "as a shift must be"}[how]
        whole = " and a whole number" if b["integer"] else ""
        raise ValueError(f"design: input {name!r} ({path}) at point {i}: {what} {_bounds_text(b)}{whole}, "
                         f"got {_core_format(v[i]) if np.isfinite(v[i]) else v[i]}")


def prebind(u: "Uncertainty") -> "Uncertainty":
    """An input checked before any scenario is known: its path's section and field (against a
    scenario of one placeholder account), and for how="set" its distribution against the
    field's domain, to which normal and lognormal are truncated. run() checks it again
    against the scenario (account ids; the factors and shifts that keep every account valid)."""
    import re

    from ..scenario import Scenario, _stub

    stub = Scenario(_stub())
    path = re.sub(r"^accounts\[[^\]]*\]", "accounts", u.path)
    if u.how == "set":
        return u.bind(stub, path)
    field_bounds(stub, path, u.how)
    return u


def field_bounds(scenario, path: str, how: str = "set") -> dict:
    """The values an input at `path` may take: lo, hi, lo_open, hi_open, integer. An unknown
    path raises ValueError with a did-you-mean hint."""
    from ..scenario import Scenario

    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: must be a cathedral.Scenario, got {type(scenario).__name__}")
    return _core.batch_resolve(scenario._core, path, how)
