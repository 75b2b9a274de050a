"""Shocks (cathedral.shocks, Scenario.with_shocks): validation, round trips and their effects.

Effects are checked in mean_field mode, where the run is deterministic and a
shock's effect can be compared exactly with docs/model.md's formulas (§3.1, §3.4,
§3.6), and in Monte Carlo with a paired comparison (common random numbers).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import cathedral
from cathedral import shocks
from conftest import run, small_scenario_dict

MEAN_FIELD = dict(mode="mean_field", replications=1)


def small(**settings) -> cathedral.Scenario:
    scenario = cathedral.Scenario.from_dict(small_scenario_dict())
    return scenario.with_settings(**settings) if settings else scenario


def params(scenario) -> dict:
    return scenario.to_dict()["params"]


# --- the helpers ---------------------------------------------------------------------------

def test_helpers_build_the_documented_dicts():
    assert shocks.market(26, 77, 0.7) == {"type": "market", "from_week": 26, "to_week": 77, "factor": 0.7}
    assert shocks.contact_leaves("acc-03", "c1", week=40) == {"type": "contact_leaves", "account": "acc-03",
                                                              "contact": "c1", "week": 40}
    assert shocks.strategy_shift("a1", 10, 0.2) == {"type": "strategy_shift", "account": "a1", "week": 10,
                                                    "fit_target": 0.2}
    assert shocks.competitor("a1", 5, 0.9) == {"type": "competitor", "account": "a1", "from_week": 5,
                                               "strength": 0.9}


# --- validation ---------------------------------------------------------------------------------

VALID = shocks.market(1, 2, 0.5)

# (id, shock, message): the shock is added after VALID, so it is shocks[1]
INVALID = [
    ("unknown type", {"type": "markt", "from_week": 1, "to_week": 2, "factor": 0.5},
     'shocks[1].type: unknown shock type; did you mean "market"?'),
    ("unknown type, far", {"type": "earthquake"}, None),
    ("type not a string", {"type": 3},
     "shocks[1].type: must be one of market, contact_leaves, strategy_shift, competitor, got 3"),
    ("type missing", {"from_week": 3}, "shocks[1].type: required"),
    ("unknown account", shocks.contact_leaves("a4", "ceo", 3), 'shocks[1].account: unknown account id; did you mean "a1"?'),
    ("unknown account, competitor", shocks.competitor("a5", 5, 0.2),
     'shocks[1].account: unknown account id; did you mean "a1"?'),
    ("unknown account, strategy", shocks.strategy_shift("zz", 5, 0.2), None),
    ("unknown contact, close", shocks.contact_leaves("a1", "ce", 3),
     'shocks[1].contact: unknown contact id; did you mean "ceo"?'),
    ("unknown contact, far", shocks.contact_leaves("a1", "xyz", 3),
     "shocks[1].contact: unknown contact id; valid ids are: ceo, eng"),
    ("contact of another account", shocks.contact_leaves("a2", "ceo", 3), None),
    ("week at horizon", shocks.contact_leaves("a1", "ceo", 52), "shocks[1].week: must be < horizon_weeks (52), got 52"),
    ("negative week", shocks.contact_leaves("a1", "ceo", -1), "shocks[1].week: must be >= 0, got -1"),
    ("to_week at horizon", shocks.market(0, 52, 0.5), "shocks[1].to_week: must be < horizon_weeks (52), got 52"),
    ("from_week at horizon", shocks.market(52, 52, 0.5), None),
    ("strategy week at horizon", shocks.strategy_shift("a1", 60, 0.5),
     "shocks[1].week: must be < horizon_weeks (52), got 60"),
    ("competitor week at horizon", shocks.competitor("a1", 52, 0.2),
     "shocks[1].from_week: must be < horizon_weeks (52), got 52"),
    ("factor 0", shocks.market(0, 10, 0), "shocks[1].factor: must be > 0, got 0"),
    ("factor negative", shocks.market(0, 10, -1), "shocks[1].factor: must be > 0, got -1"),
    ("factor nan", shocks.market(0, 10, float("nan")), "shocks[1].factor: must be a finite number, got nan"),
    ("factor inf", shocks.market(0, 10, float("inf")), "shocks[1].factor: must be a finite number, got inf"),
    ("to before from", shocks.market(5, 4, 0.5), "shocks[1].to_week: must be >= from_week (5), got 4"),
    ("week not an integer", shocks.market(5.5, 6, 0.5), "shocks[1].from_week: must be an integer, got 5.5"),
    ("fit_target above 1", shocks.strategy_shift("a1", 3, 1.2), "shocks[1].fit_target: must be in [0, 1], got 1.2"),
    ("fit_target below 0", shocks.strategy_shift("a1", 3, -0.1), "shocks[1].fit_target: must be in [0, 1], got -0.1"),
    ("strength above 1", shocks.competitor("a1", 3, 1.2), "shocks[1].strength: must be in [0, 1], got 1.2"),
    ("extra key", dict(VALID, extra=1), "shocks[1].extra: unknown key; valid keys are: type, from_week, to_week, factor"),
    ("missing key", {"type": "market", "from_week": 1, "factor": 0.5}, "shocks[1].to_week: required"),
    ("key of another type", dict(shocks.contact_leaves("a2", "buyer", 5), from_week=4),
     "shocks[1].from_week: unknown key; valid keys are: type, account, contact, week"),
]


@pytest.mark.parametrize("shock, message", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_shocks_are_scenario_errors_naming_the_path(shock, message):
    scenario = small()
    with pytest.raises(cathedral.ScenarioError) as info:
        scenario.with_shocks(VALID, shock)
    text = str(info.value)
    assert text.startswith("shocks[1].")
    if message is not None:
        assert text == message
    # the same through from_dict and through a file
    data = small_scenario_dict()
    data["shocks"] = [VALID, shock]
    with pytest.raises(cathedral.ScenarioError) as again:
        cathedral.Scenario.from_dict(data)
    assert str(again.value) == text
    assert scenario.to_dict().get("shocks", []) == []  # the original is unchanged


def test_contact_shock_on_an_account_without_contacts():
    data = small_scenario_dict()
    data["accounts"][1]["contacts"] = []
    data["shocks"] = [shocks.contact_leaves("a2", "buyer", 3)]
    with pytest.raises(cathedral.ScenarioError, match=r'^shocks\[0\]\.contact: unknown contact id; account "a2" has no contacts$'):
        cathedral.Scenario.from_dict(data)


def test_shocks_must_be_a_list():
    data = small_scenario_dict()
    data["shocks"] = VALID
    with pytest.raises(cathedral.ScenarioError, match=r"^shocks: "):
        cathedral.Scenario.from_dict(data)


def test_with_shocks_takes_a_list_or_several_shocks():
    two = [shocks.market(1, 2, 0.5), shocks.market(3, 4, 0.5)]
    assert small().with_shocks(two).to_dict()["shocks"] == small().with_shocks(*two).to_dict()["shocks"] == two


@pytest.mark.parametrize("bad", ["market", 5, [shocks.market(1, 2, 0.5), "market"]])
def test_with_shocks_rejects_non_dicts_clearly(bad):
    with pytest.raises((ValueError, TypeError), match="shock"):
        small().with_shocks(bad)


ALL_KINDS = [shocks.market(1, 2, 0.5), shocks.competitor("a1", 4, 0.9), shocks.strategy_shift("a3", 7, 0.9),
             shocks.contact_leaves("a1", "eng", 9), shocks.market(0, 51, 1.25)]


def test_round_trip_through_to_dict_from_dict_and_files(tmp_path):
    scenario = small().with_shocks(*ALL_KINDS)
    data = scenario.to_dict()
    assert data["shocks"] == ALL_KINDS  # key order aside, exactly what was given, in order
    again = cathedral.Scenario.from_dict(data)
    assert again == scenario and again.to_dict()["shocks"] == ALL_KINDS
    json.dumps(data)
    scenario.save(tmp_path / "shocked.json")
    assert cathedral.Scenario.load(tmp_path / "shocked.json") == scenario
    # and the reloaded scenario runs exactly like the original
    a = run(scenario, replications=20)
    b = run(cathedral.Scenario.load(tmp_path / "shocked.json"), replications=20)
    np.testing.assert_array_equal(a.kpi_values().to_numpy(), b.kpi_values().to_numpy())


def test_with_shocks_adds_or_replaces_and_leaves_the_original():
    base = small()
    one = base.with_shocks(ALL_KINDS[0])
    two = one.with_shocks(ALL_KINDS[1])
    assert base.to_dict()["shocks"] == []
    assert one.to_dict()["shocks"] == ALL_KINDS[:1]
    assert two.to_dict()["shocks"] == ALL_KINDS[:2]
    assert two.with_shocks(ALL_KINDS[2], replace=True).to_dict()["shocks"] == [ALL_KINDS[2]]
    assert two.with_shocks(replace=True).to_dict()["shocks"] == []
    assert base.with_shocks() == base


def test_select_drops_the_shocks_of_dropped_accounts():
    scenario = small().with_shocks(*ALL_KINDS)
    kept = scenario.select(["a3"]).to_dict()["shocks"]
    assert kept == [ALL_KINDS[0], ALL_KINDS[2], ALL_KINDS[4]]  # market shocks are portfolio-wide


def test_shortening_the_horizon_below_a_shock_is_an_error():
    scenario = small().with_shocks(shocks.market(10, 20, 0.5))
    with pytest.raises(cathedral.ScenarioError, match=r"shocks\[0\]\.to_week: must be < horizon_weeks \(15\), got 20"):
        scenario.with_settings(horizon_weeks=15)


# --- effects, mean field ---------------------------------------------------------------------

def trajectories(scenario, keep, policy=None):
    res = run(scenario, policy, keep=keep, **MEAN_FIELD)
    return {name: res.trajectory(name)[0] for name in keep}, res


def test_market_shock_scales_project_arrivals_exactly():
    """§3.6: seen arrivals = Poisson(W·M·ν/(52 d̄)) + dug deals independent of M. Without dug deals
    (dig_wallet_share = 0) the expected seen deals of the affected weeks are exactly f times the
    unshocked ones, in every account; nothing else in the state depends on M, so other weeks are equal."""
    scenario = small().with_params(dig_wallet_share=0.0)
    base, _ = trajectories(scenario, ["seen_deals", "coverage", "support"])
    shocked, res = trajectories(scenario.with_shocks(shocks.market(10, 20, 0.6)), ["seen_deals", "coverage", "support"])
    assert np.all(base["seen_deals"] > 0)
    ratio = shocked["seen_deals"] / base["seen_deals"]
    np.testing.assert_allclose(ratio[10:21], 0.6, rtol=1e-12)
    np.testing.assert_array_equal(ratio[:10], 1.0)
    np.testing.assert_array_equal(ratio[21:], 1.0)
    np.testing.assert_array_equal(shocked["coverage"], base["coverage"])
    np.testing.assert_array_equal(shocked["support"], base["support"])


def test_overlapping_market_shocks_multiply():
    scenario = small().with_params(dig_wallet_share=0.0)
    base, _ = trajectories(scenario, ["seen_deals"])
    both, _ = trajectories(scenario.with_shocks(shocks.market(10, 20, 0.6), shocks.market(15, 25, 0.5)), ["seen_deals"])
    ratio = (both["seen_deals"] / base["seen_deals"])[:, 0]
    expected = np.ones(52)
    expected[10:21] *= 0.6
    expected[15:26] *= 0.5
    np.testing.assert_allclose(ratio, expected, rtol=1e-12)


def test_market_shock_leaves_dug_deals_alone():
    """With dug deals (default dig_wallet_share), seen deals fall by less than f: the dug part is
    independent of the market cycle."""
    scenario = small()
    base, _ = trajectories(scenario, ["seen_deals"])
    shocked, _ = trajectories(scenario.with_shocks(shocks.market(10, 20, 0.6)), ["seen_deals"])
    ratio = shocked["seen_deals"][10:21] / base["seen_deals"][10:21]
    assert np.all(ratio > 0.6 + 1e-6) and np.all(ratio < 1 - 1e-6)
    # the project part still scales exactly: the dug part is the same in both runs
    flat = small().with_params(dig_wallet_share=0.0)
    projects, _ = trajectories(flat, ["seen_deals"])
    dug = base["seen_deals"] - projects["seen_deals"]
    np.testing.assert_allclose(shocked["seen_deals"][10:21], 0.6 * projects["seen_deals"][10:21] + dug[10:21],
                               rtol=1e-12)


def test_market_boom_raises_revenue_later_by_the_sales_cycle():
    scenario = small()
    base, _ = trajectories(scenario, ["revenue", "decided_deals"])
    boom, _ = trajectories(scenario.with_shocks(shocks.market(10, 20, 1.5)), ["revenue", "decided_deals"])
    cycle = int(params(scenario)["sales_cycle_weeks"])  # to_dict writes 16.0
    # deals seen in weeks 10..20 are decided in weeks 26..36
    np.testing.assert_array_equal(boom["revenue"][: 10 + cycle], base["revenue"][: 10 + cycle])
    assert np.all(boom["decided_deals"][10 + cycle: 21 + cycle] > base["decided_deals"][10 + cycle: 21 + cycle])
    np.testing.assert_allclose(boom["decided_deals"][21 + cycle:], base["decided_deals"][21 + cycle:], rtol=1e-12)


def _one_contact_scenario(stance=0.3):
    """a2 has one contact (the buyer), so its Ī and K are the buyer's I and S."""
    data = small_scenario_dict()
    data["accounts"][1]["contacts"][0].update(stance=stance, intimacy=0.5, support=0.4)
    data["accounts"][1].update(coverage=0.4, org=0.3)
    return cathedral.Scenario.from_dict(data)


@pytest.mark.parametrize("mode", ["mean_field", "monte_carlo"])
def test_contact_leaves_starts_a_successor(mode):
    """§3.4: in the shock's week the successor starts at I = base + from_coverage·C and
    S = stance + from_org·O·(1 − stance), with this week's updated C and O."""
    scenario = _one_contact_scenario(stance=0.3)
    p = params(scenario)
    keep = ["intimacy", "support", "coverage", "org"]
    kwargs = dict(MEAN_FIELD) if mode == "mean_field" else dict(replications=30)
    base = run(scenario, keep=keep, **kwargs)
    week = 20
    shocked = run(scenario.with_shocks(shocks.contact_leaves("a2", "buyer", week)), keep=keep, **kwargs)
    I, S = shocked.trajectory("intimacy")[:, :, 1], shocked.trajectory("support")[:, :, 1]
    C, O = shocked.trajectory("coverage")[:, week, 1], shocked.trajectory("org")[:, week, 1]
    np.testing.assert_allclose(I[:, week], p["successor_intimacy_base"] + p["successor_intimacy_from_coverage"] * C,
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(S[:, week], 0.3 + p["successor_support_from_org"] * O * (1 - 0.3), rtol=0, atol=1e-12)
    # before the week nothing changed; the other accounts never change
    np.testing.assert_array_equal(I[:, :week], base.trajectory("intimacy")[:, :week, 1])
    np.testing.assert_array_equal(S[:, :week], base.trajectory("support")[:, :week, 1])
    for name in keep:
        np.testing.assert_array_equal(shocked.trajectory(name)[:, :, [0, 2]], base.trajectory(name)[:, :, [0, 2]])
    # the buyer had built up more than a successor starts with
    assert np.all(base.trajectory("intimacy")[:, week, 1] > I[:, week])
    if mode == "mean_field":
        # afterwards the successor's relationship evolves from its own start (§3.3)
        assert np.all(np.diff(I[0, week:]) > 0)


def test_contact_leaves_in_a_multi_contact_account_changes_only_that_contact():
    """a1: ceo (influence 3) and eng (1). Ī = 0.75 I_ceo + 0.25 I_eng; only eng leaves, so the
    change of Ī in the shock's week is 0.25 times eng's drop to the successor's start."""
    scenario = small()
    p = params(scenario)
    keep = ["intimacy", "coverage", "org"]
    base, _ = trajectories(scenario, keep)
    shocked, _ = trajectories(scenario.with_shocks(shocks.contact_leaves("a1", "eng", 30)), keep)
    np.testing.assert_array_equal(shocked["intimacy"][:30], base["intimacy"][:30])
    successor = p["successor_intimacy_base"] + p["successor_intimacy_from_coverage"] * shocked["coverage"][30, 0]
    # recover eng's intimacy without the shock from a run where the ceo leaves instead: the two
    # differences in week 30 give each contact's drop
    ceo_gone, _ = trajectories(scenario.with_shocks(shocks.contact_leaves("a1", "ceo", 30)), keep)
    drop_eng = base["intimacy"][30, 0] - shocked["intimacy"][30, 0]
    drop_ceo = base["intimacy"][30, 0] - ceo_gone["intimacy"][30, 0]
    # Ī = 0.75 I_ceo + 0.25 I_eng, and each drop is w·(I − successor)
    I_eng = drop_eng / 0.25 + successor
    I_ceo = drop_ceo / 0.75 + successor
    np.testing.assert_allclose(0.75 * I_ceo + 0.25 * I_eng, base["intimacy"][30, 0], rtol=1e-12)
    assert drop_eng > 0 and drop_ceo > 0


def test_strategy_shift_moves_the_fit_towards_the_new_target():
    """§3.1 in mean field: F ← F + fit_reversion·(F̄ − F), with F̄ the shock's target from its week on."""
    scenario = small()
    rev = params(scenario)["fit_reversion"]
    base, _ = trajectories(scenario, ["fit", "wallet"])
    shocked, _ = trajectories(scenario.with_shocks(shocks.strategy_shift("a1", 20, 0.1)), ["fit", "wallet"])
    F0, F1 = base["fit"][:, 0], shocked["fit"][:, 0]
    np.testing.assert_array_equal(F1[:20], F0[:20])
    assert np.all(F0 == 0.8)  # a1's fit target is its fit: no drift without the shock
    F = F1[19]
    for t in range(20, 52):
        F = F + rev * (0.1 - F)
        assert F1[t] == pytest.approx(F, rel=1e-12, abs=1e-15), t
    # other accounts unchanged; a1's wallet grows more slowly as its strategy turns away (§3.1)
    np.testing.assert_array_equal(shocked["fit"][:, 1:], base["fit"][:, 1:])
    assert shocked["wallet"][51, 0] < base["wallet"][51, 0]


def test_strategy_shift_upwards_and_tiers():
    """a3 (fit 0.3, a cash-flow customer) turns our way: its fit rises above cashflow_fit and the
    tiered policy stops treating it as cash flow."""
    scenario = small(horizon_weeks=156).with_shocks(shocks.strategy_shift("a3", 0, 0.9))
    base, _ = trajectories(small(horizon_weeks=156), ["fit"])
    shocked, res = trajectories(scenario, ["fit"])
    assert np.all(np.diff(shocked["fit"][:, 2]) > 0)
    assert shocked["fit"][-1, 2] > 0.35 > base["fit"][-1, 2]
    assert res.tier_shares(0).loc["a3", "cash_flow"] == 1
    assert res.tier_shares(-1).loc["a3", "cash_flow"] == 0


def _logit(p):
    return np.log(p / (1 - p))


def test_competitor_lowers_the_win_probability_from_its_week():
    """§3.6 without agreements: the expected win rate of a tender is logistic(z − win_competitor·κ);
    κ becomes the shock's strength from its week, so the logit falls by win_competitor·(κ' − κ)."""
    data = small_scenario_dict()
    data["policy"]["default"]["pursue_agreement"] = False
    scenario = cathedral.Scenario.from_dict(data)
    p = params(scenario)
    keep = ["wins", "decided_deals"]
    base, res0 = trajectories(scenario, keep)
    shocked, res1 = trajectories(scenario.with_shocks(shocks.competitor("a1", 20, 0.9)), keep)
    assert np.all(base["decided_deals"] > 0)
    np.testing.assert_array_equal(shocked["decided_deals"], base["decided_deals"])  # arrivals unchanged
    rate0 = base["wins"] / base["decided_deals"]
    rate1 = shocked["wins"] / shocked["decided_deals"]
    np.testing.assert_array_equal(rate1[:20], rate0[:20])
    kappa = scenario.to_dict()["accounts"][0]["competitor_strength"]
    np.testing.assert_allclose(_logit(rate1[20:, 0]) - _logit(rate0[20:, 0]), -p["win_competitor"] * (0.9 - kappa),
                               rtol=1e-9)
    np.testing.assert_array_equal(rate1[:, 1:], rate0[:, 1:])
    assert res1.kpis()["win_rate"] < res0.kpis()["win_rate"]


def test_competitor_leaving_raises_the_win_rate():
    data = small_scenario_dict()
    data["policy"]["default"]["pursue_agreement"] = False
    scenario = cathedral.Scenario.from_dict(data)
    base, _ = trajectories(scenario, ["wins"])
    shocked, _ = trajectories(scenario.with_shocks(shocks.competitor("a2", 10, 0.0)), ["wins"])
    assert np.all(shocked["wins"][10:, 1] > base["wins"][10:, 1])
    np.testing.assert_array_equal(shocked["wins"][:10], base["wins"][:10])


# --- effects, Monte Carlo ---------------------------------------------------------------------

def test_market_downturn_reduces_revenue_monte_carlo(demo_scenario):
    """A 30 % downturn for a year on the demo: the paired revenue difference (common random numbers)
    has a 95 % interval below 0, and the weeks before the downturn are unchanged replication by
    replication."""
    R = 200
    downturn = demo_scenario.with_shocks(shocks.market(26, 77, 0.7))
    base = run(demo_scenario, replications=R)
    shocked = run(downturn, replications=R)
    d = shocked.kpi_values().sel(kpi="revenue").to_numpy() - base.kpi_values().sel(kpi="revenue").to_numpy()
    se = d.std(ddof=1) / math.sqrt(R)
    assert d.mean() + 1.96 * se < 0
    # pairing works: the paired standard error is far below the unpaired one
    unpaired = math.sqrt(base.kpi_values().sel(kpi="revenue").var(ddof=1) / R + shocked.kpi_values().sel(kpi="revenue").var(ddof=1) / R)
    assert 3 * se < unpaired
    np.testing.assert_array_equal(shocked.weekly("revenue")[:, :26], base.weekly("revenue")[:, :26])
    np.testing.assert_array_equal(shocked.weekly("seen_deals")[:, :26], base.weekly("seen_deals")[:, :26])


def test_market_shock_size_monte_carlo():
    """Monte Carlo seen deals in the shocked weeks, summed over replications, shrink to about f times
    the unshocked count for the projects (no dug deals); tolerance from the Poisson standard error."""
    scenario = small().with_params(dig_wallet_share=0.0)
    R = 300
    base = run(scenario, replications=R).weekly("seen_deals")[:, 10:31].sum()
    shocked = run(scenario.with_shocks(shocks.market(10, 30, 0.5)), replications=R).weekly("seen_deals")[:, 10:31].sum()
    ratio = shocked / base
    se = ratio * math.sqrt(1 / shocked + 1 / base)
    assert abs(ratio - 0.5) < 4 * se
