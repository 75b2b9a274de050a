"""cathedral.experiments: inputs and their checks, designs, the batch engine against the plain
simulate() loop, the Sobol and Morris estimators on functions with known answers, tornado,
robustness, saving, and pickling of scenarios, policies and results."""
import copy
import math
import pickle

import numpy as np
import pandas as pd
import pytest

import cathedral
from cathedral import _core, policies
from cathedral import experiments as ex

pytest.importorskip("scipy")


@pytest.fixture(scope="module")
def demo():
    return cathedral.Scenario.demo()


@pytest.fixture(scope="module")
def small(demo):
    # a short, small portfolio: the loops against simulate() stay fast
    ids = demo.account_ids[:6]
    return demo.select(ids).with_settings(horizon_weeks=104)


PLANS = {
    "light": policies.static(default={"social_hours": 1.0, "value_hours": 1.0, "visits": 1.0}),
    "heavy": policies.static(default={"social_hours": 3.0, "value_hours": 4.0, "visits": 3.0, "service_hours": 2.0}),
}


# ---- inputs ---------------------------------------------------------------------------------

def test_distributions_map_quantiles():
    u = np.array([0.0, 0.25, 0.5, 0.999999])
    assert np.allclose(ex.uniform(2, 4).ppf(u), [2, 2.5, 3, 4], atol=1e-5)
    tri = ex.triangular(0, 1, 2).ppf(np.array([0.5]))
    assert tri[0] == pytest.approx(1.0)
    assert list(ex.integers(1, 3).ppf(np.array([0.0, 0.34, 0.99]))) == [1, 2, 3]  # both ends included
    assert list(ex.choice([5, 7]).ppf(np.array([0.2, 0.8]))) == [5, 7]
    with pytest.raises(ValueError, match="lo must be < hi"):
        ex.uniform(1, 1)
    with pytest.raises(ValueError, match="sd must be > 0"):
        ex.normal(0, 0)


def test_normal_is_truncated_to_the_domain():
    d = ex.lhs([ex.Uncertainty("params.coverage_gain", ex.normal(0.02, 0.05))], 400, seed=1)
    v = d.points["params.coverage_gain"]
    assert v.min() >= 0 and v.max() <= 1  # the field's domain is [0, 1]
    assert (v < 0.02).mean() < 0.5  # truncation at 0 moves mass up


def test_unknown_path_gets_did_you_mean(demo):
    with pytest.raises(ValueError, match='did you mean "coverage_gain"'):
        ex.lhs([ex.Uncertainty("params.coverage_gian", ex.uniform(0, 0.1))], 4)
    with pytest.raises(ValueError, match='did you mean "params"'):
        ex.lhs([ex.Uncertainty("parms.coverage_gain", ex.uniform(0, 0.1))], 4)
    with pytest.raises(ValueError, match='did you mean "wallet"'):
        ex.lhs([ex.Uncertainty("accounts.walet", ex.uniform(0.9, 1.1), how="scale")], 4)
    design = ex.lhs([ex.Uncertainty("accounts[acc-0001].fit", ex.uniform(0.2, 0.4))], 4)
    with pytest.raises(ValueError, match='did you mean "acc-001"'):
        ex.run(demo, design, mode="mean_field", progress=False)
    bad = ex.full_factorial({"resources.budget_per_yer": [1000.0]})
    with pytest.raises(ValueError, match='did you mean "budget_per_year"'):
        ex.run(demo, bad, mode="mean_field", progress=False)


def test_distribution_outside_the_domain_is_refused(demo):
    with pytest.raises(ValueError, match=r"params.coverage_gain.*in \[0, 1\].*reaches -0.1"):
        ex.lhs([ex.Uncertainty("params.coverage_gain", ex.uniform(-0.1, 0.2))], 4)
    with pytest.raises(ValueError, match="whole numbers"):
        ex.lhs([ex.Uncertainty("params.sales_cycle_weeks", ex.uniform(10, 20))], 4)
    with pytest.raises(ValueError, match="wholly outside"):
        ex.lhs([ex.Uncertainty("params.turnover_per_year", ex.normal(-50, 0.1))], 4)
    # a scale factor that would make a wallet negative: checked against the scenario
    design = ex.lhs([ex.Uncertainty("accounts.wallet", ex.uniform(-0.5, 1.5), how="scale")], 4)
    with pytest.raises(ValueError, match=r"factor must be > 0"):
        ex.run(demo, design, mode="mean_field", progress=False)
    # a rule across fields (the deal flow of the §9 parameters), checked for every point first
    with pytest.raises(cathedral.ScenarioError, match=r"point 1: params.deal_fraction: .* deals per account and week"):
        ex.run(demo, ex.full_factorial({"params.deal_fraction": [0.08, 1e-7]}), mode="mean_field", progress=False)
    # a value outside its domain in a given design names the input and the point
    with pytest.raises(ValueError, match=r"point 1: must be in \[0, 1\], got 1.5"):
        ex.run(demo, ex.full_factorial({"params.coverage_gain": [0.5, 1.5]}), mode="mean_field", progress=False)


def test_empty_designs_and_bad_plans(demo):
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        ex.lhs([ex.Uncertainty("params.coverage_gain", ex.uniform(0, 0.1))], 0)
    with pytest.raises(ValueError, match="empty"):
        ex.full_factorial({"params.coverage_gain": []})
    with pytest.raises(ValueError, match="empty"):
        ex.from_dataframe(pd.DataFrame({"params.coverage_gain": []}))
    design = ex.full_factorial({"params.coverage_gain": [0.05]})
    with pytest.raises(ValueError, match=r'plans\["bad"\].*visitz'):
        ex.run(demo, design, {"ok": PLANS["light"], "bad": policies.static(default={"visitz": 1.0})},
               mode="mean_field", progress=False)
    with pytest.raises(ValueError, match='did you mean "contribution"'):
        ex.run(demo, design, outcomes=["contributon"], mode="mean_field", progress=False)
    with pytest.raises(ValueError, match="KPI of the whole horizon"):
        ex.run(demo, design, outcomes=["win_rate"], by="year", mode="mean_field", progress=False)


# ---- the batch engine against simulate() ---------------------------------------------------------

def _by_hand(scn, point, plan, replications, seed, mode):
    """One point the plain way: with_params / replace_account / scaled wallets, then simulate."""
    d = scn.to_dict()
    d["params"]["coverage_gain"] = point["params.coverage_gain"]
    for a in d["accounts"]:
        a["wallet"] *= point["accounts.wallet:scale"]
    for a in d["accounts"]:
        if a["id"] == scn.account_ids[1]:
            a["fit"] = point[f"accounts[{scn.account_ids[1]}].fit"]
    d["resources"]["budget_per_year"] += point["resources.budget_per_year:shift"]
    res = cathedral.simulate(cathedral.Scenario.from_dict(d), plan, replications=replications, seed=seed, mode=mode,
                             progress=False)
    weekly = res.weekly("contribution").to_numpy()
    wins = res.weekly("wins").to_numpy()
    cov = res.weekly("coverage").to_numpy()
    years = [(0, 52), (52, 104)]
    out = np.empty((weekly.shape[0], 3, 2))
    for p, (lo, hi) in enumerate(years):
        out[:, 0, p] = np.cumsum(weekly[:, lo:hi], axis=1)[:, -1]  # flows in week order
        out[:, 1, p] = np.cumsum(wins[:, lo:hi], axis=1)[:, -1]
        out[:, 2, p] = cov[:, hi - 1]  # a state at the period's end
    return out


@pytest.mark.parametrize("mode,replications", [("monte_carlo", 40), ("mean_field", 1)])
def test_batch_matches_simulate_bit_for_bit(small, mode, replications):
    acc = small.account_ids[1]
    inputs = [ex.Uncertainty("params.coverage_gain", ex.uniform(0.02, 0.09)),
              ex.Uncertainty("accounts.wallet", ex.uniform(0.7, 1.3), how="scale"),
              ex.Uncertainty(f"accounts[{acc}].fit", ex.triangular(0.2, 0.5, 0.9)),
              ex.Uncertainty("resources.budget_per_year", ex.uniform(-200, 200), how="shift")]
    design = ex.lhs(inputs, 3, seed=4)
    res = ex.run(small, design, PLANS, replications=replications, seed=11, mode=mode,
                 outcomes=["contribution", "wins", "coverage"], by="year", keep_replications=True, progress=False)
    assert res.periods == ["year 1", "year 2"]
    for i, point in design.points.iterrows():
        for j, (name, plan) in enumerate(PLANS.items()):
            want = _by_hand(small, point, plan, replications, 11, mode)
            for k, outcome in enumerate(["contribution", "wins", "coverage"]):
                got = res.replication_outcomes[outcome][i, j]
                assert np.array_equal(got, want[:, k, :]), (i, name, outcome)
                assert np.allclose(res.outcomes[outcome][i, j], want[:, k, :].mean(axis=0), rtol=1e-12, atol=1e-9)


def test_kpi_outcomes_and_common_random_numbers(small):
    design = ex.full_factorial({"params.coverage_gain": [0.05, 0.05, 0.08]})
    res = ex.run(small, design, PLANS, replications=64, seed=3, outcomes=["revenue", "win_rate"], progress=False)
    rev = res.outcomes["revenue"][:, :, 0]
    assert np.array_equal(rev[0], rev[1])  # the same point gets the same streams
    direct = cathedral.simulate(small.with_params(coverage_gain=0.08), PLANS["heavy"], replications=64, seed=3,
                                progress=False)
    assert res.outcomes["win_rate"][2, 1, 0] == pytest.approx(direct.kpis()["win_rate"], rel=1e-12)
    assert res.se["revenue"][2, 1, 0] == pytest.approx(direct.kpi_table().loc["revenue", "se"], rel=1e-9)


def test_python_policy_runs_point_by_point(small):
    alloc = {"social_hours": 2.0, "value_hours": 2.0, "visits": 2.0}

    def constant(obs):
        return {k: np.full(obs.n_accounts, v) for k, v in alloc.items()}

    design = ex.full_factorial({"params.coverage_gain": [0.03, 0.07]})
    res = ex.run(small, design, {"python": policies.python(constant), "static": policies.static(default=alloc)},
                 replications=40, seed=5, by="year", progress=False)
    # the Python loop and the batch engine agree on the same plan written both ways
    assert np.array_equal(res.outcomes["contribution"][:, 0], res.outcomes["contribution"][:, 1])


def test_threads_do_not_change_results(small):
    design = ex.lhs([ex.Uncertainty("params.turnover_per_year", ex.uniform(0.05, 0.3))], 5, seed=2)
    a = ex.run(small, design, replications=70, threads=1, progress=False)
    b = ex.run(small, design, replications=70, threads=2, progress=False)
    for k in a.outcomes:
        assert np.array_equal(a.outcomes[k], b.outcomes[k]) and np.array_equal(a.se[k], b.se[k])


# ---- estimators on functions with known answers --------------------------------------------------------

def _unit_inputs(d):
    """d inputs uniform on [0, 1] (parameters whose domain is [0, 1]); only the design is used."""
    names = [r["name"] for r in _core.param_table() if r["domain"] == "[0, 1]"][:d]
    return [ex.Uncertainty(f"params.{n}", ex.uniform(0, 1)) for n in names]


def _ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_on_ishigami_and_a_linear_function():
    design = ex.sobol(_unit_inputs(3), 2048, seed=7)
    x = -math.pi + 2 * math.pi * design.points.to_numpy()
    lin = 3 * design.points.iloc[:, 0] + 1 * design.points.iloc[:, 1]  # S = (0.9, 0.1, 0), additive
    y = np.column_stack([_ishigami(x), lin])
    si = ex.sobol_indices(design, y, resamples=300)
    a, b = 7.0, 0.1
    V = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5
    V1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    V2 = a**2 / 8
    V13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    want = {"period 0": ([V1 / V, V2 / V, 0.0], [(V1 + V13) / V, V2 / V, V13 / V]),
            "period 1": ([0.9, 0.1, 0.0], [0.9, 0.1, 0.0])}
    inputs = list(design.points.columns)
    for period, (s1, st) in want.items():
        got = si.xs(period, level="period").loc[inputs]
        for key, truth in (("S1", s1), ("ST", st)):
            err = np.abs(got[key].to_numpy() - truth)
            width = (got[f"{key}_high"] - got[f"{key}_low"]).to_numpy()
            assert np.all((err <= 0.03) | (err <= 3 * width)), (period, key, got[key].to_numpy(), truth)
            # the intervals are informative, not vacuous
            assert np.all(width < 0.2)
    assert len(design) == 2048 * 5


def test_morris_ranks_a_known_order():
    design = ex.morris(_unit_inputs(4), trajectories=20, levels=4, seed=3)
    u = design.points.to_numpy()
    y = 10 * u[:, 0] + 4 * u[:, 1] ** 2 + 1 * u[:, 2] + 0 * u[:, 3]
    mi = ex.morris_indices(design, y)
    order = list(mi.xs("all", level="period").index)
    assert order == list(design.points.columns)  # mu_star falls from the first input to the last
    table = mi.xs("all", level="period")
    assert table.loc[design.points.columns[3], "mu_star"] == 0
    lin = table.loc[design.points.columns[0]]
    assert lin["sigma"] == pytest.approx(0, abs=1e-9)  # linear: every effect the same


def test_sobol_on_the_demo_by_year(small):
    inputs = [ex.Uncertainty("params.turnover_per_year", ex.uniform(0.05, 0.4)),
              ex.Uncertainty("accounts.wallet", ex.uniform(0.8, 1.2), how="scale"),
              ex.Uncertainty("params.macro_sd", ex.uniform(0.0, 0.05))]
    design = ex.sobol(inputs, 64, seed=1)
    res = ex.run(small, design, mode="mean_field", by="year", progress=False)
    si = ex.sobol_indices(res, outcome="revenue", resamples=100)
    assert set(si.index.get_level_values("period")) == {"year 1", "year 2"}
    y1 = si.xs("year 1", level="period")
    # in mean field the market's noise has no effect; the wallets drive revenue
    assert y1.loc["params.macro_sd", "ST"] == pytest.approx(0, abs=1e-9)
    assert y1.loc["accounts.wallet:scale", "ST"] > 0.5
    whole = ex.sobol_indices(res, outcome="revenue", by="horizon", resamples=100)
    assert list(whole.index.get_level_values("period").unique()) == ["horizon"]
    with pytest.raises(ValueError, match="was run by 'year'"):
        ex.sobol_indices(res, outcome="revenue", by="quarter")


# ---- tornado, robustness, plots ---------------------------------------------------------------------------

def test_tornado(small):
    inputs = [ex.Uncertainty("accounts.wallet", ex.uniform(0.5, 1.5), how="scale"),
              ex.Uncertainty("params.macro_sd", ex.uniform(0.0, 0.05))]
    t = ex.tornado(small, inputs, PLANS["heavy"], outcome="revenue", mode="mean_field")
    assert list(t.index) == ["accounts.wallet:scale", "params.macro_sd"]
    w = t.loc["accounts.wallet:scale"]
    assert w["low_value"] == pytest.approx(0.6) and w["high_value"] == pytest.approx(1.4)
    assert w["low"] < w["base"] < w["high"]
    base = cathedral.simulate(small, PLANS["heavy"], mode="mean_field", progress=False).kpis()["revenue"]
    assert w["base"] == pytest.approx(base, rel=1e-12)
    mc = ex.tornado(small, inputs[:1], PLANS["heavy"], outcome="revenue", replications=64)
    assert mc["swing_se"].iloc[0] > 0


def test_robustness(small):
    design = ex.lhs([ex.Uncertainty("params.coverage_gain", ex.uniform(0.01, 0.1)),
                     ex.Uncertainty("accounts.wallet", ex.uniform(0.7, 1.3), how="scale")], 12, seed=9)
    res = ex.run(small, design, PLANS, mode="mean_field", by="year", progress=False)
    table = ex.robustness(res, "contribution")
    y = res.outcomes["contribution"].sum(axis=2)  # points × plans: the two years
    best = y.max(axis=1, keepdims=True)
    for j, plan in enumerate(res.plans):
        row = table.loc[plan]
        assert row["mean"] == pytest.approx(y[:, j].mean())
        assert row["expected_regret"] == pytest.approx((best[:, 0] - y[:, j]).mean())
        assert row["max_regret"] == pytest.approx((best[:, 0] - y[:, j]).max())
        assert row["p10"] == pytest.approx(np.quantile(y[:, j], 0.1))
    assert table["p_best"].sum() == pytest.approx(1.0)
    assert table["expected_regret"].is_monotonic_increasing


def test_plots(small):
    import matplotlib

    matplotlib.use("Agg")
    design = ex.sobol([ex.Uncertainty("params.coverage_gain", ex.uniform(0.01, 0.1)),
                       ex.Uncertainty("accounts.wallet", ex.uniform(0.7, 1.3), how="scale")], 16, seed=1)
    res = ex.run(small, design, PLANS, mode="mean_field", by="year", progress=False)
    si = ex.sobol_indices(res, plan="heavy", resamples=50)
    figs = [ex.plot_sobol(si), ex.plot_regret(res), ex.plot_regret(res, by="params.coverage_gain"),
            ex.plot_scatter(res, "accounts.wallet:scale"),
            ex.plot_tornado(ex.tornado(small, design.uncertainties, PLANS["light"], mode="mean_field"))]
    assert all(f.axes for f in figs)


# ---- results: forms and saving ---------------------------------------------------------------------------

def test_results_forms_and_save_load(small, tmp_path):
    design = ex.lhs([ex.Uncertainty("params.coverage_gain", ex.uniform(0.01, 0.1))], 4, seed=2)
    res = ex.run(small, design, PLANS, replications=40, by="quarter", keep_replications=True, progress=False)
    assert res.outcomes["revenue"].shape == (4, 2, 8)
    assert res.replication_outcomes["revenue"].shape == (4, 2, 40, 8)
    assert len(res.experiments) == 8 and list(res.experiments["plan"][:2]) == ["light", "heavy"]
    ds = res.to_xarray()
    assert ds["revenue"].dims == ("point", "plan", "period")
    assert float(ds["revenue"].sel(plan="heavy", period="quarter 3")[1]) == res.outcomes["revenue"][1, 1, 2]
    df = res.to_dataframe()
    assert len(df) == 4 * 2 * 8 and {"revenue", "revenue_se", "params.coverage_gain"} <= set(df.columns)
    res.save(tmp_path / "exp.npz")
    back = ex.ExperimentResults.load(tmp_path / "exp.npz")
    for k in res.outcomes:
        assert np.array_equal(back.outcomes[k], res.outcomes[k])
        assert np.array_equal(back.se[k], res.se[k], equal_nan=True)
        assert np.array_equal(back.replication_outcomes[k], res.replication_outcomes[k])
    pd.testing.assert_frame_equal(back.points, res.points)
    assert back.plans == res.plans and back.periods == res.periods and back.seed == res.seed


# ---- one run in blocks (what a cluster does) ------------------------------------------------------------

@pytest.mark.parametrize("policy", [None, PLANS["heavy"],
                                    policies.schedule({0: PLANS["light"], 52: PLANS["heavy"]})])
def test_run_in_blocks_is_bit_identical(small, policy):
    R, seed, keep = 70, 9, ["revenue", "coverage"]  # 3 blocks, the last short
    want = cathedral.simulate(small, policy, replications=R, seed=seed, keep=keep, progress=False)._raw
    tree = policies.as_tree(policy, small)
    parts = [_core.run_blocks(small._core, tree, R, seed, "monte_carlo", 1, keep, False, b, n, None)
             for b, n in ((2, 1), (0, 2))]  # out of order: the combination sorts them
    got = _core.combine_blocks(small._core, R, seed, "monte_carlo", keep, parts)
    for key, value in want.items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(got[key], value, equal_nan=True), key
        elif isinstance(value, dict):
            for m in value:
                assert np.array_equal(got[key][m], value[m]), (key, m)
        else:
            assert got[key] == value, key
    with pytest.raises(ValueError, match="every block once"):
        _core.combine_blocks(small._core, R, seed, "monte_carlo", keep, parts[:1])


# ---- pickling and copying ------------------------------------------------------------------------------

def test_scenario_policies_and_results_pickle_exactly(small):
    for scn in (small, small.with_params(coverage_gain=0.1 / 3)):
        for back in (pickle.loads(pickle.dumps(scn)), copy.deepcopy(scn), copy.copy(scn)):
            assert isinstance(back, cathedral.Scenario) and back == scn and back.to_dict() == scn.to_dict()
    sched = policies.schedule({0: PLANS["light"], 26: PLANS["heavy"]})
    for p in (PLANS["light"], sched, policies.tiered(small.policy["templates"])):
        back = pickle.loads(pickle.dumps(p))
        assert back.to_dict() == p.to_dict() and copy.deepcopy(p).to_dict() == p.to_dict()
    res = cathedral.simulate(small, sched, replications=40, seed=1, keep=["revenue"], progress=False)
    for back in (pickle.loads(pickle.dumps(res)), copy.deepcopy(res)):
        pd.testing.assert_frame_equal(back.kpi_table(), res.kpi_table())
        pd.testing.assert_frame_equal(back.accounts(), res.accounts())
        assert np.array_equal(back.trajectory("revenue"), res.trajectory("revenue"))
        assert back.scenario == res.scenario and back.policy.to_dict() == sched.to_dict()
    py = policies.python(_module_level_policy)
    assert pickle.loads(pickle.dumps(py)).fn is _module_level_policy


def _module_level_policy(obs):
    return {"visits": np.ones(obs.n_accounts)}


def test_costs_and_integer_fields(small):
    design = ex.full_factorial({"costs.visit_money": [0.1, 0.4], "params.sales_cycle_weeks": [12, 20]})
    res = ex.run(small, design, PLANS, mode="mean_field", outcomes=["contribution", "spend"], progress=False)
    for i, point in design.points.iterrows():
        scn = small.with_costs(visit_money=point["costs.visit_money"]).with_params(
            sales_cycle_weeks=int(point["params.sales_cycle_weeks"]))
        direct = cathedral.simulate(scn, PLANS["heavy"], mode="mean_field", progress=False)
        assert res.outcomes["spend"][i, 1, 0] == pytest.approx(direct.kpis()["spend"], rel=1e-12)
    with pytest.raises(ValueError, match=r"sales_cycle_weeks.*whole number, got 12.5"):
        ex.run(small, ex.full_factorial({"params.sales_cycle_weeks": [12.5]}), mode="mean_field", progress=False)
    with pytest.raises(ValueError, match='how="scale" needs a field of real numbers'):
        ex.run(small, ex.full_factorial({"params.sales_cycle_weeks:scale": [2.0]}), mode="mean_field",
               progress=False)
