#!/usr/bin/env python3
"""Compare the engine with two independent baselines of the same model (not a unit test).

Runs the same scenario and static plan through

  engine   cathedral.simulate(..., threads=1)               (C++)
  numpy    bench/baselines/numpy_model.py   vectorised over replications x accounts (x contacts)
  numba    bench/baselines/numba_model.py   single-threaded njit loops (compiled before timing)

and prints, per implementation, the wall time (best of --repeats), account-weeks per second per
core and the engine's speed relative to it; then checks that the means of the
horizon totals agree between all three within Monte Carlo error:

  |mean_a - mean_b| < 4 * sqrt(se_a^2 + se_b^2)          (z-score printed)

and, for a total that is deterministic in both (spend, hours, executive days
when no agreement can be signed), |mean_a - mean_b| <= 1e-6 * |mean|.
Exits with status 1 if any check fails.

Variants (each on its own scenario, all with the static plan PLAN below, jic off):

  ample    generate_portfolio(N, contacts=8, seed=1), resources far above the plan
           (f = 1), pursue_agreement on: agreements are signed at random, so
           spend and hours are random and get the z-test.
  binding  the same portfolio, AM hours at 70% of the plan's need (f = 0.7, hours
           bind), pursue_agreement off: spend, hours and executive days are
           deterministic and compared exactly; the scale factor f is compared
           with the engine's.
  demo     examples/demo_portfolio.json (3 to 10 contacts per account), the
           "even spread" plan of examples/demo_plans.json, with listed pipelines
           added to a few accounts (exercises padding and listed deals).

    .venv/bin/python bench/compare_baselines.py            # full run
    .venv/bin/python bench/compare_baselines.py --quick    # smoke run
    .venv/bin/python bench/compare_baselines.py --accounts 500 --replications 400

A JSON record (machine, versions, timings, means, z-scores) is written to
bench/results/baselines-<date>[-quick].json (or --out).
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

import cathedral

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from cathedral.resources import planned_use  # noqa: E402

from baselines import numba_model, numpy_model  # noqa: E402
from machine import machine_info  # noqa: E402

PLAN = {
    "social_hours": 2.0, "value_hours": 3.0, "visits": 2.0, "service_hours": 2.0,
    "benchmarking": 1.0, "exec_visits": 1.0, "pursue_agreement": True, "jic": False,
}
METRICS = ("revenue", "gross_profit", "wins", "direct_awards", "seen_deals", "decided_deals",
           "spend", "hours", "exec_days", "contribution", "cash_flow")
Z_LIMIT = 4.0
EXACT_RTOL = 1e-6
SEEDS = {"engine": 1, "numpy": 2, "numba": 3}  # independent samples
IMPLS = ("engine", "numpy", "numba")


# ---------------------------------------------------------------------------
# machine description

# ---------------------------------------------------------------------------
# scenarios

def planned_hours(scenario: dict, plan: dict) -> float:
    """AM hours per week that `plan`, at every account, asks for (docs/model.md §4, the engine's)."""
    return planned_use(scenario, [plan] * len(scenario["accounts"])).total()["am_hours"]


def variants(accounts: int, weeks: int) -> list[dict]:
    base = cathedral.generate_portfolio(accounts, contacts=8, seed=1, horizon_weeks=weeks)
    defaults = cathedral.Scenario.defaults()
    am_hours = defaults["resources"]["am_hours_per_week"]

    ample = copy.deepcopy(base)
    ample["name"] = "ample"
    ample["resources"] = {"account_managers": math.ceil(2 * planned_hours(base, PLAN) / am_hours),
                          "executive_days_per_year": 1e6, "budget_per_year": 1e8}

    plan_b = dict(PLAN, pursue_agreement=False)
    binding = copy.deepcopy(base)
    binding["name"] = "binding"
    binding["resources"] = {"account_managers": 0.7 * planned_hours(base, plan_b) / am_hours,
                            "executive_days_per_year": 1e6, "budget_per_year": 1e8}

    demo = json.loads((ROOT / "examples" / "demo_portfolio.json").read_text())
    demo["name"] = "demo"
    demo["horizon_weeks"] = weeks
    plan_d = json.loads((ROOT / "examples" / "demo_plans.json").read_text())["even spread"]
    # listed pipelines at a few accounts (one with an empty list: no synthesised pipeline there)
    for i, acc in enumerate(demo["accounts"][:6]):
        d_bar = defaults["params"]["deal_fraction"] * acc["wallet"]
        acc["pipeline"] = [] if i == 5 else [
            {"size": round(d_bar * (0.5 + 0.25 * j), 3), "decision_week": int(w)}
            for j, w in enumerate((0, 3, 3, 10, 15, 40, weeks - 1, weeks + 5))]

    return [
        {"name": "ample", "scenario": ample, "policy": {"type": "static", "default": PLAN},
         "exact": False, "expect_f": 1.0},
        {"name": "binding", "scenario": binding, "policy": {"type": "static", "default": plan_b},
         "exact": True, "expect_f": 0.7},
        {"name": "demo", "scenario": demo, "policy": plan_d, "exact": False, "expect_f": None},
    ]


# ---------------------------------------------------------------------------
# runs

def run_engine(v: dict, R: int) -> tuple[dict, float, list]:
    scn = cathedral.Scenario.from_dict(v["scenario"])
    start = time.perf_counter()
    res = cathedral.simulate(scn, v["policy"], replications=R, seed=SEEDS["engine"], threads=1, progress=False)
    wall = time.perf_counter() - start
    out = {k: np.asarray(res.totals(k), dtype=float) for k in METRICS}
    scale = res.scale_factors()["scale_factor"].to_numpy()
    return out, wall, [float(scale[0]), float(scale[1:].mean()) if len(scale) > 1 else float(scale[0])]


def run_baseline(module, name: str, v: dict, R: int) -> tuple[dict, float, list]:
    start = time.perf_counter()
    res = module.simulate(v["scenario"], v["policy"], replications=R, seed=SEEDS[name])
    wall = time.perf_counter() - start
    return {k: np.asarray(res[k], dtype=float) for k in METRICS}, wall, [float(f) for f in res["scale"]]


def stats(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else 0.0


def is_deterministic(x: np.ndarray) -> bool:
    return float(np.ptp(x)) <= 1e-9 * max(1.0, abs(float(x.mean())))


def compare_pair(xa: np.ndarray, xb: np.ndarray, exact_expected: bool) -> dict:
    ma, sa = stats(xa)
    mb, sb = stats(xb)
    if is_deterministic(xa) and is_deterministic(xb):
        rel = abs(ma - mb) / max(abs(ma), abs(mb), 1e-300)
        return {"kind": "exact", "rel_diff": rel, "ok": rel <= EXACT_RTOL}
    se = math.hypot(sa, sb)
    z = (ma - mb) / se if se > 0 else (0.0 if ma == mb else math.inf)
    ok = abs(z) < Z_LIMIT
    out = {"kind": "z", "z": z, "ok": ok}
    if exact_expected:  # a total that should be deterministic came out random
        out["ok"] = False
        out["note"] = "expected deterministic"
    return out


def fmt_table(head: tuple, rows: list[tuple], left: int = 1) -> str:
    lines = [tuple(str(c) for c in head)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for k, line in enumerate(lines):
        out.append("  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=None, help="accounts of the generated portfolio (200)")
    parser.add_argument("--replications", type=int, default=None,
                        help="replications of the engine and numba (400; 100 with --quick)")
    parser.add_argument("--numpy-replications", type=int, default=None,
                        help="replications of numpy (default: as --replications)")
    parser.add_argument("--weeks", type=int, default=156, help="horizon in weeks (156)")
    parser.add_argument("--variants", default="ample,binding,demo", help="comma-separated subset of ample,binding,demo")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed runs per implementation and variant, best wall time reported (3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="40 accounts, 100 replications, 1 repeat (smoke run)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON output (default bench/results/baselines-<date>[-quick].json)")
    args = parser.parse_args(argv)
    accounts = args.accounts or (40 if args.quick else 200)
    R = args.replications or (100 if args.quick else 400)
    R_np = args.numpy_replications or R
    repeats = max(1, args.repeats or (1 if args.quick else 3))

    import numba

    info = machine_info(numba=numba.__version__)
    print(f"cathedral {info['cathedral']} @ {info['git_commit'] or '?'}; {info['cpu']}, cores {info['cores']} "
          f"({info['cores_usable']} usable); Python {info['python']}, numpy {info['numpy']}, numba {info['numba']}; "
          f"{info['date']}; load {info['load_avg_at_start']}" + ("; QUICK" if args.quick else ""))
    if info["load_avg_at_start"] is not None and info["load_avg_at_start"] > 0.5:
        print(f"warning: load average {info['load_avg_at_start']} at start: other processes are using the cores, "
              "so the timings are low and noisy (compare throughputs only between runs on an idle machine)")

    start = time.perf_counter()
    numba_model.warm_up()
    compile_s = time.perf_counter() - start
    # the engine and numpy: a tiny untimed call each, so no first-call costs land in the timings
    wanted = [s.strip() for s in args.variants.split(",") if s.strip()]
    all_variants = {v["name"]: v for v in variants(accounts, args.weeks)}
    unknown = set(wanted) - set(all_variants)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}")
    v0 = all_variants[wanted[0]]
    run_engine(v0, 2)
    run_baseline(numpy_model, "numpy", v0, 2)
    print(f"numba warm-up (compile or load from cache): {compile_s:.1f} s\n")

    records, failures = [], []
    for name in wanted:
        v = all_variants[name]
        n_acc = len(v["scenario"]["accounts"])
        H = v["scenario"]["horizon_weeks"]
        reps = {"engine": R, "numpy": R_np, "numba": R}
        results, timing, all_times, scales = {}, {}, {}, {}
        for impl in IMPLS:
            # best of `repeats` wall times; every repeat uses the same seed (same results)
            all_times[impl] = []
            for _ in range(repeats):
                if impl == "engine":
                    res, wall, sc = run_engine(v, reps[impl])
                else:
                    mod = numpy_model if impl == "numpy" else numba_model
                    res, wall, sc = run_baseline(mod, impl, v, reps[impl])
                all_times[impl].append(wall)
                results[impl], scales[impl] = res, sc
            timing[impl] = min(all_times[impl])
            print(f"  [{name}] {impl:6s} R={reps[impl]}: " + ", ".join(f"{t:.2f}" for t in all_times[impl]) + " s",
                  flush=True)

        rate = {i: n_acc * H * reps[i] / timing[i] for i in IMPLS}
        print(f"\n== variant {name}: {n_acc} accounts x {H} weeks; scale factor f (epoch 0, later): "
              + ", ".join(f"{i} {scales[i][0]:.6f}/{scales[i][1]:.6f}" for i in IMPLS))
        rows = []
        for i in IMPLS:
            rows.append((i, reps[i], f"{n_acc * H * reps[i]:.3e}", f"{timing[i]:.2f}", f"{rate[i]:.3e}",
                         "1.00" if i == "engine" else f"{rate['engine'] / rate[i]:.2f}"))
        print(fmt_table(("impl", "reps", "acc-weeks", "wall s", "acc-wk/s/core", "engine speed / impl"), rows))

        # agreement checks
        pairs = (("engine", "numpy"), ("engine", "numba"), ("numpy", "numba"))
        check_rows, checks = [], {}
        exact_metrics = {"spend", "hours", "exec_days"} if v["exact"] else set()
        for mname in METRICS:
            cells = [mname]
            for i in IMPLS:
                m, se = stats(results[i][mname])
                cells.append(f"{m:.6g} ± {se:.2g}")
            checks[mname] = {}
            status = "ok"
            for a, b in pairs:
                c = compare_pair(results[a][mname], results[b][mname], mname in exact_metrics)
                checks[mname][f"{a}-{b}"] = c
                cells.append(f"{c['z']:+.2f}" if c["kind"] == "z" else f"rel {c['rel_diff']:.1e}")
                if not c["ok"]:
                    status = "FAIL"
                    failures.append(f"{name}: {mname} {a} vs {b}: {c}")
            cells.append(status)
            check_rows.append(tuple(cells))
        # the scale factor f: computed the same way in all three, so it must agree closely
        f_ok = all(abs(scales[i][j] - scales["engine"][j]) <= 1e-9 for i in IMPLS for j in (0, 1))
        if v["expect_f"] is not None:
            f_ok = f_ok and abs(scales["engine"][0] - v["expect_f"]) <= 1e-9
        if not f_ok:
            failures.append(f"{name}: scale factor f differs: {scales}")
        print()
        print(fmt_table(("metric", "engine mean ± se", "numpy mean ± se", "numba mean ± se",
                         "z eng-np", "z eng-nb", "z np-nb", "check"), check_rows))
        print(f"scale factor f agrees: {'yes' if f_ok else 'NO'}\n")

        records.append({
            "variant": name, "accounts": n_acc, "weeks": H, "policy": v["policy"],
            "resources": v["scenario"]["resources"],
            "implementations": {i: {"replications": reps[i], "seed": SEEDS[i], "wall_s": timing[i],
                                    "wall_s_all": all_times[i],
                                    "account_weeks": n_acc * H * reps[i],
                                    "account_weeks_per_s_per_core": rate[i],
                                    "engine_speed_ratio": rate["engine"] / rate[i],
                                    "scale_factor": scales[i],
                                    "means": {mm: stats(results[i][mm])[0] for mm in METRICS},
                                    "se": {mm: stats(results[i][mm])[1] for mm in METRICS}}
                                for i in IMPLS},
            "checks": checks, "scale_factor_ok": f_ok,
        })

    info["load_avg_at_end"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    out = args.out or HERE / "results" / f"baselines-{info['date'][:10]}{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": info, "quick": args.quick, "repeats": repeats,
                               "numba_compile_s": compile_s,
                               "z_limit": Z_LIMIT, "exact_rtol": EXACT_RTOL, "variants": records,
                               "failures": failures, "passed": not failures}, indent=2, default=str) + "\n")
    print(f"wrote {out}")
    if failures:
        print("\nFAILED checks:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
