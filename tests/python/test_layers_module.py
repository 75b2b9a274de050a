"""cathedral.layers: the engine's step equations from Python, against docs/model.md §3.3–§3.4 by hand."""
import numpy as np
import pytest

import cathedral
from cathedral import layers


@pytest.fixture(scope="module")
def scenario():
    return cathedral.Scenario.demo()


def test_key_step_matches_the_equations(scenario):
    p = scenario.to_dict()["params"]
    I0, S0, stance, O = np.array([0.2, 0.9]), np.array([0.1, -0.4]), np.array([0.0, -0.5]), 0.3
    r_s = layers.social_response(scenario, np.array([2.0, 0.0]))
    r_v = layers.value_response(scenario, np.array([3.0, 6.0]))
    assert r_s == pytest.approx([2 / (2 + p["social_half_hours"]), 0.0], abs=1e-15)
    I1, S1 = layers.key_step(scenario, I0, S0, stance, r_s, r_v, O)
    I_exp = I0 + p["intimacy_gain"] * (r_s + p["value_to_intimacy"] * r_v) * (1 - I0) \
        - p["intimacy_decay"] * (1 - p["org_shelter"] * O) * I0
    S_hat = stance + p["affinity"] * I0 * (1 - stance)
    S_exp = S0 + p["support_gain"] * r_v * (0.5 + 0.5 * I0) * (1 - S0) - p["support_relax"] * (S0 - S_hat)
    np.testing.assert_allclose(I1, np.clip(I_exp, 0, 1), atol=1e-15)
    np.testing.assert_allclose(S1, np.clip(S_exp, -1, 1), atol=1e-15)


def test_broad_and_org_steps(scenario):
    p = scenario.to_dict()["params"]
    C, Q, staff, visits = 0.3, 0.6, 250.0, 2.0
    r_b = layers.visit_response(scenario, visits, staff)
    assert r_b == pytest.approx(visits / (visits + p["visit_half_per_100_staff"] * staff / 100), abs=1e-15)
    assert layers.coverage_step(scenario, C, r_b) == pytest.approx(
        C + p["coverage_gain"] * r_b * (1 - C) - p["coverage_decay"] * C, abs=1e-15)
    r_u = layers.service_response(scenario, 2.0)
    q_star = p["satisfaction_floor"] + (1 - p["satisfaction_floor"]) * (
        p["satisfaction_weight_coverage"] * C + (1 - p["satisfaction_weight_coverage"]) * r_u)
    assert layers.satisfaction_step(scenario, Q, C, r_u) == pytest.approx(Q + p["satisfaction_rate"] * (q_star - Q), abs=1e-15)
    O, F, m = 0.2, 0.8, 0.9
    drift = O + p["org_from_coverage"] * C * (1 - O) + p["org_from_jic"] * F * (1 - O) - p["org_decay"] * O
    expected = 1 - (1 - drift) * (1 - p["benchmarking_jump"] * F * m) * (1 - p["exec_visit_jump"] * F * m) ** 2
    assert layers.org_step(scenario, O, C, 1.0, F, m, 1, 2) == pytest.approx(expected, abs=1e-14)


def test_successor_and_events(scenario):
    p = scenario.to_dict()["params"]
    I, S = layers.successor(scenario, -0.5, 0.4, 0.5)
    assert I == pytest.approx(p["successor_intimacy_base"] + p["successor_intimacy_from_coverage"] * 0.4)
    assert S == pytest.approx(-0.5 + p["successor_support_from_org"] * 0.5 * 1.5)
    assert layers.events_per_week(np.full(52, 3.0)).sum() == 3
    assert layers.events_per_week(np.zeros(104)).sum() == 0
    # version 2: the clock runs across years, so 0.83 a year gives 0.83 a year on average
    n = layers.events_per_week(np.full((520, 2), [0.83, 1.5]))
    assert n.sum(axis=0).tolist() == [8.0, 15.0]
    assert set(np.unique(n)) <= {0.0, 1.0}
    np.testing.assert_array_equal(layers.events_per_week(np.full(4, 2.6), mode="mean_field"), np.full(4, 0.05))


def test_org_step_mean_field_uses_fractional_counts(scenario):
    p = scenario.to_dict()["params"]
    O, C, F, m = 0.2, 0.3, 0.8, 0.9
    drift = O + p["org_from_coverage"] * C * (1 - O) - p["org_decay"] * O
    n_bm, n_ev = 2.0 / 52, 3.0 / 52
    expected = 1 - (1 - drift) * (1 - p["benchmarking_jump"] * F * m) ** n_bm * (1 - p["exec_visit_jump"] * F * m) ** n_ev
    assert layers.org_step(scenario, O, C, 0.0, F, m, n_bm, n_ev, mode="mean_field") == pytest.approx(expected, abs=1e-14)
    with pytest.raises(ValueError, match="mode"):
        layers.org_step(scenario, O, C, 0.0, F, m, 1, 1, mode="mean")


def test_turnover_mixing_is_the_engines(scenario):
    p = scenario.to_dict()["params"]
    p_leave = layers.turnover_probability(scenario)
    assert p_leave == pytest.approx(1 - np.exp(-p["turnover_per_year"] / 52), rel=1e-15)
    I, S = layers.mix_successor(scenario, np.array([0.2, 0.9]), np.array([0.5, -0.5]), 0.1, 0.3)
    np.testing.assert_allclose(I, (1 - p_leave) * np.array([0.2, 0.9]) + p_leave * 0.1, rtol=1e-15)
    np.testing.assert_allclose(S, (1 - p_leave) * np.array([0.5, -0.5]) + p_leave * 0.3, rtol=1e-15)
