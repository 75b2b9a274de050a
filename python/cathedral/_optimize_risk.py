"""optimize(risk=...): a risk measure of the Monte Carlo objective, by sample-average approximation.

The Monte Carlo objective of one plan, over `replications` runs with common random numbers, is a
step function of the levers (deals are drawn), so it has no useful gradient. The search starts at
the mean-field optimum and moves in a few directions that matter to risk: each rate lever scaled
for every account, each tier's effort scaled, and the blend towards the start plan; every candidate
is fitted to the resources (§4) and all of a step's candidates run in one batch on the same
streams. A pattern search keeps the best and halves its step when nothing improves."""
from __future__ import annotations

import time

import numpy as np

from . import policies
from .optimizer import FIELDS, RATES, TIER_KEYS, Optimization, _policy_per_account


def risk_measure(values: np.ndarray, risk) -> np.ndarray:
    """values: candidates × replications → the risk measure per candidate (higher is better):
    ("cvar", α) the mean of the worst ⌈α·R⌉ outcomes, ("quantile", q) the q-quantile."""
    kind, level = risk
    if kind == "quantile":
        return np.quantile(values, level, axis=1)
    k = max(1, int(np.ceil(level * values.shape[1])))
    return np.sort(values, axis=1)[:, :k].mean(axis=1)


def _fit(pb, alloc, movable):
    """Scale the movable rates of `alloc` (epochs × accounts × fields) by the one factor that makes
    every epoch fit, as §4 would (an allocation that fits is left alone)."""
    rate_cols = [FIELDS.index(f) for f in RATES]
    fixed = alloc.copy()
    fixed[..., rate_cols] = np.where(movable[None, :, :], 0.0, alloc[..., rate_cols])
    base_use = pb.use(fixed)
    total = pb.use(alloc)
    moving = total - base_use
    left = pb.linear.capacity[None, :] - base_use - 1e-9 * np.maximum(pb.linear.capacity, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(moving > left, np.maximum(left, 0.0) / moving, 1.0)
    t = float(np.min(ratio, initial=1.0))
    if t >= 1.0:
        return alloc, 1.0
    out = alloc.copy()
    out[..., rate_cols] = np.where(movable[None, :, :], alloc[..., rate_cols] * t, alloc[..., rate_cols])
    return out, t


def solve_risk(opt: Optimization, risk, replications: int, seed: int, history, max_steps: int = 4) -> Optimization:
    pb = opt._pb
    mf_alloc = opt._alloc
    start_alloc = pb.start_base
    rl = pb.rate_levers
    rcols = [FIELDS.index(f) for f in rl]
    all_rate_cols = [FIELDS.index(f) for f in RATES]
    free = getattr(getattr(opt, "_ap", None), "free", np.ones(pb.A, bool))
    movable = np.zeros((pb.A, len(RATES)), bool)
    for f in rl:
        movable[:, RATES.index(f)] = free
    tier0 = pb.tier[0]
    groups = [t for t in range(len(TIER_KEYS)) if (tier0 == t).any()]
    blend = opt.per != "tier"  # a tiered plan moves by its templates only (the blend is no template)
    n = len(rl) + len(groups) + (1 if blend else 0)  # lever scales, tier scales, blend towards the start

    def build(theta, with_factor=False):
        a = mf_alloc.copy()
        if blend:
            beta = theta[-1]
            a[..., all_rate_cols] = (1 - beta) * mf_alloc[..., all_rate_cols] + beta * start_alloc[..., all_rate_cols]
        for j, c in enumerate(rcols):
            a[..., c] = np.where(free[None, :], a[..., c] * theta[j], a[..., c])
        for k, t in enumerate(groups):
            member = (pb.tier == t) & free[None, :]
            a[..., rcols] = np.where(member[..., None], a[..., rcols] * theta[len(rl) + k], a[..., rcols])
        fitted, factor = _fit(pb, a, movable)
        return (fitted, factor) if with_factor else fitted

    def measure(thetas):
        if opt.per == "tier":  # a tiered plan re-tiers each replication: simulate the plans themselves
            vals = np.stack([_policy_values(pb, _scaled_tiered(opt, t, rl, groups, build(t, with_factor=True)[1]),
                                            replications, seed) for t in thetas])
        else:
            vals = pb.replication_values(np.stack([build(t) for t in thetas]), replications, seed)
        return risk_measure(vals, risk), vals

    theta = np.ones(n)
    if blend:
        theta[-1] = 0.0
    # the start plan as it runs (re-tiered and fitted in each replication)
    start_vals = _policy_values(pb, pb.start_policy, replications, seed)[None]
    start_measure = float(risk_measure(start_vals, risk)[0])
    m0, _ = measure([theta])
    best, mf_measure = float(m0[0]), float(m0[0])
    step = 0.2
    for _ in range(max_steps):
        cands = []
        for i in range(n):
            for sign in (1, -1):
                t = theta.copy()
                t[i] = t[i] + sign * step
                if blend and i == n - 1:
                    t[i] = min(max(t[i], 0.0), 1.0)
                t[: n - 1 if blend else n] = np.maximum(t[: n - 1 if blend else n], 0.0)
                if not np.array_equal(t, theta):
                    cands.append(t)
        m, _ = measure(cands)
        i = int(np.argmax(m))
        history.append({"iteration": len(history), "objective": float(max(m[i], best)), "predicted_gain": np.nan,
                        "violation": 0.0, "evaluations": pb.evaluations, "time_s": time.perf_counter() - history.start})
        if m[i] > best + 1e-9 * abs(best):
            theta, best = cands[i], float(m[i])
        else:
            step /= 2
            if step < 0.02:
                break
    alloc, factor = build(theta, with_factor=True)
    if opt.per == "tier":
        policy = _scaled_tiered(opt, theta, rl, groups, factor)
    else:
        policy = _policy_per_account(pb, alloc)
    account_values = pb.values(alloc[None])[0]
    out = Optimization(pb, policy=policy, alloc=alloc, account_values=account_values, prices=opt._prices,
                       gradient=opt._gradient, per=opt.per, history=history, risk=risk,
                       risk_values={"optimised": best, "start": start_measure, "mean_field_optimum": mf_measure})
    out.mean_field = opt
    return out


def _policy_values(pb, policy, replications, seed) -> np.ndarray:
    """replications: the objective of `policy` in Monte Carlo, from simulate's weekly portfolio
    (team cost included where the objective carries it, §3.7), weighted as the objective is."""
    from .simulation import METRICS, simulate

    res = simulate(pb.scenario, policy, replications=replications, seed=seed, threads=pb.threads or None,
                   progress=False)
    weekly = res._raw["portfolio"][:, :, METRICS.index(pb.objective)]  # replications × weeks
    return weekly @ pb.weights


def _scaled_tiered(opt, theta, rl, groups, factor):
    """The tier templates of the mean-field optimum, moved as `build` moved its accounts: each rate
    lever's scale, its tier's scale and the one fit factor (every account of a tier follows its
    template, so the templates reproduce the allocation exactly)."""
    spec = opt.policy.to_dict()
    phases = sorted(opt.policy.phases, key=lambda x: x[0]) if spec.get("type") == "schedule" else [(0, opt.policy)]
    out = {}
    for week, pol in phases:
        templates = {}
        for key, entry in pol.to_dict()["templates"].items():
            t = TIER_KEYS.index(key)
            e = dict(entry)
            for j, f in enumerate(rl):
                e[f] = float(entry[f]) * theta[j] * (theta[len(rl) + groups.index(t)] if t in groups else 1.0) * factor
            templates[key] = e
        out[week] = policies.tiered(templates)
    return out[0] if len(out) == 1 else policies.schedule(out)
