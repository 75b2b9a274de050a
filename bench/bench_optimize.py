#!/usr/bin/env python3
"""Optimiser benchmark (issue 11; not a test). Each case is timed once, on the machine as it is,
next to a baseline measured in the same run:

  demo / account        cathedral.optimize(demo), one allocation per account
  demo / 12 phases      phases=12 (a time-phased plan)
  demo / tier           per="tier"
  demo / risk           risk=("cvar", 0.1), 500 replications
  1000 x 8 / account    generate_portfolio(1000, contacts=8, seed=1)
  baseline              scipy SLSQP on the whole allocation vector (accounts x six rates) with
                        finite-difference gradients (one engine call per evaluation), the
                        black-box way budget-optimisation tools work, stopped at --baseline-budget s

Ratios are against the baseline of the same run: objective (optimiser / SLSQP) and time
(SLSQP / optimiser). Results: printed, and as JSON in bench/results/optimize-<date>.json.

    .venv/bin/python bench/bench_optimize.py [--quick] [--threads N]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time

import numpy as np
from scipy.optimize import minimize

import cathedral
from cathedral import optimizer as O


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def slsqp_baseline(scn, budget_s, threads):
    """SLSQP over every account's six rates, FD gradients, resources as linear constraints."""
    pb = O._Problem(scn, "contribution", None, None, 0.0, threads, None, None, None)
    rates = [cathedral.activities.FIELDS.index(f) for f in cathedral.activities.RATES]
    A, L = pb.A, len(rates)
    hi = np.array([O.default_bounds(scn)[f][1] for f in cathedral.activities.RATES])
    x0 = (pb.base[0][:, rates] / hi).ravel()
    coef = pb.linear.coef * hi[None, :]
    fixed = pb.base.copy()
    fixed[..., rates] = 0
    left = pb.linear.capacity - pb.use(fixed).max(axis=0) - 1e-9 * pb.linear.capacity
    A_ub = np.tile(coef, (1, A))
    start = time.perf_counter()
    calls = {"n": 0}

    class Budget(Exception):
        pass

    def f(x):
        if time.perf_counter() - start > budget_s:
            raise Budget
        calls["n"] += 1
        a = pb.base.copy()
        a[..., rates] = (x.reshape(A, L) * hi)[None]
        return -pb.total(pb.values(a[None])[0]) / 1e4

    best = {"x": x0, "f": f(x0)}

    def cb(x):
        best["x"] = x.copy()

    try:
        res = minimize(f, x0, method="SLSQP", bounds=[(0, 1)] * (A * L), callback=cb,
                       constraints=[{"type": "ineq", "fun": lambda x: left - A_ub @ x, "jac": lambda x: -A_ub}],
                       options={"maxiter": 200, "ftol": 1e-9})
        x = res.x
    except Budget:
        x = best["x"]
    x = np.clip(x, 0, 1)
    a = pb.base.copy()
    a[..., rates] = (x.reshape(A, L) * hi)[None]
    over = pb.use(a).max(axis=0) > pb.linear.capacity
    value = pb.total(pb.values(a[None])[0])
    return {"objective": value, "time_s": time.perf_counter() - start, "evaluations": calls["n"],
            "fits": bool(not over.any()), "stopped_by_budget": time.perf_counter() - start > budget_s}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the 1000-account and risk cases")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--baseline-budget", type=float, default=300.0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    demo = cathedral.Scenario.demo()
    rows = {}

    def case(name, fn):
        opt, t = timed(fn)
        rows[name] = {"time_s": t, "objective": opt.objective, "start_objective": opt.start_objective,
                      "gain": opt.gain, "evaluations": opt.evaluations}
        print(f"{name:<22} {t:8.2f} s  objective {opt.objective:12,.0f}  start {opt.start_objective:12,.0f}  "
              f"gain {opt.gain:+7.1%}  runs {opt.evaluations:,}", flush=True)
        return opt

    opt = case("demo / account", lambda: O.optimize(demo, threads=args.threads))
    case("demo / 12 phases", lambda: O.optimize(demo, phases=12, threads=args.threads))
    case("demo / tier", lambda: O.optimize(demo, per="tier", threads=args.threads))
    if not args.quick:
        case("demo / risk cvar 0.1", lambda: O.optimize(demo, risk=("cvar", 0.1), replications=500,
                                                          threads=args.threads))
        big = cathedral.Scenario.from_dict(cathedral.generate_portfolio(1000, contacts=8, seed=1))
        case("1000 x 8 / account", lambda: O.optimize(big, threads=args.threads))
    base = slsqp_baseline(demo, args.baseline_budget, args.threads)
    rows["baseline SLSQP demo"] = base
    print(f"{'baseline SLSQP demo':<22} {base['time_s']:8.2f} s  objective {base['objective']:12,.0f}  "
          f"runs {base['evaluations']:,}  fits {base['fits']}  stopped by budget {base['stopped_by_budget']}")
    d = rows["demo / account"]
    rows["ratios"] = {"objective_optimiser_over_slsqp": d["objective"] / base["objective"],
                      "time_slsqp_over_optimiser": base["time_s"] / d["time_s"]}
    print(f"ratios: objective {rows['ratios']['objective_optimiser_over_slsqp']:.4f} (optimiser / SLSQP), "
          f"time {rows['ratios']['time_slsqp_over_optimiser']:.1f}x (SLSQP / optimiser)")
    out = args.out or os.path.join(os.path.dirname(__file__), "results",
                                   f"optimize-{datetime.date.today().isoformat()}.json")
    with open(out, "w") as fh:
        json.dump({"cpu_count": os.cpu_count(), "threads": args.threads, "cases": rows}, fh, indent=2)
    print("written", out)


if __name__ == "__main__":
    sys.exit(main())
