#!/usr/bin/env python3
"""Engine throughput benchmark for cathedral.simulate (not a test).

Measures account-weeks per second (accounts x horizon weeks x replications
per second of wall time) at 1 and 2 worker threads for

  demo / monte_carlo   the bundled demo portfolio, 2048 replications
  demo / mean_field    the demo portfolio, one deterministic replication,
                       timed over a loop of N calls
  large / monte_carlo  generate_portfolio(1000, contacts=8, seed=1), 256 replications

Each measurement is the best of 3 wall times (time.perf_counter). The table is
printed and written as JSON to bench/results/engine-<date>.json (or --out).

Before and after, bench_ceiling (built with the engine, in $CATHEDRAL_BUILD_DIR
or build/release) measures the 2-thread speed-up this machine gives work that
shares nothing between threads: the ceiling for the engine's own speed-up.

    .venv/bin/python bench/bench_engine.py            # full run, a minute or two
    .venv/bin/python bench/bench_engine.py --quick    # about 20 seconds
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import cathedral

HERE = Path(__file__).resolve().parent

from machine import load_average, machine_info  # noqa: E402  (bench/ is the script's folder)
THREADS = (1, 2)
REPEATS = 3
_POLICIES: dict = {}

# (case, mode, full size, quick size): size is replications for monte_carlo,
# number of calls for mean_field. Full sizes are whole numbers of blocks of 32
# replications, an even number of them: two threads get equal shares.
CASES = (
    ("demo", "monte_carlo", 2048, 200),
    ("demo", "mean_field", 200, 20),
    ("large", "monte_carlo", 256, 64),
)


def machine_ceiling() -> dict | None:
    """The 2-thread speed-up of bench_ceiling's share-nothing work, or None where it is not built."""
    build = Path(os.environ.get("CATHEDRAL_BUILD_DIR", HERE.parent / "build" / "release"))
    exe = build / "bench_ceiling"
    if not exe.exists():
        print(f"(no {exe}: build it for the machine's thread ceiling: cmake --build {build} --target bench_ceiling)")
        return None
    out = subprocess.run([str(exe), "3"], capture_output=True, text=True, check=True).stdout
    found = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\w+) .*speed-up ([0-9.]+)x", out, re.M)}
    print("  machine ceiling, 2 threads: " + ", ".join(f"{k} {v:.2f}x" for k, v in found.items()), flush=True)
    return found


def scenarios() -> dict:
    large = cathedral.Scenario.from_dict(cathedral.generate_portfolio(1000, contacts=8, seed=1))
    return {"demo": cathedral.Scenario.demo(), "large": large}


def run_once(scenario, mode: str, size: int, threads: int):
    """One timed unit of work: wall time, process CPU time (all threads) and the KPIs of the (last) run.

    The scenario's own policy is passed explicitly, read once: with policy=None,
    simulate() reads scenario.policy, which serialises the whole scenario on every
    call, a sizeable share of a mean-field call's time that is not the engine's."""
    policy = _POLICIES.setdefault(id(scenario), scenario.policy)
    cpu = time.process_time()
    start = time.perf_counter()
    if mode == "monte_carlo":
        res = cathedral.simulate(scenario, policy, replications=size, seed=1, mode=mode, threads=threads,
                                 progress=False)
    else:
        for _ in range(size):
            res = cathedral.simulate(scenario, policy, seed=1, mode=mode, threads=threads, progress=False)
    wall = time.perf_counter() - start
    return wall, time.process_time() - cpu, res.kpi_values().to_numpy()


def measure(scenario, case: str, mode: str, size: int) -> list[dict]:
    """One row per thread count. The repeats alternate the thread counts (1, 2, 1, 2, ...)
    so that a passing burst of load elsewhere on the machine hits both alike."""
    times = {threads: [] for threads in THREADS}
    cpu_times = {threads: [] for threads in THREADS}
    kpis = {}
    for _ in range(REPEATS):
        for threads in THREADS:
            seconds, cpu_seconds, kpis[threads] = run_once(scenario, mode, size, threads)
            times[threads].append(seconds)
            cpu_times[threads].append(cpu_seconds)
    rows = []
    for threads in THREADS:
        row = _row(scenario, case, mode, size, threads, times[threads], cpu_times[threads])
        if threads != THREADS[0]:
            row["speedup"] = row["account_weeks_per_s"] / rows[0]["account_weeks_per_s"]
            # results must not depend on the thread count (docs/model.md §10)
            row["same_as_1_thread"] = bool(np.array_equal(kpis[threads], kpis[THREADS[0]], equal_nan=True))
        rows.append(row)
    return rows


def _row(scenario, case, mode, size, threads, times, cpu_times) -> dict:
    best = min(times)
    best_cpu = cpu_times[times.index(best)]
    replications = size if mode == "monte_carlo" else 1
    calls = 1 if mode == "monte_carlo" else size
    account_weeks = scenario.n_accounts * scenario.horizon_weeks * replications * calls
    return {
        "case": case,
        "mode": mode,
        "accounts": scenario.n_accounts,
        "weeks": scenario.horizon_weeks,
        "replications": replications,
        "calls": calls,
        "threads": threads,
        "account_weeks": account_weeks,
        "times_s": times,
        "best_s": best,
        "cpu_times_s": cpu_times,
        # CPU seconds per wall second of the best run: about `threads` when every
        # thread had a core to itself, less when other processes took cores away
        "cores_busy": best_cpu / best,
        "account_weeks_per_s": account_weeks / best,
        "account_weeks_per_s_per_thread": account_weeks / best / threads,
    }


def table(rows: list[dict]) -> str:
    head = ("case", "mode", "acc", "weeks", "reps", "calls", "thr", "best s", "busy", "acc-wk/s", "per thread",
            "speed-up", "same")
    lines = [head]
    for r in rows:
        lines.append((r["case"], r["mode"], str(r["accounts"]), str(r["weeks"]), str(r["replications"]),
                      str(r["calls"]), str(r["threads"]), f"{r['best_s']:.3f}", f"{r['cores_busy']:.2f}",
                      f"{r['account_weeks_per_s']:.3e}",
                      f"{r['account_weeks_per_s_per_thread']:.3e}",
                      "" if r.get("speedup") is None else f"{r['speedup']:.2f}x",
                      "" if r.get("same_as_1_thread") is None else ("yes" if r["same_as_1_thread"] else "NO")))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for k, line in enumerate(lines):
        out.append("  ".join(cell.rjust(w) if i >= 2 else cell.ljust(w) for i, (cell, w) in enumerate(zip(line, widths))))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run (seconds)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON output path (default bench/results/engine-<date>.json)")
    args = parser.parse_args(argv)

    info = machine_info()
    print(f"cathedral {info['cathedral']} @ {info['git_commit'] or '?'}; {info['cpu']}, "
          f"{info['cores']} cores ({info['cores_usable']} usable); Python {info['python']}, numpy {info['numpy']}; "
          f"{info['date']}" + ("; QUICK" if args.quick else ""))
    if info["cores_usable"] and info["cores_usable"] < max(THREADS):
        print(f"warning: only {info['cores_usable']} usable core(s); the 2-thread numbers are not meaningful")
    if info["load_avg_at_start"] is not None and info["load_avg_at_start"] > 0.5:
        print(f"warning: load average {info['load_avg_at_start']} at start: other processes are using the cores, "
              "so the timings (the 2-thread ones above all) will be low and noisy")

    ceiling = {"before": machine_ceiling()}
    scns = scenarios()
    rows = []
    for case, mode, full, quick in CASES:
        size = quick if args.quick else full
        for row in measure(scns[case], case, mode, size):
            rows.append(row)
            print(f"  {case:5} {mode:11} threads={row['threads']}: best {row['best_s']:.3f} s", flush=True)

    ceiling["after"] = machine_ceiling()

    print()
    print(table(rows))

    out = args.out or HERE / "results" / f"engine-{info['date'][:10]}{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    info["load_avg_at_end"] = load_average()
    out.write_text(json.dumps({"machine": info, "quick": args.quick, "repeats": REPEATS, "results": rows,
                               "machine_ceiling_2_threads": ceiling},
                              indent=2) + "\n")
    print(f"\nwrote {out}")
    if any(r.get("same_as_1_thread") is False for r in rows):
        print("warning: results differ between 1 and 2 threads", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
