"""Analysis of experiments: Sobol and Morris indices, tornado, robustness of plans."""
from __future__ import annotations

import numbers
from statistics import NormalDist

import numpy as np
import pandas as pd

from ._designs import Design, from_dataframe
from ._inputs import Uncertainty


def _confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: must be in (0, 1), got {confidence}")
    return confidence


def _design_and_y(results_or_design, y, outcome, plan, kind: str, by=None):
    """The design and outputs (points × periods) with the period labels."""
    from ._run import ExperimentResults

    if isinstance(results_or_design, ExperimentResults):
        res = results_or_design
        if y is not None:
            raise ValueError("y: give outputs only with a Design, not with ExperimentResults")
        plan = res.plans[0] if plan is None else plan
        if by == "horizon" and res.by != "horizon":  # the periods added up (flows) or the last (states)
            return res.design, res.horizon(outcome)[:, res.plan_index(plan)][:, None], ["horizon"]
        if by is not None and by != res.by:
            raise ValueError(f'by: the experiment was run by {res.by!r}; pass by=None, by="horizon", or run '
                             f"it again with by={by!r}")
        values = res.outcome(outcome, plan)
        return res.design, values, list(res.periods)
    if isinstance(results_or_design, Design):
        if y is None:
            raise ValueError("y: the outputs at the design's points are needed with a Design")
        values = np.asarray(y, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2 or values.shape[0] != results_or_design.n_points:
            raise ValueError(f"y: must have one row per point ({results_or_design.n_points}), "
                             f"optionally a column per period; got shape {np.shape(y)}")
        labels = ["all"] if values.shape[1] == 1 else [f"period {i}" for i in range(values.shape[1])]
        return results_or_design, values, labels
    raise TypeError(f"{kind}: needs ExperimentResults or a Design, got {type(results_or_design).__name__}")


def _saltelli(fA, fB, fAB):
    """First-order (Saltelli 2010) and total (Jansen 1999) indices; fA, fB: (..., n); fAB: (..., d, n)."""
    both = np.concatenate([fA, fB], axis=-1)
    centre = both.mean(axis=-1, keepdims=True)  # centred outputs: the same indices, a smaller variance
    fA, fB, fAB = fA - centre, fB - centre, fAB - centre[..., None, :]
    V = np.var(both, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        S1 = np.mean(fB[..., None, :] * (fAB - fA[..., None, :]), axis=-1) / V[..., None]
        ST = 0.5 * np.mean((fA[..., None, :] - fAB) ** 2, axis=-1) / V[..., None]
    return S1, ST, V


def sobol_indices(results_or_design, y=None, *, outcome: str = "contribution", plan: str | None = None,
                  by: str | None = None, confidence: float = 0.95, resamples: int = 1000,
                  seed: int = 0) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices per period, with bootstrap confidence
    intervals (`resamples` resamples of the n base rows; percentile intervals).

    results_or_design  ExperimentResults of a sobol design (one plan: `plan`, default the first),
                       or the sobol Design itself with `y`, the outputs at its points
                       (points, or points × periods): any function, e.g. one with known indices.
    by                 None: per period of the experiment; "horizon": over the whole horizon

    Returns a DataFrame indexed by (period, input): S1, S1_low, S1_high, S1_conf (half the
    interval's width), ST, ST_low, ST_high, ST_conf. An output that does not vary in a period
    has indices 0 there.
    """
    confidence = _confidence(confidence)
    design, Y, labels = _design_and_y(results_or_design, y, outcome, plan, "sobol_indices", by)
    if design.kind != "sobol":
        raise ValueError(f"sobol_indices: needs a sobol design (Saltelli's scheme), got a {design.kind} design")
    n, d = design.meta["n"], design.meta["d"]
    if Y.shape[0] != n * (d + 2):
        raise ValueError(f"sobol_indices: the design has n(d + 2) = {n * (d + 2)} points, got {Y.shape[0]} outputs")
    if not np.all(np.isfinite(Y)):
        raise ValueError("sobol_indices: the outputs must be finite numbers")
    Yt = Y.T  # periods × points
    fA, fB = Yt[:, :n], Yt[:, n:2 * n]
    fAB = np.stack([Yt[:, (2 + i) * n:(3 + i) * n] for i in range(d)], axis=1)  # periods × d × n
    S1, ST, V = _saltelli(fA, fB, fAB)
    rng = np.random.default_rng(seed)
    boot1 = np.empty((resamples,) + S1.shape)
    bootT = np.empty_like(boot1)
    for b in range(resamples):
        idx = rng.integers(0, n, n)
        boot1[b], bootT[b], _ = _saltelli(fA[:, idx], fB[:, idx], fAB[:, :, idx])
    alpha = (1 - confidence) / 2
    flat = V <= 0
    rows = []
    names = list(design.points.columns)
    for t, label in enumerate(labels):
        for i, name in enumerate(names):
            row = {"period": label, "input": name}
            for key, est, boot in (("S1", S1, boot1), ("ST", ST, bootT)):
                if flat[t]:
                    row.update({key: 0.0, f"{key}_low": 0.0, f"{key}_high": 0.0, f"{key}_conf": 0.0})
                    continue
                samples = boot[:, t, i]
                samples = samples[np.isfinite(samples)]
                lo, hi = np.quantile(samples, [alpha, 1 - alpha])
                row.update({key: float(est[t, i]), f"{key}_low": float(lo), f"{key}_high": float(hi),
                            f"{key}_conf": float((hi - lo) / 2)})
            rows.append(row)
    return pd.DataFrame(rows).set_index(["period", "input"])


def morris_indices(results_or_design, y=None, *, outcome: str = "contribution", plan: str | None = None,
                   by: str | None = None, confidence: float = 0.95, resamples: int = 1000,
                   seed: int = 0) -> pd.DataFrame:
    """Morris's elementary effects per period and input: mu_star (mean absolute effect), mu,
    sigma (their standard deviation) and a bootstrap confidence interval of mu_star (over the
    trajectories). Effects are per step of Δ on the design's grid of levels.

    Returns a DataFrame indexed by (period, input), sorted within a period by mu_star."""
    confidence = _confidence(confidence)
    design, Y, labels = _design_and_y(results_or_design, y, outcome, plan, "morris_indices", by)
    if design.kind != "morris":
        raise ValueError(f"morris_indices: needs a morris design, got a {design.kind} design")
    r, d, p = design.meta["trajectories"], design.meta["d"], design.meta["levels"]
    if design.unit is None:
        raise ValueError("morris_indices: the design's unit coordinates are missing")
    grid = (design.unit * p - 0.5) / (p - 1)  # level k at k / (p - 1)
    X = grid.reshape(r, d + 1, d)
    Yr = Y.reshape(r, d + 1, -1)
    steps = np.diff(X, axis=1)  # r × d × d: one input moves per step
    which = np.argmax(np.abs(steps), axis=2)  # r × d
    delta = np.take_along_axis(steps, which[..., None], axis=2)[..., 0]
    dy = np.diff(Yr, axis=1)  # r × d × periods
    effects = np.empty((r, d, Y.shape[1]))
    for j in range(r):
        for s in range(d):
            effects[j, which[j, s]] = dy[j, s] / delta[j, s]
    rng = np.random.default_rng(seed)
    alpha = (1 - confidence) / 2
    rows = []
    names = list(design.points.columns)
    for t, label in enumerate(labels):
        e = effects[:, :, t]
        boot = np.abs(e[rng.integers(0, r, (resamples, r))]).mean(axis=1)  # resamples × d
        lo, hi = np.quantile(boot, [alpha, 1 - alpha], axis=0)
        for i, name in enumerate(names):
            rows.append({"period": label, "input": name, "mu_star": float(np.abs(e[:, i]).mean()),
                         "mu": float(e[:, i].mean()), "sigma": float(e[:, i].std(ddof=1)) if r > 1 else 0.0,
                         "mu_star_low": float(lo[i]), "mu_star_high": float(hi[i]),
                         "mu_star_conf": float((hi[i] - lo[i]) / 2)})
    frame = pd.DataFrame(rows)
    frame["_order"] = frame["period"].map({k: i for i, k in enumerate(labels)})
    frame = frame.sort_values(["_order", "mu_star"], ascending=[True, False]).drop(columns="_order")
    return frame.set_index(["period", "input"])


def tornado(scenario, uncertainties, plan=None, *, outcome: str = "contribution", quantiles=(0.1, 0.9),
            replications: int = 100, seed: int | None = None, mode: str = "monte_carlo", client=None,
            threads: int | None = None, progress=None) -> pd.DataFrame:
    """One input at a time at its low and high quantile (default 10 % and 90 %), the others as
    the scenario has them; the outcome over the horizon under `plan` (default the scenario's).

    Returns a DataFrame indexed by input, largest swing first: low_value, high_value (the
    input's), low, high (the outcome's), base, swing (high − low) and swing_se (the paired
    standard error of the swing: common random numbers)."""
    from ._run import run

    if isinstance(uncertainties, Uncertainty):
        uncertainties = [uncertainties]
    items = list(uncertainties)
    if not items:
        raise ValueError("tornado: at least one Uncertainty is needed")
    q_lo, q_hi = quantiles
    if not 0 <= q_lo < q_hi <= 1:
        raise ValueError(f"quantiles: need 0 <= low < high <= 1, got {quantiles}")
    bound = [u.bind(scenario) for u in items]
    names = [u.name for u in items]
    rows = [{n: np.nan for n in names}]
    lows, highs = [], []
    for u in bound:
        lo, hi = u.quantile(q_lo), u.quantile(q_hi)
        lows.append(lo)
        highs.append(hi)
        rows.append({**{n: np.nan for n in names}, u.name: lo})
        rows.append({**{n: np.nan for n in names}, u.name: hi})
    design = from_dataframe(pd.DataFrame(rows, columns=names))
    design.inputs = {u.name: (u.path, u.how) for u in items}
    plans = None if plan is None else {"plan": plan}
    res = run(scenario, design, plans, replications=replications, seed=seed, mode=mode, outcomes=[outcome],
              client=client, threads=threads, progress=progress, keep_replications=(mode == "monte_carlo"))
    y = res.outcomes[outcome][:, 0, 0]
    out = []
    for i, u in enumerate(items):
        lo_i, hi_i = 1 + 2 * i, 2 + 2 * i
        row = {"input": u.name, "low_value": lows[i], "high_value": highs[i], "low": y[lo_i], "high": y[hi_i],
               "base": y[0], "swing": y[hi_i] - y[lo_i]}
        if res.replication_outcomes is not None and res.replications > 1:
            diff = res.replication_outcomes[outcome][hi_i, 0, :, 0] - res.replication_outcomes[outcome][lo_i, 0, :, 0]
            row["swing_se"] = float(diff.std(ddof=1) / np.sqrt(diff.size))
        else:
            row["swing_se"] = np.nan
        out.append(row)
    frame = pd.DataFrame(out).set_index("input")
    frame = frame.reindex(frame["swing"].abs().sort_values(ascending=False).index)
    frame.attrs["outcome"] = outcome
    return frame


def robustness(results, outcome: str = "contribution", *, period=None, maximize: bool = True) -> pd.DataFrame:
    """Which plan holds up across the points (futures) of an experiment: per plan, the mean of
    the outcome over points, P(best) (the share of points where it is best; ties share),
    the expected and the maximum regret (best plan's outcome at the point minus this plan's)
    and the 10th percentile (the 90th for an outcome to minimise). Sorted by expected regret.

    period   None: the whole horizon (flows summed over the periods); or a period's label or index
    maximize False for an outcome where less is better (spend, hours...)"""
    from ._run import ExperimentResults

    if not isinstance(results, ExperimentResults):
        raise TypeError(f"robustness: needs ExperimentResults, got {type(results).__name__}")
    y = results.horizon(outcome) if period is None else results.outcome(outcome, period=period)
    sign = 1.0 if maximize else -1.0
    score = sign * y  # points × plans, higher is better
    best = score.max(axis=1, keepdims=True)
    regret = best - score
    is_best = score == best
    share = is_best / is_best.sum(axis=1, keepdims=True)
    q = np.quantile(y, 0.1 if maximize else 0.9, axis=0)
    frame = pd.DataFrame({"mean": y.mean(axis=0), "p_best": share.mean(axis=0),
                          "expected_regret": regret.mean(axis=0), "max_regret": regret.max(axis=0),
                          "p10" if maximize else "p90": q}, index=pd.Index(results.plans, name="plan"))
    return frame.sort_values("expected_regret")


def regret(results, outcome: str = "contribution", *, period=None, maximize: bool = True) -> np.ndarray:
    """Per point and plan: the best plan's outcome at the point minus this plan's (>= 0)."""
    y = results.horizon(outcome) if period is None else results.outcome(outcome, period=period)
    score = (1.0 if maximize else -1.0) * y
    return score.max(axis=1, keepdims=True) - score
