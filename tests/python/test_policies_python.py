"""Python policies and schedules (docs/model.md §5; cathedral.policies.python / schedule).

A python policy is called once per decision epoch with the observation of all
replications at once and returns allocation arrays; whatever it returns goes
through the same resource fitting and the same engine as the built-in
policies, so a python policy that returns what a static or tiered policy
would return must give bit-identical results with the same seed. Errors in
what it returns are PolicyErrors naming the field and the epoch; errors
raised inside it propagate unchanged.
"""
from __future__ import annotations

import warnings

import json
import math

import numpy as np
import pytest

import cathedral
from cathedral import policies, shocks
from conftest import SMALL_DEFAULT_ENTRY, run, small_scenario_dict

FIELDS = policies.ALLOCATION_FIELDS


def small(**settings) -> cathedral.Scenario:
    scenario = cathedral.Scenario.from_dict(small_scenario_dict())
    return scenario.with_settings(**settings) if settings else scenario


def same_results(a, b) -> None:
    """Bit-identical KPIs per replication, weekly portfolio series and fitted allocations."""
    np.testing.assert_array_equal(a.kpi_values().to_numpy(), b.kpi_values().to_numpy())
    for metric in ("revenue", "contribution", "coverage", "support", "org", "hours", "spend"):
        np.testing.assert_array_equal(a.weekly(metric), b.weekly(metric))
    np.testing.assert_array_equal(a.allocations()[list(FIELDS)].to_numpy(),
                                  b.allocations()[list(FIELDS)].to_numpy())
    np.testing.assert_array_equal(a.scale_factors()["scale_factor"].to_numpy(),
                                  b.scale_factors()["scale_factor"].to_numpy())


def entry_arrays(entry: dict, n_accounts: int) -> dict:
    return {k: np.full(n_accounts, float(v)) for k, v in entry.items()}


# --- calls: once per epoch, all replications at once -------------------------------------------

@pytest.mark.parametrize("horizon, interval", [(52, 13), (50, 13), (40, 7), (13, 13), (5, 13), (30, 1)])
def test_called_once_per_epoch_with_all_replications(horizon, interval):
    scenario = small(horizon_weeks=horizon, decision_interval_weeks=interval)
    calls = []

    def record(obs):
        calls.append((obs.epoch, obs.week, obs.wallet.shape, obs.tier.shape, obs.nine_grid.shape,
                      obs.n_replications, obs.n_accounts, obs.replication.copy()))
        return dict(SMALL_DEFAULT_ENTRY)

    R = 70  # more than two of the engine's blocks of 32 replications
    res = run(scenario, policies.python(record), replications=R, threads=2)
    n_epochs = math.ceil(horizon / interval)
    assert len(calls) == n_epochs
    assert [c[0] for c in calls] == list(range(n_epochs))
    assert [c[1] for c in calls] == [e * interval for e in range(n_epochs)]
    for _, _, wallet_shape, tier_shape, grid_shape, n_rep, n_acc, replication in calls:
        assert wallet_shape == tier_shape == (R, 3)
        assert grid_shape == (R, 3, 9)
        assert (n_rep, n_acc) == (R, 3)
        np.testing.assert_array_equal(replication, np.arange(R))
    assert len(res.scale_factors()) == n_epochs


def test_mean_field_calls_once_per_epoch_with_one_row():
    calls = []

    def record(obs):
        calls.append(obs.wallet.shape)
        return {}

    run(small(), policies.python(record), mode="mean_field", replications=1)
    assert calls == [(1, 3)] * 4


# --- the observation ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def observed():
    """The small scenario under its static plan through a python policy: every observation and
    the run's trajectories."""
    scenario = small()
    seen = []

    def record(obs):
        seen.append(obs)
        return dict(SMALL_DEFAULT_ENTRY)

    res = run(scenario, policies.python(record), replications=40, keep="trajectories")
    return scenario, seen, res


def test_observation_fields_and_shapes(observed):
    scenario, seen, _ = observed
    R, A = 40, 3
    per_account = ("wallet", "fit", "coverage", "satisfaction", "org", "support", "intimacy",
                   "agreement_weeks_left", "jic", "revenue_to_date", "gross_profit_to_date",
                   "pipeline_value", "tier", "cash_flow")
    for obs in seen:
        for name in per_account:
            value = getattr(obs, name)
            assert isinstance(value, np.ndarray), name
            assert value.shape == (R, A), name
        assert np.issubdtype(obs.tier.dtype, np.integer)
        assert set(np.unique(obs.tier)) <= {0, 1, 2, 3}
        assert obs.cash_flow.dtype == np.bool_
        assert obs.nine_grid.shape == (R, A, 9)
        assert np.issubdtype(obs.nine_grid.dtype, np.integer)
        # every key contact sits in exactly one cell
        np.testing.assert_array_equal(obs.nine_grid.sum(axis=2), np.tile([2, 1, 3], (R, 1)))
        assert obs.account_ids == ["a1", "a2", "a3"]
        assert obs.tier_labels == ("S", "A", "B", "C")
        assert len(obs.grid_cells) == 9 and obs.grid_cells[-1] == "high/supportive"
        assert obs.resources == {"am_hours_per_week": 90.0, "executive_days_per_year": 200.0,
                                 "budget_per_year": 10000.0}
        assert isinstance(obs.epoch, int) and isinstance(obs.week, int)
        assert obs.week == 13 * obs.epoch
        assert np.all(obs.revenue_to_date >= 0) and np.all(obs.pipeline_value >= 0)
        assert "epoch" in repr(obs)
    assert [o.epoch for o in seen] == [0, 1, 2, 3]


def test_observation_at_week_0_is_the_scenario(observed):
    scenario, seen, _ = observed
    obs = seen[0]
    data = scenario.to_dict()
    for name in ("wallet", "fit", "coverage", "satisfaction", "org"):
        np.testing.assert_array_equal(obs.__dict__[name], np.tile([a[name] for a in data["accounts"]], (40, 1)))
    # K = Σ w_k S_k and Ī = Σ w_k I_k with influence weights normalised per account (§2.2)
    np.testing.assert_allclose(obs.support, np.tile([0.75 * 0.2 + 0.25 * -0.1, 0.0, 0.2 * 0.5 + 0.4 * -0.5], (40, 1)),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(obs.intimacy, np.tile([0.75 * 0.4 + 0.25 * 0.2, 0.1, 0.2 * 0.5], (40, 1)),
                               rtol=0, atol=1e-12)
    assert np.all(obs.revenue_to_date == 0) and np.all(obs.gross_profit_to_date == 0)
    assert np.all(obs.agreement_weeks_left == 0) and np.all(obs.jic == 0)
    # tiers S, B and cash_flow at week 0 (conftest), as tier_label() and as codes
    assert scenario.initial_tiers() == {"a1": "S", "a2": "B", "a3": "cash_flow"}
    assert (obs.tier_label() == np.array(["S", "B", "cash_flow"], dtype=object)).all()
    np.testing.assert_array_equal(obs.tier[:, :2], np.tile([0, 2], (40, 1)))
    np.testing.assert_array_equal(obs.cash_flow, np.tile([False, False, True], (40, 1)))
    # nine-grid cells by hand (§6): ceo medium/neutral, eng low/neutral; buyer low/neutral;
    # u1 low/neutral, coach medium/supportive, inf low/opposed
    cells = list(obs.grid_cells)
    expected = np.zeros((3, 9), dtype=int)
    for account, cell in ((0, "medium/neutral"), (0, "low/neutral"), (1, "low/neutral"),
                          (2, "low/neutral"), (2, "medium/supportive"), (2, "low/opposed")):
        expected[account, cells.index(cell)] += 1
    np.testing.assert_array_equal(obs.nine_grid, np.broadcast_to(expected, (40, 3, 9)))


def test_later_observations_are_the_state_at_the_end_of_the_previous_week(observed):
    """The policy at epoch e (week t0) sees the state at the end of week t0 − 1, per replication."""
    _, seen, res = observed
    for obs in seen[1:]:
        t0 = obs.week
        for name in ("wallet", "fit", "coverage", "satisfaction", "org", "support", "intimacy",
                     "agreement_weeks_left", "jic"):
            np.testing.assert_allclose(obs.__dict__[name], res.trajectory(name)[:, t0 - 1, :], rtol=0, atol=1e-12,
                                       err_msg=f"{name} at epoch {obs.epoch}")
        np.testing.assert_allclose(obs.revenue_to_date, res.trajectory("revenue")[:, :t0, :].sum(axis=1),
                                   rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(obs.gross_profit_to_date, res.trajectory("gross_profit")[:, :t0, :].sum(axis=1),
                                   rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(obs.nine_grid.mean(axis=0), res.nine_grid(week=t0 - 1).to_numpy(),
                                   rtol=0, atol=1e-12)
    # the state does move between epochs, so the comparison above is not vacuous
    assert not np.array_equal(seen[1].coverage, seen[3].coverage)
    assert np.any(seen[3].revenue_to_date > 0)


def _mean_field_pipeline_values():
    scenario = small().with_params(dig_wallet_share=0.0)
    seen = []

    def record(obs):
        seen.append(obs.pipeline_value.copy())
        return dict(SMALL_DEFAULT_ENTRY)

    res = run(scenario, policies.python(record), mode="mean_field", replications=1,
              keep=["seen_deals", "decided_deals"])
    mean_deal = np.array([a["wallet"] for a in scenario.to_dict()["accounts"]]) * scenario.to_dict()["params"]["deal_fraction"]
    return seen, res, mean_deal


def test_pipeline_value_is_the_open_deals_mean_field():
    """Mean field, no dug deals: each week's arrivals add seen·d̄ of value decided 16 weeks later; the
    initial pipeline holds L = 16 weeks of the week-0 arrival rate (the decided count of week 0)."""
    seen, res, mean_deal = _mean_field_pipeline_values()
    arrivals = res.trajectory("seen_deals")[0]
    initial_rate = res.trajectory("decided_deals")[0][0]
    # at week 13: the initial deals due in weeks 13..15 and everything seen in weeks 0..12
    np.testing.assert_allclose(seen[1][0], mean_deal * (3 * initial_rate + arrivals[:13].sum(axis=0)), rtol=1e-12)
    # at week 26: everything seen in weeks 10..25
    np.testing.assert_allclose(seen[2][0], mean_deal * arrivals[10:26].sum(axis=0), rtol=1e-12)


def test_pipeline_value_at_week_0_includes_the_initial_pipeline():
    seen, res, mean_deal = _mean_field_pipeline_values()
    initial_rate = res.trajectory("decided_deals")[0][0]
    np.testing.assert_allclose(seen[0][0], mean_deal * 16 * initial_rate, rtol=1e-12)


def test_pipeline_value_at_week_0_shows_a_listed_pipeline():
    data = small_scenario_dict()
    data["accounts"][1]["pipeline"] = [{"size": 10, "decision_week": 3}, {"size": 20, "decision_week": 51},
                                       {"size": 40, "decision_week": 52}]  # the last is after the horizon
    seen = []
    run(cathedral.Scenario.from_dict(data),
        policies.python(lambda obs: seen.append(obs.pipeline_value.copy()) or {}), replications=5)
    np.testing.assert_array_equal(seen[0][:, 1], np.full(5, 30.0))


# --- what it returns ------------------------------------------------------------------------

ACCOUNT_ENTRIES = {
    "a1": {"social_hours": 3.0, "value_hours": 5.0, "visits": 2.0, "service_hours": 1.5, "benchmarking": 2.0,
           "exec_visits": 1.0, "pursue_agreement": True, "jic": True},
    "a2": {"social_hours": 1.0, "value_hours": 2.0, "visits": 1.0, "service_hours": 1.0, "benchmarking": 1.0,
           "exec_visits": 0.0, "pursue_agreement": True, "jic": False},
    "a3": {"social_hours": 0.0, "value_hours": 0.5, "visits": 0.5, "service_hours": 1.0, "benchmarking": 0.0,
           "exec_visits": 0.0, "pursue_agreement": False, "jic": False},
}


def _per_account(field):
    return np.array([float(ACCOUNT_ENTRIES[a].get(field, 0.0)) for a in ("a1", "a2", "a3")])


@pytest.mark.parametrize("form", ["accounts", "replications x accounts", "bool arrays"])
def test_array_returns_equal_the_static_policy(form):
    scenario = small()
    static = policies.static(accounts=ACCOUNT_ENTRIES)

    def decide(obs):
        out = {}
        for f in FIELDS:
            value = _per_account(f)
            if form == "replications x accounts":
                value = np.tile(value, (obs.n_replications, 1))
            elif form == "bool arrays" and f in ("pursue_agreement", "jic"):
                value = value.astype(bool)
            elif form == "bool arrays":
                value = list(value)
            out[f] = value
        return out

    same_results(run(scenario, static, replications=60), run(scenario, policies.python(decide), replications=60))


def test_scalar_returns_equal_the_static_policy():
    scenario = small()
    same_results(run(scenario, policies.static(SMALL_DEFAULT_ENTRY), replications=60),
                 run(scenario, policies.python(lambda obs: dict(SMALL_DEFAULT_ENTRY)), replications=60))


def test_missing_fields_are_zero():
    scenario = small()
    only_visits = run(scenario, policies.python(lambda obs: {"visits": 2.0}), replications=20)
    alloc = only_visits.allocations()
    assert (alloc["visits"] == 2.0).all()
    for f in FIELDS:
        if f != "visits":
            assert (alloc[f] == 0).all(), f
    same_results(only_visits, run(scenario, policies.static({"visits": 2.0}), replications=20))


def test_python_equals_static_on_the_demo(demo_scenario, demo_plans):
    """The demo's "even spread" plan binds the resources (scale factor < 1): the python path must be
    fitted exactly as the built-in one."""
    plan = demo_plans["even spread"]
    tight = demo_scenario.with_resources(account_managers=12.5)  # the demo's plans fit it: make them bind
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cathedral.FitWarning)
        builtin = run(tight, plan, replications=100)
        assert builtin.scale_factors()["scale_factor"].max() < 1
        same_results(builtin, run(tight, policies.python(lambda obs: dict(plan["default"])), replications=100))


def test_python_tiered_emulation_equals_tiered_on_the_demo(demo_scenario, demo_plans):
    """Re-tiering at every epoch from obs.tier / obs.cash_flow reproduces the built-in tiered policy."""
    plan = demo_plans["cathedral"]
    templates = plan["templates"]
    table = {f: np.array([float(templates[t].get(f, 0.0)) for t in ("S", "A", "B", "C", "cash_flow")]) for f in FIELDS}

    def tiered(obs):
        label = np.where(obs.cash_flow, 4, obs.tier)
        return {f: table[f][label] for f in FIELDS}

    builtin = run(demo_scenario, plan, replications=100)
    emulated = run(demo_scenario, policies.python(tiered), replications=100)
    same_results(builtin, emulated)
    # the tiers do move over the horizon, so the per-epoch re-tiering was exercised
    assert not builtin.tier_shares(0).equals(builtin.tier_shares(-1))


def test_rows_are_replications():
    """Row r of the returned arrays is replication r's allocation: replication r of a run where
    even rows get one plan and odd rows another equals replication r of that plan's static run
    (the first k of n replications equal a run of k, docs/model.md §10)."""
    scenario = small()
    low = dict(SMALL_DEFAULT_ENTRY, visits=0.5, value_hours=1.0)
    high = dict(SMALL_DEFAULT_ENTRY, visits=4.0, value_hours=6.0)

    def alternate(obs):
        even = (obs.replication % 2 == 0)[:, None]
        return {f: np.where(even, float(low.get(f, 0.0)), float(high.get(f, 0.0))) * np.ones((1, obs.n_accounts)) for f in FIELDS}

    R = 40
    mixed = run(scenario, policies.python(alternate), replications=R).kpi_values().to_numpy()
    a = run(scenario, policies.static(low), replications=R).kpi_values().to_numpy()
    b = run(scenario, policies.static(high), replications=R).kpi_values().to_numpy()
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(mixed[0::2], a[0::2])
    np.testing.assert_array_equal(mixed[1::2], b[1::2])


def test_allocations_that_depend_on_the_observation_differ_by_row():
    scenario = small()
    returned = []

    def by_coverage(obs):
        # fit noise makes the fit differ between replications from epoch 1 on
        visits = np.where(obs.fit < np.median(obs.fit, axis=0), 3.0, 0.5)
        returned.append(visits)
        return dict(SMALL_DEFAULT_ENTRY, visits=visits)

    res = run(scenario, policies.python(by_coverage), replications=50, keep=["coverage"])
    # from epoch 1 on the fit differs between replications, and so do the allocations
    for visits in returned[1:]:
        assert np.unique(visits[:, 0]).size == 2
    alloc = res.allocations()
    assert (alloc["scale_factor"] == 1).all()
    for epoch, visits in enumerate(returned):
        np.testing.assert_allclose(alloc.xs(epoch, level="epoch")["visits"].to_numpy(), visits.mean(axis=0),
                                   rtol=0, atol=1e-12)
    # and the engine applied each row's own effort: more visits → coverage rises faster in that row
    cov = res.trajectory("coverage")
    rows_high = returned[1][:, 0] == 3.0
    gain = cov[:, 25, 0] - cov[:, 12, 0]
    assert gain[rows_high].min() > gain[~rows_high].max()


# --- errors in what it returns -----------------------------------------------------------

EPOCH_2 = r"epoch 2 \(week 26\)"

BAD_RETURNS = [
    ("unknown field", {"vists": 1.0}, r"'vists' is not an allocation field; did you mean \"visits\"\?"),
    ("unknown field, no hint", {"zzz": 1.0}, r"'zzz' is not an allocation field; fields are: social_hours"),
    ("contact_focus is not a python field", {"contact_focus": 1.0}, r"'contact_focus' is not an allocation field"),
    ("wrong length", {"visits": np.ones(4)}, r"visits: shape \(4,\) must be \(accounts,\) = \(3,\)"),
    ("wrong rank", {"visits": np.ones((5, 3, 1))}, r"visits: shape \(5, 3, 1\)"),
    ("one row", {"visits": np.ones((1, 3))}, r"visits: shape \(1, 3\)"),
    ("transposed", {"visits": np.ones((3, 5))}, r"visits: shape \(3, 5\) must be .*\(replications, accounts\) = \(5, 3\)"),
    ("negative", {"service_hours": np.array([1.0, -0.5, 1.0])}, r"service_hours: must be >= 0, got -0.5"),
    ("nan", {"social_hours": np.array([1.0, np.nan, 1.0])}, r"social_hours: must be finite"),
    ("inf", {"benchmarking": np.inf}, r"benchmarking: must be finite"),
    ("non-bool jic", {"jic": 0.5}, r"jic: must be True/False \(or 1/0\), got 0.5"),
    ("non-bool agreement", {"pursue_agreement": np.array([1, 2, 0])}, r"pursue_agreement: must be True/False"),
    ("text", {"visits": "lots"}, r"visits: must be numbers, got str"),
    ("not a mapping", [("visits", 1.0)], r"must return a mapping of allocation fields to arrays, got list"),
    ("None", None, r"must return a mapping of allocation fields to arrays, got NoneType"),
]


def _after_an_error_the_engine_still_works():
    scenario = small()
    a = run(scenario, policies.python(lambda obs: dict(SMALL_DEFAULT_ENTRY)), replications=10)
    b = run(scenario, policies.static(SMALL_DEFAULT_ENTRY), replications=10)
    same_results(a, b)


@pytest.mark.parametrize("case, value, pattern", BAD_RETURNS, ids=[c[0] for c in BAD_RETURNS])
@pytest.mark.parametrize("threads", [1, 2])
def test_bad_returns_raise_policy_error_naming_field_and_epoch(case, value, pattern, threads):
    scenario = small()

    def decide(obs):
        return value if obs.epoch == 2 else dict(SMALL_DEFAULT_ENTRY)

    with pytest.raises(cathedral.PolicyError, match=EPOCH_2 + ".*" + pattern) as info:
        run(scenario, policies.python(decide), replications=5, threads=threads)
    assert str(info.value).startswith("python policy at epoch 2 (week 26): ")
    assert isinstance(info.value, ValueError)
    _after_an_error_the_engine_still_works()


def test_policy_error_in_a_schedule_phase_names_its_epoch():
    scenario = small()
    plan = policies.schedule({0: policies.static(SMALL_DEFAULT_ENTRY),
                              26: policies.python(lambda obs: {"vists": 1.0})})
    with pytest.raises(cathedral.PolicyError, match=EPOCH_2 + r".*did you mean \"visits\""):
        run(scenario, plan, replications=5)
    _after_an_error_the_engine_still_works()


class _PolicyBug(RuntimeError):
    pass


def exploding_policy(obs):
    if obs.epoch == 1:
        raise _PolicyBug(f"boom at week {obs.week}")
    return dict(SMALL_DEFAULT_ENTRY)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("mode", ["monte_carlo", "mean_field"])
def test_exception_inside_the_policy_propagates_with_its_traceback(threads, mode):
    with pytest.raises(_PolicyBug, match="boom at week 13") as info:
        run(small(), policies.python(exploding_policy), replications=70 if mode == "monte_carlo" else 1,
            threads=threads, mode=mode)
    assert type(info.value) is _PolicyBug
    names = [entry.name for entry in info.traceback]
    assert "exploding_policy" in names
    assert names[-1] == "exploding_policy"  # raised there, not re-raised by the engine
    _after_an_error_the_engine_still_works()


@pytest.mark.parametrize("error", [KeyError("missing"), ZeroDivisionError("division"), MemoryError(),
                                   KeyboardInterrupt(), SystemExit(3)], ids=lambda e: type(e).__name__)
def test_builtin_exception_types_are_kept(error):
    def fail(obs):
        raise error

    with pytest.raises(type(error)) as info:
        run(small(), policies.python(fail), replications=5)
    assert info.value is error
    _after_an_error_the_engine_still_works()


def test_python_requires_a_callable():
    with pytest.raises(TypeError, match="fn must be callable"):
        policies.python(42)


def test_python_policy_has_no_json_form():
    plan = policies.python(lambda obs: {})
    assert plan.type == "python"
    with pytest.raises(ValueError, match="no JSON form"):
        plan.to_dict()


# --- a rule-based policy: broad relationships in a downturn, cash-flow customers to maintenance --

NORMAL = {"social_hours": 2.0, "value_hours": 3.0, "visits": 1.0, "service_hours": 1.0, "benchmarking": 1.0,
          "exec_visits": 1.0, "pursue_agreement": True, "jic": False}
DOWNTURN = {"social_hours": 1.0, "value_hours": 1.5, "visits": 4.0, "service_hours": 3.0, "benchmarking": 1.0,
            "exec_visits": 1.0, "pursue_agreement": True, "jic": False}
MAINTENANCE = {"visits": 0.5, "service_hours": 1.0}


def downturn_policy(threshold: float = 0.8):
    """Shift effort to broad relationships in a market downturn; shrink cash-flow customers to maintenance.

    A replication is in a downturn when its open pipeline per unit of wallet has fallen below
    `threshold` times the level it had at the first epoch that showed a pipeline: fewer projects
    reach us for the same wallet.
    """
    reference = {}

    def decide(obs):
        ratio = obs.pipeline_value.sum(axis=1) / obs.wallet.sum(axis=1)  # per replication
        ref = np.array([reference.setdefault(int(r), x) if x > 0 else reference.get(int(r), np.nan)
                        for r, x in zip(obs.replication, ratio)])
        downturn = (ratio < threshold * ref)[:, None]  # NaN reference: no downturn yet
        out = {}
        for f in FIELDS:
            value = np.where(downturn, float(DOWNTURN.get(f, 0.0)), float(NORMAL.get(f, 0.0))) * np.ones(obs.n_accounts)
            out[f] = np.where(obs.cash_flow, float(MAINTENANCE.get(f, 0.0)), value)
        return out

    return policies.python(decide)


@pytest.fixture(scope="module")
def downturn_scenario():
    # a3 (fit 0.3 < cashflow_fit 0.35) is a cash-flow customer throughout
    return small().with_shocks(shocks.market(13, 51, 0.4))


def _per_epoch(res, account, fields=FIELDS):
    return res.allocations().xs(account, level="account_id")[list(fields)]


def test_rule_based_policy_mean_field(downturn_scenario):
    shocked = run(downturn_scenario, downturn_policy(), mode="mean_field", replications=1)
    calm = run(small(), downturn_policy(), mode="mean_field", replications=1)
    maintenance = [float(MAINTENANCE.get(f, 0.0)) for f in FIELDS]
    normal = [float(NORMAL.get(f, 0.0)) for f in FIELDS]
    broad = [float(DOWNTURN.get(f, 0.0)) for f in FIELDS]
    for res in (shocked, calm):
        # cash-flow customers get only maintenance effort, at every epoch
        np.testing.assert_array_equal(_per_epoch(res, "a3").to_numpy(), np.tile(maintenance, (4, 1)))
        assert (res.allocations()["scale_factor"] == 1).all()
    for account in ("a1", "a2"):
        np.testing.assert_array_equal(_per_epoch(calm, account).to_numpy(), np.tile(normal, (4, 1)))
        # the market falls from week 13: the pipeline shows it at week 26, and effort turns broad
        np.testing.assert_array_equal(_per_epoch(shocked, account).to_numpy(), np.array([normal, normal, broad, broad]))
    # broad effort raised coverage against running the normal plan through the same downturn
    normal_plan = policies.python(lambda obs: {f: np.where(obs.cash_flow, float(MAINTENANCE.get(f, 0.0)),
                                                           float(NORMAL.get(f, 0.0))) for f in FIELDS})
    plain = run(downturn_scenario, normal_plan, mode="mean_field", replications=1)
    assert (shocked.accounts().loc[["a1", "a2"], "coverage"] > plain.accounts().loc[["a1", "a2"], "coverage"]).all()


def test_rule_based_policy_monte_carlo(downturn_scenario):
    # no strategy shifts and no fit noise: a3 stays a cash-flow customer in every replication
    scenario = downturn_scenario.with_params(strategy_shifts_per_year=0.0, fit_noise=0.0)
    res = run(scenario, downturn_policy(), replications=64)
    maintenance = [float(MAINTENANCE.get(f, 0.0)) for f in FIELDS]
    np.testing.assert_array_equal(_per_epoch(res, "a3").to_numpy(), np.tile(maintenance, (4, 1)))
    share = (_per_epoch(res, "a1", ["visits"])["visits"].to_numpy() - NORMAL["visits"]) / (
        DOWNTURN["visits"] - NORMAL["visits"])  # share of replications that see a downturn
    calm = run(small().with_params(strategy_shifts_per_year=0.0, fit_noise=0.0), downturn_policy(), replications=64)
    calm_share = (_per_epoch(calm, "a1", ["visits"])["visits"].to_numpy() - NORMAL["visits"]) / (
        DOWNTURN["visits"] - NORMAL["visits"])
    # nobody is in a downturn at week 0; most replications are by week 39, far more than
    # the calm market's false alarms (a noisy pipeline sometimes looks thin)
    assert share[0] == calm_share[0] == 0
    assert share[3] > 0.5
    assert share[2] > calm_share[2] + 0.2 and share[3] > calm_share[3] + 0.2


# --- schedules ---------------------------------------------------------------------------

PLAN_A = policies.static({"visits": 1.0, "value_hours": 2.0, "service_hours": 1.0})
PLAN_B = policies.static({"visits": 3.0, "social_hours": 1.0, "benchmarking": 2.0, "pursue_agreement": True},
                         accounts={"a2": {"exec_visits": 1.0}})


def _epochs(res):
    return res.allocations()[list(FIELDS)]


@pytest.mark.parametrize("switch, first_b_epoch", [(52, 4), (50, 4), (39, 3), (40, 4), (1, 1), (91, 7), (92, 8)])
def test_schedule_switches_at_the_first_epoch_at_or_after_its_week(switch, first_b_epoch):
    scenario = small(horizon_weeks=104)  # epochs at weeks 0, 13, ..., 91
    a = _epochs(run(scenario, PLAN_A, replications=10))
    b = _epochs(run(scenario, PLAN_B, replications=10))
    s = _epochs(run(scenario, policies.schedule({0: PLAN_A, switch: PLAN_B}), replications=10))
    before = s.index.get_level_values("epoch") < first_b_epoch
    assert not a.equals(b)
    np.testing.assert_array_equal(s[before].to_numpy(), a[before].to_numpy())
    np.testing.assert_array_equal(s[~before].to_numpy(), b[~before].to_numpy())


def test_schedule_before_the_switch_equals_plan_a_exactly():
    scenario = small(horizon_weeks=104)
    a = run(scenario, PLAN_A, replications=30, keep=["revenue"])
    s = run(scenario, policies.schedule({0: PLAN_A, 52: PLAN_B}), replications=30, keep=["revenue"])
    b = run(scenario, PLAN_B, replications=30, keep=["revenue"])
    np.testing.assert_array_equal(s.weekly("coverage")[:, :52], a.weekly("coverage")[:, :52])
    assert not np.array_equal(s.weekly("coverage")[:, 52:], a.weekly("coverage")[:, 52:])
    assert not np.array_equal(s.weekly("coverage")[:, 52:], b.weekly("coverage")[:, 52:])


def test_schedule_with_a_python_phase():
    scenario = small(horizon_weeks=104)
    calls = []

    def late(obs):
        calls.append(obs.week)
        return {"visits": 5.0, "service_hours": 2.0}

    s = run(scenario, policies.schedule({0: PLAN_A, 50: policies.python(late)}), replications=10)
    assert calls == [52, 65, 78, 91]
    visits = s.allocations().groupby("epoch")["visits"].first().tolist()
    assert visits == [1.0] * 4 + [5.0] * 4
    # a python first phase and a JSON second
    s2 = run(scenario, policies.schedule({0: policies.python(late), 26: PLAN_B}), replications=10)
    assert s2.allocations().groupby("epoch")["visits"].first().tolist() == [5.0, 5.0] + [3.0] * 6
    with pytest.raises(ValueError, match="no JSON form"):
        policies.schedule({0: PLAN_A, 50: policies.python(late)}).to_dict()


def test_schedule_accepts_policy_dicts_and_nests():
    scenario = small(horizon_weeks=104)
    inner = policies.schedule({0: PLAN_A.to_dict(), 26: {"type": "static", "default": {"visits": 2.0}}})
    outer = policies.schedule({0: inner, 52: PLAN_B})
    visits = run(scenario, outer, replications=5).allocations().groupby("epoch")["visits"].first().tolist()
    assert visits == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0]
    assert outer.to_dict()["phases"][0]["policy"]["type"] == "schedule"


@pytest.mark.parametrize("phases, error, pattern", [
    ({13: PLAN_A}, ValueError, "the first plan must start at week 0, got 13"),
    ({0: PLAN_A, -1: PLAN_B}, ValueError, "week -1 must be an integer >= 0"),
    ({0: PLAN_A, 13.0: PLAN_B}, ValueError, "week 13.0 must be an integer >= 0"),
    ({0: PLAN_A, True: PLAN_B}, ValueError, "week True must be an integer >= 0"),
    ({0: PLAN_A, "13": PLAN_B}, ValueError, "week '13' must be an integer >= 0"),
    ({0: PLAN_A, 13: "plan b"}, TypeError, "the plan for week 13 must be a Policy or a dict, got str"),
    ({0: 5}, TypeError, "the plan for week 0 must be a Policy or a dict, got int"),
    ({}, ValueError, "must be a non-empty dict"),
    ([(0, PLAN_A)], ValueError, "must be a non-empty dict"),
])
def test_schedule_errors(phases, error, pattern):
    with pytest.raises(error, match=pattern):
        policies.schedule(phases)


def test_schedule_round_trips_through_the_scenario():
    scenario = small(horizon_weeks=104)
    plan = policies.schedule({52: PLAN_B, 0: PLAN_A})  # given out of order
    spec = plan.to_dict()
    assert spec == {"type": "schedule", "phases": [{"from_week": 0, "policy": PLAN_A.to_dict()},
                                                   {"from_week": 52, "policy": PLAN_B.to_dict()}]}
    json.dumps(spec)
    edited = scenario.with_policy(plan)
    assert edited.policy["type"] == "schedule"
    assert [p["from_week"] for p in edited.policy["phases"]] == [0, 52]
    assert cathedral.Scenario.from_dict(edited.to_dict()) == edited
    same_results(run(edited, replications=30), run(scenario, plan, replications=30))
    # the scenario's own policy was replaced, so its results differ from the original's
    assert not np.array_equal(run(scenario, replications=30).kpi_values().to_numpy(),
                              run(edited, replications=30).kpi_values().to_numpy())


def test_invalid_schedule_dicts_are_scenario_errors():
    scenario = small()
    with pytest.raises(cathedral.ScenarioError, match=r"policy\.phases\[0\]\.from_week: the first phase must start"):
        scenario.with_policy({"type": "schedule", "phases": [{"from_week": 13, "policy": PLAN_A.to_dict()}]})
    with pytest.raises(cathedral.ScenarioError, match=r"policy\.phases\[1\]\.from_week"):
        scenario.with_policy({"type": "schedule", "phases": [{"from_week": 0, "policy": PLAN_A.to_dict()},
                                                             {"from_week": 0, "policy": PLAN_B.to_dict()}]})


def test_resources_left_subtracts_the_running_centres():
    """docs/model.md §4: running centres are commitments; the observation says what is left."""
    scenario = cathedral.Scenario.demo()
    data = scenario.to_dict()
    costs, resources = data["costs"], data["resources"]
    running_at_start = sum(a["jic"] for a in data["accounts"])
    assert running_at_start > 0
    seen = {}

    def fn(obs):
        seen[obs.epoch] = (obs.resources_left(), obs.jic.sum(axis=1))
        return {"visits": 1.0, "jic": obs.tier == 0}  # centres at S accounts only

    cathedral.simulate(scenario, policies.python(fn), replications=4, seed=1, progress=False)
    for epoch, (left, centres) in seen.items():
        hours = resources["account_managers"] * resources["am_hours_per_week"]
        np.testing.assert_allclose(left["am_hours_per_week"], hours - centres * costs["jic_hours_per_week"])
        np.testing.assert_allclose(left["budget_per_year"],
                                   resources["budget_per_year"] - centres * costs["jic_money_per_year"])
        np.testing.assert_allclose(left["executive_days_per_year"], resources["executive_days_per_year"])
    assert seen[0][1][0] == running_at_start


def test_the_shipped_rule_based_example():
    """examples/rule_based_policy.py: cash-flow customers get maintenance only; a replication
    whose quarterly revenue drops shifts key hours to broad relationships."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "rule_based_policy.py"
    spec = importlib.util.spec_from_file_location("rule_based_policy", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    scenario = cathedral.Scenario.demo().with_shocks(shocks.market(26, 77, 0.5))
    seen = []

    class Recording(example.DownturnRule):
        def __call__(self, obs):
            alloc = super().__call__(obs)
            seen.append((obs.cash_flow.copy(), {k: np.asarray(v).copy() for k, v in alloc.items()}))
            return alloc

    cathedral.simulate(scenario, policies.python(Recording()), replications=64, seed=4, progress=False)
    shifted = False
    for cash_flow, alloc in seen:
        assert np.all(alloc["visits"][cash_flow] == example.MAINTENANCE["visits"])
        assert np.all(alloc["social_hours"][cash_flow] == 0.0)
        others = ~cash_flow
        shifted |= bool(np.any(alloc["visits"][others] == 2 * example.BASE["visits"]))
        broad = alloc["visits"] == 2 * example.BASE["visits"]
        assert np.all(alloc["social_hours"][broad & others] == 0.5 * example.BASE["social_hours"])
    assert shifted  # the halved market does trigger the rule in some replications
