"""The model's rules as Python reads them from the engine: tiers (§6), planned resource use
(§4) and the defaults (§2, §9)."""
import numpy as np
import pytest

import cathedral
from cathedral import _core, policies, tiers
from cathedral.resources import RESOURCES, planned_use, policy_allocation

from conftest import run, small_scenario_dict


# --- tiers -----------------------------------------------------------------------------

EXPLICIT = {"S": {"min_wallet": 500, "min_fit": 0.8}, "A": {"min_wallet": 250, "min_fit": 0.6},
            "B": {"min_wallet": 150}}


def test_labels_with_explicit_thresholds():
    wallets = [600, 600, 600, 300, 300, 200, 100, 900]
    fits = [0.9, 0.7, 0.5, 0.7, 0.5, 0.9, 0.9, 0.3]
    # S needs both; a large account that fits less falls to A, then to B; cash flow comes first
    assert tiers.labels(wallets, fits, tiering=EXPLICIT) == ["S", "A", "B", "A", "B", "B", "C", "cash_flow"]
    letter, cash = tiers.classify(wallets, fits, tiering=EXPLICIT)
    assert list(letter) == ["S", "A", "B", "A", "B", "B", "C", "B"]
    assert list(cash) == [False] * 7 + [True]


def test_cash_flow_threshold_is_the_parameter():
    wallets, fits = [100, 100, 100], [0.3, 0.38, 0.5]
    default = cathedral.Scenario.defaults()["params"]["cashflow_fit"]
    assert tiers.thresholds(wallets)["cashflow_fit"] == default
    assert tiers.classify(wallets, fits)[1].tolist() == [f < default for f in fits]
    assert tiers.classify(wallets, fits, params={"cashflow_fit": 0.4})[1].tolist() == [True, True, False]
    assert tiers.classify(wallets, fits, params={"cashflow_fit": 0.0})[1].tolist() == [False] * 3


def test_default_min_wallets_are_numpy_percentiles():
    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 40, 333):
        w = np.round(np.exp(rng.normal(7, 1.2, n)), 1)
        th = tiers.thresholds(w)
        assert [th["S_min_wallet"], th["A_min_wallet"], th["B_min_wallet"]] == \
            [float(np.percentile(w, q)) for q in (90, 70, 40)]
    # a minimum wallet given replaces its percentile only
    th = tiers.thresholds([1, 2, 3, 4, 5], tiering={"S": {"min_wallet": 10}})
    assert th["S_min_wallet"] == 10 and th["A_min_wallet"] == float(np.percentile([1, 2, 3, 4, 5], 70))


def test_labels_agree_with_the_scenario_and_the_policy(demo_scenario):
    d = demo_scenario.to_dict()
    wallets = [a["wallet"] for a in d["accounts"]]
    fits = [a["fit"] for a in d["accounts"]]
    assert tiers.labels(wallets, fits) == list(demo_scenario.initial_tiers().values())
    assert tiers.labels(scenario=demo_scenario) == list(demo_scenario.initial_tiers().values())
    # the engine's tiered policy uses the same labels at week 0: cash-flow accounts get the
    # cash_flow template (no value hours), the others their tier's
    templates = {t: {"value_hours": float(i + 1)} for i, t in enumerate(tiers.TIERS)}
    templates["cash_flow"] = {"value_hours": 0.0}
    alloc = policy_allocation(demo_scenario, policies.tiered(templates))
    value = alloc[:, list(_core.ALLOCATION_FIELDS).index("value_hours")]
    expected = [templates[label]["value_hours"] for label in tiers.labels(wallets, fits)]
    np.testing.assert_array_equal(value, expected)


def test_scenario_tiering_and_params_are_used():
    data = small_scenario_dict()
    data["tiering"] = EXPLICIT
    data["params"] = {"cashflow_fit": 0.65}
    scn = cathedral.Scenario.from_dict(data)
    wallets = [a["wallet"] for a in data["accounts"]]
    fits = [a["fit"] for a in data["accounts"]]
    assert tiers.labels(wallets, fits, scenario=scn) == ["S", "cash_flow", "cash_flow"]
    assert tiers.labels(wallets, fits, tiering=EXPLICIT, params={"cashflow_fit": 0.65}) == ["S", "cash_flow",
                                                                                            "cash_flow"]
    assert scn.tier_thresholds() == tiers.thresholds(wallets, tiering=EXPLICIT, params={"cashflow_fit": 0.65})


@pytest.mark.parametrize("call,message", [
    (lambda: tiers.labels([1, 2], [0.5]), r"fits: must have one value per wallet \(2\), got 1"),
    (lambda: tiers.labels([], []), "wallets: at least one value"),
    (lambda: tiers.labels([1, float("nan")], [0.5, 0.5]), r"wallets\[1\]: must be a finite number"),
    (lambda: tiers.labels([1, 2], [0.5, float("inf")]), r"fits\[1\]: must be a finite number"),
    (lambda: tiers.labels([1, 2]), "pass both or neither"),
    (lambda: tiers.labels([[1, 2]], [[0.5, 0.5]]), "one-dimensional"),
    (lambda: tiers.thresholds([1], tiering={"S": {"min_fit": 2}}), r"tiering\.S\.min_fit"),
    (lambda: tiers.thresholds([1], params={"cashflow_ft": 0.3}), "cashflow_fit"),
])
def test_tier_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- planned resource use (§4) -----------------------------------------------------------------

def test_planned_use_matches_the_run(demo_scenario, demo_plans):
    """The scale factor and binding resource of epoch 0 are those of the run."""
    for name, plan in demo_plans.items():
        use = planned_use(demo_scenario, policy_allocation(demo_scenario, plan))
        res = run(demo_scenario, plan, mode="mean_field")
        sf = res.scale_factors()
        assert use.scale == sf["scale_factor"].iloc[0], name
        assert use.binding == sf["binding_resource"].iloc[0], name
        np.testing.assert_array_equal(use.allocation, res.allocations().loc[0][list(_core.ALLOCATION_FIELDS)])
        assert set(use.table().index) == set(RESOURCES)


def test_planned_use_commitments_and_units():
    scn = cathedral.Scenario.from_dict(small_scenario_dict())
    costs = cathedral.Scenario.defaults()["costs"]
    centre = {"jic": True}
    opening = planned_use(scn, {"a1": centre}, jic_running=[False, False, False])
    running = planned_use(scn, {"a1": centre}, jic_running=[True, False, False])
    assert opening.commitments["budget"] - running.commitments["budget"] == costs["jic_setup_money"]
    assert running.commitments["am_hours"] == costs["jic_hours_per_week"]
    assert opening.plan == {r: 0.0 for r in RESOURCES}
    # the rest of the plan is linear in the rates, and one a year is a year's worth
    one = planned_use(scn, {"a2": {"exec_visits": 1}}).plan
    three = planned_use(scn, {"a2": {"exec_visits": 3}}).plan
    assert three["executive_days"] == pytest.approx(3 * one["executive_days"])
    assert one["executive_days"] == costs["exec_visit_exec_days"]
    assert one["am_hours"] == pytest.approx(costs["exec_visit_hours"] / 52)
    # as a list of entries, a DataFrame or an array: the same
    entries = [{"social_hours": 2.0}, {"visits": 1.0}, {}]
    a = planned_use(scn, entries)
    import pandas as pd

    b = planned_use(scn, pd.DataFrame(entries).fillna(0.0).assign(account_id=["a1", "a2", "a3"])[::-1])
    assert a.plan == b.plan and a.plan["am_hours"] > 0


def test_planned_use_scales_the_plan_not_the_commitments():
    data = small_scenario_dict()
    data["resources"] = {"account_managers": 0.3, "executive_days_per_year": 100, "budget_per_year": 1e6}
    scn = cathedral.Scenario.from_dict(data)
    use = planned_use(scn, [{"social_hours": 20.0, "jic": True}, {"social_hours": 10.0}, {}])
    left = use.capacity["am_hours"] - use.commitments["am_hours"]
    assert use.binding == "am_hours" and use.scale == pytest.approx(left / use.plan["am_hours"])
    col = {f: i for i, f in enumerate(cathedral.activities.FIELDS)}
    assert use.allocation[0, col["social_hours"]] == pytest.approx(20.0 * use.scale)
    assert use.allocation[0, col["jic"]] == 1.0
    starved = planned_use(scn, [{"jic": True}] * 3)
    assert starved.infeasible and starved.infeasible_resource == "am_hours" and starved.scale == 0.0


@pytest.mark.parametrize("allocation,message", [
    ({"a11": {}}, 'unknown account id .a11.; did you mean "a1"'),
    ([{"social_hour": 1}, {}, {}], r'allocation\[0\]\.social_hour: not an allocation field; did you mean "social_hours"'),
    ([{}, {}], "one row per account"),
    ([{"visits": -1}, {}, {}], r"allocation\[0\]\.visits: must be >= 0"),
    ([{"visits": float("nan")}, {}, {}], "finite"),
])
def test_planned_use_errors(small_scenario, allocation, message):
    with pytest.raises(ValueError, match=message):
        planned_use(small_scenario, allocation)


# --- defaults (§2, §9) ---------------------------------------------------------------------

def test_defaults_are_the_engines():
    d = cathedral.Scenario.defaults()
    assert d["params"] == {r["name"]: r["default"] for r in _core.param_table()}
    assert d["costs"] == {r["name"]: r["default"] for r in _core.cost_table()}
    minimal = cathedral.Scenario.from_dict({
        "accounts": [{"id": "x", "wallet": 10.0, "contacts": [{"id": "c"}]}],
        "resources": {"account_managers": 1, "executive_days_per_year": 1, "budget_per_year": 1}}).to_dict()
    assert minimal["params"] == d["params"] and minimal["costs"] == d["costs"]
    assert {k: minimal["accounts"][0][k] for k in d["account"]} == d["account"]
    assert {k: minimal["accounts"][0]["contacts"][0][k] for k in d["contact"]} == d["contact"]
    assert {k: minimal["resources"][k] for k in d["resources"]} == d["resources"]
    assert minimal["decision_interval_weeks"] == d["decision_interval_weeks"]
    d["params"]["cashflow_fit"] = -1  # a copy: editing it changes nothing
    assert cathedral.Scenario.defaults()["params"]["cashflow_fit"] == minimal["params"]["cashflow_fit"]


def test_grid_cells():
    grid = cathedral.Scenario.defaults()["tiering"]["grid"]
    lo, hi = grid["intimacy"]
    opposed, supportive = grid["support"]
    # a value at a cut belongs to the level above it
    cells = tiers.grid_cells([0.0, lo, hi, hi, 1.0, np.nan], [-1.0, opposed, supportive, -1.0, 1.0, 0.0])
    assert list(cells) == ["low/opposed", "medium/neutral", "high/supportive", "high/opposed", "high/supportive", ""]
    assert tiers.TARGET_CELL == "high/supportive" and tiers.RISK_CELL == "high/opposed"
    own = {"grid": {"intimacy": [0.1, 0.2], "support": [0.0, 0.5]}}
    assert list(tiers.grid_cells([0.15, 0.25], [0.0, 0.49], tiering=own)) == ["medium/neutral", "high/neutral"]
    assert tiers.grid_codes([[0.0, 1.0]], [[1.0, -1.0]]).tolist() == [[2, 6]]
    with pytest.raises(ValueError, match=r"tiering\.grid\.intimacy"):
        tiers.grid_cells([0.5], [0.5], tiering={"grid": {"intimacy": [0.8, 0.2]}})
