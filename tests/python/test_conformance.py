"""The fast kernel against the reference step (docs/model.md §3, core
model/reference_step.hpp) with Python policies: a policy that gives every
replication its own allocation from what it observes must give the same
arrays, bit for bit, through `simulate` and through the private
`_core._reference_run`. The C++ conformance suite (tests/conformance) covers
the built-in policies."""
from __future__ import annotations

import numpy as np
import pytest

import cathedral
from cathedral import _core, policies
from cathedral.policies import as_tree
from cathedral.simulation import METRICS
from conftest import small_scenario_dict

REPLICATIONS = 70  # three blocks of 32 replications, the last one partial


def scenario() -> cathedral.Scenario:
    d = small_scenario_dict()
    d["horizon_weeks"] = 60
    d["accounts"][0]["jic"] = True
    d["accounts"][1]["agreement_weeks_left"] = 9
    d["accounts"].append({"id": "a4", "wallet": 800.0, "fit": 0.7, "org": 0.6, "contacts": []})
    d["params"] = {"agreement_min_org": 0.2, "agreement_min_fit": 0.3, "turnover_per_year": 2.0}
    d["resources"]["budget_per_year"] = 2500  # binds in some epochs
    d["shocks"] = [
        {"type": "market", "from_week": 4, "to_week": 20, "factor": 0.7},
        {"type": "strategy_shift", "account": "a2", "week": 10, "fit_target": 0.9},
        {"type": "competitor", "account": "a1", "from_week": 15, "strength": 0.9},
        {"type": "contact_leaves", "account": "a3", "contact": "coach", "week": 12},
    ]
    return cathedral.Scenario.from_dict(d)


def by_replication(obs):
    """Allocations that differ between replications and follow the observed state."""
    rep = np.broadcast_to((obs.replication % 4)[:, None].astype(float), obs.wallet.shape)
    return {
        "social_hours": 0.5 + rep * (1.0 - obs.coverage),
        "value_hours": 2.0 + 2.0 * (1.0 + obs.support) + obs.nine_grid[:, :, 8],
        "visits": np.where(obs.tier == 0, 3.0, 1.0 + 0.25 * rep),
        "service_hours": 0.5 + obs.satisfaction,
        "benchmarking": 1.3 + 0.7 * rep,
        "exec_visits": np.where(obs.pipeline_value > 100.0, 2.2, 0.7),
        "pursue_agreement": obs.fit > 0.5,
        "jic": (obs.revenue_to_date > 120.0 * (rep + 1.0)) | (obs.jic > 0) & (rep > 1),
    }


def assert_same_bits(kernel: dict, reference: dict) -> None:
    arrays = ("portfolio", "kpis", "account_mean", "account_var", "grid_mean", "tier_share",
              "allocation_mean", "scale", "binding", "infeasible")
    for key in arrays:
        a, b = np.asarray(kernel[key]), np.asarray(reference[key])
        assert a.shape == b.shape, key
        assert a.tobytes() == b.tobytes(), f"{key}: first difference at {np.argwhere(a != b)[:1].tolist()}"
    assert kernel["kpi_names"] == reference["kpi_names"]
    assert sorted(kernel["trajectories"]) == sorted(reference["trajectories"]) == sorted(METRICS)
    for metric, a in kernel["trajectories"].items():
        b = reference["trajectories"][metric]
        assert a.tobytes() == b.tobytes(), f"{metric}: first difference at {np.argwhere(a != b)[:1].tolist()}"


def run_both(sc, policy, mode, threads):
    tree = as_tree(policy, sc)
    kernel = _core.simulate(sc._core, tree, REPLICATIONS, 11, mode, threads, list(METRICS), False, None)
    reference = _core._reference_run(sc._core, as_tree(policy, sc), REPLICATIONS, 11, mode, False)
    return kernel, reference


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("mode", ["monte_carlo", "mean_field"])
def test_python_policy_gives_the_reference_bits(mode, threads):
    kernel, reference = run_both(scenario(), policies.python(by_replication), mode, threads)
    assert_same_bits(kernel, reference)
    if mode == "monte_carlo":  # the policy did give replications their own plans and the resources bound
        hours = kernel["trajectories"]["hours"]
        assert not np.array_equal(hours[0], hours[1])
        assert (kernel["scale"] < 1.0).any()
        assert kernel["portfolio"][:, :, METRICS.index("wins")].sum() > 0


def test_schedule_of_built_in_and_python_phases_gives_the_reference_bits():
    sc = scenario()
    plan = policies.schedule({0: policies.static(default={"social_hours": 2.0, "visits": 1.5, "benchmarking": 2.6}),
                              26: policies.python(by_replication)})
    kernel, reference = run_both(sc, plan, "monte_carlo", 2)
    assert_same_bits(kernel, reference)


def test_a_different_seed_is_not_the_same_bits():
    # the comparison can fail: the reference with another seed differs
    sc = scenario()
    policy = policies.python(by_replication)
    kernel = _core.simulate(sc._core, as_tree(policy, sc), 40, 11, "monte_carlo", 1, list(METRICS), False, None)
    other = _core._reference_run(sc._core, as_tree(policy, sc), 40, 12, "monte_carlo", False)
    with pytest.raises(AssertionError):
        assert_same_bits(kernel, other)
