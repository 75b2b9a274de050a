"""Shared fixtures for the tests of the cathedral Python API.

Runs are kept small (50-200 replications, short horizons) so that the whole
suite runs in well under a minute on two cores. Every test passes
progress=False unless it tests the progress argument itself, so that no
progress bar (and no tqdm import) depends on how fast the machine is.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports matplotlib

import pytest

import cathedral

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DEMO_PORTFOLIO = EXAMPLES / "demo_portfolio.json"
DEMO_PLANS = EXAMPLES / "demo_plans.json"

ALLOCATION_RATES = tuple(cathedral.activities.RATES)  # the engine's activity table: the rates the fit scales

# The static plan of the small scenario: every rate positive, resources ample.
SMALL_DEFAULT_ENTRY = {
    "social_hours": 2.0, "value_hours": 3.0, "visits": 1.0, "service_hours": 1.0,
    "benchmarking": 1.0, "exec_visits": 1.0, "pursue_agreement": True, "jic": False,
}


def small_scenario_dict() -> dict:
    """Three accounts (tiers S, B and cash_flow at week 0), contacts with roles,
    ample resources and a static policy. A fresh dict on every call."""
    return {
        "name": "small test portfolio",
        "horizon_weeks": 52,
        "decision_interval_weeks": 13,
        "seed": 7,
        "accounts": [
            {"id": "a1", "name": "Alpha Industries", "wallet": 1000.0, "fit": 0.8, "staff": 200,
             "coverage": 0.3, "org": 0.2,
             "contacts": [
                 {"id": "ceo", "role": "decision_maker", "influence": 3.0, "intimacy": 0.4, "support": 0.2,
                  "stance": 0.1},
                 {"id": "eng", "role": "technical", "influence": 1.0, "intimacy": 0.2, "support": -0.1},
             ]},
            {"id": "a2", "wallet": 500.0, "fit": 0.6,
             "contacts": [
                 {"id": "buyer", "role": "procurement", "influence": 2.0, "intimacy": 0.1, "support": 0.0},
             ]},
            {"id": "a3", "name": "Gamma Retail", "wallet": 200.0, "fit": 0.3,
             "contacts": [
                 {"id": "u1", "role": "user"},
                 {"id": "coach", "role": "coach", "influence": 0.5, "intimacy": 0.5, "support": 0.5},
                 {"id": "inf", "role": "influencer", "support": -0.5, "stance": -0.5},
             ]},
        ],
        "resources": {"account_managers": 3, "executive_days_per_year": 200, "budget_per_year": 10000},
        "policy": {"type": "static", "default": dict(SMALL_DEFAULT_ENTRY)},
    }


@pytest.fixture
def small_dict() -> dict:
    return small_scenario_dict()


@pytest.fixture
def small_scenario():
    import cathedral

    return cathedral.Scenario.from_dict(small_scenario_dict())


@pytest.fixture(scope="session")
def demo_scenario():
    import cathedral

    return cathedral.Scenario.demo()


@pytest.fixture(scope="session")
def demo_plans() -> dict:
    import json

    return json.loads(DEMO_PLANS.read_text())


def run(scenario, policy=None, **kwargs):
    """cathedral.simulate with progress=False and a small default replication count."""
    import cathedral

    kwargs.setdefault("progress", False)
    kwargs.setdefault("replications", 100)
    return cathedral.simulate(scenario, policy, **kwargs)


@pytest.fixture(scope="session")
def small_results():
    """The small scenario, 100 replications, every trajectory kept. Read-only: do not mutate."""
    import cathedral

    scenario = cathedral.Scenario.from_dict(small_scenario_dict())
    return run(scenario, replications=100, keep="trajectories")


@pytest.fixture(scope="session")
def demo_results(demo_scenario):
    """The demo portfolio under its own (tiered) policy, 96 replications. Read-only."""
    return run(demo_scenario, replications=96, keep=["revenue", "intimacy", "support"])


_CHILD_PRELUDE = textwrap.dedent("""\
    import resource
    def _limit(which, value):
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, hard))
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_STACK, 8 << 20)
    """)


def start_python_child(code: str, mem_mb: int | None = None) -> subprocess.Popen:
    """Start `code` in a fresh interpreter (for inputs that may crash or hang it).

    The child gets no core dumps and the usual 8 MiB stack (so that a stack
    overflow happens at the same depth whatever the shell's `ulimit -s`);
    `mem_mb` caps its address space so that a runaway allocation ends in
    MemoryError instead of exhausting the machine. Children can be started
    together and collected with `finish_python_child`.
    """
    prelude = _CHILD_PRELUDE
    if mem_mb is not None:
        prelude += f"_limit(resource.RLIMIT_AS, {mem_mb} << 20)\n"
    prelude += f"import sys\nsys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
    return subprocess.Popen([sys.executable, "-c", prelude + textwrap.dedent(code)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_python_child(proc: subprocess.Popen, timeout: float = 120.0):
    """(returncode, stdout, stderr); returncode None when it ran past `timeout` (then killed)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return None, out, err
    return proc.returncode, out, err


