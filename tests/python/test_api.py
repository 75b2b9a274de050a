"""The public API: scenarios (load / save / from_dict / to_dict / demo), simulate()
and its options, policies, reproducibility (docs/model.md §10), resources (§4),
Ctrl-C and progress."""
from __future__ import annotations

import _thread
import copy
import json
import re
import threading
import time

import numpy as np
import pytest

import cathedral
from cathedral import policies
from conftest import ALLOCATION_RATES, DEMO_PORTFOLIO, SMALL_DEFAULT_ENTRY, run, small_scenario_dict

ALLOCATION_FIELDS = tuple(cathedral.activities.FIELDS)
TIERS = ("S", "A", "B", "C", "cash_flow")


# --- scenarios ----------------------------------------------------------------------------------

def test_to_dict_fills_in_defaults(small_scenario):
    d = small_scenario.to_dict()
    assert {"name", "horizon_weeks", "decision_interval_weeks", "seed", "accounts", "resources",
            "costs", "params", "tiering", "policy"} <= set(d)  # docs/model.md §2
    a3 = d["accounts"][2]
    # docs/model.md §2.1 defaults
    assert a3["staff"] == 100 and a3["wallet_growth"] == 0 and a3["capability_match"] == 1
    assert a3["competitor_strength"] == 0.5 and a3["coverage"] == 0 and a3["satisfaction"] == 0.5
    assert a3["org"] == 0 and a3["agreement_weeks_left"] == 0 and a3["jic"] is False
    assert a3["fit_target"] == a3["fit"] == 0.3
    assert "pipeline" not in a3  # synthesised by the engine, not listed
    a2 = d["accounts"][1]
    assert a2["name"] == "a2"  # name defaults to id
    # §2.2 contact defaults
    u1 = a3["contacts"][0]
    assert u1 == {"id": "u1", "role": "user", "influence": 1.0, "intimacy": 0.0, "support": 0.0, "stance": 0.0}
    # §2.3 resources
    assert d["resources"]["am_hours_per_week"] == 30 and d["resources"]["am_cost_per_year"] == 150
    # §9 parameters and costs, a sample
    assert d["params"]["intimacy_gain"] == 0.08 and d["params"]["win_intercept"] == -0.5
    assert d["params"]["sales_cycle_weeks"] == 16 and d["params"]["macro_persistence"] == 0.98
    assert d["costs"]["jic_setup_money"] == 500 and d["costs"]["visit_hours"] == 2.0
    assert d["tiering"]["S"] == {"min_wallet": None, "min_fit": 0.7}
    assert d["tiering"]["A"]["min_fit"] == 0.5


def test_contact_defaults_id_is_position_and_role_other():
    d = small_scenario_dict()
    d["accounts"][2]["contacts"] = [{}, {"influence": 2}]
    c = cathedral.Scenario.from_dict(d).to_dict()["accounts"][2]["contacts"]
    assert [x["id"] for x in c] == ["0", "1"]
    assert [x["role"] for x in c] == ["other", "other"]


def test_dict_round_trip_is_exact(small_scenario):
    d = small_scenario.to_dict()
    again = cathedral.Scenario.from_dict(d)
    assert again.to_dict() == d
    assert again == small_scenario


def test_to_dict_returns_a_fresh_copy(small_scenario):
    d = small_scenario.to_dict()
    d["accounts"][0]["wallet"] = 1.0
    d["name"] = "changed"
    assert small_scenario.to_dict()["accounts"][0]["wallet"] == 1000.0
    assert small_scenario.name == "small test portfolio"


def test_save_load_round_trip(tmp_path, small_dict):
    small_dict["name"] = "Ünïcode portfolio ✓"
    small_dict["accounts"][0]["pipeline"] = [{"size": 100.5, "decision_week": 3},
                                             {"size": 0.1, "decision_week": 500}]
    small_dict["tiering"] = {"S": {"min_wallet": 900, "min_fit": 0.6}, "grid": {"support": [-0.5, 0.5]}}
    small_dict["params"] = {"affinity": 0.1 + 0.2}  # not exactly representable in few digits
    scenario = cathedral.Scenario.from_dict(small_dict)
    path = tmp_path / "scenario.json"
    scenario.save(path)
    loaded = cathedral.Scenario.load(path)
    assert loaded == scenario
    assert loaded.to_dict() == scenario.to_dict()
    assert loaded.to_dict()["params"]["affinity"] == 0.1 + 0.2
    assert loaded.name == "Ünïcode portfolio ✓"
    # the file is plain JSON holding the full scenario, defaults included
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk == scenario.to_dict()
    # str paths work as well as Path objects
    assert cathedral.Scenario.load(str(path)) == scenario


def test_demo_file_round_trip(tmp_path, demo_scenario):
    path = tmp_path / "demo.json"
    demo_scenario.save(path)
    assert cathedral.Scenario.load(path).to_dict() == demo_scenario.to_dict()
    raw = json.loads(DEMO_PORTFOLIO.read_text())
    assert cathedral.Scenario.from_dict(raw) == demo_scenario


def test_scenario_constructor_is_private():
    with pytest.raises(TypeError, match="use Scenario.load, Scenario.from_dict or Scenario.demo"):
        cathedral.Scenario({"accounts": []})


def test_scenario_properties(small_scenario):
    assert small_scenario.name == "small test portfolio"
    assert small_scenario.horizon_weeks == 52
    assert small_scenario.decision_interval_weeks == 13
    assert small_scenario.seed == 7
    assert small_scenario.n_accounts == 3
    assert small_scenario.account_ids == ["a1", "a2", "a3"]
    assert small_scenario.policy["type"] == "static"
    assert "3 accounts" in repr(small_scenario)


def test_demo_content(demo_scenario):
    raw = json.loads(DEMO_PORTFOLIO.read_text())
    assert demo_scenario.n_accounts == len(raw["accounts"])
    assert 35 <= demo_scenario.n_accounts <= 45
    tiers = demo_scenario.initial_tiers()
    assert list(tiers) == demo_scenario.account_ids
    assert set(tiers.values()) == set(TIERS)  # all four tiers and cash-flow customers
    assert demo_scenario.policy["type"] == "tiered"
    assert demo_scenario.horizon_weeks == 156


def _tiers_by_model(scenario_dict):
    """docs/model.md §6 with the scenario's (default) tiering, independently in numpy: an oracle
    for the engine's rule (cathedral.tiers), which everything else calls."""
    accounts = scenario_dict["accounts"]
    cashflow_fit = scenario_dict["params"]["cashflow_fit"]
    s_min_fit, a_min_fit = scenario_dict["tiering"]["S"]["min_fit"], scenario_dict["tiering"]["A"]["min_fit"]
    w = np.array([a["wallet"] for a in accounts])
    f = np.array([a["fit"] for a in accounts])
    p90, p70, p40 = np.percentile(w, [90, 70, 40])
    out = []
    for wi, fi in zip(w, f):
        if fi < cashflow_fit:
            out.append("cash_flow")
        elif wi >= p90 and fi >= s_min_fit:
            out.append("S")
        elif wi >= p70 and fi >= a_min_fit:
            out.append("A")
        elif wi >= p40:
            out.append("B")
        else:
            out.append("C")
    return out


def test_initial_tiers_follow_model_section_6(demo_scenario, small_scenario):
    for scenario in (demo_scenario, small_scenario,
                     cathedral.Scenario.from_dict(cathedral.generate_portfolio(57, seed=3))):
        d = scenario.to_dict()
        assert list(scenario.initial_tiers().values()) == _tiers_by_model(d)
    assert small_scenario.initial_tiers() == {"a1": "S", "a2": "B", "a3": "cash_flow"}


def test_tier_thresholds_can_be_set(small_dict):
    small_dict["tiering"] = {"S": {"min_wallet": 400, "min_fit": 0.5}, "B": {"min_wallet": 100}}
    scenario = cathedral.Scenario.from_dict(small_dict)
    assert scenario.initial_tiers() == {"a1": "S", "a2": "S", "a3": "cash_flow"}
    t = scenario.tier_thresholds()
    assert t["S_min_wallet"] == 400 and t["B_min_wallet"] == 100
    assert t["A_min_wallet"] == pytest.approx(np.percentile([1000, 500, 200], 70))


def test_scenario_accounts_frame(small_scenario):
    frame = small_scenario.accounts()
    assert list(frame.index) == ["a1", "a2", "a3"] and frame.index.name == "account_id"
    assert frame.loc["a1", "name"] == "Alpha Industries"
    assert frame["n_contacts"].tolist() == [2, 1, 3]
    assert frame["tier"].tolist() == ["S", "B", "cash_flow"]
    assert frame.loc["a2", "wallet"] == 500.0
    assert "contacts" not in frame.columns


def test_generate_portfolio_returns_a_valid_scenario_dict():
    d = cathedral.generate_portfolio(12, contacts=3, seed=5)
    assert isinstance(d, dict)
    scenario = cathedral.Scenario.from_dict(d)
    assert scenario.n_accounts == 12
    assert all(len(a["contacts"]) == 3 for a in scenario.to_dict()["accounts"])
    assert cathedral.generate_portfolio(12, contacts=3, seed=5) == d
    res = run(scenario, replications=8)  # carries its own tiered policy
    assert res.policy["type"] == "tiered"


def test_metric_constants():
    assert cathedral.METRICS[: len(cathedral.FLOWS)] == cathedral.FLOWS
    assert cathedral.METRICS[len(cathedral.FLOWS):] == cathedral.STATES
    assert {"revenue", "gross_profit", "wins", "direct_awards", "seen_deals", "spend", "hours", "exec_days",
            "contribution", "cash_flow"} <= set(cathedral.FLOWS)
    assert {"support", "intimacy", "coverage", "satisfaction", "org", "fit", "jic", "agreement_weeks_left",
            "wallet"} <= set(cathedral.STATES)
    assert len(set(cathedral.METRICS)) == len(cathedral.METRICS)


# --- simulate(): policy and seed --------------------------------------------------------------------

def test_policy_none_uses_the_scenarios_policy(small_scenario):
    implicit = run(small_scenario, replications=40)
    explicit = run(small_scenario, small_scenario.policy, replications=40)
    assert implicit.policy == explicit.policy
    assert implicit.policy["default"] == SMALL_DEFAULT_ENTRY | {"jic": False}
    np.testing.assert_array_equal(implicit.kpi_values().to_numpy(), explicit.kpi_values().to_numpy())
    other = run(small_scenario, policies.static(default={"visits": 3.0}), replications=40)
    assert not np.array_equal(other.totals("revenue"), implicit.totals("revenue"))


def test_policy_object_and_dict_are_equivalent(small_scenario):
    entry = {"social_hours": 1.0, "value_hours": 2.0, "visits": 0.5}
    a = run(small_scenario, policies.static(default=entry), replications=32)
    b = run(small_scenario, {"type": "static", "default": entry}, replications=32)
    np.testing.assert_array_equal(a.totals("revenue"), b.totals("revenue"))


def test_no_policy_anywhere_raises(small_dict):
    del small_dict["policy"]
    scenario = cathedral.Scenario.from_dict(small_dict)
    assert scenario.policy is None
    with pytest.raises(ValueError, match=re.escape(
            "policy: the scenario has no `policy` and none was passed; "
            "pass policy=cathedral.policies.static(...)")):
        run(scenario, replications=2)
    # ... and passing one works
    res = run(scenario, policies.static(default={"visits": 1.0}), replications=2)
    assert res.replications == 2


def test_seed_none_takes_the_scenario_seed(small_scenario):
    a = run(small_scenario, replications=50)
    assert a.seed == small_scenario.seed == 7
    b = run(small_scenario, replications=50, seed=7)
    np.testing.assert_array_equal(a.kpi_values().to_numpy(), b.kpi_values().to_numpy())
    assert a.replications == 50 and a.mode == "monte_carlo"


def test_same_seed_identical_different_seed_differs(small_scenario):
    a = run(small_scenario, replications=64, seed=123)
    b = run(small_scenario, replications=64, seed=123)
    c = run(small_scenario, replications=64, seed=124)
    assert b.seed == 123 and c.seed == 124
    np.testing.assert_array_equal(a.kpi_values().to_numpy(), b.kpi_values().to_numpy())
    assert a.portfolio().equals(b.portfolio())
    assert a.accounts().equals(b.accounts())
    assert not np.array_equal(a.totals("revenue"), c.totals("revenue"))
    assert not a.portfolio("revenue").equals(c.portfolio("revenue"))


def test_threads_do_not_change_results_bit_for_bit(demo_scenario):
    # 150 replications = 5 blocks of 32: two threads interleave the blocks.
    kw = dict(replications=150, seed=99, keep=["revenue", "coverage"])
    one = run(demo_scenario, threads=1, **kw)
    two = run(demo_scenario, threads=2, **kw)
    three = run(demo_scenario, threads=3, **kw)
    for other in (two, three):
        np.testing.assert_array_equal(one.kpi_values().to_numpy(), other.kpi_values().to_numpy())
        np.testing.assert_array_equal(one.weekly("revenue"), other.weekly("revenue"))
        np.testing.assert_array_equal(one.trajectory("coverage"), other.trajectory("coverage"))
        assert one.accounts().equals(other.accounts())
        assert one.allocations().equals(other.allocations())
        assert one.nine_grid().equals(other.nine_grid())
        assert one.tier_shares().equals(other.tier_shares())
        assert one.scale_factors().equals(other.scale_factors())


def test_first_k_replications_equal_a_run_of_k(small_scenario):
    """docs/model.md §10: the first k replications of a run of n equal a run of k."""
    n = run(small_scenario, replications=100, keep=["revenue"])
    k = run(small_scenario, replications=37, keep=["revenue"])
    np.testing.assert_array_equal(n.trajectory("revenue")[:37], k.trajectory("revenue"))
    np.testing.assert_array_equal(n.kpi_values().to_numpy()[:37], k.kpi_values().to_numpy())


def test_doubling_wallets_doubles_revenue_exactly(small_dict):
    """docs/model.md §10: doubling every wallet doubles every revenue figure exactly."""
    base = run(cathedral.Scenario.from_dict(small_dict), replications=64)
    for acc in small_dict["accounts"]:
        acc["wallet"] *= 2
    doubled = run(cathedral.Scenario.from_dict(small_dict), replications=64)
    np.testing.assert_array_equal(doubled.weekly("revenue"), 2 * base.weekly("revenue"))
    np.testing.assert_array_equal(doubled.totals("wins"), base.totals("wins"))
    np.testing.assert_array_equal(doubled.totals("decided_deals"), base.totals("decided_deals"))


def test_permuting_accounts_permutes_results(small_dict):
    """docs/model.md §10: reordering accounts leaves every account's draws unchanged
    (resources do not bind here)."""
    a = run(cathedral.Scenario.from_dict(small_dict), replications=64, keep=["revenue", "intimacy"])
    small_dict["accounts"] = small_dict["accounts"][::-1]
    b = run(cathedral.Scenario.from_dict(small_dict), replications=64, keep=["revenue", "intimacy"])
    assert (a.scale_factors()["scale_factor"] == 1).all()
    np.testing.assert_array_equal(a.trajectory("revenue"), b.trajectory("revenue")[:, :, ::-1])
    np.testing.assert_array_equal(a.trajectory("intimacy"), b.trajectory("intimacy")[:, :, ::-1])
    np.testing.assert_array_equal(a.accounts().loc[["a1", "a2", "a3"], "wins"],
                                  b.accounts().loc[["a1", "a2", "a3"], "wins"])


def test_adding_an_account_leaves_the_others_draws_unchanged(small_dict):
    a = run(cathedral.Scenario.from_dict(small_dict), replications=40, keep=["revenue"])
    extra = copy.deepcopy(small_dict["accounts"][1])
    extra["id"] = "zz"
    small_dict["accounts"].append(extra)
    # fix the tier thresholds so that the new wallet does not move the percentiles
    small_dict["tiering"] = {"S": {"min_wallet": 900}, "A": {"min_wallet": 700}, "B": {"min_wallet": 440}}
    b = run(cathedral.Scenario.from_dict(small_dict), replications=40, keep=["revenue"])
    np.testing.assert_array_equal(a.trajectory("revenue"), b.trajectory("revenue")[:, :, :3])


def test_zero_influences_weigh_every_contact_the_same(small_dict):
    """docs/model.md §2.2: influence weights are normalised; if all are 0, every contact weighs the same."""
    def with_influence(w):
        d = copy.deepcopy(small_dict)
        for c in d["accounts"][2]["contacts"]:
            c["influence"] = w
        return run(cathedral.Scenario.from_dict(d), replications=30, keep=["support", "intimacy", "revenue"])

    zero, one, five = with_influence(0.0), with_influence(1.0), with_influence(5.0)
    for metric in ("support", "intimacy", "revenue"):
        np.testing.assert_array_equal(zero.trajectory(metric), one.trajectory(metric))
        np.testing.assert_array_equal(five.trajectory(metric), one.trajectory(metric))


@pytest.mark.parametrize("horizon, interval", [(1, 13), (50, 7), (60, 60), (53, 1)])
def test_epochs_when_the_interval_does_not_divide_the_horizon(small_dict, horizon, interval):
    small_dict["horizon_weeks"] = horizon
    small_dict["decision_interval_weeks"] = interval
    small_dict["accounts"][1]["contacts"] = []  # an account without key contacts
    res = run(cathedral.Scenario.from_dict(small_dict), replications=8, keep=["revenue"])
    epochs = -(-horizon // interval)
    sf = res.scale_factors()
    assert len(sf) == epochs and sf["week"].tolist() == [e * interval for e in range(epochs)]
    assert res.allocations().shape[0] == epochs * 3
    assert res.trajectory("revenue").shape == (8, horizon, 3)
    years = -(-horizon // 52)
    assert [k for k in res.kpi_table().index if k.startswith("revenue_year_")] == \
        [f"revenue_year_{y}" for y in range(1, years + 1)]
    np.testing.assert_allclose(res.kpi_values().sel(kpi=[f"revenue_year_{y}" for y in range(1, years + 1)]).sum("kpi"),
                               res.totals("revenue"), rtol=1e-12)
    assert res.nine_grid().loc["a2"].sum() == 0


def test_concurrent_simulations_from_threads(demo_scenario):
    """The GIL is released while the engine runs: simulations started from two Python
    threads overlap with Python code and give the same numbers as sequential runs."""
    sequential = {k: run(demo_scenario, replications=160, seed=k, threads=1).totals("revenue") for k in (1, 2)}
    out, errors = {}, []

    def work(k):
        try:
            out[k] = run(demo_scenario, replications=160, seed=k, threads=1).totals("revenue")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    workers = [threading.Thread(target=work, args=(k,)) for k in (1, 2)]
    ticks = 0
    for w in workers:
        w.start()
    while any(w.is_alive() for w in workers):
        ticks += 1  # the main thread keeps running Python code meanwhile
        time.sleep(0.002)
    for w in workers:
        w.join()
    assert not errors
    for k in (1, 2):
        np.testing.assert_array_equal(out[k], sequential[k])
    assert ticks > 5


# --- policies ---------------------------------------------------------------------------------------

def _epoch0(res):
    return res.allocations().xs(0, level="epoch")[list(ALLOCATION_FIELDS)]


def test_static_overrides_change_only_their_accounts(small_scenario):
    base_entry = {"social_hours": 2.0, "value_hours": 3.0, "visits": 1.0, "service_hours": 1.0}
    plain = policies.static(default=base_entry)
    tweaked = policies.static(default=base_entry,
                              tiers={"S": {"visits": 4.0}},                       # a1 is tier S at week 0
                              accounts={"a2": {"value_hours": 7.0, "jic": True}})
    keep = ["revenue"]
    r0 = run(small_scenario, plain, replications=64, keep=keep)
    r1 = run(small_scenario, tweaked, replications=64, keep=keep)
    assert (r1.scale_factors()["scale_factor"] == 1).all()
    a0, a1 = _epoch0(r0), _epoch0(r1)
    # overridden field by field, the rest from default
    assert a1.loc["a1"].to_dict() == {**a0.loc["a1"].to_dict(), "visits": 4.0}
    assert a1.loc["a2"].to_dict() == {**a0.loc["a2"].to_dict(), "value_hours": 7.0, "jic": 1.0}
    assert a1.loc["a3"].to_dict() == a0.loc["a3"].to_dict()
    assert a0.loc["a3"].to_dict() == {**dict.fromkeys(ALLOCATION_FIELDS, 0.0), **base_entry}
    # static: the same allocation at every epoch
    alloc = r1.allocations()
    for epoch in alloc.index.get_level_values("epoch").unique():
        assert alloc.xs(epoch, level="epoch")[list(ALLOCATION_FIELDS)].equals(a1)
    # common random numbers: the untouched account keeps its luck exactly
    idx = small_scenario.account_ids.index("a3")
    np.testing.assert_array_equal(r0.trajectory("revenue")[:, :, idx], r1.trajectory("revenue")[:, :, idx])
    assert not np.array_equal(r0.trajectory("revenue")[:, :, 0], r1.trajectory("revenue")[:, :, 0])


def test_static_account_entry_beats_tier_entry_beats_default(small_scenario):
    pol = policies.static(default={"visits": 1.0}, tiers={"S": {"visits": 2.0}, "cash_flow": {"visits": 3.0}},
                          accounts={"a1": {"visits": 5.0}})
    a = _epoch0(run(small_scenario, pol, replications=2))
    assert a["visits"].to_dict() == {"a1": 5.0, "a2": 1.0, "a3": 3.0}


def test_contact_focus_list_and_dict_forms_agree(small_scenario):
    entry = {"social_hours": 4.0, "value_hours": 4.0}
    by_list = policies.static(default=entry, accounts={"a1": {"contact_focus": [1.0, 3.0]}})
    by_dict = policies.static(default=entry, accounts={"a1": {"contact_focus": {"eng": 3.0, "ceo": 1.0}}})
    default = policies.static(default=entry)
    kw = dict(replications=40, keep=["intimacy"])
    r_list, r_dict, r_default = (run(small_scenario, p, **kw) for p in (by_list, by_dict, default))
    np.testing.assert_array_equal(r_list.trajectory("intimacy"), r_dict.trajectory("intimacy"))
    # the focus moves a1's key hours (default φ = influence 3:1 towards the ceo) ...
    assert not np.array_equal(r_list.trajectory("intimacy")[:, :, 0], r_default.trajectory("intimacy")[:, :, 0])
    # ... and nothing else
    np.testing.assert_array_equal(r_list.trajectory("intimacy")[:, :, 1:], r_default.trajectory("intimacy")[:, :, 1:])
    # a focus equal to the influence weights changes nothing
    same = policies.static(default=entry, accounts={"a1": {"contact_focus": {"ceo": 3.0, "eng": 1.0}}})
    np.testing.assert_array_equal(run(small_scenario, same, **kw).trajectory("intimacy"),
                                  r_default.trajectory("intimacy"))


TEMPLATES = {t: {"social_hours": i + 1.0, "value_hours": 2.0 * i + 1.0, "visits": 0.5 * i,
                 "service_hours": 1.0, "benchmarking": float(i), "pursue_agreement": i % 2 == 0}
             for i, t in enumerate(TIERS)}


def test_tiered_allocations_follow_the_tiers(small_scenario):
    """Each replication gets the template of the account's tier at the epoch, so the
    mean allocation is the tier shares times the templates (resources ample)."""
    res = run(small_scenario, policies.tiered(TEMPLATES), replications=200)
    assert (res.scale_factors()["scale_factor"] == 1).all()
    matrix = np.array([[float(TEMPLATES[t].get(f, 0.0)) for f in ALLOCATION_FIELDS] for t in TIERS])
    alloc = res.allocations()
    epochs = alloc.index.get_level_values("epoch").unique()
    assert len(epochs) == 4
    for e in epochs:
        shares = res.tier_shares(e)
        assert list(shares.columns) == list(TIERS)
        expected = shares.to_numpy() @ matrix
        np.testing.assert_allclose(alloc.xs(e, level="epoch")[list(ALLOCATION_FIELDS)].to_numpy(), expected,
                                   rtol=0, atol=1e-12)
    # at week 0 every replication sees the initial tiers
    first = res.tier_shares(0)
    for acc, tier in small_scenario.initial_tiers().items():
        assert first.loc[acc, tier] == 1.0


def test_tiered_without_cash_flow_template_uses_the_letter_tier(small_scenario):
    templates = {t: TEMPLATES[t] for t in "SABC"}
    res = run(small_scenario, policies.tiered(templates), replications=2)
    a3 = _epoch0(res).loc["a3"]  # a3: cash-flow customer at week 0, letter tier C (smallest wallet)
    assert a3["social_hours"] == TEMPLATES["C"]["social_hours"]


def test_tiered_policy_retiers_at_each_epoch(demo_scenario, demo_plans):
    res = run(demo_scenario, demo_plans["cathedral"], replications=64, seed=5)
    last = res.tier_shares(-1)
    first = res.tier_shares(0)
    assert ((first == 0) | (first == 1)).all().all()
    assert not ((last == 0) | (last == 1)).all().all()  # some accounts change tier by the last epoch


# --- keep / trajectories ----------------------------------------------------------------------------

def test_keep_trajectories_shapes_and_sums(small_results):
    res = small_results
    R, H, A = res.replications, res.horizon_weeks, len(res.account_ids)
    for metric in cathedral.METRICS:
        assert res.trajectory(metric).shape == (R, H, A)
    for metric in cathedral.FLOWS:
        tr = res.trajectory(metric)
        total = tr.sum(["week", "account_id"]).to_numpy()
        if metric in ("contribution", "cash_flow"):
            team = 3 * 150 / 52 * H  # the team cost is portfolio-wide, not per account
            total = total - team
        np.testing.assert_allclose(total, res.totals(metric), rtol=1e-9, atol=1e-9 * np.abs(total).max())
    np.testing.assert_allclose(res.trajectory("revenue").sum(axis=2), res.weekly("revenue"), rtol=1e-12)
    np.testing.assert_allclose(res.trajectory("coverage").mean(axis=2), res.weekly("coverage"), rtol=1e-12)
    np.testing.assert_allclose(res.trajectory("wallet").sum(axis=2), res.weekly("wallet"), rtol=1e-12)


def test_keep_a_list_keeps_only_those(small_scenario):
    res = run(small_scenario, replications=10, keep=["revenue", "org"])
    assert res.trajectory("revenue").shape == (10, 52, 3)
    assert res.trajectory("org").shape == (10, 52, 3)
    with pytest.raises(ValueError, match=re.escape("trajectory('coverage'): not kept in this run")):
        res.trajectory("coverage")


def test_trajectory_without_keep_names_keep(small_scenario):
    res = run(small_scenario, replications=10)
    with pytest.raises(ValueError, match="keep") as info:
        res.trajectory("revenue")
    assert 'keep="trajectories"' in str(info.value)


# --- resources (docs/model.md §4) --------------------------------------------------------------------------

def _planned_use(alloc, costs):
    """Per account: AM hours/week, executive days/year and money/year of a fitted allocation (§4)."""
    hours = (alloc["social_hours"] + alloc["value_hours"] + alloc["service_hours"]
             + alloc["visits"] * costs["visit_hours"] + alloc["benchmarking"] / 52 * costs["benchmarking_hours"]
             + alloc["exec_visits"] / 52 * costs["exec_visit_hours"])
    days = alloc["benchmarking"] * costs["benchmarking_exec_days"] + alloc["exec_visits"] * costs["exec_visit_exec_days"]
    money = (52 * (alloc["social_hours"] * costs["social_money_per_hour"] + alloc["visits"] * costs["visit_money"]
                   + alloc["service_hours"] * costs["service_money_per_hour"])
             + alloc["benchmarking"] * costs["benchmarking_money"] + alloc["exec_visits"] * costs["exec_visit_money"])
    return hours.sum(), days.sum(), money.sum()


@pytest.mark.parametrize("tight, binding", [("account_managers", "am_hours"),
                                            ("executive_days_per_year", "executive_days"),
                                            ("budget_per_year", "budget")])
def test_scaled_allocation_exactly_fills_the_binding_resource(small_dict, tight, binding):
    small_dict["resources"][tight] = {"account_managers": 0.5, "executive_days_per_year": 3.0,
                                      "budget_per_year": 100.0}[tight]
    scenario = cathedral.Scenario.from_dict(small_dict)
    entry = {**SMALL_DEFAULT_ENTRY, "pursue_agreement": False}
    res = run(scenario, policies.static(default=entry), replications=4)
    scale = res.scale_factors()
    assert (scale["binding_resource"] == binding).all()
    f = scale["scale_factor"].iloc[0]
    assert 0 < f < 1 and (scale["scale_min"] == f).all() and (scale["scale_max"] == f).all()
    alloc = _epoch0(res)
    unscaled = {k: entry[k] for k in ALLOCATION_RATES}
    for k in ALLOCATION_RATES:
        np.testing.assert_allclose(alloc[k], unscaled[k] * f, rtol=1e-12)
    assert (alloc["pursue_agreement"] == 0).all()
    use = dict(zip(("am_hours", "executive_days", "budget"), _planned_use(alloc, scenario.to_dict()["costs"])))
    res_ = scenario.to_dict()["resources"]
    capacity = {"am_hours": res_["account_managers"] * res_["am_hours_per_week"],
                "executive_days": res_["executive_days_per_year"], "budget": res_["budget_per_year"]}
    assert use[binding] == pytest.approx(capacity[binding], rel=1e-9)
    for r in capacity:
        assert use[r] <= capacity[r] * (1 + 1e-9)


def _jic_scenario(small_dict, budget):
    small_dict["accounts"][0]["jic"] = True  # a centre already runs at a1
    small_dict["resources"]["budget_per_year"] = budget
    return cathedral.Scenario.from_dict(small_dict)


def test_strict_raises_resource_error_when_centres_exceed_the_budget(small_dict):
    scenario = _jic_scenario(small_dict, budget=100.0)
    pol = policies.static(default={"visits": 1.0}, accounts={"a1": {"jic": True}})
    with pytest.raises(cathedral.ResourceError) as info:
        run(scenario, pol, replications=4, strict=True)
    msg = str(info.value)
    assert msg.startswith("epoch 0 (week 0): running joint innovation centres need 300")
    assert "budget" in msg and "100" in msg
    assert isinstance(info.value, ValueError)


def test_non_strict_records_infeasible_epochs(small_dict):
    scenario = _jic_scenario(small_dict, budget=100.0)
    pol = policies.static(default={"visits": 1.0, "social_hours": 1.0}, accounts={"a1": {"jic": True}})
    res = run(scenario, pol, replications=4)
    scale = res.scale_factors()
    assert (scale["infeasible_share"] == 1.0).all()
    assert (scale["binding_resource"] == "budget").all()
    assert (scale["scale_factor"] == 0.0).all()
    alloc = _epoch0(res)
    assert (alloc[list(ALLOCATION_RATES)] == 0).all().all()  # nothing left for the rest of the plan
    assert alloc.loc["a1", "jic"] == 1.0  # the centre still runs
    # its running cost is still spent: 300 a year, i.e. 300 over the 52-week horizon
    assert res.kpis()["spend"] == pytest.approx(300.0, rel=1e-9)


def test_opening_a_centre_counts_its_setup_cost(small_dict):
    # no centre yet: opening one commits 300 + 500 setup > 700 -> infeasible; 800 is enough
    small_dict["resources"]["budget_per_year"] = 700.0
    pol = policies.static(accounts={"a1": {"jic": True}})
    tight = run(cathedral.Scenario.from_dict(small_dict), pol, replications=2)
    assert tight.scale_factors()["infeasible_share"].iloc[0] == 1.0
    small_dict["resources"]["budget_per_year"] = 800.0
    enough = run(cathedral.Scenario.from_dict(small_dict), pol, replications=2)
    assert enough.scale_factors()["infeasible_share"].iloc[0] == 0.0
    # later epochs keep a running centre: 300/year only
    assert (enough.scale_factors()["infeasible_share"] == 0).all()
    assert enough.kpis()["spend"] == pytest.approx(500.0 + 300.0, rel=1e-9)


# --- Ctrl-C and progress ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_scenario():
    return cathedral.Scenario.from_dict(cathedral.generate_portfolio(300, seed=1))


@pytest.mark.parametrize("how", ["interrupt_main", "pthread_kill"])
def test_ctrl_c_stops_a_long_run(big_scenario, how):
    import signal

    main_id = threading.get_ident()
    if how == "interrupt_main":
        fire = _thread.interrupt_main
    else:
        def fire():
            signal.pthread_kill(main_id, signal.SIGINT)
    timer = threading.Timer(0.5, fire)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            # about a minute of work on two cores, if it were not stopped
            cathedral.simulate(big_scenario, replications=5000, progress=False)
        elapsed = time.monotonic() - started
    finally:
        timer.cancel()
        timer.join()
    assert elapsed < 2.5, f"KeyboardInterrupt took {elapsed:.2f} s"
    # the interpreter and the engine still work
    res = run(big_scenario, replications=4)
    assert res.totals("revenue").shape == (4,)
    assert np.isfinite(res.kpis()["revenue"])


def test_progress_callable_gets_increasing_fractions_ending_at_one(demo_scenario):
    seen = []
    # one thread: about a second of work whatever the machine's core count
    res = cathedral.simulate(demo_scenario, replications=400, threads=1, progress=seen.append)
    assert res.replications == 400
    assert seen, "the progress callable was never called"
    assert seen[-1] == 1.0
    assert all(0.0 <= x <= 1.0 for x in seen)
    assert all(a <= b for a, b in zip(seen, seen[1:]))
    assert any(x < 1.0 for x in seen), "no intermediate progress over a run of ~1 s"


def test_progress_callable_exception_stops_the_run(demo_scenario):
    class Stop(Exception):
        pass

    def stop(fraction):
        raise Stop(f"stopped at {fraction}")

    with pytest.raises(Stop):
        cathedral.simulate(demo_scenario, replications=2000, threads=1, progress=stop)
    assert run(demo_scenario, replications=2).replications == 2


def test_progress_false_and_true_are_accepted(small_scenario):
    assert run(small_scenario, replications=3, progress=False).replications == 3
    assert run(small_scenario, replications=3, progress=True).replications == 3


def test_default_progress_works_without_tqdm(demo_scenario, monkeypatch):
    import sys

    import cathedral.simulation as simulation

    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if tqdm were not installed
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    # make the default bar appear at once instead of after 2 s, to keep the test short
    monkeypatch.setattr(simulation._Progress.__init__, "__defaults__", (0.0,))
    res = cathedral.simulate(demo_scenario, replications=300, threads=1)  # progress=None: the default
    assert res.replications == 300



def test_a_run_too_large_for_memory_is_refused_before_it_starts():
    """Running out of memory would kill the interpreter; the estimate refuses such a run."""
    scenario = cathedral.Scenario.demo()
    import time

    started = time.perf_counter()
    with pytest.raises(ValueError, match=r"would need about [0-9.]+ GiB .*kept metrics.*use fewer replications"):
        cathedral.simulate(scenario, keep="trajectories", replications=10**8, progress=False)
    with pytest.raises(ValueError, match=r"a Python policy"):
        cathedral.simulate(scenario, cathedral.policies.python(lambda obs: {}), replications=10**8, progress=False)
    assert time.perf_counter() - started < 5  # refused up front, nothing was simulated
