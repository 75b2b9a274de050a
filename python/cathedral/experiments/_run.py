"""run(): a design's points under each plan, on the engine's threads or a Dask cluster."""
from __future__ import annotations

import difflib
import json
import math
import numbers
import os
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from .. import _core
from ..policies import Policy, PythonPolicy, SchedulePolicy, _LayerMix
from ..scenario import Scenario
from ..simulation import METRICS, MODES, _Progress, _count
from ._designs import Design, design_from_dict
from ._inputs import check_values

BY = {"horizon": None, "year": 52, "quarter": 13, "week": 1}
BLOCK = 32  # replications per block (core: kBlockReplications)


# ---- inputs of a run ----------------------------------------------------------------------

def periods(by: str, horizon: int) -> tuple[list[int], list[int], list[str]]:
    """Starts, ends and labels of the periods of `by` over a horizon."""
    if by not in BY:
        hint = difflib.get_close_matches(str(by), list(BY), n=1)
        raise ValueError(f'by: must be "horizon", "year", "quarter" or "week", got {by!r}'
                         + (f'; did you mean "{hint[0]}"?' if hint else ""))
    step = BY[by]
    if step is None:
        return [0], [horizon], ["horizon"]
    starts = list(range(0, horizon, step))
    ends = [min(s + step, horizon) for s in starts]
    names = {"year": "year {}", "quarter": "quarter {}", "week": "week {}"}[by]
    labels = [names.format(i + 1 if by != "week" else s) for i, s in enumerate(starts)]
    return starts, ends, labels


def outcome_specs(outcomes, horizon: int, by: str) -> tuple[list[str], list[tuple[str, int]]]:
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    names = list(outcomes)
    if not names:
        raise ValueError("outcomes: at least one is needed")
    kpis = list(_core.kpi_names(horizon))
    specs = []
    for name in names:
        if name in METRICS:
            specs.append(("metric", METRICS.index(name)))
        elif name in kpis:
            if by != "horizon":
                raise ValueError(f'outcomes: {name!r} is a KPI of the whole horizon; use by="horizon", '
                                 f"or a metric ({', '.join(METRICS[:11])}, ...)")
            specs.append(("kpi", kpis.index(name)))
        else:
            hint = difflib.get_close_matches(str(name), list(METRICS) + kpis, n=1)
            raise ValueError(f"outcomes: unknown outcome {name!r}" + (f'; did you mean "{hint[0]}"?' if hint else "")
                             + "; outcomes are the metrics (cathedral.METRICS) and the KPIs of Results.kpis()")
    if len(set(names)) != len(names):
        raise ValueError(f"outcomes: {names} names one twice")
    return names, specs


def _json_plan(policy):
    """The policy's JSON spec when the batch engine can run it, else None (Python code inside)."""
    if policy is None:
        return None
    if isinstance(policy, (PythonPolicy, _LayerMix)):
        return False
    if isinstance(policy, SchedulePolicy):
        return policy.to_dict() if policy._json_only() else False
    if isinstance(policy, Policy):
        return policy.to_dict()
    if isinstance(policy, Mapping):
        return json.loads(json.dumps(dict(policy)))
    raise TypeError(f"must be a cathedral.policies.Policy, a policy dict or None, got {type(policy).__name__}")


def check_plans(scenario: Scenario, plans) -> dict:
    """name -> (policy, spec): spec is the JSON form, None (the scenario's own) or False (Python)."""
    if plans is None:
        if scenario.policy is None:
            raise ValueError("plans: the scenario has no `policy`; pass plans={name: policy}")
        return {"scenario": (None, None)}
    if not isinstance(plans, Mapping) or not plans:
        raise ValueError("plans: must be a non-empty dict {name: policy}")
    out = {}
    for name, policy in plans.items():
        where = f"plans[{json.dumps(str(name))}]"
        try:
            spec = _json_plan(policy)
        except TypeError as e:
            raise TypeError(f"{where}: {e}") from None
        if spec is None and scenario.policy is None:
            raise ValueError(f"{where}: None means the scenario's own policy, and it has none")
        if spec:
            _core.batch_check_plan(scenario._core, spec, where)
        out[str(name)] = (policy, spec)
    return out


# ---- executing ------------------------------------------------------------------------------

class _Payload:
    """What every task of one run needs; sent to each Dask worker once."""

    def __init__(self, scenario, edits, values, plans, replications, seed, mode, outcomes, ends, keep):
        self.scenario, self.edits, self.values = scenario, edits, values
        self.plans = plans  # list of (name, policy, spec)
        self.replications, self.seed, self.mode = replications, seed, mode
        self.outcomes, self.ends, self.keep = outcomes, ends, keep


def _worker_threads() -> int:
    try:
        from distributed import get_worker

        w = get_worker()
        state = getattr(w, "state", None)
        return int(getattr(state, "nthreads", None) or getattr(w, "nthreads", 0) or 0)
    except (ImportError, ValueError, AttributeError):
        return 0


def _measure_python(raw: dict, payload: _Payload) -> np.ndarray:
    """A Results' outcomes per replication: replications × outcomes × periods, summed as the
    engine's batch sums them (flows over the period's weeks in week order)."""
    weekly, kpis = raw["portfolio"], raw["kpis"]
    R = weekly.shape[0]
    out = np.empty((R, len(payload.outcomes), len(payload.ends)))
    for k, (kind, index) in enumerate(payload.outcomes):
        if kind == "kpi":
            out[:, k, 0] = kpis[:, index]
            continue
        start = 0
        for p, end in enumerate(payload.ends):
            if index < _core.N_FLOWS:
                out[:, k, p] = np.cumsum(weekly[:, start:end, index], axis=1)[:, -1]
            else:
                out[:, k, p] = weekly[:, end - 1, index]
            start = end
    return out


def _block_sums(x: np.ndarray, r0: int, nb: int):
    """Per block of replications, in replication order: sums, sums of squares and counts of the
    values that are not NaN. x: replications × outcomes × periods, its first row replication r0."""
    R = x.shape[0]
    shape = (nb,) + x.shape[1:]
    s, q, c = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=np.int32)
    for b in range(nb):
        lo, hi = b * BLOCK, min(R, (b + 1) * BLOCK)
        for r in range(lo, hi):
            ok = ~np.isnan(x[r])
            v = np.where(ok, x[r], 0.0)
            s[b] += v
            q[b] += v * v
            c[b] += ok
    return s, q, c


def _run_python_plan(payload: _Payload, policy, p0: int, p1: int, b0: int, nb: int, threads: int):
    """One plan with Python code inside, point by point through simulate()."""
    from ..simulation import simulate

    R = 1 if payload.mode == "mean_field" else payload.replications
    r0, r1 = b0 * BLOCK, min(R, (b0 + nb) * BLOCK)
    K, T = len(payload.outcomes), len(payload.ends)
    shape = (p1 - p0, nb, K, T)
    s, q, c = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=np.int32)
    values = np.zeros((p1 - p0, r1 - r0, K, T)) if payload.keep else None
    for i, p in enumerate(range(p0, p1)):
        scn = Scenario(_core.batch_point_scenario(payload.scenario._core, payload.edits, payload.values[p]))
        res = simulate(scn, policy, replications=r1, seed=payload.seed, mode=payload.mode,
                       threads=threads or None, progress=False)
        x = _measure_python(res._raw, payload)[r0:r1]
        s[i], q[i], c[i] = _block_sums(x, r0, nb)
        if values is not None:
            values[i] = x
    return s, q, c, values


def run_task(payload: _Payload, p0: int, p1: int, b0: int, nb: int, threads: int | None = None,
             progress=None) -> dict:
    """Points [p0, p1) and blocks [b0, b0 + nb) under every plan: the sums of each block."""
    if threads is None:
        threads = _worker_threads()
    n_plans = len(payload.plans)
    K, T = len(payload.outcomes), len(payload.ends)
    R = 1 if payload.mode == "mean_field" else payload.replications
    n_reps = min(R, (b0 + nb) * BLOCK) - b0 * BLOCK
    s = np.zeros((p1 - p0, n_plans, nb, K, T))
    q = np.zeros_like(s)
    c = np.zeros(s.shape, dtype=np.int32)
    values = np.zeros((p1 - p0, n_plans, n_reps, K, T)) if payload.keep else None
    batch = [i for i, (_, _, spec) in enumerate(payload.plans) if spec is not False]
    if batch:
        out = _core.run_points(payload.scenario._core, payload.edits, payload.values[p0:p1], p1 - p0,
                               [payload.plans[i][2] for i in batch], [payload.plans[i][0] for i in batch],
                               payload.replications, payload.seed, payload.mode, threads, payload.outcomes,
                               payload.ends, b0, nb, payload.keep, progress)
        s[:, batch], q[:, batch], c[:, batch] = out["sum"], out["sum_sq"], out["count"]
        if values is not None:
            values[:, batch] = out["values"]
    for i, (_, policy, spec) in enumerate(payload.plans):
        if spec is False:
            s[:, i], q[:, i], c[:, i], v = _run_python_plan(payload, policy, p0, p1, b0, nb, threads)
            if values is not None:
                values[:, i] = v
    return {"p0": p0, "p1": p1, "b0": b0, "nb": nb, "sum": s, "sum_sq": q, "count": c, "values": values}


def _split(n_points: int, n_blocks: int, workers: int, split_blocks: bool = True) -> list[tuple[int, int, int, int]]:
    """Tasks for a cluster: chunks of points, or for few points, ranges of their blocks (not
    for a Python plan: it may see every replication at once)."""
    target = max(8 * workers, 1)
    if n_points >= target or n_blocks == 1 or not split_blocks:
        per = max(1, math.ceil(n_points / target))
        return [(p, min(p + per, n_points), 0, n_blocks) for p in range(0, n_points, per)]
    groups = min(n_blocks, math.ceil(target / n_points))
    per = math.ceil(n_blocks / groups)
    return [(p, p + 1, b, min(per, n_blocks - b)) for p in range(n_points) for b in range(0, n_blocks, per)]


def _on_cluster(client, payload: _Payload, n_points: int, n_blocks: int, monitor) -> list[dict]:

    workers = max(1, len(client.scheduler_info().get("workers", {})))
    tasks = _split(n_points, n_blocks, workers, all(spec is not False for _, _, spec in payload.plans))
    shared = client.scatter(payload, broadcast=True, hash=False)
    futures = [client.submit(run_task, shared, *t, pure=False) for t in tasks]
    from ..distributed import gather_parts

    return gather_parts(client, futures, shared, monitor)


def _combine(parts: list[dict], n_points: int, n_plans: int, n_blocks: int, n_reps: int, K: int, T: int, keep: bool):
    """Every block's sums in block order (as the engine adds them): the same bits wherever a
    block ran."""
    s = np.zeros((n_points, n_plans, n_blocks, K, T))
    q = np.zeros_like(s)
    c = np.zeros(s.shape, dtype=np.int64)
    values = np.zeros((n_points, n_plans, n_reps, K, T)) if keep else None
    for part in parts:
        p0, p1, b0, nb = part["p0"], part["p1"], part["b0"], part["nb"]
        s[p0:p1, :, b0:b0 + nb] = part["sum"]
        q[p0:p1, :, b0:b0 + nb] = part["sum_sq"]
        c[p0:p1, :, b0:b0 + nb] = part["count"]
        if keep:
            values[p0:p1, :, b0 * BLOCK:b0 * BLOCK + part["values"].shape[2]] = part["values"]
    total, total_sq, n = s[:, :, 0].copy(), q[:, :, 0].copy(), c[:, :, 0].astype(float)
    for b in range(1, n_blocks):
        total += s[:, :, b]
        total_sq += q[:, :, b]
        n += c[:, :, b]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.where(n > 0, n, 1), np.nan)
        var = np.where(n > 1, np.maximum(0.0, (total_sq - total * total / np.where(n > 0, n, 1))
                                          / np.where(n > 1, n - 1, 1)), np.nan)
        se = np.sqrt(var / np.where(n > 0, n, 1))
    return mean, se, n, values


def run(scenario: Scenario, design: Design, plans: Mapping | None = None, *, replications: int = 100,
        seed: int | None = None, mode: str = "monte_carlo", outcomes=("revenue", "contribution"),
        by: str = "horizon", client=None, threads: int | None = None,
        progress: bool | Callable[[float], None] | None = None, keep_replications: bool = False
        ) -> "ExperimentResults":
    """Run every point of `design` under every plan and measure `outcomes` per period.

    plans          {name: policy}; None runs the scenario's own policy (named "scenario")
    replications   Monte Carlo replications per point and plan (mean_field runs one)
    seed           None takes the scenario's; the same seed for every point and plan, so every
                   difference between points or plans is paired (common random numbers)
    outcomes       metrics of cathedral.METRICS (flows summed over a period, states at its end)
                   or KPIs (by="horizon" only)
    by             "horizon", "year", "quarter" or "week"
    client         a dask.distributed.Client: the points (or, for few points, blocks of their
                   replications) are spread over its workers; the results are the same bit for bit
    threads        engine threads of a local run (None: all cores; a worker uses its own);
                   results are identical at any count
    keep_replications  also keep every replication's values (otherwise each point's are
                   summarised where they are computed: means and standard errors)

    Every input is checked before anything runs: an unknown path (with a did-you-mean hint),
    a value outside its field's domain (naming the point), an empty design, a plan that fails
    validation (naming the plan).
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: must be a cathedral.Scenario, got {type(scenario).__name__}")
    if not isinstance(design, Design):
        raise TypeError("design: must be a Design (cathedral.experiments.lhs, sobol, morris, full_factorial "
                        f"or from_dataframe), got {type(design).__name__}")
    if design.n_points == 0:
        raise ValueError("design: it has no points")
    if mode not in MODES:
        raise ValueError(f'mode: must be "monte_carlo" or "mean_field", got {mode!r}')
    replications = _count(replications, "replications", 1, 10**9)
    seed = scenario.seed if seed is None else seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 2**64:
        raise ValueError(f"seed: must be < 2**64, got {seed}")
    seed = _count(seed, "seed", 0, 2**64 - 1)
    threads = 0 if threads is None else _count(threads, "threads", 1, 65536)
    H = scenario.horizon_weeks
    starts, ends, labels = periods(by, H)
    names, specs = outcome_specs(outcomes, H, by)
    checked = check_plans(scenario, plans)
    edits = design.edits()
    for u in design.uncertainties or []:
        u.bind(scenario)  # account ids; a distribution against the factors that keep every account valid
    values = design.values()
    for j, name in enumerate(design.points.columns):  # unknown paths (did-you-mean), values outside a domain
        check_values(scenario, name, *design.inputs[name], values[:, j])
    for _, spec in checked.values():  # points outside a domain: before anything runs
        if spec is False:
            for p in range(design.n_points):
                _core.batch_point_scenario(scenario._core, edits, values[p])
            break
    payload = _Payload(scenario, edits, values, [(n, p, s) for n, (p, s) in checked.items()], replications, seed,
                       mode, specs, ends, bool(keep_replications))
    R = 1 if mode == "mean_field" else replications
    n_blocks = math.ceil(R / BLOCK)

    monitor = None
    if progress is None:
        monitor = _Progress(f"experiments ({design.n_points} points)", design.n_points * R)
    elif callable(progress):
        monitor = progress
    elif progress is True:
        monitor = _Progress(f"experiments ({design.n_points} points)", design.n_points * R, delay=0.0)
    elif progress is not False:
        raise ValueError(f"progress: must be None, True, False or a callable, got {progress!r}")
    try:
        if client is None:
            parts = [run_task(payload, 0, design.n_points, 0, n_blocks, threads, monitor)]
        else:
            parts = _on_cluster(client, payload, design.n_points, n_blocks, monitor)
    finally:
        if isinstance(monitor, _Progress):
            monitor.close()
    mean, se, n, kept = _combine(parts, design.n_points, len(checked), n_blocks, R, len(names), len(ends),
                                 payload.keep)
    return ExperimentResults(
        design=design, plans=list(checked), outcome_names=names, mean=mean, se=se, replication_values=kept,
        period_labels=labels, period_starts=starts, period_ends=ends, by=by, replications=R, seed=seed,
        mode=mode, scenario=scenario.to_dict())


class ExperimentResults:
    """What run() returns.

    experiments   a DataFrame, one row per point and plan (point-major): the inputs, point, plan
    outcomes      {outcome: array point × plan × period} of means over replications (with
                  keep_replications, `replication_outcomes` adds the replication axis:
                  point × plan × replication × period)
    se            {outcome: standard errors of those means}
    """

    def __init__(self, *, design, plans, outcome_names, mean, se, replication_values, period_labels,
                 period_starts, period_ends, by, replications, seed, mode, scenario):
        self.design = design
        self.plans = list(plans)
        self.outcome_names = list(outcome_names)
        self.outcomes = {k: mean[:, :, i, :] for i, k in enumerate(self.outcome_names)}
        self.se = {k: se[:, :, i, :] for i, k in enumerate(self.outcome_names)}
        self.replication_outcomes = (None if replication_values is None else
                                     {k: replication_values[:, :, :, i, :] for i, k in enumerate(self.outcome_names)})
        self.periods = list(period_labels)
        self.period_starts = list(period_starts)
        self.period_ends = list(period_ends)
        self.by = by
        self.replications, self.seed, self.mode = replications, seed, mode
        self.scenario = scenario  # the scenario's dict

    @property
    def points(self) -> pd.DataFrame:
        return self.design.points

    @property
    def experiments(self) -> pd.DataFrame:
        P, L = self.design.n_points, len(self.plans)
        frame = self.design.points.loc[np.repeat(np.arange(P), L)].reset_index(drop=True)
        frame.insert(0, "point", np.repeat(np.arange(P), L))
        frame.insert(1, "plan", np.tile(np.array(self.plans, dtype=object), P))
        return frame

    def outcome(self, name: str, plan: str | None = None, period=None) -> np.ndarray:
        """One outcome's means: point × plan × period, or for one plan and/or period."""
        if name not in self.outcomes:
            hint = difflib.get_close_matches(str(name), self.outcome_names, n=1)
            raise ValueError(f"outcome: {name!r} was not measured" + (f'; did you mean "{hint[0]}"?' if hint else "")
                             + f"; outcomes: {', '.join(self.outcome_names)}")
        y = self.outcomes[name]
        if plan is not None:
            y = y[:, self.plan_index(plan)]
        if period is not None:
            y = y[..., self.period_index(period)]
        return y

    def plan_index(self, plan) -> int:
        if plan not in self.plans:
            hint = difflib.get_close_matches(str(plan), self.plans, n=1)
            raise ValueError(f"plan: unknown plan {plan!r}" + (f'; did you mean "{hint[0]}"?' if hint else "")
                             + f"; plans: {', '.join(self.plans)}")
        return self.plans.index(plan)

    def period_index(self, period) -> int:
        if isinstance(period, numbers.Integral) and not isinstance(period, bool):
            if not -len(self.periods) <= period < len(self.periods):
                raise ValueError(f"period: must be in [{-len(self.periods)}, {len(self.periods) - 1}], got {period}")
            return int(period) % len(self.periods)
        if period not in self.periods:
            raise ValueError(f"period: unknown period {period!r}; periods: {', '.join(self.periods[:6])}"
                             + (", ..." if len(self.periods) > 6 else ""))
        return self.periods.index(period)

    def horizon(self, name: str) -> np.ndarray:
        """An outcome over the whole horizon, point × plan: flows summed over the periods
        (in period order), a state or KPI at the last period."""
        y = self.outcome(name)
        if name in METRICS and METRICS.index(name) < _core.N_FLOWS:
            return np.cumsum(y, axis=2)[:, :, -1]
        return y[:, :, -1]

    def to_xarray(self):
        """A Dataset with dims (point, plan, period) — and replication when kept — one variable
        per outcome and its standard error (`<outcome>_se`); the inputs are coordinates of point."""
        import xarray as xr

        coords = {"point": np.arange(self.design.n_points), "plan": list(self.plans), "period": list(self.periods),
                  "period_start_week": ("period", list(self.period_starts)),
                  "period_end_week": ("period", list(self.period_ends))}
        for col in self.design.points.columns:
            coords[col] = ("point", self.design.points[col].to_numpy())
        data = {}
        for k in self.outcome_names:
            data[k] = (("point", "plan", "period"), self.outcomes[k])
            data[f"{k}_se"] = (("point", "plan", "period"), self.se[k])
            if self.replication_outcomes is not None:
                data[f"{k}_replications"] = (("point", "plan", "replication", "period"), self.replication_outcomes[k])
        ds = xr.Dataset(data, coords=coords)
        ds.attrs.update({"by": self.by, "replications": self.replications, "seed": self.seed, "mode": self.mode,
                         "design": self.design.kind})
        return ds

    def to_dataframe(self) -> pd.DataFrame:
        """The tidy form: one row per point, plan and period, with the inputs and, per outcome,
        its mean and standard error (`<outcome>_se`)."""
        P, L, T = self.design.n_points, len(self.plans), len(self.periods)
        frame = pd.DataFrame({
            "point": np.repeat(np.arange(P), L * T),
            "plan": np.tile(np.repeat(np.array(self.plans, dtype=object), T), P),
            "period": np.tile(np.array(self.periods, dtype=object), P * L),
        })
        inputs = self.design.points.loc[frame["point"]].reset_index(drop=True)
        frame = pd.concat([frame, inputs], axis=1)
        for k in self.outcome_names:
            frame[k] = self.outcomes[k].reshape(-1)
            frame[f"{k}_se"] = self.se[k].reshape(-1)
        return frame

    # ---- saving ---------------------------------------------------------------------------
    def save(self, path) -> None:
        """To one .npz file (arrays exact, metadata as JSON); ExperimentResults.load reads it."""
        meta = {"plans": self.plans, "outcomes": self.outcome_names, "periods": self.periods,
                "period_starts": self.period_starts, "period_ends": self.period_ends, "by": self.by,
                "replications": self.replications, "seed": self.seed, "mode": self.mode,
                "scenario": self.scenario, "design": self.design.to_dict(),
                "columns": list(self.design.points.columns)}
        arrays = {"mean": np.stack([self.outcomes[k] for k in self.outcome_names], axis=2),
                  "se": np.stack([self.se[k] for k in self.outcome_names], axis=2),
                  "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
        for i, col in enumerate(self.design.points.columns):
            arrays[f"input_{i}"] = self.design.points[col].to_numpy()
        if self.design.unit is not None:
            arrays["unit"] = self.design.unit
        if self.replication_outcomes is not None:
            arrays["replication_values"] = np.stack([self.replication_outcomes[k] for k in self.outcome_names], axis=3)
        path = os.fspath(path)
        with open(path, "wb") as f:  # np.savez would add ".npz" to a name without it
            np.savez_compressed(f, **arrays)

    @classmethod
    def load(cls, path) -> "ExperimentResults":
        with np.load(os.fspath(path), allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            points = pd.DataFrame({col: z[f"input_{i}"] for i, col in enumerate(meta["columns"])})
            design = design_from_dict(points, meta["design"])
            if "unit" in z:
                design.unit = z["unit"]
            kept = z["replication_values"] if "replication_values" in z else None
            return cls(design=design, plans=meta["plans"], outcome_names=meta["outcomes"], mean=z["mean"], se=z["se"],
                       replication_values=kept, period_labels=meta["periods"], period_starts=meta["period_starts"],
                       period_ends=meta["period_ends"], by=meta["by"], replications=meta["replications"],
                       seed=meta["seed"], mode=meta["mode"], scenario=meta["scenario"])

    def __repr__(self) -> str:
        return (f"<ExperimentResults {self.design.kind}: {self.design.n_points} points × {len(self.plans)} plans × "
                f"{len(self.periods)} periods ({self.by}); {self.mode}, {self.replications} replications, "
                f"seed {self.seed}; outcomes {', '.join(self.outcome_names)}>")
