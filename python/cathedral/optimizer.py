"""The allocation optimiser (docs/optimize.md): the plan that makes the most of the resources.

    opt = cathedral.optimize(scenario)                  # contribution over the horizon, per account
    opt.objective, opt.start_objective, opt.gain
    opt.usage(), opt.shadow_prices(), opt.marginal_values()
    opt.policy                                          # use in simulate / compare / a scenario file
    opt.evaluate(replications=1000)                     # paired Monte Carlo check against the start plan

How it works. Accounts interact only through the shared resources and the market index, which no
plan moves; in mean field an account's outcome therefore depends on its own allocation alone, and
the resources' use (docs/model.md §4) is linear in the rates. So one engine run that perturbs a
lever at every account at once gives that lever's partial derivative for all of them, and a batch
of 1 + 2m + m(m−1)/2 runs (m levers) gives each account's gradient and Hessian. The optimiser is a
trust-region SQP on those separable models: each step maximises Σ_a (g_aᵀd_a + ½ d_aᵀH_a d_a) within
the bounds and the resources, by its dual over the resource prices μ (one per resource and phase),
which splits into one small box QP per account — CALLPLAN's equal-marginal-returns condition, at
scale. At the optimum μ are the shadow prices. The flags (pursue_agreement, jic) are settled by
comparing, per account, the plan with and without them at those prices.
"""
from __future__ import annotations

import difflib
import numbers
import time
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from . import _core, activities, policies
from . import resources as _resources
from .scenario import Scenario

OBJECTIVES = ("contribution", "gross_profit", "revenue", "cash_flow")
FIELDS = activities.FIELDS
RATES = activities.RATES
FLAGS = activities.FLAGS
RESOURCES = _resources.RESOURCES  # am_hours (a week), executive_days (a year), budget (a year)
RESOURCE_UNITS = {"am_hours": "AM hours/week", "executive_days": "executive days/year", "budget": "money/year"}
# the scenario's resource fields, as frontier() and minimum_resources() name them
SCENARIO_RESOURCES = ("account_managers", "executive_days_per_year", "budget_per_year")
TIER_KEYS = ("S", "A", "B", "C", "cash_flow")
NORMS = ("visits_per_am", "sa_benchmarking", "sa_exec_visits", "cash_flow_cap")
VISITS_PER_AM = 5.0      # the methodology's norm: at least 5 customer visits a week per person
SA_BENCHMARKING = 1.0    # S and A accounts: at least one benchmarking meeting a year
SA_EXEC_VISITS = 2.0     # S and A accounts: at least two executive visits a year
_TEAM_COST_OBJECTIVES = ("contribution", "cash_flow")  # the portfolio's figures carry the team cost (§3.7)


class OptimizationError(ValueError):
    """An optimisation that cannot be set up or cannot reach what was asked (a ValueError)."""


# --------------------------------------------------------------------------- helpers

def _hint(name, choices) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f'; did you mean "{close[0]}"?' if close else ""


def _week_weights(H: int, horizon_weeks, discount_rate) -> np.ndarray:
    if horizon_weeks is None:
        horizon_weeks = H
    if isinstance(horizon_weeks, bool) or not isinstance(horizon_weeks, numbers.Integral):
        raise OptimizationError(f"horizon_weeks: must be an integer, got {horizon_weeks!r}")
    if not 1 <= horizon_weeks <= H:
        raise OptimizationError(f"horizon_weeks: must be in [1, {H}] (the scenario's horizon), got {horizon_weeks}")
    if not isinstance(discount_rate, numbers.Real) or not np.isfinite(discount_rate) or not -1 < discount_rate <= 10:
        raise OptimizationError(f"discount_rate: must be a yearly rate in (-1, 10], got {discount_rate!r}")
    t = np.arange(H, dtype=float)
    w = (1.0 + float(discount_rate)) ** (-t / 52.0)
    w[int(horizon_weeks):] = 0.0
    return w


def _team_cost(scenario: Scenario, objective: str, weights: np.ndarray) -> float:
    if objective not in _TEAM_COST_OBJECTIVES:
        return 0.0
    return float(_core.team_cost_per_week(scenario._core) * weights.sum())


@dataclass
class _Linear:
    """The §4 planned use, read from the engine (cathedral.resources.planned_use): per resource
    the use of one unit of each rate, and what a running or opening centre commits."""

    coef: np.ndarray       # resources × RATES
    running: np.ndarray    # resources: a centre that ran before the epoch
    opening: np.ndarray    # resources: a centre opening at the epoch (its setup too)
    capacity: np.ndarray   # resources

    @classmethod
    def of(cls, scenario: Scenario) -> "_Linear":
        A, F = scenario.n_accounts, len(FIELDS)
        coef = np.zeros((len(RESOURCES), len(RATES)))
        for j, f in enumerate(RATES):
            x = np.zeros((A, F))
            x[0, FIELDS.index(f)] = 1.0
            use = _resources.planned_use(scenario, x, jic_running=np.ones(A, bool))
            coef[:, j] = [use.plan[r] for r in RESOURCES]
        x = np.zeros((A, F))
        x[0, FIELDS.index("jic")] = 1.0
        running = _resources.planned_use(scenario, x, jic_running=np.ones(A, bool))
        opening = _resources.planned_use(scenario, x, jic_running=np.zeros(A, bool))
        return cls(coef, np.array([running.commitments[r] for r in RESOURCES]),
                   np.array([opening.commitments[r] for r in RESOURCES]),
                   np.array([running.capacity[r] for r in RESOURCES]))

    def commitments(self, jic: np.ndarray, initial: np.ndarray) -> np.ndarray:
        """epochs × accounts × resources: what the centres of `jic` (epochs × accounts) commit."""
        before = np.vstack([initial[None, :], jic[:-1]]).astype(bool)
        on = jic.astype(bool)
        opens = on & ~before
        return (on & ~opens)[..., None] * self.running + opens[..., None] * self.opening


# --------------------------------------------------------------------------- the problem

class _Problem:
    """What every optimiser mode shares: the scenario, the objective's weights, the start plan's
    allocation per epoch (the base every candidate is built on), the phases and the resources."""

    def __init__(self, scenario, objective, start, horizon_weeks, discount_rate, threads, phases, levers,
                 progress):
        if not isinstance(scenario, Scenario):
            raise TypeError(f"scenario: must be a cathedral.Scenario, got {type(scenario).__name__}")
        if objective not in OBJECTIVES:
            raise OptimizationError(f"objective: must be one of {', '.join(OBJECTIVES)}, got {objective!r}"
                                    + _hint(objective, OBJECTIVES))
        from .simulation import _count, simulate

        self.scenario = scenario
        self.objective = objective
        self.threads = 0 if threads is None else _count(threads, "threads", 1, 65536)
        self.weights = _week_weights(scenario.horizon_weeks, horizon_weeks, discount_rate)
        self.team_cost = _team_cost(scenario, objective, self.weights)
        self.ids = scenario.account_ids
        self.A = scenario.n_accounts
        self.progress = progress
        self.start_policy = start if start is not None else scenario.policy
        if self.start_policy is None:
            raise OptimizationError("start: the scenario has no `policy`; pass start=cathedral.policies.static(...)")
        import warnings

        from .demand import FitWarning

        with warnings.catch_warnings():
            # the start plan is only the baseline: what it does after fitting is what it is compared as
            warnings.simplefilter("ignore", FitWarning)
            base = simulate(scenario, self.start_policy, mode="mean_field", progress=False, threads=threads)
        self.start_results = base
        self.base = np.ascontiguousarray(base._raw["allocation_mean"], dtype=float)  # epochs × accounts × fields
        self.E = self.base.shape[0]
        self.interval = scenario.decision_interval_weeks
        tier_share = base._raw["tier_share"]  # epochs × accounts × 5 (mean field: one-hot)
        self.tier = np.argmax(tier_share, axis=2)  # epochs × accounts, index into TIER_KEYS
        self.linear = _Linear.of(scenario)
        self.initial_jic = np.array([bool(a.get("jic", False)) for a in scenario.to_dict()["accounts"]])
        self.phase_weeks, self.phase_of_epoch = self._phases(phases)
        self.P = len(self.phase_weeks)
        self.levers = self._levers(levers)
        self.rate_levers = [f for f in self.levers if f in RATES]
        self.flag_levers = [f for f in self.levers if f in FLAGS]
        self.evaluations = 0
        self.start_objective = self.total(self.values(self.base[None])[0])

    # -- set-up
    def _phases(self, phases):
        E, k = self.E, self.interval
        if phases is None:
            starts = [0]
        elif isinstance(phases, numbers.Integral) and not isinstance(phases, bool):
            n = int(phases)
            if not 1 <= n <= E:
                raise OptimizationError(f"phases: must be between 1 and the number of decision epochs ({E}), got {n}")
            starts = sorted({int(round(i * E / n)) * k for i in range(n)})
        elif isinstance(phases, (list, tuple)) and phases:
            starts = []
            for i, w in enumerate(phases):
                if isinstance(w, bool) or not isinstance(w, numbers.Integral):
                    raise OptimizationError(f"phases[{i}]: must be a week number, got {w!r}")
                if w % k or not 0 <= w < self.scenario.horizon_weeks:
                    raise OptimizationError(f"phases[{i}]: must be a decision epoch's week (a multiple of {k} "
                                            f"below {self.scenario.horizon_weeks}), got {w}")
                starts.append(int(w))
            if starts[0] != 0 or sorted(set(starts)) != starts:
                raise OptimizationError(f"phases: must be increasing week numbers starting at 0, got {list(phases)}")
        else:
            raise OptimizationError(f"phases: must be None, a number of phases or a list of start weeks, got {phases!r}")
        epoch_weeks = np.arange(E) * k
        phase_of_epoch = np.searchsorted(np.array(starts), epoch_weeks, side="right") - 1
        return starts, phase_of_epoch

    def _levers(self, levers):
        if levers is None:
            return list(FIELDS)
        if isinstance(levers, str):
            levers = [levers]
        out = []
        for i, f in enumerate(levers):
            if f not in FIELDS:
                raise OptimizationError(f"levers[{i}]: unknown allocation field {f!r}" + _hint(f, FIELDS))
            if f not in out:
                out.append(f)
        if not out:
            raise OptimizationError("levers: must name at least one allocation field")
        return [f for f in FIELDS if f in out]

    # -- evaluation
    def values(self, allocations: np.ndarray) -> np.ndarray:
        """candidates × accounts: each account's objective (weighted flows) under each candidate
        (candidates × epochs × accounts × fields), in mean field."""
        self.evaluations += allocations.shape[0]
        out = _core.evaluate(self.scenario._core, np.ascontiguousarray(allocations), self.objective,
                             self.weights.tolist(), "mean_field", 1, 0, self.threads, self._monitor())
        return out["account_objective"]

    def replication_values(self, allocations: np.ndarray, replications: int, seed: int) -> np.ndarray:
        """candidates × replications: the portfolio objective (team cost included) in Monte Carlo,
        every candidate with the same streams (common random numbers)."""
        self.evaluations += allocations.shape[0] * replications
        out = _core.evaluate(self.scenario._core, np.ascontiguousarray(allocations), self.objective,
                             self.weights.tolist(), "monte_carlo", replications, seed, self.threads, self._monitor())
        return out["replication_objective"] - self.team_cost

    def _monitor(self):
        return self.progress if callable(self.progress) else None

    def total(self, account_values: np.ndarray) -> float:
        return float(account_values.sum() - self.team_cost)

    def use(self, alloc: np.ndarray) -> np.ndarray:
        """epochs × resources: the planned use (commitments and plan) of an allocation per epoch."""
        rates = alloc[..., [FIELDS.index(f) for f in RATES]]  # epochs × accounts × rates
        plan = np.einsum("ear,kr->ek", rates, self.linear.coef)
        jic = alloc[..., FIELDS.index("jic")] != 0
        return plan + self.linear.commitments(jic, self.initial_jic).sum(axis=1)


# --------------------------------------------------------------------------- the per-account solver

def _box_qp(Hn, lin, lo, hi, d0=None, sweeps=60, block=None):
    """Per account, maximise lin·d − ½ dᵀHn d over lo ≤ d ≤ hi (Hn: accounts × m × m, positive
    definite): an active-set Newton method on all accounts at once, finished by coordinate sweeps.
    With `block`, Hn is block-diagonal in blocks of that size (one per phase) and each block is
    solved on its own."""
    n, m = lin.shape
    if block is not None and block < m:
        P = m // block
        idx = np.arange(P)
        blocks = Hn.reshape(n, P, block, P, block)[:, idx, :, idx, :].transpose(1, 0, 2, 3).reshape(n * P, block, block)
        flat = lambda x: None if x is None else x.reshape(n * P, block)
        d = _box_qp(blocks, flat(lin), flat(lo), flat(hi), flat(d0), sweeps)
        return d.reshape(n, m)
    d = np.zeros((n, m)) if d0 is None else np.clip(d0, lo, hi)
    if d0 is None:
        fixed = np.zeros((n, m), bool)
    else:  # warm start: the bounds that held at d0 and still push outwards
        grad = lin - np.einsum("nij,nj->ni", Hn, d)
        fixed = ((d <= lo) & (grad <= 0)) | ((d >= hi) & (grad >= 0))
    eye = np.eye(m)
    settled = False
    for _ in range(2 * m + 2):
        # solve Hn_FF d_F = lin_F − Hn_FB d_B with the bound coordinates held
        M = np.where((fixed[:, :, None] | fixed[:, None, :]), 0.0, Hn) + fixed[:, :, None] * eye
        rhs = np.where(fixed, d, lin - np.einsum("nij,nj->ni", Hn * fixed[:, None, :], d))
        d_new = np.linalg.solve(M, rhs[..., None])[..., 0]
        clipped = np.clip(d_new, lo, hi)
        grad = lin - np.einsum("nij,nj->ni", Hn, clipped)
        new_fixed = ((clipped <= lo) & (grad <= 0)) | ((clipped >= hi) & (grad >= 0))
        d = clipped
        if np.array_equal(new_fixed, fixed) and np.array_equal(clipped, d_new):
            settled = True
            break
        fixed = new_fixed
    diag = np.einsum("nii->ni", Hn)
    for _ in range(1 if settled else sweeps):
        change = 0.0
        for i in range(m):
            g = lin[:, i] - np.einsum("nj,nj->n", Hn[:, i, :], d)
            new = np.clip(d[:, i] + g / diag[:, i], lo[:, i], hi[:, i])
            change = max(change, float(np.max(np.abs(new - d[:, i]))))
            d[:, i] = new
        if change < 1e-12:
            break
    return d


def _solve_qp(g, Hn, lo, hi, C, r, mu0=None, block=None):
    """max Σ_a g_a·d_a − ½ d_aᵀHn_a d_a s.t. lo ≤ d ≤ hi, Σ_a C d_a ≤ r, through its prices μ ≥ 0 (one
    per row of C): for given μ the problem splits into one box QP per account (_box_qp); the rows'
    use Σ_a C d_a(μ) is piecewise linear in μ, so a semi-smooth Newton method on the rows that bind
    finds the μ at which they fit exactly. Returns d and μ."""
    K = C.shape[0]
    if K == 0:
        return _box_qp(Hn, g, lo, hi, block=block), np.zeros(0)
    mu = np.zeros(K) if mu0 is None else np.maximum(np.asarray(mu0, float), 0.0)
    d = _box_qp(Hn, g - mu @ C, lo, hi, block=block)
    span = np.abs(C).sum(axis=1) * np.maximum(np.abs(hi - lo).max(), 1e-12)

    def violation(d):
        return C @ d.sum(axis=0) - r

    tol = 1e-12 * np.maximum(np.abs(r), span * 1e-3) + 1e-15
    # a priced row may be left this much under-used (it forgoes a hair of the resource)
    slack_tol = 1e-7 * np.maximum(np.abs(r), span * 1e-3) + 1e-12
    v = violation(d)
    for _ in range(30):
        active = (mu > 0) | (v > tol)
        done = np.all(v <= tol) and np.all(v[mu > 0] >= -slack_tol[mu > 0])
        if done or not active.any():
            break
        # ∂(use)/∂μ = −C Σ_a Hn_FF⁻¹ C_Fᵀ over each account's coordinates off their bounds
        free = (d > lo) & (d < hi)
        M = np.where(free[:, :, None] & free[:, None, :], Hn, 0.0) + (~free)[:, :, None] * np.eye(Hn.shape[1])
        rhs = np.where(free[:, :, None], C.T[None, :, :], 0.0)  # n × m × K
        X = np.linalg.solve(M, rhs)
        J = C @ X.sum(axis=0)  # K × K, positive semi-definite
        A = np.nonzero(active)[0]
        JA = J[np.ix_(A, A)]
        step = np.zeros(K)
        diag_ok = np.diag(JA) > 1e-12 * max(np.abs(C).max(), 1e-300) ** 2 / max(np.abs(Hn).max(), 1e-300)
        if diag_ok.all() and np.all(np.isfinite(JA)):
            step[A] = np.linalg.lstsq(JA + 1e-12 * np.trace(JA) * np.eye(len(A)), v[A], rcond=None)[0]
        if not np.all(np.isfinite(step)) or not diag_ok.all():
            # no coordinate responds to a row's price here (all at their bounds): move the prices
            # geometrically until some do, without a line search (the use is flat in between)
            floor = np.abs(g).max() / max(np.abs(C).max(), 1e-300) * 1e-6
            mu = np.maximum(np.where(v > tol, np.maximum(2 * mu, floor), np.where(mu > 0, 0.5 * mu, 0.0)), 0.0)
            d = _box_qp(Hn, g - mu @ C, lo, hi, d, block=block)
            v = violation(d)
            continue
        norm0 = np.linalg.norm(np.maximum(v, 0) + np.where(mu > 0, np.minimum(v, 0), 0))
        t = 1.0
        for _ls in range(4):
            mu_new = np.maximum(mu + t * step, 0.0)
            d_new = _box_qp(Hn, g - mu_new @ C, lo, hi, d, block=block)
            v_new = violation(d_new)
            norm1 = np.linalg.norm(np.maximum(v_new, 0) + np.where(mu_new > 0, np.minimum(v_new, 0), 0))
            if norm1 < norm0:
                break
            t /= 2
        else:  # Newton stalls (rows that interact at a breakpoint): the dual by a quasi-Newton method
            return _solve_qp_dual(g, Hn, lo, hi, C, r, mu, block)
        mu, d, v = mu_new, d_new, v_new
    # a violation left over is tiny; the caller's _restore pulls the point back within the rows
    return d, mu


def _solve_qp_dual(g, Hn, lo, hi, C, r, mu0, block):
    """The fallback of _solve_qp: minimise the QP's dual over μ ≥ 0 with L-BFGS-B (slower, and its
    d may overshoot a tight row by a hair, which the caller's _restore takes back)."""
    from scipy.optimize import minimize

    K = C.shape[0]
    scale = max(float(np.abs(g).max()), 1e-12)
    state = {"d": None}

    def dual(mu_s):
        mu = mu_s * scale
        lin = g - mu @ C
        d = _box_qp(Hn, lin, lo, hi, state["d"], sweeps=8, block=block)
        state["d"] = d
        val = (lin * d).sum() - 0.5 * np.einsum("ni,nij,nj->", d, Hn, d) + mu @ r
        return val / scale, (r - C @ d.sum(axis=0)) / 1.0

    res = minimize(dual, np.maximum(mu0, 0) / scale, jac=True, method="L-BFGS-B", bounds=[(0, None)] * K,
                   options={"maxiter": 200, "ftol": 1e-13, "gtol": 1e-10})
    mu = np.maximum(res.x, 0) * scale
    return _box_qp(Hn, g - mu @ C, lo, hi, state["d"], block=block), mu


@dataclass
class _AccountProblem:
    """The per-account SQP: variables z (accounts × m, m = phases × rate levers, scaled by `s`),
    bounds zlo/zhi, coupling rows Σ_a C z_a ≤ b, the flags held."""

    problem: _Problem
    flags: np.ndarray        # phases × accounts × flag levers (0/1)
    s: np.ndarray            # m: the scale of each coordinate
    zlo: np.ndarray          # accounts × m
    zhi: np.ndarray
    rows: list               # (name, phase, resource or None)
    C: np.ndarray            # K × m
    free: np.ndarray         # accounts the optimiser may change (not `fixed`)
    norms: dict              # the norms switched on
    flag_bounds: tuple       # (lo, hi) of the flags: phases × accounts × flag levers

    def fixed_rhs(self, flags) -> np.ndarray:
        """The rows' right-hand sides under `flags` (see _rhs)."""
        return _rhs(self, flags, self.norms)

    def expand(self, Z: np.ndarray, flags: np.ndarray | None = None) -> np.ndarray:
        """candidates × accounts × m (or accounts × m) → candidates × epochs × accounts × fields."""
        pb = self.problem
        Z = Z[None] if Z.ndim == 2 else Z
        flags = self.flags if flags is None else flags
        out = np.repeat(pb.base[None], Z.shape[0], axis=0)
        L = len(pb.rate_levers)
        X = (Z * self.s).reshape(Z.shape[0], pb.A, pb.P, L)
        for j, f in enumerate(pb.rate_levers):
            col = FIELDS.index(f)
            out[:, :, :, col] = np.where(self.free[None, None, :], X[:, :, pb.phase_of_epoch, j].transpose(0, 2, 1),
                                         out[:, :, :, col])
        for j, f in enumerate(pb.flag_levers):
            col = FIELDS.index(f)
            out[:, :, :, col] = np.where(self.free[None, None, :], flags[pb.phase_of_epoch, :, j][None], out[:, :, :, col])
        return out


def _perturbations(Z, zlo, h, P, L, hessian=True):
    """The batch that gives each account's gradient and (phase-block) Hessian."""
    n, m = Z.shape
    pts = [Z]
    down_ok = Z - h >= zlo
    for i in range(m):
        up = Z.copy()
        up[:, i] += h
        pts.append(up)
    for i in range(m):
        other = Z.copy()
        other[:, i] = np.where(down_ok[:, i], Z[:, i] - h, Z[:, i] + 2 * h)
        pts.append(other)
    pairs = [(i, j) for i in range(m) for j in range(i + 1, m) if i // L == j // L] if hessian else []
    for i, j in pairs:
        both = Z.copy()
        both[:, i] += h
        both[:, j] += h
        pts.append(both)
    return np.stack(pts), down_ok, pairs


def _derivatives(f, down_ok, pairs, h, m):
    """Gradient and Hessian per account from the values of the _perturbations batch."""
    f0 = f[0]
    fp = f[1:1 + m].T          # accounts × m
    fo = f[1 + m:1 + 2 * m].T
    central_g = (fp - fo) / (2 * h)
    forward_g = (-3 * f0[:, None] + 4 * fp - fo) / (2 * h)  # fo is f(z + 2h) there
    g = np.where(down_ok, central_g, forward_g)
    hd = np.where(down_ok, fp - 2 * f0[:, None] + fo, f0[:, None] - 2 * fp + fo) / h**2
    n = f0.shape[0]
    Hs = np.zeros((n, m, m))
    idx = np.arange(m)
    Hs[:, idx, idx] = hd
    for k, (i, j) in enumerate(pairs):
        v = (f[1 + 2 * m + k] - fp[:, i] - fp[:, j] + f0) / h**2
        Hs[:, i, j] = v
        Hs[:, j, i] = v
    return g, Hs


def _negative_definite(Hs, floor):
    """−H made positive definite, saddle-free: each eigenvalue λ of H becomes max(|λ|, floor)."""
    w, V = np.linalg.eigh(Hs)
    w = np.maximum(np.abs(w), floor[:, None])
    return np.einsum("nij,nj,nkj->nik", V, w, V)


def _prices(g, Z, zlo, zhi, C, r, b):
    """The resource prices μ ≥ 0 that best satisfy the optimality conditions at Z: for every
    coordinate strictly inside its bounds, g_ai = Σ_k μ_k C_ki (equal marginal returns), over
    the rows without slack (non-negative least squares)."""
    from scipy.optimize import nnls

    K = C.shape[0]
    mu = np.zeros(K)
    tight = [k for k in range(K) if r[k] <= 1e-6 * max(abs(b[k]), 1.0)]
    if not tight:
        return mu
    span = np.maximum(zhi - zlo, 1e-12)
    inside = (Z - zlo > 1e-6 * span) & (zhi - Z > 1e-6 * span)
    a_idx, i_idx = np.nonzero(inside)
    if a_idx.size == 0:
        return mu
    M = C[np.ix_(tight, i_idx)].T  # interior coordinates × tight rows
    y = g[a_idx, i_idx]
    scale = np.maximum(np.abs(M).max(axis=0), 1e-300)
    # least absolute deviations (reweighted NNLS): a few coordinates at a kink of the model
    # (a response switching regime) must not move the price the others agree on
    w = np.ones_like(y)
    for _ in range(8):
        sol, _ = nnls((M / scale) * w[:, None], y * w)
        resid = np.abs(M / scale @ sol - y)
        w = 1.0 / np.sqrt(np.maximum(resid, 1e-9 * max(np.abs(y).max(), 1e-300)))
    mu[tight] = sol / scale
    return mu


def _restore(Z, zlo, C, b):
    """Bring Z within the resource rows by pulling every coordinate towards its lower bound by the
    one factor that makes each row fit (the §4 fit, from the bounds up)."""
    use_lo = C @ zlo.sum(axis=0)
    use = C @ Z.sum(axis=0)
    t = 1.0
    for k in range(C.shape[0]):
        if np.all(C[k] >= 0) and use[k] > b[k] and use[k] > use_lo[k]:
            t = min(t, max(0.0, (b[k] - use_lo[k]) / (use[k] - use_lo[k])))
    return zlo + t * (Z - zlo) if t < 1.0 else Z


def _nearest_feasible(Z, zlo, zhi, C, b):
    """The point within the bounds and rows nearest to Z (least total absolute change; a linear
    programme): for a start that breaks a norm such as visits_per_am, which scaling cannot mend."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, hstack, identity

    n, m = Z.shape
    N = n * m
    z0 = Z.ravel()
    # variables: z, then u ≥ |z − z0|
    A_rows = csr_matrix(np.tile(C, (1, n)))  # K × N: Σ_a C z_a
    I = identity(N, format="csr")
    A_ub = [hstack([A_rows, csr_matrix((C.shape[0], N))]), hstack([I, -I]), hstack([-I, -I])]
    from scipy.sparse import vstack
    res = linprog(np.concatenate([np.zeros(N), np.ones(N)]), A_ub=vstack(A_ub),
                  b_ub=np.concatenate([b, z0, -z0]),
                  bounds=list(zip(zlo.ravel(), zhi.ravel())) + [(0, None)] * N, method="highs")
    if res.status != 0:
        raise OptimizationError("bounds, norms and resources: no plan meets them all (" + res.message + ")")
    return np.clip(res.x[:N].reshape(n, m), zlo, zhi)


def _sqp(ap: _AccountProblem, Z0, b, history, max_iter=40, tol=1e-5, h=1e-4):
    """Trust-region SQP on the separable per-account models. Returns Z, values, μ, g (at Z)."""
    pb = ap.problem
    n, m = Z0.shape
    L = max(1, len(pb.rate_levers))
    Z = _restore(Z0, ap.zlo, ap.C, b)
    if np.any(ap.C @ Z.sum(axis=0) > b + 1e-9 * np.maximum(np.abs(b), 1.0)):
        Z = _nearest_feasible(Z, ap.zlo, ap.zhi, ap.C, b)
    radius = np.full((n, m), 0.1)  # per account and coordinate: a kink in one lever must not freeze the rest
    mu = None
    f_cur = None
    g = Hn = None
    for it in range(max_iter):
        # phased plans: the diagonal of each block only (the cross terms would cost phases × L(L−1)/2 runs)
        batch, down_ok, pairs = _perturbations(Z, ap.zlo, h, pb.P, L, hessian=pb.P == 1)
        f = pb.values(ap.expand(batch))
        f_cur = f[0]
        F = f_cur.sum()
        g, Hs = _derivatives(f, down_ok, pairs, h, m)
        floor = 1e-6 * np.maximum(np.abs(np.einsum("nii->ni", Hs)).max(axis=1), 1e-9 * max(abs(F), 1.0))
        Hn = _negative_definite(Hs, floor)
        r = b - ap.C @ Z.sum(axis=0)
        improved = False
        for _ in range(14):
            lo = np.maximum(ap.zlo - Z, -radius)
            hi = np.minimum(ap.zhi - Z, radius)
            d, mu = _solve_qp(g, Hn, lo, hi, ap.C, r, mu, block=L if pb.P > 1 else None)
            pred = (g * d).sum(axis=1) - 0.5 * np.einsum("ni,nij,nj->n", d, Hn, d)
            if pred.sum() <= 1e-9 * max(abs(F), 1.0):
                break
            Zn = _restore(Z + d, ap.zlo, ap.C, b)
            fn = pb.values(ap.expand(Zn))[0]
            actual = fn - f_cur
            # per account, how far the model was off; an account that gives up resources has a
            # negative predicted gain, so the error is measured against |pred|, not as a ratio
            eps = 1e-3 * abs(pred.sum()) / n + 1e-15 * max(abs(F), 1.0)
            miss = pred - actual
            bad = miss > 0.25 * np.maximum(np.abs(pred), eps)
            good = np.abs(miss) < 0.25 * np.maximum(np.abs(pred), eps)
            # in an account the model missed, shrink the coordinates that moved most
            moved = np.abs(d) >= np.abs(d).max(axis=1, keepdims=True)
            shrink = bad[:, None] & moved
            if actual.sum() > 0:
                at_edge = np.abs(d) >= 0.9 * radius
                radius = np.where(shrink, radius * 0.25,
                                  np.where(good[:, None] & at_edge, np.minimum(radius * 2, 1.0), radius))
                Z, f_cur, improved = Zn, fn, True
                break
            radius = np.where(shrink, radius * 0.25, radius) if bad.any() else radius * 0.5
            if np.all(radius < 1e-9):
                break
        history.append({"iteration": len(history), "objective": pb.total(f_cur), "predicted_gain": float(pred.sum()),
                        "violation": float(np.maximum(ap.C @ Z.sum(axis=0) - b, 0).max(initial=0.0)),
                        "evaluations": pb.evaluations, "time_s": time.perf_counter() - history.start})
        if not improved or pred.sum() <= tol * max(abs(F), 1.0):
            break
    # derivatives and prices at the final point
    batch, down_ok, pairs = _perturbations(Z, ap.zlo, h, pb.P, L, hessian=False)
    f = pb.values(ap.expand(batch))
    g, _ = _derivatives(f, down_ok, pairs, h, m)
    mu = _prices(g, Z, ap.zlo, ap.zhi, ap.C, b - ap.C @ Z.sum(axis=0), b)
    return Z, f[0], mu, g


class _History(list):
    def __init__(self):
        super().__init__()
        self.start = time.perf_counter()
# --------------------------------------------------------------------------- bounds, norms, rows

def default_bounds(scenario: Scenario) -> dict:
    """Each lever's default (lo, hi): from 0 up to what one account manager's week could give an
    account (hours a week: am_hours_per_week; visits: that week spent visiting), and monthly
    for the yearly events; flags (False, True). Narrow or widen them with `bounds`."""
    d = scenario.to_dict()
    week = float(d["resources"]["am_hours_per_week"])
    out = {}
    for f in RATES:
        unit = activities.activity(f)["unit"]
        if unit == "hours/week":
            out[f] = (0.0, week)
        elif unit == "visits/week":
            out[f] = (0.0, week / max(float(d["costs"]["visit_hours"]), 1e-9))
        else:  # meetings or visits a year
            out[f] = (0.0, 12.0)
    for f in FLAGS:
        out[f] = (False, True)
    return out


def _pair(value, where):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise OptimizationError(f"{where}: must be a (lo, hi) pair, got {value!r}")
    lo, hi = value
    for name, v in (("lo", lo), ("hi", hi)):
        if isinstance(v, bool):
            continue
        if not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise OptimizationError(f"{where}: {name} must be a finite number, got {v!r}")
        if v < 0:
            raise OptimizationError(f"{where}: {name} must be >= 0, got {v!r}")
    if float(lo) > float(hi):
        raise OptimizationError(f"{where}: lo {lo!r} > hi {hi!r}")
    return float(lo), float(hi)


def _bounds_table(pb: _Problem, bounds, fixed, norms) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """lo, hi: phases × accounts × fields; free: accounts; and the norms switched on."""
    P, A, F = pb.P, pb.A, len(FIELDS)
    dflt = default_bounds(pb.scenario)
    lo = np.zeros((P, A, F))
    hi = np.zeros((P, A, F))
    for j, f in enumerate(FIELDS):
        lo[..., j], hi[..., j] = float(dflt[f][0]), float(dflt[f][1])
    ids = pb.ids
    if bounds is not None:
        if not isinstance(bounds, Mapping):
            raise OptimizationError(f"bounds: must be a dict {{field: (lo, hi)}} or {{account_id: {{field: (lo, hi)}}}}, "
                                    f"got {type(bounds).__name__}")
        for key, value in bounds.items():
            if key in FIELDS:
                lo[..., FIELDS.index(key)], hi[..., FIELDS.index(key)] = _pair(value, f"bounds[{key!r}]")
            elif key in ids:
                if not isinstance(value, Mapping):
                    raise OptimizationError(f"bounds[{key!r}]: must be a dict {{field: (lo, hi)}}, got {value!r}")
                a = ids.index(key)
                for f, pair in value.items():
                    if f not in FIELDS:
                        raise OptimizationError(f"bounds[{key!r}].{f}: unknown allocation field" + _hint(f, FIELDS))
                    lo[:, a, FIELDS.index(f)], hi[:, a, FIELDS.index(f)] = _pair(pair, f"bounds[{key!r}].{f}")
            else:
                raise OptimizationError(f"bounds: {key!r} is neither an allocation field nor an account id"
                                        + _hint(key, list(FIELDS) + ids))
    free = np.ones(A, bool)
    if fixed is not None:
        if not isinstance(fixed, Mapping):
            raise OptimizationError(f"fixed: must be a dict {{account_id: allocation}}, got {type(fixed).__name__}")
        for key, entry in fixed.items():
            if key not in ids:
                raise OptimizationError(f"fixed: unknown account id {key!r}" + _hint(key, ids))
            if not isinstance(entry, Mapping):
                raise OptimizationError(f"fixed[{key!r}]: must be an allocation dict, got {entry!r}")
            a = ids.index(key)
            row = _resources._entry_row(entry, f"fixed[{key!r}]")
            for f, v in zip(FIELDS, row):
                if f in RATES and (not np.isfinite(v) or v < 0):
                    raise OptimizationError(f"fixed[{key!r}].{f}: must be a finite number >= 0, got {v!r}")
            given = {f: float(v) for f, v in zip(FIELDS, row)}
            for f in FIELDS:
                if f not in entry:  # a field left out keeps the start plan's value
                    continue
                pb.base[:, a, FIELDS.index(f)] = given[f]
            free[a] = False
    on = _norms(norms)
    first = [pb.phase_of_epoch.tolist().index(p) for p in range(P)]
    for p in range(P):
        tier = pb.tier[first[p]]
        sa = (tier == 0) | (tier == 1)
        if "sa_benchmarking" in on:
            lo[p, sa, FIELDS.index("benchmarking")] = np.maximum(lo[p, sa, FIELDS.index("benchmarking")], SA_BENCHMARKING)
        if "sa_exec_visits" in on:
            lo[p, sa, FIELDS.index("exec_visits")] = np.maximum(lo[p, sa, FIELDS.index("exec_visits")], SA_EXEC_VISITS)
        if "cash_flow_cap" in on:
            cf = tier == 4
            for f, v in on["cash_flow_cap"].items():
                hi[p, cf, FIELDS.index(f)] = np.minimum(hi[p, cf, FIELDS.index(f)], v)
    bad = np.argwhere(lo > hi + 1e-12)
    if bad.size:
        p, a, j = bad[0]
        raise OptimizationError(f"bounds: {ids[a]}.{FIELDS[j]} must be at least {lo[p, a, j]:g} (a norm or bound) "
                                f"and at most {hi[p, a, j]:g}: no plan meets both")
    return lo, hi, free, on


def _norms(norms) -> dict:
    if norms is None:
        return {}
    if isinstance(norms, str):
        norms = [norms]
    items = norms.items() if isinstance(norms, Mapping) else [(n, True) for n in norms]
    on = {}
    for name, value in items:
        if name not in NORMS:
            raise OptimizationError(f"norms: unknown norm {name!r}" + _hint(name, NORMS)
                                    + f" (the norms are {', '.join(NORMS)})")
        if value is False or value is None:
            continue
        if name == "cash_flow_cap":
            if not isinstance(value, Mapping):
                raise OptimizationError('norms["cash_flow_cap"]: pass the maintenance allocation, e.g. '
                                        '{"cash_flow_cap": {"visits": 0.5, "service_hours": 1}}')
            cap = {}
            for f, v in value.items():
                if f not in RATES:
                    raise OptimizationError(f'norms["cash_flow_cap"].{f}: not a rate field' + _hint(f, RATES))
                if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v) or v < 0:
                    raise OptimizationError(f'norms["cash_flow_cap"].{f}: must be a number >= 0, got {v!r}')
                cap[f] = float(v)
            on[name] = cap
        elif name == "visits_per_am":
            n = VISITS_PER_AM if value is True else value
            if isinstance(n, bool) or not isinstance(n, numbers.Real) or not np.isfinite(n) or n < 0:
                raise OptimizationError(f'norms["visits_per_am"]: must be True or a number of visits >= 0, got {value!r}')
            on[name] = float(n)
        else:
            on[name] = True
    return on


def _account_problem(pb: _Problem, lo, hi, free, on) -> tuple[_AccountProblem, np.ndarray, np.ndarray]:
    """The scaled per-account problem, its start point Z0 and the flags at the start."""
    P, A = pb.P, pb.A
    L = len(pb.rate_levers)
    cols = [FIELDS.index(f) for f in pb.rate_levers]
    s = np.tile(np.maximum(hi[0, 0, cols], 1e-3), P) if L else np.zeros(0)  # the coordinates' scale
    # coordinates: phase-major within an account (p · L + j)
    zlo = (lo[:, :, cols].transpose(1, 0, 2).reshape(A, P * L)) / np.where(s > 0, s, 1.0)
    zhi = (hi[:, :, cols].transpose(1, 0, 2).reshape(A, P * L)) / np.where(s > 0, s, 1.0)
    first = [pb.phase_of_epoch.tolist().index(p) for p in range(P)]
    x0 = np.stack([pb.base[pb.phase_of_epoch == p].mean(axis=0) for p in range(P)])  # phases × accounts × fields
    Z0 = (x0[:, :, cols].transpose(1, 0, 2).reshape(A, P * L)) / np.where(s > 0, s, 1.0)
    Z0 = np.where(free[:, None], np.clip(Z0, zlo, zhi), Z0)
    zlo = np.where(free[:, None], zlo, Z0)
    zhi = np.where(free[:, None], zhi, Z0)
    flags = np.stack([pb.base[first[p]][:, [FIELDS.index(f) for f in pb.flag_levers]] for p in range(P)]) \
        if pb.flag_levers else np.zeros((P, A, 0))
    flo = lo[:, :, [FIELDS.index(f) for f in pb.flag_levers]]
    fhi = hi[:, :, [FIELDS.index(f) for f in pb.flag_levers]]
    flags = np.where(free[None, :, None], np.clip(flags, flo, fhi), flags)
    rows, C = [], []
    for p in range(P):
        for r, name in enumerate(RESOURCES):
            c = np.zeros(P * L)
            c[p * L:(p + 1) * L] = pb.linear.coef[r, [RATES.index(f) for f in pb.rate_levers]] * s[p * L:(p + 1) * L]
            rows.append((name, p, r))
            C.append(c)
        if "visits_per_am" in on and "visits" in pb.rate_levers:
            c = np.zeros(P * L)
            j = pb.rate_levers.index("visits")
            c[p * L + j] = -s[p * L + j]
            rows.append(("visits_per_am", p, None))
            C.append(c)
    C = np.array(C).reshape(len(rows), P * L)
    ap = _AccountProblem(pb, flags, s, zlo, zhi, rows, C, free, on, (flo, fhi))
    return ap, Z0, flags


def _rhs(ap: _AccountProblem, flags, on) -> np.ndarray:
    """Each row's right-hand side with the free rates at 0: capacity less what the rest of the plan
    (fixed accounts, fields that are no levers, the centres of `flags`) uses, in its tightest epoch."""
    pb = ap.problem
    empty = ap.expand(np.zeros_like(ap.zlo), flags)[0]
    use = pb.use(empty)  # epochs × resources
    b = []
    visits = empty[..., FIELDS.index("visits")].sum(axis=1)
    am = float(pb.scenario.to_dict()["resources"]["account_managers"])
    for name, p, r in ap.rows:
        in_phase = pb.phase_of_epoch == p
        if r is not None:
            cap = pb.linear.capacity[r]
            b.append(float(np.min(cap - use[in_phase, r])) - 1e-9 * max(cap, 1.0))
        else:  # −Σ visits ≤ −(norm · AMs − the visits the rest of the plan makes)
            need = on["visits_per_am"] * am
            b.append(float(np.min(-(need - visits[in_phase]))) - 1e-7 * max(need, 1.0))
    return np.array(b)


def _check_feasible(ap: _AccountProblem, b: np.ndarray, flags) -> None:
    """Before anything runs: what the bounds, norms and fixed accounts alone need must fit."""
    pb = ap.problem
    # the least each row can use within the bounds (a row of a norm has negative coefficients)
    need = np.minimum(ap.C[None, :, :] * ap.zlo[:, None, :], ap.C[None, :, :] * ap.zhi[:, None, :]).sum(axis=(0, 2))
    for k, (name, p, r) in enumerate(ap.rows):
        if need[k] <= b[k] + 1e-9 * max(abs(b[k]), 1.0):
            continue
        when = f" in the phase from week {pb.phase_weeks[p]}" if pb.P > 1 else ""
        if r is None:
            have = -ap.C[k] @ ap.zhi.sum(axis=0)
            raise OptimizationError(f'norms["visits_per_am"]: the portfolio needs {-b[k]:,.1f} visits a week{when}, '
                                    f"more than the {have:,.1f} the bounds allow")
        cap = pb.linear.capacity[r]
        used = cap - b[k] + need[k]
        raise OptimizationError(
            f"resources.{SCENARIO_RESOURCES[r]}: the fixed allocations, centres, norms and lower bounds alone need "
            f"{used:,.1f} {RESOURCE_UNITS[name]}{when}, more than the {cap:,.1f} available")


def _solve_accounts(pb: _Problem, ap: _AccountProblem, Z0, flags, on, history, max_iter=40):
    """The SQP on the rates, then the flags settled at the resulting prices; repeated while a flag flips."""
    flags = flags.copy()
    b = ap.fixed_rhs(flags)
    _check_feasible(ap, b, flags)
    ap.flags = flags
    Z, f, mu, g = _sqp(ap, Z0, b, history, max_iter=max_iter, tol=1e-4)
    best = (pb.total(f), Z, flags.copy(), f, mu, g, b)
    if not pb.flag_levers:
        return best
    flo, fhi = ap.flag_bounds
    for _round in range(4):
        cands, where = [], []
        for p in range(pb.P):
            for j in range(len(pb.flag_levers)):
                fl = flags.copy()
                fl[p, :, j] = 1.0 - fl[p, :, j]
                cands.append(fl)
                where.append((p, j))
        vals = pb.values(np.concatenate([ap.expand(Z, fl) for fl in cands]))
        cur = best[3]
        gains = np.full((len(cands), pb.A), -np.inf)
        jic_col = pb.flag_levers.index("jic") if "jic" in pb.flag_levers else None
        for c, ((p, j), fl) in enumerate(zip(where, cands)):
            allowed = ap.free & (fl[p, :, j] >= flo[p, :, j]) & (fl[p, :, j] <= fhi[p, :, j])
            gain = vals[c] - cur
            if j == jic_col:  # price what the centres commit, at the current prices
                gain = gain - _commitment_cost(ap, flags, fl, mu)
            gains[c] = np.where(allowed, gain, -np.inf)
        pick = np.argmax(gains, axis=0)
        top = gains[pick, np.arange(pb.A)]
        flip = top > 1e-7 * (np.abs(cur) + 1.0)
        if not flip.any():
            break
        new_flags = flags.copy()
        for a in np.nonzero(flip)[0]:
            p, j = where[pick[a]]
            new_flags[p, a, j] = 1.0 - new_flags[p, a, j]
        b_new = ap.fixed_rhs(new_flags)
        if np.any(ap.C @ ap.zlo.sum(axis=0) > b_new + 1e-9 * np.maximum(np.abs(b_new), 1.0)):
            break  # the centres would not leave room for the bounds and norms
        ap.flags = new_flags
        Zn, fn, mun, gn = _sqp(ap, Z, b_new, history, max_iter=max_iter, tol=1e-4)
        if pb.total(fn) <= best[0]:
            ap.flags = best[2]
            break
        flags = new_flags
        Z, mu = Zn, mun
        best = (pb.total(fn), Zn, new_flags.copy(), fn, mun, gn, b_new)
    ap.flags = best[2]
    # a last polish at the settled flags
    Zp, fp, mup, gp = _sqp(ap, best[1], best[6], history, max_iter=max_iter, tol=1e-6)
    if pb.total(fp) >= best[0]:
        best = (pb.total(fp), Zp, best[2], fp, mup, gp, best[6])
    return best


def _commitment_cost(ap: _AccountProblem, flags, new_flags, mu) -> np.ndarray:
    """Per account: the centres' extra commitments under new_flags, priced at μ in each row's
    tightest epoch."""
    pb = ap.problem
    j = pb.flag_levers.index("jic")
    def per_account(fl):
        jic = fl[pb.phase_of_epoch, :, j]  # epochs × accounts
        return pb.linear.commitments(jic, pb.initial_jic)  # epochs × accounts × resources
    delta = per_account(new_flags) - per_account(flags)
    cost = np.zeros(pb.A)
    for k, (name, p, r) in enumerate(ap.rows):
        if r is None or mu[k] == 0:
            continue
        in_phase = np.nonzero(pb.phase_of_epoch == p)[0]
        cost += mu[k] * delta[in_phase, :, r].max(axis=0)
    return cost


# --------------------------------------------------------------------------- results

class Optimization:
    """What `optimize` returns: the plan, its objective against the start plan's, the resources'
    use and shadow prices, the marginal values of the levers, and how the search went."""

    def __init__(self, pb: _Problem, *, policy, alloc, account_values, prices, gradient, per, history,
                 risk=None, risk_values=None):
        self._pb = pb
        self.scenario = pb.scenario
        self.objective_name = pb.objective
        self.policy = policy
        self.per = per
        self.levers = list(pb.levers)
        self.phase_weeks = list(pb.phase_weeks)
        self.start_policy = pb.start_policy
        self._alloc = alloc              # epochs × accounts × fields, what the plan decides
        self._account_values = account_values
        self._prices = prices            # resources: objective per unit of capacity
        self._gradient = gradient        # epochs-free: accounts × phases × rate levers (per lever unit)
        self.history = pd.DataFrame(history)
        self.risk = risk
        self.risk_values = risk_values   # {"optimised": ..., "start": ..., "mean_field_optimum": ...}
        self.objective = pb.total(account_values) if risk is None else risk_values["optimised"]
        self.start_objective = pb.start_objective if risk is None else risk_values["start"]
        self.evaluations = pb.evaluations
        self.time_s = float(self.history["time_s"].iloc[-1]) if len(self.history) else 0.0

    @property
    def gain(self) -> float:
        """The objective's rise over the start plan, as a share of the start's (|start| when negative)."""
        return (self.objective - self.start_objective) / max(abs(self.start_objective), 1e-12)

    def allocation(self) -> pd.DataFrame:
        """One row per account (and phase), one column per allocation field, with the account's tier."""
        pb = self._pb
        first = [pb.phase_of_epoch.tolist().index(p) for p in range(pb.P)]
        rows = []
        for p, e in enumerate(first):
            for a, acc in enumerate(pb.ids):
                row = {"account_id": acc, "tier": TIER_KEYS[pb.tier[e, a]]}
                if pb.P > 1:
                    row["from_week"] = pb.phase_weeks[p]
                for j, f in enumerate(FIELDS):
                    v = self._alloc[e, a, j]
                    row[f] = bool(v) if f in FLAGS else float(v)
                rows.append(row)
        frame = pd.DataFrame(rows)
        return frame.set_index(["account_id", "from_week"] if pb.P > 1 else "account_id")

    def start_allocation(self) -> pd.DataFrame:
        """The start plan's allocation in the same layout (what it decides, fitted to the resources)."""
        pb = self._pb
        keep = self._alloc
        try:
            self._alloc = pb.start_base
            return self.allocation()
        finally:
            self._alloc = keep

    def usage(self) -> pd.DataFrame:
        """Per resource: capacity, use in the plan's tightest epoch, slack and shadow price."""
        pb = self._pb
        use = pb.use(self._alloc)
        cap = pb.linear.capacity
        peak = use.max(axis=0)
        frame = pd.DataFrame({"unit": [RESOURCE_UNITS[r] for r in RESOURCES], "capacity": cap, "use": peak,
                              "slack": np.maximum(cap - peak, 0.0), "shadow_price": self._prices},
                             index=pd.Index(RESOURCES, name="resource"))
        return frame

    def shadow_prices(self) -> pd.Series:
        """How much the objective (a horizon total) rises per extra unit of capacity: one AM hour a
        week, one executive day a year, one currency unit a year. 0 where the resource has slack."""
        return pd.Series(self._prices, index=pd.Index(RESOURCES, name="resource"), name="shadow_price")

    def marginal_values(self) -> pd.DataFrame:
        """Per account and rate lever at the optimum: the objective's rise per unit of the lever
        (`marginal`), per unit of the resource the lever mostly uses (`per_resource_unit`), and after
        paying for all it uses at the shadow prices (`net`: about 0 for a lever inside its bounds)."""
        if getattr(self, "_report", None) is None:
            self._report = _report_gradient(self._pb, self._alloc)
        return _marginal_frame(self._pb, self._report, self._alloc, self._prices)

    def evaluate(self, replications: int = 1000, seed: int | None = None, threads: int | None = None,
                 progress=None):
        """A paired Monte Carlo Comparison of the optimised plan against the start plan."""
        from .compare import compare

        return compare(self.scenario, {"start": self.start_policy, "optimised": self.policy},
                       replications=replications, seed=seed, threads=threads, progress=progress)

    def summary(self) -> str:
        name = self.objective_name.replace("_", " ")
        lines = [f"{name}: {self.objective:,.0f} against {self.start_objective:,.0f} for the start plan "
                 f"({self.gain:+.1%})"]
        if self.risk is not None:
            lines[0] = f"{self.risk[0]} {self.risk[1]:g} of {lines[0]}"
        for r, row in self.usage().iterrows():
            lines.append(f"  {r:<15} use {row['use']:>11,.1f} of {row['capacity']:>11,.1f} {row['unit']:<20} "
                         f"shadow price {row['shadow_price']:,.3g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Optimization {self.per}, {len(self.phase_weeks)} phase(s)>\n" + self.summary()

    def _repr_html_(self) -> str:
        head = f"<p><b>Optimised {self.objective_name.replace('_', ' ')}</b>: {self.objective:,.0f} " \
               f"against {self.start_objective:,.0f} for the start plan ({self.gain:+.1%}); " \
               f"{self.evaluations:,} engine runs in {self.time_s:.1f} s</p>"
        usage = self.usage().to_html(float_format=lambda v: f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}")
        top = self.marginal_values().sort_values("net", ascending=False).head(8)
        return head + usage + "<p>Largest marginal values after paying for resources (net):</p>" + \
            top.to_html(float_format=lambda v: f"{v:,.3g}")

    def plot(self, ax=None, phase=None):
        """A heat map of accounts × levers grouped by tier: the optimised plan and its shift from the
        start plan (share of each lever's range); a phased plan's phase from week `phase` (default
        the first)."""
        from .plots_optimize import optimization_heatmap

        return optimization_heatmap(self, ax=ax, phase=phase)


def _report_gradient(pb: _Problem, alloc, h: float = 5e-3) -> np.ndarray:
    """accounts × phases × rate levers: each lever's marginal value per unit (objective per unit of
    the lever, kept over the phase), by central differences of h × the lever's default upper bound
    (one-sided at 0) — a step a planner could make, so a kink of a response within a hair of the
    plan does not dominate the table. One batch of 2 × phases × levers runs."""
    cols = [FIELDS.index(f) for f in pb.rate_levers]
    bounds = default_bounds(pb.scenario)
    cands, widths = [], []
    for p in range(pb.P):
        in_phase = pb.phase_of_epoch == p
        for c in cols:
            step = h * max(bounds[FIELDS[c]][1], 1e-3)
            up, down = alloc.copy(), alloc.copy()
            up[in_phase, :, c] += step
            down[in_phase, :, c] = np.maximum(alloc[in_phase, :, c] - step, 0.0)
            cands += [up, down]
            widths.append(step + (alloc[in_phase, :, c] - down[in_phase, :, c]).mean(axis=0))
    v = pb.values(np.stack(cands))
    grad = np.zeros((pb.A, pb.P, len(cols)))
    for k in range(pb.P * len(cols)):
        grad[:, k // len(cols), k % len(cols)] = (v[2 * k] - v[2 * k + 1]) / np.maximum(widths[k], 1e-12)
    return grad


def _marginal_frame(pb: _Problem, gradient, alloc, prices) -> pd.DataFrame:
    """gradient: accounts × phases × rate levers, in objective per lever unit."""
    rows = []
    coef = pb.linear.coef
    first = [pb.phase_of_epoch.tolist().index(p) for p in range(pb.P)]
    for p, e in enumerate(first):
        for a, acc in enumerate(pb.ids):
            for j, f in enumerate(pb.rate_levers):
                c = coef[:, RATES.index(f)]
                primary = 1 if c[1] > 0 else (0 if c[0] > 0 else 2)  # executive days, else AM hours, else money
                m = float(gradient[a, p, j])
                row = {"account_id": acc, "tier": TIER_KEYS[pb.tier[e, a]], "lever": f,
                       "unit": activities.activity(f)["unit"], "value": float(alloc[e, a, FIELDS.index(f)]),
                       "marginal": m, "resource": RESOURCES[primary],
                       "per_resource_unit": m / c[primary] if c[primary] > 0 else np.nan,
                       "net": m - float(prices @ c) if prices is not None else np.nan}
                if pb.P > 1:
                    row["from_week"] = pb.phase_weeks[p]
                rows.append(row)
    frame = pd.DataFrame(rows)
    keys = ["account_id", "from_week", "lever"] if pb.P > 1 else ["account_id", "lever"]
    return frame.set_index(keys)


def _policy_per_account(pb: _Problem, alloc) -> policies.Policy:
    first = [pb.phase_of_epoch.tolist().index(p) for p in range(pb.P)]
    plans = {}
    for p, e in enumerate(first):
        entries = {}
        for a, acc in enumerate(pb.ids):
            entries[acc] = {f: (bool(alloc[e, a, j]) if f in FLAGS else float(alloc[e, a, j]))
                            for j, f in enumerate(FIELDS)}
        plans[pb.phase_weeks[p]] = policies.static(accounts=entries)
    return plans[0] if pb.P == 1 else policies.schedule(plans)


def _prices_per_resource(ap: _AccountProblem, mu) -> np.ndarray:
    """μ per row → per resource: one more unit of capacity in every epoch raises every phase's row."""
    out = np.zeros(len(RESOURCES))
    for k, (name, p, r) in enumerate(ap.rows):
        if r is not None:
            out[r] += mu[k]
    return out


def _gradient_per_lever(ap: _AccountProblem, g) -> np.ndarray:
    pb = ap.problem
    L = len(pb.rate_levers)
    return (g / np.where(ap.s > 0, ap.s, 1.0)).reshape(pb.A, pb.P, L)


# --------------------------------------------------------------------------- entry points

def optimize(scenario: Scenario, objective: str = "contribution", *, levers=None, per: str = "account", phases=None,
             bounds=None, fixed=None, norms=None, start=None, risk=None, horizon_weeks: int | None = None,
             discount_rate: float = 0.0, replications: int = 1000, seed: int | None = None,
             threads: int | None = None, progress=None, max_iter: int = 40) -> Optimization:
    """The allocation that maximises `objective` within the scenario's resources (docs/optimize.md).

    objective      a horizon total: contribution (default), gross_profit, revenue or cash_flow;
                   `discount_rate` (a year) makes it the net present value of the weekly flows and
                   `horizon_weeks` counts only the first N weeks
    levers         the allocation fields it may set (default all eight); the others keep the start plan's
    per            "account" (one allocation per account) or "tier" (one template per tier, re-tiered
                   at every epoch as policies.tiered does)
    phases         None (one allocation), a number of equal phases on decision epochs, or start weeks
    bounds         {field: (lo, hi)} for every account or {account_id: {field: (lo, hi)}}
    fixed          {account_id: allocation} held as given
    norms          names (or {name: option}) of the methodology's norms: visits_per_am (≥ 5 visits a week
                   per AM), sa_benchmarking (S and A: ≥ 1 meeting a year), sa_exec_visits (S and A: ≥ 2
                   executive visits a year), cash_flow_cap ({field: max} for cash-flow customers)
    start          the start plan and the baseline of every report (default the scenario's policy)
    risk           None (the mean-field objective) or ("cvar", alpha) / ("quantile", q) of the Monte Carlo
                   objective over `replications` with common random numbers, from the mean-field optimum
    The plan always fits the resources: simulated, its scale factor is 1 at every epoch.
    """
    if per not in ("account", "tier"):
        raise OptimizationError(f'per: must be "account" or "tier", got {per!r}' + _hint(per, ("account", "tier")))
    risk = _risk(risk)
    from .simulation import _count

    replications = _count(replications, "replications", 2, 10**7)
    if progress is not None and progress is not False and not callable(progress):
        raise OptimizationError(f"progress: must be None, False or a callable(fraction), got {progress!r}")
    history = _History()
    pb = _Problem(scenario, objective, start, horizon_weeks, discount_rate, threads, phases, levers, progress)
    pb.start_base = pb.base.copy()
    lo, hi, free, on = _bounds_table(pb, bounds, fixed, norms)
    if per == "tier":
        if fixed is not None or (bounds is not None and any(k in pb.ids for k in bounds)):
            raise OptimizationError('per="tier": fixed accounts and per-account bounds need per="account"')
        from ._optimize_tier import solve_tiers

        opt = solve_tiers(pb, lo, hi, on, history, max_iter=max_iter)
    else:
        ap, Z0, flags = _account_problem(pb, lo, hi, free, on)
        total, Z, flags, f, mu, g, b = _solve_accounts(pb, ap, Z0, flags, on, history, max_iter=max_iter)
        alloc = ap.expand(Z, flags)[0]
        opt = Optimization(pb, policy=_policy_per_account(pb, alloc), alloc=alloc, account_values=f,
                           prices=_prices_per_resource(ap, mu), gradient=_gradient_per_lever(ap, g), per=per,
                           history=history)
        opt._ap = ap
    if risk is not None:
        from ._optimize_risk import solve_risk

        opt = solve_risk(opt, risk, replications, scenario.seed if seed is None else seed, history)
    return opt


def _risk(risk):
    if risk is None:
        return None
    if (not isinstance(risk, (tuple, list)) or len(risk) != 2 or risk[0] not in ("cvar", "quantile")):
        raise OptimizationError(f'risk: must be None, ("cvar", alpha) or ("quantile", q), got {risk!r}')
    level = risk[1]
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise OptimizationError(f"risk: the level must be in (0, 1), got {level!r}")
    return (risk[0], float(level))


def marginal_values(scenario: Scenario, policy=None, objective: str = "contribution", *, levers=None,
                    horizon_weeks: int | None = None, discount_rate: float = 0.0, threads: int | None = None,
                    h: float = 1e-3) -> pd.DataFrame:
    """For any plan: per account and rate lever, the objective's rise per unit of the lever (raised
    over the whole horizon, from what the plan does after fitting), and per unit of the resource the
    lever mostly uses — which accounts deserve more effort and which less (mean field). Sort by
    `per_resource_unit` within a resource to see where its next unit earns most."""
    pb = _Problem(scenario, objective, policy, horizon_weeks, discount_rate, threads, None, levers, None)
    if not pb.rate_levers:
        raise OptimizationError("levers: marginal values need at least one rate field")
    grad = _report_gradient(pb, pb.base, h)
    return _marginal_frame(pb, grad, pb.base, None).drop(columns="net")


def _resource_name(resource: str) -> str:
    if resource not in SCENARIO_RESOURCES:
        raise OptimizationError(f"resource: must be one of {', '.join(SCENARIO_RESOURCES)}, got {resource!r}"
                                + _hint(resource, SCENARIO_RESOURCES))
    return resource


class Frontier(pd.DataFrame):
    """What `frontier` returns: one row per level of the resource (level, objective, the plan's KPIs in
    mean field), with the start plan's point in `.start` and the optimisations in `.optimizations`."""

    _metadata = ["start", "resource", "objective_name", "optimizations"]

    @property
    def _constructor(self):
        return Frontier

    def plot(self, ax=None):
        from .plots_optimize import frontier_plot

        return frontier_plot(self, ax=ax)


def frontier(scenario: Scenario, resource: str, levels, objective: str = "contribution", *,
             kpis=("revenue", "gross_profit", "contribution", "cash_flow"), **optimize_options) -> Frontier:
    """The efficient frontier: the optimum at each level of one resource (`account_managers`,
    `executive_days_per_year` or `budget_per_year`), everything else as in `optimize`."""
    from .simulation import simulate

    resource = _resource_name(resource)
    levels = list(levels)
    if not levels:
        raise OptimizationError("levels: must hold at least one level of the resource")
    for i, v in enumerate(levels):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v) or v < 0:
            raise OptimizationError(f"levels[{i}]: must be a number >= 0, got {v!r}")
    start = optimize_options.pop("start", None)
    rows, opts = [], []
    for v in levels:
        scn = scenario.with_resources(**{resource: float(v)})
        opt = optimize(scn, objective, start=start, **optimize_options)
        res = simulate(scn, opt.policy, mode="mean_field", progress=False)
        k = res.kpis()
        rows.append({"level": float(v), "objective": opt.objective, **{name: float(k[name]) for name in kpis}})
        opts.append(opt)
    out = Frontier(rows)
    out.start = {"level": float(scenario.to_dict()["resources"][resource]),
                 "objective": _objective_of(scenario, start, objective, optimize_options)}
    out.resource = resource
    out.objective_name = objective
    out.optimizations = opts
    return out


def _objective_of(scenario, policy, objective, options) -> float:
    pb = _Problem(scenario, objective, policy, options.get("horizon_weeks"), options.get("discount_rate", 0.0),
                  options.get("threads"), None, None, None)
    return pb.start_objective


def minimum_resources(scenario: Scenario, target: Mapping, resource: str, *, tolerance: float = 0.01,
                      max_level: float | None = None, **optimize_options) -> Optimization:
    """The least amount of `resource` whose optimum reaches `target` ({kpi: value}, a horizon total of
    an objective's KPI), found by bisection on optimize(objective=kpi). Returns that Optimization,
    with `.amount` and `.policy`, the plan that reaches it. `max_level` (default 20 × today's) bounds the
    search; a target no plan reaches within it is an error that gives the best reachable value."""
    resource = _resource_name(resource)
    if not isinstance(target, Mapping) or len(target) != 1:
        raise OptimizationError('target: must be one {kpi: value}, e.g. {"revenue": 300000}')
    (kpi, value), = target.items()
    if kpi not in OBJECTIVES:
        raise OptimizationError(f"target: {kpi!r} is not an objective KPI ({', '.join(OBJECTIVES)})" + _hint(kpi, OBJECTIVES))
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise OptimizationError(f"target[{kpi!r}]: must be a number, got {value!r}")
    if "objective" in optimize_options:
        raise OptimizationError("minimum_resources: the objective is the target's KPI; do not pass objective=")
    today = float(scenario.to_dict()["resources"][resource])
    top = float(max_level) if max_level is not None else 20.0 * max(today, 1.0)

    def at(level):
        try:
            return optimize(scenario.with_resources(**{resource: level}), kpi, **optimize_options)
        except OptimizationError:
            return None  # the centres, bounds or norms alone need more than this level


    best = at(top)
    if best is None:
        raise OptimizationError(f"max_level: {top:,.4g} {resource} is not enough for the bounds, norms and centres alone")
    if best.objective < value:
        raise OptimizationError(
            f"target: {kpi} {value:,.0f} is above what any plan reaches with up to {top:,.4g} {resource}: "
            f"the best reachable is {best.objective:,.0f}")
    # regula falsi (Illinois) on the objective, which rises with the resource; bisection where a
    # level cannot be planned at all (the centres or the norms alone need more)
    lo, hi, hi_opt = 0.0, top, best
    g_hi = best.objective - value
    floor_opt = at(0.0)
    if floor_opt is not None and floor_opt.objective >= value:
        hi, hi_opt = 0.0, floor_opt
    g_lo = None if floor_opt is None else floor_opt.objective - value
    side = 0
    while hi - lo > tolerance * max(hi, 1e-9):
        if g_lo is None:
            mid = 0.5 * (lo + hi)
        else:
            mid = hi - g_hi * (hi - lo) / (g_hi - g_lo)
            mid = min(max(mid, lo + 0.05 * (hi - lo)), hi - 0.05 * (hi - lo))
        o = at(mid)
        if o is not None and o.objective >= value:
            hi, hi_opt, g_hi = mid, o, o.objective - value
            if side == 1 and g_lo is not None:
                g_lo /= 2
            side = 1
        else:
            lo, g_lo = mid, (None if o is None else o.objective - value)
            if side == -1:
                g_hi /= 2
            side = -1
    hi_opt.amount = hi
    hi_opt.resource = resource
    hi_opt.target = {kpi: float(value)}
    return hi_opt
