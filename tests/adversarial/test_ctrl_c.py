"""Issue 14.5: Ctrl-C stops a run within a fraction of a second, also inside long epochs.

The signal is sent once the run is under way (its first progress call): before it, loading and
the allocation of the run's outputs hold the interpreter for up to a few seconds on huge
scenarios (docs/limits.md)."""
import os
import signal
import time

import pytest

from conftest import start_case

CASES = {
    # one decision epoch for the whole horizon: no epoch boundary to wait for
    "one long epoch": ("small(accounts=1500, weeks=520, interval=520, contacts=4)", "None", 64, "monte_carlo"),
    # a Python policy: all replications advance together
    "python policy": ("small(accounts=1500, weeks=520, interval=520, contacts=4)",
                      "cathedral.policies.python(lambda obs: {'visits': 1.0})", 64, "monte_carlo"),
    # mean field: one replication, one thread
    "mean field": ("small(accounts=20000, weeks=520, interval=520, contacts=2)", "None", 1, "mean_field"),
    # as many events as an allocation may hold (5,200 a year of each kind)
    "event-heavy weeks": ("dict(small(accounts=1500, weeks=520, interval=520, contacts=4), policy={'type': 'static', "
                          "'default': {'benchmarking': 5200, 'exec_visits': 5200, 'visits': 3}})", "None", 64,
                          "monte_carlo"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_ctrl_c_latency(case, figure):
    scenario, policy, reps, mode = CASES[case]
    proc = start_case(f'''
        d = {scenario}
        for a in d["accounts"]:
            a["wallet_growth"] = 0.0
        sc = cathedral.Scenario.from_dict(d)
        pol = {policy}
        print("STARTED", flush=True)
        running = []

        def progress(fraction):  # called from the run's monitor: the run is under way
            if not running:
                running.append(fraction)
                print("RUNNING", flush=True)
        try:
            cathedral.simulate(sc, pol, replications={reps}, threads=2, mode="{mode}", progress=progress)
            print("FINISHED", flush=True)
        except KeyboardInterrupt:
            print("INTERRUPTED", repr(time.time()), flush=True)
    ''')
    try:
        assert proc.stdout.readline().strip() == "STARTED", proc.stderr.read()
        assert proc.stdout.readline().strip() == "RUNNING", proc.stderr.read()
        time.sleep(1.0)  # well inside the run
        sent = time.time()
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert "INTERRUPTED" in out, (out, err[-2000:])
    latency = float(out.split("INTERRUPTED ")[1].split()[0]) - sent
    figure["ctrl_c"].append((case, latency))
    assert latency < 1.0, f"{case}: Ctrl-C took {latency:.2f} s"
