"""The adversarial suite (issue 14): every case runs in a fresh interpreter, under a memory limit
where that matters, and asserts a named error or a right result. A crash (a signal), a hang
(the timeout) or a late out-of-memory shows up as the child's exit status."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable

# Shared by the cases: a small valid scenario (3 accounts, 26 weeks) as a dict.
PRELUDE = '''
import json, math, sys, time
import numpy as np
import cathedral
from cathedral import _core

def small(accounts=3, weeks=26, interval=13, contacts=3):
    demo = cathedral.Scenario.demo().to_dict()
    d = {"name": "small", "horizon_weeks": weeks, "decision_interval_weeks": interval, "seed": 7,
         "resources": demo["resources"],
         "policy": {"type": "static", "default": {"visits": 1.0, "value_hours": 1.0, "social_hours": 0.5,
                                                 "service_hours": 0.5, "benchmarking": 2, "exec_visits": 1}}}
    base = demo["accounts"][0]
    d["accounts"] = []
    for i in range(accounts):
        acc = {k: v for k, v in base.items() if k not in ("pipeline",)}
        acc["id"] = f"a{i}"
        acc["name"] = f"A{i}"
        acc["contacts"] = [dict(c, id=f"c{j}") for j, c in enumerate(base["contacts"][:contacts])]
        d["accounts"].append(acc)
    return d

def finite_outputs(res):
    """Every output array of a run, checked for NaN and infinities (KPIs: undefined ratios may be NaN)."""
    raw = res._raw
    for key in ("portfolio", "account_mean", "grid_mean", "tier_share", "allocation_mean", "scale"):
        arr = np.asarray(raw[key], dtype=float)
        assert np.all(np.isfinite(arr)), (key, arr[~np.isfinite(arr)][:5])
    var = np.asarray(raw["account_var"], dtype=float)
    assert not np.any(np.isinf(var)), "account_var: inf"
    kpis = np.asarray(raw["kpis"], dtype=float)
    assert not np.any(np.isinf(kpis)), "kpis: inf"
    for name, arr in raw["trajectories"].items():
        assert np.all(np.isfinite(arr)), name
'''


@dataclass
class Outcome:
    rc: int
    out: str
    err: str
    seconds: float


def _limits(memory_mb: int | None):
    def apply():
        os.setsid()
        if memory_mb is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))
    return apply


# For the figure: every child, how many died of a signal, how many hit MemoryError unrefused.
TALLY = {"cases": 0, "crashes": 0, "late_oom": 0}


def _count(rc: int, err: str) -> None:
    TALLY["cases"] += 1
    TALLY["crashes"] += rc < 0
    TALLY["late_oom"] += "MemoryError" in err and "MemoryLimitError" not in err


def run_case(code: str, *, memory_mb: int | None = None, timeout: float = 60, prelude: bool = True,
             env: dict | None = None, args: list[str] | None = None) -> Outcome:
    """Runs `code` in a fresh interpreter (under RLIMIT_AS = memory_mb when given)."""
    script = (PRELUDE if prelude else "") + textwrap.dedent(code)
    started = time.monotonic()
    proc = subprocess.run([PYTHON, "-c", script] + (args or []), capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_limits(memory_mb), env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
                          cwd=str(ROOT))
    _count(proc.returncode, proc.stderr)
    return Outcome(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


def start_case(code: str, *, memory_mb: int | None = None) -> subprocess.Popen:
    script = PRELUDE + textwrap.dedent(code)
    return subprocess.Popen([PYTHON, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_limits(memory_mb), env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=str(ROOT))


def assert_ok(o: Outcome, *expected: str) -> None:
    """The child ended normally (no signal, no traceback) and printed every `expected` text."""
    assert o.rc == 0, f"exit {o.rc} ({signal.Signals(-o.rc).name if o.rc < 0 else 'error'})\n{o.out}\n{o.err[-3000:]}"
    for text in expected:
        assert text in o.out, f"{text!r} not in output:\n{o.out}\n{o.err[-2000:]}"


@pytest.fixture(scope="session", autouse=True)
def figure():
    """Tallies for bench/README.md's figure, written to build/adversarial-figure.json."""
    tally = {"inputs": 0, "nan": 0, "ctrl_c": []}
    yield tally
    import json

    tally.update(TALLY)
    tally["inputs"] += TALLY["cases"]

    out = ROOT / "build" / "adversarial-figure.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(tally, indent=2))
