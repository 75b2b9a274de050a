"""The planner's desk (issue 13, items 5-8 and 11): demand before fitting and the fit warning,
per-account overrides on tiered plans, compare across scenarios, the `cathedral compare`
checks and the small things (progress bar, cathedral.layers, short horizons, no AMs)."""
from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import cathedral
from cathedral import policies
from conftest import DEMO_PLANS, DEMO_PORTFOLIO, ROOT, SMALL_DEFAULT_ENTRY, run, small_scenario_dict

FIELDS = list(cathedral.policies.ALLOCATION_FIELDS)


def small(**changes) -> cathedral.Scenario:
    data = small_scenario_dict()
    data.update(changes)
    return cathedral.Scenario.from_dict(data)


def templates(**override) -> dict:
    """Tier templates of the small scenario, each tier a little different."""
    base = dict(SMALL_DEFAULT_ENTRY)
    out = {}
    for i, tier in enumerate(("S", "A", "B", "C", "cash_flow")):
        out[tier] = dict(base, social_hours=4.0 - 0.5 * i, visits=2.0 - 0.3 * i)
    out.update(override)
    return out


# --- 6. per-account overrides on tiered plans -------------------------------------------------

def test_tiered_override_sets_its_fields_and_leaves_the_rest_to_the_tier():
    scenario = small(horizon_weeks=52)
    plain = policies.tiered(templates())
    over = policies.tiered(templates(), accounts={"a2": {"visits": 3.5, "jic": True}})
    a_plain = run(scenario, plain, mode="mean_field").allocations()
    a_over = run(scenario, over, mode="mean_field").allocations()
    assert (a_plain["scale_factor"] == 1).all() and (a_over["scale_factor"] == 1).all()  # nothing scaled
    mine = a_over.xs("a2", level="account_id")
    assert (mine["visits"] == 3.5).all() and (mine["jic"] == 1).all()
    others = [f for f in FIELDS if f not in ("visits", "jic")]
    # a2's other fields: its tier's template, epoch by epoch (the plain plan's a2)
    pd.testing.assert_frame_equal(mine[others], a_plain.xs("a2", level="account_id")[others])
    assert mine["visits"].ne(a_plain.xs("a2", level="account_id")["visits"]).all()


def test_tiered_with_overrides_equals_static_while_no_account_changes_tier():
    """Over one decision epoch a tiered plan is the static plan of the week-0 tiers: with the
    same per-account entries the runs are identical bit for bit."""
    scenario = small(horizon_weeks=13)
    t = templates()
    accounts = {"a1": {"value_hours": 9.0, "contact_focus": {"eng": 1.0}}, "a3": {"service_hours": 0.0}}
    tiered = run(scenario, policies.tiered(t, accounts=accounts), replications=64, seed=3)
    static = run(scenario, policies.static(tiers=t, accounts=accounts), replications=64, seed=3)
    np.testing.assert_array_equal(tiered.kpi_values().to_numpy(), static.kpi_values().to_numpy())
    without = run(scenario, policies.tiered(t), replications=64, seed=3)
    assert not np.array_equal(tiered.kpi_values().to_numpy(), without.kpi_values().to_numpy())


def test_tiered_override_contact_focus_moves_the_key_hours():
    scenario = small(horizon_weeks=26)
    t = templates()
    ceo = run(scenario, policies.tiered(t, accounts={"a1": {"contact_focus": {"ceo": 1.0}}}), mode="mean_field",
              keep=["intimacy"])
    eng = run(scenario, policies.tiered(t, accounts={"a1": {"contact_focus": {"eng": 1.0}}}), mode="mean_field",
              keep=["intimacy"])
    assert not np.array_equal(ceo.kpi_values().to_numpy(), eng.kpi_values().to_numpy())


def test_tiered_overrides_are_validated_by_path():
    scenario = small()
    with pytest.raises(cathedral.ScenarioError, match=r'policy\.accounts\.a4: unknown account id.*did you mean "a[1-3]"'):
        scenario.with_policy(policies.tiered(templates(), accounts={"a4": {"visits": 1}}))
    with pytest.raises(cathedral.ScenarioError, match=r'policy\.accounts\.a1\.vists.*did you mean "visits"'):
        scenario.with_policy(policies.tiered(templates(), accounts={"a1": {"vists": 1}}))
    with pytest.raises(cathedral.ScenarioError, match=r"policy\.accounts\.a1\.visits: must be >= 0, got -1"):
        scenario.with_policy(policies.tiered(templates(), accounts={"a1": {"visits": -1}}))
    with pytest.raises(TypeError, match="accounts: must be a dict"):
        policies.tiered(templates(), accounts=[1])


def test_tiered_overrides_round_trip_and_select_drops_them():
    plan = policies.tiered(templates(), accounts={"a1": {"visits": 2.5}, "a3": {"jic": True}})
    scenario = small().with_policy(plan)
    assert scenario.policy["accounts"] == {"a1": {"visits": 2.5}, "a3": {"jic": True}}
    assert cathedral.Scenario.from_dict(scenario.to_dict()) == scenario
    assert scenario.select(["a1", "a2"]).policy["accounts"] == {"a1": {"visits": 2.5}}
    assert "accounts" not in policies.tiered(templates()).to_dict()


# --- 7. compare across scenarios --------------------------------------------------------------

def test_compare_across_scenarios_runs_each_case_like_simulate():
    base = small()
    more = base.with_resources(account_managers=0.05)  # tight: the plan is scaled
    plan = policies.static(SMALL_DEFAULT_ENTRY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cathedral.FitWarning)
        c = cathedral.compare({"base": (base, plan), "few AMs": (more, None)}, replications=80, progress=False)
        alone = run(more, None, replications=80, seed=base.seed)
    assert c.plans == ["base", "few AMs"] and c.baseline == "base"
    np.testing.assert_array_equal(c.results["few AMs"].kpi_values().to_numpy(), alone.kpi_values().to_numpy())
    assert c.results["few AMs"].scenario is more
    row = c.table(["revenue"]).loc[("revenue", "few AMs")]
    # common random numbers: the paired standard error is well below the unpaired one
    assert row["diff_se"] < 0.5 * row["unpaired_se"]
    assert row["diff"] < 0  # fewer account managers, less revenue: beyond 3 paired standard errors
    assert row["diff"] + 3 * row["diff_se"] < 0


def test_compare_across_scenarios_checks_its_input():
    base = small()
    plan = policies.static(SMALL_DEFAULT_ENTRY)
    with pytest.raises(ValueError, match=r"same horizon_weeks.*'a' 52, 'b' 26"):
        cathedral.compare({"a": (base, plan), "b": (base.with_settings(horizon_weeks=26), plan)},
                          replications=5, progress=False)
    with pytest.raises(TypeError, match=r"'b' must be a \(scenario, policy\) pair"):
        cathedral.compare({"a": (base, plan), "b": plan}, replications=5, progress=False)
    with pytest.raises(ValueError, match="must not be empty"):
        cathedral.compare({}, replications=5, progress=False)
    with pytest.raises(ValueError, match=r"baseline: 'c' is not one of the plans: a, b"):
        cathedral.compare({"a": (base, plan), "b": (base, plan)}, baseline="c", replications=5, progress=False)


def test_compare_names_the_plan_of_a_bad_policy_before_running_any():
    base = small()
    good = policies.static(SMALL_DEFAULT_ENTRY)
    started = []
    ok = policies.python(lambda obs: started.append(1) or dict(SMALL_DEFAULT_ENTRY))
    with pytest.raises(cathedral.ScenarioError, match=r"^plan 'bad': policy\.default\.vists: unknown key; did you mean \"visits\""):
        cathedral.compare(base, {"ok": ok, "good": good, "bad": {"type": "static", "default": {"vists": 1}}},
                          replications=5, progress=False)
    assert not started  # nothing was simulated
    with pytest.raises(cathedral.ScenarioError, match=r"^plan 'b': policy\.accounts\.zz: unknown account id"):
        cathedral.compare({"a": (base, good), "b": (base, policies.tiered(templates(), accounts={"zz": {}}))},
                          replications=5, progress=False)


def test_compare_across_scenarios_seed_is_the_baselines():
    a, b = small(seed=11), small(seed=99)
    plan = policies.static(SMALL_DEFAULT_ENTRY)
    c = cathedral.compare({"a": (a, plan), "b": (b, plan)}, baseline="b", replications=20, progress=False)
    assert c.results["a"].seed == c.results["b"].seed == 99
    t = c.table(["revenue"])
    assert t.loc[("revenue", "a"), "diff"] == 0 and t.loc[("revenue", "a"), "diff_se"] == 0  # same model, same luck


# --- 5. demand before fitting, and the fit warning -----------------------------------------------

def test_demand_is_the_engines_planned_use_per_epoch(demo_scenario, demo_plans):
    from cathedral.resources import RESOURCES, planned_use, policy_allocation

    plan = demo_plans["cathedral"]
    d = demo_scenario.demand(plan)
    epochs = -(-demo_scenario.horizon_weeks // demo_scenario.decision_interval_weeks)
    assert d.index.names == ["epoch", "resource"]
    assert list(d.columns) == ["week", "capacity", "commitments", "plan", "use", "ratio"]
    assert len(d) == epochs * len(RESOURCES)
    week0 = planned_use(demo_scenario, policy_allocation(demo_scenario, plan))
    for r in RESOURCES:
        assert d.loc[(0, r), "use"] == pytest.approx(week0.total()[r], rel=1e-12)
        assert d.loc[(0, r), "capacity"] == week0.capacity[r]
    np.testing.assert_allclose(d["ratio"], d["use"] / d["capacity"], rtol=1e-12)
    assert (d["use"] == d["commitments"] + d["plan"]).all()
    assert np.isfinite(d.to_numpy(dtype=float)).all()


def test_demand_matches_the_fit_of_the_run():
    """Where demand says a resource is over-asked, the run scales by what it leaves: f = (capacity
    − commitments) / plan on the binding resource (mean field, a static plan: the same every epoch)."""
    scenario = small().with_resources(account_managers=0.1)
    plan = policies.static(SMALL_DEFAULT_ENTRY)
    d = scenario.demand(plan)
    with pytest.warns(cathedral.FitWarning, match=r"f = 0\.\d\d .*binding on am_hours .*scenario\.demand"):
        res = run(scenario, plan, mode="mean_field")
    am = d.xs("am_hours", level="resource")
    f = (am["capacity"] - am["commitments"]) / am["plan"]
    np.testing.assert_allclose(res.scale_factors()["scale_factor"].to_numpy(), f.to_numpy(), rtol=1e-9)
    assert (am["ratio"] > 1).all()


def test_no_fit_warning_for_a_plan_within_the_resources():
    with warnings.catch_warnings():
        warnings.simplefilter("error", cathedral.FitWarning)
        res = run(small(), None, replications=20)
    assert res.scale_factors()["scale_factor"].min() >= 0.9


def test_fit_warning_names_the_plan_in_compare():
    scenario = small().with_resources(account_managers=0.1)
    plan = policies.static(SMALL_DEFAULT_ENTRY)
    with pytest.warns(cathedral.FitWarning, match=r"^plan 'tight': fitting .* f = "):
        cathedral.compare(scenario, {"tight": plan}, replications=10, progress=False)


def test_demo_plans_ask_for_the_same_resources(demo_scenario, demo_plans):
    """The demo's hand plans are sized to the same AM hours and budget (within 5 % of the
    capacity), averaged over the decision epochs; exec days too, except key relationships only,
    which by design has no executive activity. None asks for more than the resources at any
    epoch, and none is cut by fitting below the warning's 0.9."""
    from cathedral.cli import SAME_RESOURCES_TOLERANCE

    mean = {name: demo_scenario.demand(plan)["ratio"].groupby(level="resource").mean()
            for name, plan in demo_plans.items()}
    for resource in ("am_hours", "budget"):
        ratios = [m[resource] for m in mean.values()]
        assert max(ratios) - min(ratios) <= SAME_RESOURCES_TOLERANCE, (resource, ratios)
    assert mean["even spread"]["executive_days"] == pytest.approx(mean["cathedral"]["executive_days"], abs=0.05)
    assert mean["key relationships only"]["executive_days"] == 0
    for name, plan in demo_plans.items():
        assert (demo_scenario.demand(plan)["ratio"] <= 1.0 + 1e-9).all(), name
    with warnings.catch_warnings():
        warnings.simplefilter("error", cathedral.FitWarning)
        for plan in demo_plans.values():
            run(demo_scenario, plan, replications=32)


# --- 8. the compare command line ----------------------------------------------------------------

def _cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "cathedral", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env={**__import__("os").environ, "MPLBACKEND": "Agg"})


def test_cli_compare_validates_every_plan_before_simulating(tmp_path):
    plans = json.loads(DEMO_PLANS.read_text())
    plans["even spread"]["default"]["visits"] = -1
    plans["cathedral"]["templates"]["S"]["vists"] = 2
    del plans["key relationships only"]["templates"]["C"]
    path = tmp_path / "plans.json"
    path.write_text(json.dumps(plans))
    out = tmp_path / "out"
    proc = _cli("compare", DEMO_PORTFOLIO, path, "--replications", 5, "--out", out, "--quiet")
    assert proc.returncode == 2 and proc.stdout == ""
    err = proc.stderr
    assert err.startswith(f"cathedral: error: {path}: 3 problems in the plans; nothing was simulated")
    assert 'plans["even spread"].default.visits: must be >= 0, got -1' in err
    assert 'plans["cathedral"].templates.S.vists' in err and 'did you mean "visits"' in err
    assert 'plans["key relationships only"].templates.C' in err
    assert not out.exists()


def test_cli_compare_names_a_scenario_passed_as_the_plans_file(tmp_path):
    proc = _cli("compare", DEMO_PORTFOLIO, DEMO_PORTFOLIO, "--replications", 5, "--out", tmp_path, "--quiet")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "is a scenario file (it has accounts and resources), not a plans file" in proc.stderr
    proc = _cli("compare", DEMO_PLANS, DEMO_PLANS, "--replications", 5, "--out", tmp_path, "--quiet")
    assert proc.returncode == 2 and "looks like a plans file" in proc.stderr and "the scenario comes first" in proc.stderr


@pytest.mark.parametrize("command", ["compare", "demo"])
@pytest.mark.parametrize("value, message", [("0", "--replications: must be >= 1, got 0"),
                                            ("many", "--replications: must be an integer, got 'many'")])
def test_cli_replications_checked_before_anything_prints(tmp_path, command, value, message):
    args = (DEMO_PORTFOLIO, DEMO_PLANS) if command == "compare" else ()
    proc = _cli(command, *args, "--replications", value, "--out", tmp_path / "out", "--quiet")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"cathedral: error: {message}\n"
    assert not (tmp_path / "out").exists()


def test_cli_compare_unknown_kpi_before_simulating(tmp_path):
    proc = _cli("compare", DEMO_PORTFOLIO, DEMO_PLANS, "--replications", 5, "--kpis", "revenue,contributon",
                "--out", tmp_path / "out", "--quiet")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "--kpis: unknown KPI 'contributon'; did you mean \"contribution\"" in proc.stderr


def test_cli_demo_says_the_plans_use_the_same_resources(tmp_path):
    proc = _cli("demo", "--replications", 8, "--out", tmp_path, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "Planned use before fitting to the resources" in proc.stdout
    assert "The plans are sized to the same resources (within 5% of each capacity)" in proc.stdout
    assert "key relationships only uses no exec days/year" in proc.stdout
    names = list(json.loads(DEMO_PLANS.read_text()))
    table = proc.stdout[proc.stdout.index("Planned use before fitting"):]
    for name in names:
        assert name in table
    assert "cathedral: warning" not in proc.stderr


# --- 11. small things ---------------------------------------------------------------------------

def test_progress_bar_counts_replications(monkeypatch):
    from cathedral.simulation import _Progress

    made = {}

    class FakeBar:
        def __init__(self, total, desc, unit, unit_scale, leave):
            made.update(total=total, unit=unit)
            self.n = 0

        def refresh(self):
            made.setdefault("seen", []).append(self.n)

        def close(self):
            made["closed"] = True

    import tqdm.auto

    monkeypatch.setattr(tqdm.auto, "tqdm", FakeBar)
    bar = _Progress("simulate x", 250, delay=0.0)
    for fraction in (0.1, 0.5, 0.996):
        bar(fraction)
    bar.close()
    assert made["total"] == 250 and made["unit"] == "rep"
    assert made["seen"] == [25, 125, 249] and made["closed"]


def test_import_cathedral_gives_layers():
    code = "import cathedral; print(cathedral.layers.hill(1.0, 1.0, 2.0))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) == pytest.approx(0.5)


def test_make_demo_portfolio_help_writes_nothing(tmp_path):
    files = [ROOT / "examples" / n for n in ("demo_portfolio.json", "demo_plans.json")]
    before = [(p.stat().st_mtime_ns, p.read_bytes()) for p in files]
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "make_demo_portfolio.py"), "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "usage:" in proc.stdout
    assert [(p.stat().st_mtime_ns, p.read_bytes()) for p in files] == before
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "make_demo_portfolio.py"), "--bogus"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert [(p.stat().st_mtime_ns, p.read_bytes()) for p in files] == before


def test_horizon_shorter_than_the_decision_interval_warns():
    with pytest.warns(cathedral.ScenarioWarning, match=r"horizon_weeks \(8\) is shorter than decision_interval_weeks \(13\)"):
        res = run(small(horizon_weeks=8), replications=10)
    assert np.isfinite(res.kpis().drop(["revenue_growth"], errors="ignore")).all()


def test_no_account_managers_warns():
    data = small_scenario_dict()
    data["resources"]["account_managers"] = 0
    zero = cathedral.Scenario.from_dict(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(zero, replications=5)
    text = {w.category.__name__: str(w.message) for w in caught}
    assert text["ScenarioWarning"].startswith("resources.account_managers is 0: there are no account-manager hours")
    assert "revenue_per_am_year" in text["ScenarioWarning"]
    assert "next to nothing is left of it" in text["FitWarning"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", cathedral.ScenarioWarning)
        run(small(), replications=5)
