"""Results: shapes and indices of every method, internal consistency of the
summaries (docs/model.md §8), KPI definitions, mean_field runs and plots."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import cathedral
from cathedral import _core
from conftest import run

KPI_FIXED = ["revenue", "gross_profit", "contribution", "cash_flow", "spend", "revenue_per_am_year",
             "contribution_per_am_year", "revenue_growth", "win_rate", "share_of_wallet", "wins",
             "direct_awards", "seen_deals"]
GRID_CELLS = [f"{i}/{s}" for i in ("low", "medium", "high") for s in ("opposed", "neutral", "supportive")]
TIERS = ["S", "A", "B", "C", "cash_flow"]
ALLOCATION_FIELDS = list(cathedral.activities.FIELDS)  # the engine's activity table
RESOURCES = {"none", "am_hours", "executive_days", "budget"}


# --- shapes and indices ---------------------------------------------------------------------------

def test_attributes(small_results, small_scenario):
    r = small_results
    assert r.replications == 100 and r.seed == 7 and r.mode == "monte_carlo"
    assert r.horizon_weeks == 52
    assert r.account_ids == ["a1", "a2", "a3"]
    assert "monte_carlo" in repr(r) and "100 replications" in repr(r)


def test_kpi_table_shape_and_index(small_results, demo_results):
    t = small_results.kpi_table()
    assert list(t.columns) == ["mean", "se", "ci_low", "ci_high", "p5", "p50", "p95"]
    assert list(t.index) == KPI_FIXED + ["revenue_year_1"]  # 52 weeks: one year
    assert t.index.name == "kpi"
    d = demo_results.kpi_table()
    assert list(d.index) == KPI_FIXED + ["revenue_year_1", "revenue_year_2", "revenue_year_3"]


def test_kpis_is_the_mean_column(small_results):
    k = small_results.kpis()
    assert isinstance(k, pd.Series)
    pd.testing.assert_series_equal(k, small_results.kpi_table()["mean"])


def test_kpi_values_shape(small_results):
    v = small_results.kpi_values()
    assert v.shape == (100, len(KPI_FIXED) + 1) and v.dims == ("replication", "kpi")
    assert list(v.kpi.values) == list(small_results.kpi_table().index)
    assert list(v.replication.values) == list(range(100))
    frame = v.to_pandas()  # replications × KPIs
    assert frame.index.name == "replication" and list(frame.columns) == list(v.kpi.values)


def test_per_replication_values_are_labelled(small_results):
    r = small_results
    R, H, ids = r.replications, r.horizon_weeks, r.account_ids
    t = r.totals("revenue")
    assert t.dims == ("replication",) and t.name == "revenue" and list(t.replication.values) == list(range(R))
    w = r.weekly("coverage")
    assert w.dims == ("replication", "week") and list(w.week.values) == list(range(H))
    tr = r.trajectory("revenue")
    assert tr.dims == ("replication", "week", "account_id") and list(tr.account_id.values) == ids
    # labels pick what positions did, and the plain array is one call away
    np.testing.assert_array_equal(tr.sel(account_id="a2").to_numpy(), tr.to_numpy()[:, :, 1])
    np.testing.assert_allclose(tr.sum("week").sel(account_id="a1"), tr.to_numpy()[:, :, 0].sum(axis=1), rtol=1e-12)
    assert isinstance(t.to_numpy(), np.ndarray) and t.to_numpy().shape == (R,)
    f = r.scale_factor_values()
    E = len(r.scale_factors())
    assert f.dims == ("replication", "epoch") and f.shape == (R, E)
    assert list(f.week.values) == r.scale_factors()["week"].tolist()
    np.testing.assert_allclose(f.mean("replication"), r.scale_factors()["scale_factor"], rtol=1e-12)
    assert f.binding_resource.dims == ("replication", "epoch") and f.infeasible.dtype == bool
    assert set(np.unique(f.binding_resource.values)) <= set(cathedral._core.RESOURCES)


def test_kpi_table_statistics(demo_results):
    t = demo_results.kpi_table()
    v = demo_results.kpi_values()
    for k in ("revenue", "contribution", "win_rate", "revenue_year_2"):
        col = v.sel(kpi=k).dropna("replication").to_numpy()
        n = col.size
        assert t.loc[k, "mean"] == pytest.approx(col.mean(), rel=1e-12)
        assert t.loc[k, "se"] == pytest.approx(col.std(ddof=1) / np.sqrt(n), rel=1e-12)
        assert t.loc[k, "ci_low"] == pytest.approx(col.mean() - 1.959963984540054 * t.loc[k, "se"], rel=1e-9)
        assert t.loc[k, "ci_high"] == pytest.approx(col.mean() + 1.959963984540054 * t.loc[k, "se"], rel=1e-9)
        assert t.loc[k, "p5"] <= t.loc[k, "p50"] <= t.loc[k, "p95"]
        np.testing.assert_allclose([t.loc[k, "p5"], t.loc[k, "p50"], t.loc[k, "p95"]],
                                   np.quantile(col, [0.05, 0.5, 0.95]), rtol=1e-12)
    wide = demo_results.kpi_table(confidence=0.99)
    assert (wide["ci_high"] - wide["ci_low"]).loc["revenue"] > (t["ci_high"] - t["ci_low"]).loc["revenue"]
    for bad in (0, 1, 1.5, -0.1):
        with pytest.raises(ValueError, match=re.escape(f"confidence: must be in (0, 1), got {bad}")):
            demo_results.kpi_table(confidence=bad)


def test_portfolio_shapes(small_results):
    p = small_results.portfolio()
    assert p.shape == (52, 4 * len(cathedral.METRICS))
    assert p.index.name == "week" and list(p.index) == list(range(52))
    assert list(p.columns.names) == ["metric", "stat"]
    assert list(p.columns.get_level_values("metric").unique()) == list(cathedral.METRICS)
    one = small_results.portfolio("revenue")
    assert list(one.columns) == ["mean", "p5", "p50", "p95"]
    pd.testing.assert_frame_equal(one, p["revenue"], check_names=False)


@pytest.mark.parametrize("metric", ["revenue", "coverage", "cash_flow", "wallet"])
def test_portfolio_quantiles_ordered_and_mean_of_weekly(small_results, metric):
    p = small_results.portfolio(metric)
    tol = 1e-12 * max(1.0, float(p.abs().max().max()))
    assert (p["p5"] <= p["p50"] + tol).all() and (p["p50"] <= p["p95"] + tol).all()
    w = small_results.weekly(metric)
    np.testing.assert_allclose(p["mean"].to_numpy(), w.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(p["p95"].to_numpy(), np.quantile(w, 0.95, axis=0), rtol=1e-12)


def test_totals_and_weekly(small_results):
    w = small_results.weekly("revenue")
    assert w.shape == (100, 52)
    t = small_results.totals("revenue")
    assert t.shape == (100,)
    np.testing.assert_allclose(t, w.sum(axis=1), rtol=1e-12)
    assert t.mean() == pytest.approx(small_results.kpis()["revenue"], rel=1e-12)
    np.testing.assert_allclose(t, small_results.kpi_values().sel(kpi="revenue").to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("state", list(cathedral.STATES))
def test_totals_of_a_state_raises(small_results, state):
    with pytest.raises(ValueError, match=re.escape(f"totals({state!r}): {state} is a state, not a flow")):
        small_results.totals(state)


@pytest.mark.parametrize("method", ["portfolio", "totals", "weekly", "trajectory"])
def test_unknown_metric_did_you_mean(small_results, method):
    with pytest.raises(ValueError) as info:
        getattr(small_results, method)("revenu")
    msg = str(info.value)
    assert msg.startswith("unknown metric 'revenu'; did you mean \"revenue\"?")
    assert "metrics are: revenue, gross_profit" in msg


def test_unknown_metric_without_close_match(small_results):
    with pytest.raises(ValueError, match=re.escape("unknown metric 'zzzz'; metrics are: revenue")):
        small_results.weekly("zzzz")


def test_accounts_frame(small_results):
    a = small_results.accounts()
    assert list(a.index) == ["a1", "a2", "a3"] and a.index.name == "account_id"
    assert list(a.columns[:3]) == ["name", "tier_start", "tier_last_epoch"]
    assert set(cathedral.METRICS) <= set(a.columns)
    assert {"revenue_se", "contribution_se"} <= set(a.columns)
    assert a["name"].tolist() == ["Alpha Industries", "a2", "Gamma Retail"]
    assert a["tier_start"].tolist() == ["S", "B", "cash_flow"]
    shares = small_results.tier_shares(-1)
    assert a["tier_last_epoch"].tolist() == shares.idxmax(axis=1).tolist()


def test_accounts_flows_are_horizon_totals_and_states_end_values(small_results):
    """accounts(): flows summed over the horizon, states at the end, means over replications."""
    a = small_results.accounts()
    n = small_results.replications
    for metric in ("revenue", "wins", "spend", "hours", "seen_deals"):
        per_rep = small_results.trajectory(metric).sum(axis=1)  # replications × accounts
        np.testing.assert_allclose(a[metric].to_numpy(), per_rep.mean(axis=0), rtol=1e-10, atol=1e-12)
    for metric in ("coverage", "org", "intimacy", "support", "fit", "wallet", "agreement_weeks_left", "jic"):
        end = small_results.trajectory(metric)[:, -1, :]
        np.testing.assert_allclose(a[metric].to_numpy(), end.mean(axis=0), rtol=1e-10, atol=1e-12)
    rev = small_results.trajectory("revenue").sum(axis=1)
    np.testing.assert_allclose(a["revenue_se"].to_numpy(), rev.std(axis=0, ddof=1) / np.sqrt(n), rtol=1e-6)
    # per-account flows add up to the portfolio (contribution: less the team cost)
    assert a["revenue"].sum() == pytest.approx(small_results.kpis()["revenue"], rel=1e-10)
    team = 3 * 150 / 52 * 52
    assert a["contribution"].sum() - team == pytest.approx(small_results.kpis()["contribution"], rel=1e-9)


def test_kpi_definitions(small_results):
    """docs/model.md §8 KPIs, recomputed from the weekly portfolio series."""
    r = small_results
    v = r.kpi_values().to_pandas()
    years = r.horizon_weeks / 52
    managers = r.scenario.to_dict()["resources"]["account_managers"]
    np.testing.assert_allclose(v["gross_profit"], r.totals("gross_profit"), rtol=1e-12)
    np.testing.assert_allclose(v["spend"], r.totals("spend"), rtol=1e-12)
    np.testing.assert_allclose(v["cash_flow"], r.totals("cash_flow"), rtol=1e-12)
    np.testing.assert_allclose(v["wins"], r.totals("wins"), rtol=1e-12)
    np.testing.assert_allclose(v["win_rate"], r.totals("wins") / r.totals("decided_deals"), rtol=1e-12)
    np.testing.assert_allclose(v["share_of_wallet"], r.totals("revenue") / (r.weekly("wallet").sum(axis=1) / 52),
                               rtol=1e-12)
    np.testing.assert_allclose(v["revenue_per_am_year"], r.totals("revenue") / managers / years, rtol=1e-12)
    np.testing.assert_allclose(v["revenue_year_1"], r.totals("revenue"), rtol=1e-12)
    team = managers * 150 / 52
    np.testing.assert_allclose(r.weekly("contribution"), r.weekly("gross_profit") - r.weekly("spend") - team,
                               rtol=1e-9, atol=1e-9)
    assert v["revenue_growth"].isna().all()  # a horizon under two years has no growth


def test_kpi_definitions_over_three_years(demo_results):
    v = demo_results.kpi_values().to_pandas()
    w = demo_results.weekly("revenue").to_numpy()
    years = [w[:, 0:52].sum(1), w[:, 52:104].sum(1), w[:, 104:156].sum(1)]
    for y in range(3):
        np.testing.assert_allclose(v[f"revenue_year_{y + 1}"], years[y], rtol=1e-12)
    np.testing.assert_allclose(v["revenue_growth"], years[2] / years[0] - 1, rtol=1e-10)
    np.testing.assert_allclose(sum(years), demo_results.totals("revenue"), rtol=1e-12)


def test_cash_flow_lags_gross_profit_by_the_payment_delay(small_dict):
    # no spend, no team cost: the cash flow is the gross profit 13 weeks later
    small_dict["resources"]["account_managers"] = 0
    small_dict["policy"] = {"type": "static", "default": {}}
    with pytest.warns(cathedral.ScenarioWarning, match="account_managers is 0"):
        res = run(cathedral.Scenario.from_dict(small_dict), replications=20)
    gp, cash = res.weekly("gross_profit"), res.weekly("cash_flow")
    np.testing.assert_allclose(cash[:, 13:], gp[:, :-13], rtol=1e-12, atol=1e-12)
    assert (cash[:, :13] == 0).all()
    assert res.kpis()[["revenue_per_am_year", "contribution_per_am_year"]].isna().all()


def test_nine_grid(small_results):
    g = small_results.nine_grid()
    assert g.shape == (3, 9)
    assert list(g.columns) == GRID_CELLS == list(_core.GRID_CELLS)
    assert list(g.index) == ["a1", "a2", "a3"] and g.index.name == "account_id"
    contacts = [len(a["contacts"]) for a in small_results.scenario.to_dict()["accounts"]]
    for week in (0, 10, 51, -1, -52):
        np.testing.assert_allclose(small_results.nine_grid(week).sum(axis=1).to_numpy(), contacts, rtol=1e-12)
    pd.testing.assert_frame_equal(small_results.nine_grid(-1), small_results.nine_grid(51))
    for bad in (52, -53):
        with pytest.raises(ValueError, match=re.escape(f"week: must be in [-52, 51], got {bad}")):
            small_results.nine_grid(bad)


def _cell(intimacy, support, icuts=(1 / 3, 2 / 3), scuts=(-1 / 3, 1 / 3)):
    i = np.where(intimacy < icuts[0], 0, np.where(intimacy < icuts[1], 1, 2))
    s = np.where(support < scuts[0], 0, np.where(support < scuts[1], 1, 2))
    return i * 3 + s


@pytest.mark.parametrize("cuts", [None, {"intimacy": [0.2, 0.5], "support": [-0.1, 0.05]}])
def test_nine_grid_cells_follow_intimacy_and_support(small_dict, cuts):
    """docs/model.md §6: for an account with one key contact, its indices K and Ī are the
    contact's S and I, so the nine-grid can be recomputed from the trajectories."""
    if cuts:
        small_dict["tiering"] = {"grid": cuts}
    res = run(cathedral.Scenario.from_dict(small_dict), replications=64, keep=["intimacy", "support"])
    a2 = res.account_ids.index("a2")  # a single contact
    icuts = cuts["intimacy"] if cuts else (1 / 3, 2 / 3)
    scuts = cuts["support"] if cuts else (-1 / 3, 1 / 3)
    cells = _cell(res.trajectory("intimacy")[:, :, a2], res.trajectory("support")[:, :, a2], icuts, scuts)
    for week in (0, 12, 30, 51):
        expected = np.bincount(cells[:, week], minlength=9) / res.replications
        np.testing.assert_allclose(res.nine_grid(week).loc["a2"].to_numpy(), expected, rtol=0, atol=1e-12)


def test_tier_shares(small_results, demo_results):
    for res in (small_results, demo_results):
        E = res.scale_factors().shape[0]
        for e in (0, 1, E - 1, -1):
            s = res.tier_shares(e)
            assert list(s.columns) == TIERS and list(s.index) == res.account_ids and s.index.name == "account_id"
            np.testing.assert_allclose(s.sum(axis=1).to_numpy(), 1.0, rtol=1e-12)
            assert ((s >= 0) & (s <= 1)).all().all()
    start = demo_results.tier_shares(0)
    assert start.idxmax(axis=1).to_dict() == demo_results.scenario.initial_tiers()


def test_allocations_frame(demo_results):
    a = demo_results.allocations()
    E = demo_results.horizon_weeks // 13
    A = len(demo_results.account_ids)
    assert a.shape[0] == E * A
    assert list(a.index.names) == ["epoch", "account_id"]
    assert list(a.columns) == ["week"] + ALLOCATION_FIELDS + ["scale_factor", "binding_resource",
                                                              "infeasible_share"]
    assert sorted(set(a["week"])) == [13 * e for e in range(E)]
    assert ((a["scale_factor"] >= 0) & (a["scale_factor"] <= 1)).all()
    assert set(a["binding_resource"]) <= RESOURCES
    assert ((a["infeasible_share"] >= 0) & (a["infeasible_share"] <= 1)).all()
    assert (a[ALLOCATION_FIELDS] >= 0).all().all()
    assert ((a["pursue_agreement"] <= 1) & (a["jic"] <= 1)).all()


def test_scale_factors_frame(demo_scenario):
    import warnings

    # the demo's plan fits its resources: with fewer account managers it asks for more AM hours than there are
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cathedral.FitWarning)
        s = run(demo_scenario.with_resources(account_managers=12.5), replications=48).scale_factors()
    assert s.index.name == "epoch" and len(s) == 12
    assert list(s.columns) == ["week", "scale_factor", "scale_min", "scale_max", "binding_resource",
                               "infeasible_share"]
    # (the mean of equal values may differ from them in the last bit)
    assert (s["scale_min"] <= s["scale_factor"] * (1 + 1e-12)).all()
    assert (s["scale_factor"] <= s["scale_max"] * (1 + 1e-12)).all()
    assert ((s["scale_min"] >= 0) & (s["scale_max"] <= 1)).all()
    assert set(s["binding_resource"]) <= RESOURCES
    assert (s["scale_factor"] < 1).any()
    assert (s.loc[s["scale_factor"] < 1, "binding_resource"] != "none").all()


def test_mean_field_results(small_scenario):
    a = run(small_scenario, mode="mean_field", replications=500, seed=1, keep=["revenue"])
    b = run(small_scenario, mode="mean_field", seed=99, keep=["revenue"])
    assert a.replications == 1 and a.mode == "mean_field"
    assert a.kpi_values().shape[0] == 1
    assert a.trajectory("revenue").shape == (1, 52, 3)
    # deterministic: no randomness at all, so the seed does not matter
    np.testing.assert_array_equal(a.kpi_values().to_numpy(), b.kpi_values().to_numpy())
    np.testing.assert_array_equal(a.trajectory("revenue"), b.trajectory("revenue"))
    t = a.kpi_table()
    assert t["se"].isna().all()
    assert (t["mean"].dropna() == t["p50"].dropna()).all()
    assert a.accounts()["revenue_se"].isna().all()
    # expected counts, not integers
    assert not np.allclose(a.totals("wins"), np.round(a.totals("wins")))
    # tier shares and the nine-grid are still proper
    np.testing.assert_allclose(a.tier_shares().sum(axis=1).to_numpy(), 1.0)


def test_single_replication_has_no_standard_error(small_scenario):
    r = run(small_scenario, replications=1)
    assert r.kpi_table()["se"].isna().all()
    assert r.accounts()["contribution_se"].isna().all()


def test_results_are_read_only_snapshots(small_scenario):
    r = run(small_scenario, replications=10)
    first = r.kpis().copy()
    r.kpis()["revenue"] = -1  # a copy: does not write back
    pd.testing.assert_series_equal(r.kpis(), first)


# --- plots --------------------------------------------------------------------------------------------

def test_plot_methods_return_figures(small_results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    fan = small_results.plot_fan()
    grid = small_results.plot_nine_grid()
    grid0 = small_results.plot_nine_grid(week=0)
    try:
        for fig in (fan, grid, grid0):
            assert isinstance(fig, Figure)
            assert fig.axes
        # the nine-grid plot shows the portfolio counts: high/supportive is the top-right cell
        counts = small_results.nine_grid(-1).sum(axis=0)
        texts = [t.get_text() for t in grid.axes[0].texts]
        assert texts[2] == f"{counts['high/supportive']:.0f}"
        assert texts[6] == f"{counts['low/opposed']:.0f}"
    finally:
        for fig in (fan, grid, grid0):
            plt.close(fig)


def test_module_plot_functions(small_results, demo_results):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from cathedral.plots import fan_chart, nine_grid_comparison

    figs = [fan_chart({"a": small_results, "b": small_results}, metric="gross_profit"),
            nine_grid_comparison({"demo": demo_results, "again": demo_results})]
    try:
        assert all(isinstance(f, Figure) for f in figs)
        assert len(figs[0].axes) == 2 and len(figs[1].axes) == 3
    finally:
        for f in figs:
            plt.close(f)
