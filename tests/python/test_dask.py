"""Dask: experiments and simulate() on a LocalCluster of worker processes give the same bits
as a local run, also when a worker is killed mid-run. One cluster serves the module."""
import os
import signal

import numpy as np
import pytest

import cathedral
from cathedral import experiments as ex
from cathedral import policies

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.filterwarnings("ignore:make_current is deprecated:DeprecationWarning")

PLAN = policies.static(default={"social_hours": 2.0, "value_hours": 3.0, "visits": 2.0, "service_hours": 1.0})


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=40)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def small():
    demo = cathedral.Scenario.demo()
    return demo.select(demo.account_ids[:8]).with_settings(horizon_weeks=104)


def _same(a, b):
    assert a.plans == b.plans and a.periods == b.periods
    for k in a.outcomes:
        assert np.array_equal(a.outcomes[k], b.outcomes[k]), k
        assert np.array_equal(a.se[k], b.se[k], equal_nan=True), k


def test_experiment_on_the_cluster_is_bit_identical(client, small):
    design = ex.lhs([ex.Uncertainty("params.coverage_gain", ex.uniform(0.01, 0.1)),
                     ex.Uncertainty("accounts.wallet", ex.uniform(0.8, 1.2), how="scale")], 20, seed=3)
    plans = {"plan": PLAN, "scenario's": None}
    local = ex.run(small, design, plans, replications=40, seed=5, by="year", progress=False)
    remote = ex.run(small, design, plans, replications=40, seed=5, by="year", client=client, progress=False)
    _same(local, remote)


def test_one_big_point_is_split_into_blocks(client, small):
    design = ex.full_factorial({"params.turnover_per_year": [0.2]})
    local = ex.run(small, design, replications=200, seed=2, keep_replications=True, progress=False)
    remote = ex.run(small, design, replications=200, seed=2, keep_replications=True, client=client, progress=False)
    assert ex._run._split(1, 7, 2)[1][2] > 0  # the point's blocks went to several tasks
    _same(local, remote)
    for k in local.outcomes:
        assert np.array_equal(local.replication_outcomes[k], remote.replication_outcomes[k])


def test_simulate_on_the_cluster_is_bit_identical(client, small):
    for policy in (None, PLAN):
        local = cathedral.simulate(small, policy, replications=150, seed=8, keep=["revenue"], progress=False)
        remote = cathedral.simulate(small, policy, replications=150, seed=8, keep=["revenue"], client=client,
                                    progress=False)
        for key, value in local._raw.items():
            if isinstance(value, np.ndarray):
                assert np.array_equal(remote._raw[key], value, equal_nan=True), key
        assert np.array_equal(local.trajectory("revenue"), remote.trajectory("revenue"))


def test_python_policy_goes_to_one_worker_whole(client, small):
    def fn(obs):
        return {"visits": np.full((obs.n_replications, obs.n_accounts), 2.0)}

    local = cathedral.simulate(small, policies.python(fn), replications=40, seed=1, progress=False)
    remote = cathedral.simulate(small, policies.python(fn), replications=40, seed=1, client=client, progress=False)
    assert np.array_equal(local._raw["kpis"], remote._raw["kpis"], equal_nan=True)


def test_a_killed_worker_changes_nothing(client, small):
    design = ex.lhs([ex.Uncertainty("params.coverage_gain", ex.uniform(0.01, 0.1))], 32, seed=6)
    local = ex.run(small, design, replications=64, seed=4, progress=False)
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[-1]
    killed = []

    def kill_once(fraction):  # called as tasks finish: the other worker is busy with its next one
        if not killed:
            killed.append(fraction)
            os.kill(victim, signal.SIGKILL)

    remote = ex.run(small, design, replications=64, seed=4, client=client, progress=kill_once)
    assert killed and killed[0] < 1
    _same(local, remote)
    client.wait_for_workers(2, timeout=60)
    assert victim not in client.run(os.getpid).values()  # the nanny started a new worker


def test_bad_input_fails_before_any_task(client, small):
    with pytest.raises(ValueError, match=r'policy.default.visitz: unknown key; did you mean "visits"'):
        cathedral.simulate(small, {"type": "static", "default": {"visitz": 1.0}}, replications=64, client=client,
                           progress=False)
    with pytest.raises(ValueError, match=r"point 0: must be in \[0, 1\]"):
        ex.run(small, ex.full_factorial({"params.coverage_gain": [2.0]}), client=client, progress=False)
