#!/usr/bin/env python3
"""Experiments benchmark (cathedral.experiments; not a test).

Points per second of wall time, each against a baseline measured in the same run:

  baseline   the loop a planner writes by hand today: per point, Scenario.with_params /
             a scaled copy of the scenario, then cathedral.simulate (threads=1)
  batch      experiments.run on the engine's threads (1 and 2), the same points
  cluster    experiments.run on a 2-worker LocalCluster (1 thread per worker): the scaling
             efficiency is its rate over twice the batch rate at 1 thread
  overhead   per Dask task: (2 × cluster wall − batch wall at 1 thread) / tasks, on a design cut
             into many small tasks

and the two speed targets of issue 12 on the demo (2 cores):

  sobol      mean-field Sobol study, 8 inputs, n = 1024: 10,240 points (target <= 60 s)
  lhs        Monte Carlo LHS, 200 points × 200 replications (target <= 60 s)

    .venv/bin/python bench/bench_experiments.py           # a few minutes
    .venv/bin/python bench/bench_experiments.py --quick   # smaller sizes, no targets
Writes JSON to bench/results/experiments-<date>[-quick].json (or --out).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

import cathedral
from cathedral import experiments as ex

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from machine import load_average, machine_info  # noqa: E402

INPUTS = [
    ex.Uncertainty("params.turnover_per_year", ex.uniform(0.05, 0.3)),
    ex.Uncertainty("params.coverage_gain", ex.uniform(0.02, 0.08)),
    ex.Uncertainty("params.support_gain", ex.uniform(0.03, 0.09)),
    ex.Uncertainty("params.intimacy_decay", ex.uniform(0.006, 0.02)),
    ex.Uncertainty("params.win_support", ex.uniform(1.5, 3.5)),
    ex.Uncertainty("params.deal_fraction", ex.uniform(0.05, 0.11)),
    ex.Uncertainty("params.macro_sd", ex.uniform(0.0, 0.06)),
    ex.Uncertainty("accounts.wallet", ex.uniform(0.8, 1.2), how="scale"),
]


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def by_hand(scn, design, mode, replications):
    """The hand-written loop: one with_params copy and one simulate() per point."""
    policy = cathedral.policies.Policy(scn.policy)
    out = []
    for _, row in design.points.iterrows():
        params = {c.split(".", 1)[1]: float(v) for c, v in row.items() if c.startswith("params.")}
        s = scn.with_params(**params)
        if "accounts.wallet:scale" in row:
            d = s.to_dict()
            for a in d["accounts"]:
                a["wallet"] *= float(row["accounts.wallet:scale"])
            s = cathedral.Scenario.from_dict(d)
        r = cathedral.simulate(s, policy, replications=replications, seed=1, mode=mode, threads=1, progress=False)
        out.append(r.kpis()["contribution"])
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out")
    args = ap.parse_args()
    scn = cathedral.Scenario.demo()
    report = {"machine": machine_info(), "load_start": load_average(), "cases": {}}
    rows = []

    # baseline vs batch, mean field
    n_base = 64 if args.quick else 256
    design = ex.lhs(INPUTS, n_base, seed=1)
    t_hand, y_hand = timed(lambda: by_hand(scn, design, "mean_field", 1))
    t1, r1 = timed(lambda: ex.run(scn, design, mode="mean_field", threads=1, seed=1, progress=False))
    t2, _ = timed(lambda: ex.run(scn, design, mode="mean_field", threads=2, seed=1, progress=False))
    assert np.allclose(r1.horizon("contribution")[:, 0], y_hand, rtol=1e-12), "batch and hand loop disagree"
    rows += [("mean-field: hand loop (baseline)", n_base, t_hand, 1.0),
             ("mean-field: run, 1 thread", n_base, t1, t_hand / t1),
             ("mean-field: run, 2 threads", n_base, t2, t_hand / t2)]

    # Monte Carlo
    n_mc, reps = (16, 64) if args.quick else (32, 200)
    design_mc = ex.lhs(INPUTS, n_mc, seed=2)
    th, _ = timed(lambda: by_hand(scn, design_mc, "monte_carlo", reps))
    tm1, _ = timed(lambda: ex.run(scn, design_mc, replications=reps, threads=1, seed=1, progress=False))
    tm2, _ = timed(lambda: ex.run(scn, design_mc, replications=reps, threads=2, seed=1, progress=False))
    rows += [(f"MC x{reps}: hand loop (baseline)", n_mc, th, 1.0),
             (f"MC x{reps}: run, 1 thread", n_mc, tm1, th / tm1),
             (f"MC x{reps}: run, 2 threads", n_mc, tm2, th / tm2)]

    # cluster
    try:
        import distributed
    except ImportError:
        distributed = None
    if distributed is not None:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                      silence_logs=40) as cluster, distributed.Client(cluster) as client:
            client.run(lambda: __import__("cathedral"))  # warm the workers' imports
            ex.run(scn, ex.lhs(INPUTS, 16, seed=9), mode="mean_field", client=client, progress=False)
            tc, rc = timed(lambda: ex.run(scn, design, mode="mean_field", seed=1, client=client, progress=False))
            assert np.array_equal(rc.outcomes["contribution"], r1.outcomes["contribution"])
            tcm, _ = timed(lambda: ex.run(scn, design_mc, replications=reps, seed=1, client=client, progress=False))
            rows += [("mean-field: 2-worker cluster", n_base, tc, t_hand / tc),
                     (f"MC x{reps}: 2-worker cluster", n_mc, tcm, th / tcm)]
            report["scaling_efficiency"] = {"mean_field": t1 / (2 * tc), "monte_carlo": tm1 / (2 * tcm)}
            # overhead per task: a design cut into one task per point
            small = ex.lhs(INPUTS, 32, seed=3)
            tl, _ = timed(lambda: ex.run(scn, small, mode="mean_field", threads=1, seed=1, progress=False))
            orig = ex._run._split
            ex._run._split = lambda n, b, w, s=True: [(p, p + 1, 0, b) for p in range(n)]
            try:
                tt, _ = timed(lambda: ex.run(scn, small, mode="mean_field", seed=1, client=client, progress=False))
            finally:
                ex._run._split = orig
            report["overhead_per_task_s"] = max(0.0, (2 * tt - tl) / len(small))
            report["engine_per_point_s"] = tl / len(small)

    # the targets
    if not args.quick:
        sob = ex.sobol(INPUTS, 1024, seed=1)
        ts, _ = timed(lambda: ex.run(scn, sob, mode="mean_field", by="year", seed=1, progress=False))
        big = ex.lhs(INPUTS, 200, seed=1)
        tl2, _ = timed(lambda: ex.run(scn, big, replications=200, seed=1, progress=False))
        # the engine's own floor for the same work, in the same conditions: simulate() of the
        # LHS's 40,000 replications (10 runs of 4,000 on 2 threads), and of mean-field runs
        pol = cathedral.policies.Policy(scn.policy)
        tf, _ = timed(lambda: [cathedral.simulate(scn, pol, replications=4000, seed=1, threads=2, progress=False)
                               for _ in range(10)])
        tmf, _ = timed(lambda: [cathedral.simulate(scn, pol, mode="mean_field", threads=1, progress=False)
                                for _ in range(256)])
        report["targets"] = {"sobol_8_inputs_n1024_mean_field_s": ts, "sobol_points": len(sob),
                             "sobol_floor_simulate_s": tmf / 256 * len(sob) / 2,
                             "lhs_200_points_200_replications_s": tl2, "lhs_floor_simulate_40000_replications_s": tf,
                             "limit_s": 60}
        rows += [("floor: simulate, the Sobol's runs (/2 cores)", len(sob), tmf / 256 * len(sob) / 2, 1.0),
                 ("floor: simulate 40,000 replications (2 thr.)", 200, tf, 1.0)]
        rows += [("target: Sobol 8 inputs n=1024 (mean field)", len(sob), ts, (t_hand / n_base) * len(sob) / ts),
                 ("target: LHS 200 pts x 200 reps (MC)", 200, tl2, (th / n_mc) * 200 / tl2)]

    report["load_end"] = load_average()
    print(f"{'case':46s} {'points':>7s} {'wall s':>8s} {'points/s':>10s} {'x baseline':>10s}")
    for name, n, t, ratio in rows:
        print(f"{name:46s} {n:7d} {t:8.2f} {n / t:10.1f} {ratio:10.1f}")
        report["cases"][name] = {"points": n, "wall_s": t, "points_per_s": n / t, "speedup_vs_baseline": ratio}
    for k in ("scaling_efficiency", "overhead_per_task_s", "engine_per_point_s", "targets"):
        if k in report:
            print(f"{k}: {report[k]}")
    out = Path(args.out) if args.out else HERE / "results" / f"experiments-{date.today()}{'-quick' if args.quick else ''}.json"
    out.write_text(json.dumps(report, indent=1))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
