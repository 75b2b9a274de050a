"""optimize(per="tier"): one template per tier (S, A, B, C, cash_flow), re-tiered at every epoch as
policies.tiered does. In mean field an account's tier at each epoch does not depend on the plan (the
wallet and the fit move on their own, §3.1), so the tiers of the start plan's run hold for every
candidate. The templates are few (5 × levers × phases), so SLSQP solves them, with the gradient
of one batch of engine runs (a template coordinate per candidate) and the resources as linear rows
per epoch."""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from . import policies
from .optimizer import FIELDS, FLAGS, RATES, RESOURCES, TIER_KEYS, OptimizationError, Optimization, _Problem


def solve_tiers(pb: _Problem, lo, hi, on, history, max_iter=40):
    P, T = pb.P, len(TIER_KEYS)
    rl, fl = pb.rate_levers, pb.flag_levers
    L = len(rl)
    rcols = [FIELDS.index(f) for f in rl]
    fcols = [FIELDS.index(f) for f in fl]
    first = [pb.phase_of_epoch.tolist().index(p) for p in range(P)]
    tier_e = pb.tier  # epochs × accounts
    # template bounds: the field bounds (per-account bounds are refused before), norms by tier
    tlo = np.zeros((P, T, L))
    thi = np.zeros((P, T, L))
    for t in range(T):
        members = tier_e[first[0]] == t
        a = int(np.argmax(members)) if members.any() else 0
        tlo[:, t] = lo[:, a, rcols] if members.any() else lo[:, 0, rcols]
        thi[:, t] = hi[:, a, rcols] if members.any() else hi[:, 0, rcols]
    # start: per tier the mean of the start plan's allocation over its members
    x0 = np.zeros((P, T, L))
    f0 = np.zeros((P, T, len(fl)))
    for p in range(P):
        e = first[p]
        for t in range(T):
            members = tier_e[e] == t
            if members.any():
                x0[p, t] = pb.base[e][members][:, rcols].mean(axis=0)
                f0[p, t] = np.round(pb.base[e][members][:, fcols].mean(axis=0)) if fl else []
    x0 = np.clip(x0, tlo, thi)
    scale = np.maximum(thi, 1e-3)

    def expand(X, F):
        out = pb.base.copy()
        for e in range(pb.E):
            p = pb.phase_of_epoch[e]
            out[e][:, rcols] = X[p][tier_e[e]]
            if fl:
                out[e][:, fcols] = F[p][tier_e[e]]
        return out

    # linear rows: per epoch and resource, use = Σ_t n_te · coef·template_t + what the rest uses
    coef = pb.linear.coef[:, [RATES.index(f) for f in rl]]  # resources × L
    counts = np.stack([np.bincount(tier_e[e], minlength=T) for e in range(pb.E)])  # epochs × tiers
    am = float(pb.scenario.to_dict()["resources"]["account_managers"])

    def rows(F):
        empty = expand(np.zeros((P, T, L)), F)
        use0 = pb.use(empty)
        A_rows, b = [], []
        for e in range(pb.E):
            p = pb.phase_of_epoch[e]
            for r in range(len(RESOURCES)):
                row = np.zeros((P, T, L))
                row[p] = counts[e][:, None] * coef[r][None, :] * scale[p]
                A_rows.append(row.ravel())
                b.append(pb.linear.capacity[r] - use0[e, r] - 1e-9 * max(pb.linear.capacity[r], 1.0))
            if "visits_per_am" in on and "visits" in rl:
                row = np.zeros((P, T, L))
                row[p, :, rl.index("visits")] = -counts[e] * scale[p, :, rl.index("visits")]
                need = on["visits_per_am"] * am - empty[e][:, FIELDS.index("visits")].sum()
                A_rows.append(row.ravel())
                b.append(-need - 1e-7 * max(need, 1.0))
        return np.array(A_rows), np.array(b)

    h = 1e-4

    def values(Zs, F):
        X = [z.reshape(P, T, L) * scale for z in Zs]
        return pb.values(np.stack([expand(x, F) for x in X])).sum(axis=1) - pb.team_cost

    def solve(z0, F):
        A_ub, b_ub = rows(F)
        if np.any(A_ub @ (tlo / scale).ravel() > b_ub + 1e-9 * np.maximum(np.abs(b_ub), 1)):
            raise OptimizationError("bounds and norms alone exceed the resources in some epoch")
        cache = {}

        def fg(z):
            key = z.tobytes()
            if key not in cache:
                n = z.size
                pts = [z] + [z + h * np.eye(n)[i] for i in range(n)]
                v = values(pts, F)
                cache.clear()
                cache[key] = (v[0], (v[1:] - v[0]) / h)
                history.append({"iteration": len(history), "objective": float(v[0]), "predicted_gain": np.nan,
                                "violation": float(np.maximum(A_ub @ z - b_ub, 0).max(initial=0)),
                                "evaluations": pb.evaluations, "time_s": __import__("time").perf_counter() - history.start})
            return cache[key]

        res = minimize(lambda z: -fg(z)[0] / sc, z0, jac=lambda z: -fg(z)[1] / sc, method="SLSQP",
                       bounds=list(zip((tlo / scale).ravel(), (thi / scale).ravel())),
                       constraints=[{"type": "ineq", "fun": lambda z: b_ub - A_ub @ z, "jac": lambda z: -A_ub}],
                       options={"maxiter": max_iter * 2, "ftol": 1e-7})
        z = np.clip(res.x, (tlo / scale).ravel(), (thi / scale).ravel())
        over = A_ub @ z - b_ub
        if np.any(over > 0):  # SLSQP may end a hair outside: pull towards the lower bounds
            zl = (tlo / scale).ravel()
            t = 1.0
            for k in np.nonzero(over > 0)[0]:
                if np.all(A_ub[k] >= 0):
                    t = min(t, (b_ub[k] - A_ub[k] @ zl) / max(A_ub[k] @ (z - zl), 1e-300))
            z = zl + max(t, 0.0) * (z - zl)
        v = values([z], F)[0]
        # shadow prices: the multipliers of the rows, summed per resource
        return z, v, A_ub, b_ub

    sc = max(abs(pb.start_objective), 1.0)
    z, v, A_ub, b_ub = solve((x0 / scale).ravel(), f0)
    F = f0.copy()
    # flags: flip one (phase, tier, flag) at a time, keep what pays
    for _round in range(3 if fl else 0):
        flips = []
        for p in range(P):
            for t in range(T):
                for j in range(len(fl)):
                    G = F.copy()
                    G[p, t, j] = 1 - G[p, t, j]
                    flips.append(G)
        vals = (
            pb.values(np.stack([expand(z.reshape(P, T, L) * scale, G) for G in flips])).sum(axis=1) - pb.team_cost)
        order = np.argsort(-vals)
        moved = False
        for i in order[:2]:  # re-solve the two most promising flips at their own rates
            if vals[i] <= v - 0.05 * abs(v):
                break
            try:
                zz, vv, _, _ = solve(z, flips[i])
            except OptimizationError:
                continue
            if vv > v + 1e-7 * abs(v):
                z, v, F, moved = zz, vv, flips[i], True
                break
        if not moved:
            break
    X = z.reshape(P, T, L) * scale
    X[X < 1e-9 * scale] = 0.0  # SLSQP's round-off at a bound of 0
    alloc = expand(X, F)
    account_values = pb.values(alloc[None])[0]
    # prices and the per-account gradient by one batch at the optimum (per account, per rate lever)
    cands = [alloc]
    for j, c in enumerate(rcols):
        up = alloc.copy()
        up[..., c] += h * scale[0, 0, j]
        cands.append(up)
    vals = pb.values(np.stack(cands))
    grad = np.stack([(vals[1 + j] - vals[0]) / (h * scale[0, 0, j]) for j in range(L)], axis=1)[:, None, :]
    grad = np.repeat(grad, P, axis=1)
    prices = _tier_prices(pb, alloc, grad, lo, hi)
    templates = {}
    for p in range(P):
        tp = {}
        for t, key in enumerate(TIER_KEYS):
            entry = {f: float(X[p, t, j]) for j, f in enumerate(rl)}
            entry.update({f: bool(F[p, t, j]) for j, f in enumerate(fl)})
            # fields that are not levers keep the start plan's (its members' mean at the phase start)
            members = tier_e[first[p]] == t
            for c, f in enumerate(FIELDS):
                if f not in entry:
                    val = pb.base[first[p]][members][:, c].mean() if members.any() else 0.0
                    entry[f] = bool(round(val)) if f in FLAGS else float(val)
            tp[key] = entry
        templates[pb.phase_weeks[p]] = policies.tiered(tp)
    policy = templates[0] if P == 1 else policies.schedule(templates)
    return Optimization(pb, policy=policy, alloc=alloc, account_values=account_values, prices=prices,
                        gradient=grad, per="tier", history=history)


def _tier_prices(pb, alloc, grad, lo, hi):
    """Per resource: the objective per unit of capacity, from the equal-marginal-returns condition
    over the accounts' rate levers inside their bounds (as per="account" reports it)."""
    from .optimizer import _prices

    use = pb.use(alloc).max(axis=0)
    slack = pb.linear.capacity - use
    rcols = [FIELDS.index(f) for f in pb.rate_levers]
    C = pb.linear.coef[:, [RATES.index(f) for f in pb.rate_levers]]
    first = pb.phase_of_epoch.tolist().index(0)
    Z = alloc[first][:, rcols]
    return _prices(grad[:, 0, :], Z, lo[0][:, rcols], hi[0][:, rcols], C, slack, pb.linear.capacity)
