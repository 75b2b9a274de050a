"""`cathedral optimize`, the optimiser's names in the package, and its plots (small scenarios: fast)."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import cathedral
from conftest import small_scenario_dict
from test_cli import _assert_clean_error, _strict_json, cli, main_in_process

matplotlib = pytest.importorskip("matplotlib")

OUT_FILES = ("plan.json", "allocation.csv", "usage.csv", "marginal_values.csv", "history.csv", "heatmap.png")


def _small_portfolio(tmp_path, n_accounts=6, seed=5):
    """A generated portfolio of a few accounts over one year, its own (tiered) plan the start plan."""
    scn = cathedral.Scenario.from_dict(cathedral.generate_portfolio(n_accounts, contacts=3, seed=seed,
                                                                    horizon_weeks=52))
    path = tmp_path / "portfolio.json"
    scn.save(path)
    return scn, path


@pytest.fixture(scope="module")
def optimized_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("optimize")
    scn, path = _small_portfolio(tmp)
    out = tmp / "out"
    proc = cli("optimize", path, "--out", out, "--threads", 1)
    return scn, proc, out


# --------------------------------------------------------------------------- the names

def test_package_exports_the_optimiser():
    for name in ("optimize", "marginal_values", "frontier", "minimum_resources", "Optimization", "OptimizationError"):
        assert name in cathedral.__all__, name
        assert getattr(cathedral, name) is getattr(sys.modules["cathedral.optimizer"], name), name
    assert callable(cathedral.optimize) and not isinstance(cathedral.optimize, type(sys))
    assert issubclass(cathedral.OptimizationError, ValueError)


def test_the_module_stays_importable():
    module = importlib.import_module("cathedral.optimizer")
    assert hasattr(module, "default_bounds") and module.optimize is cathedral.optimize
    assert cathedral.optimizer is module
    proc = subprocess.run([sys.executable, "-c", "import cathedral.optimizer, cathedral; "
                           "from cathedral.optimizer import default_bounds; "
                           "print(callable(cathedral.optimize), callable(default_bounds))"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True"]


def test_optimize_by_its_package_name(small_scenario):
    opt = cathedral.optimize(small_scenario, threads=1)
    assert isinstance(opt, cathedral.Optimization)
    assert opt.objective >= opt.start_objective - 1e-6 * abs(opt.start_objective)
    with pytest.raises(cathedral.OptimizationError, match="objective"):
        cathedral.optimize(small_scenario, "profit")


# --------------------------------------------------------------------------- the command

def test_optimize_command_exits_zero_and_prints_its_findings(optimized_run):
    scn, proc, _ = optimized_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    assert "gain" in out and "for the start plan" in out
    for resource in ("am_hours", "executive_days", "budget"):
        assert resource in out
    assert "shadow_price" in out
    assert "one more account manager" in out
    assert "Top " in out and "net" in out
    # the marginal values printed are the top rows by net value, from the table written
    mv = pd.read_csv(proc_out_dir(optimized_run) / "marginal_values.csv")
    best = mv.sort_values("net", ascending=False).iloc[0]
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Top "))
    first_row = next(line for line in lines[start + 1:] if line.startswith(str(best["account_id"])))
    assert str(best["lever"]) in first_row


def proc_out_dir(run):
    return run[2]


def test_optimize_command_writes_its_files(optimized_run):
    scn, proc, out = optimized_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in OUT_FILES:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert (out / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    usage = pd.read_csv(out / "usage.csv", index_col="resource")
    assert list(usage.index) == ["am_hours", "executive_days", "budget"]
    assert {"capacity", "use", "slack", "shadow_price"} <= set(usage.columns)
    assert (usage["use"] <= usage["capacity"] * (1 + 1e-6) + 1e-9).all()
    alloc = pd.read_csv(out / "allocation.csv", index_col="account_id")
    assert sorted(alloc.index) == sorted(scn.account_ids)
    assert set(cathedral.activities.FIELDS) <= set(alloc.columns)
    history = pd.read_csv(out / "history.csv")
    assert len(history) >= 1 and "objective" in history


def test_the_plan_json_is_a_policy_that_reaches_the_optimum(optimized_run):
    scn, proc, out = optimized_run
    plan = _strict_json((out / "plan.json").read_text())
    assert plan["type"] in ("static", "tiered", "schedule")
    again = cathedral.Scenario.from_dict({**scn.to_dict(), "policy": plan})  # loadable as a scenario's policy
    res = cathedral.simulate(again, mode="mean_field", progress=False)
    assert res.scale_factors()["scale_factor"].min() == pytest.approx(1.0, abs=1e-9)  # it fits the resources
    alloc = pd.read_csv(out / "allocation.csv", index_col="account_id")
    # the plan file holds the allocation the table reports
    for acc, entry in plan["accounts"].items():
        for f in cathedral.activities.RATES:
            assert entry[f] == pytest.approx(alloc.loc[acc, f], rel=1e-9, abs=1e-12), (acc, f)
    # and simulated, it earns the objective the command printed
    printed = next(line for line in proc.stdout.splitlines() if line.startswith("contribution: "))
    value = float(printed.split(":")[1].split("against")[0].replace(",", ""))
    assert float(res.kpis()["contribution"]) == pytest.approx(value, rel=1e-3, abs=1.0)


def test_optimize_command_per_tier_with_phases(tmp_path, capsys):
    _, path = _small_portfolio(tmp_path, n_accounts=5, seed=9)
    proc = main_in_process(capsys, "optimize", path, "--per", "tier", "--phases", 2, "--objective", "revenue",
                           "--out", tmp_path / "o", "--threads", 1, "--top", 3)
    assert proc.returncode == 0, proc.stderr
    assert "revenue: " in proc.stdout and "2 phases" in proc.stdout
    plan = _strict_json((tmp_path / "o" / "plan.json").read_text())
    assert plan["type"] == "schedule"
    alloc = pd.read_csv(tmp_path / "o" / "allocation.csv")
    assert "from_week" in alloc.columns and alloc["from_week"].nunique() == 2


def test_optimize_command_errors_are_one_clear_line(tmp_path, capsys):
    _, path = _small_portfolio(tmp_path, n_accounts=3)
    missing = tmp_path / "nope.json"
    _assert_clean_error(main_in_process(capsys, "optimize", missing, "--out", tmp_path / "o1"), str(missing))
    proc = main_in_process(capsys, "optimize", path, "--phases", 0, "--out", tmp_path / "o2")
    _assert_clean_error(proc, "phases: must be between 1 and")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    # the folder is checked (made) before optimising, like every command's; no file is written
    assert not (tmp_path / "o2").exists() or not any((tmp_path / "o2").iterdir())
    _assert_clean_error(main_in_process(capsys, "optimize", path, "--horizon-weeks", 999, "--out", tmp_path / "o3"),
                        "horizon_weeks: must be in [1, 52]")
    no_policy = small_scenario_dict()
    no_policy.pop("policy")
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(no_policy))
    _assert_clean_error(main_in_process(capsys, "optimize", bare, "--out", tmp_path / "o4"), "policy")
    _assert_clean_error(main_in_process(capsys, "optimize", path, "--top", -1, "--out", tmp_path / "o5"),
                        "--top: must be >= 0, got -1")
    _assert_clean_error(main_in_process(capsys, "optimize", path, "--threads", 0, "--out", tmp_path / "o6"),
                        "threads")
    with pytest.raises(SystemExit) as info:  # argparse's own check of --objective
        main_in_process(capsys, "optimize", path, "--objective", "profit")
    assert info.value.code == 2


# --------------------------------------------------------------------------- the plots

def test_heatmap_groups_accounts_by_tier_and_centres_the_shift(small_scenario):
    opt = cathedral.optimize(small_scenario, threads=1)
    fig = opt.plot()
    plan_ax, shift_ax = [a for a in fig.axes if a.get_title() in ("optimised plan", "shift from the start plan")]
    ids = [t.get_text() for t in plan_ax.get_yticklabels()]
    tiers = opt.allocation()["tier"]
    order = ["S", "A", "B", "C", "cash_flow"]
    assert sorted(ids) == sorted(small_scenario.account_ids)
    assert [order.index(tiers[i]) for i in ids] == sorted(order.index(tiers[i]) for i in ids)
    shift = shift_ax.images[0]
    lo, hi = shift.norm.vmin, shift.norm.vmax
    assert lo == pytest.approx(-hi) and hi > 0
    data = np.asarray(shift.get_array())
    rates = list(cathedral.activities.RATES)
    want = (opt.allocation()[rates] - opt.start_allocation()[rates]).loc[ids].to_numpy(float)
    data = data[:, :len(rates)]  # the rate levers come first, then the flags
    assert np.array_equal(np.sign(np.where(np.abs(data) < 1e-9, 0, data)), np.sign(np.where(np.abs(want) < 1e-9, 0, want)))
    assert "contribution" in fig._suptitle.get_text() and f"{opt.gain:+.1%}" in fig._suptitle.get_text()
    matplotlib.pyplot.close(fig)


def test_frontier_plot_marks_the_start_plan(small_scenario):
    front = cathedral.frontier(small_scenario, "account_managers", [1.0, 2.0, 3.0], threads=1)
    fig = front.plot()
    ax = fig.axes[0]
    assert ax.get_xlabel() == "account managers (FTE)"
    assert ax.get_ylabel() == "contribution, 1-year total"
    start = [line for line in ax.get_lines() if line.get_label() == "start plan"]
    assert len(start) == 1
    x, y = start[0].get_data()
    assert x[0] == pytest.approx(front.start["level"]) and y[0] == pytest.approx(front.start["objective"])
    # the start plan lies on or under the frontier at its own level
    assert front.start["objective"] <= np.interp(front.start["level"], front["level"], front["objective"]) + 1e-6
    matplotlib.pyplot.close(fig)


def test_heatmap_of_a_phased_plan_shows_the_phase_asked_for(small_scenario):
    opt = cathedral.optimize(small_scenario, phases=2, threads=1)
    assert len(opt.phase_weeks) == 2
    late = opt.phase_weeks[1]
    fig = opt.plot(phase=late)
    assert f"the phase from week {late}" in fig._suptitle.get_text()
    plan_ax = next(a for a in fig.axes if a.get_title() == "optimised plan")
    ids = [t.get_text() for t in plan_ax.get_yticklabels()]
    rates = list(cathedral.activities.RATES)
    top = np.asarray(plan_ax.images[0].get_array())[:, :len(rates)]
    now = opt.allocation().xs(late, level="from_week").loc[ids, rates].to_numpy(float)
    # each column is the phase's levels over one positive scale per lever
    for j in range(len(rates)):
        if now[:, j].max() > 0:
            scale = now[:, j] / np.where(top[:, j] > 0, top[:, j], np.nan)
            assert np.nanmax(scale) == pytest.approx(np.nanmin(scale), rel=1e-9)
    matplotlib.pyplot.close(fig)
    with pytest.raises(ValueError, match=r"phase: must be one of the plan's phase start weeks"):
        opt.plot(phase=late + 1)


def test_frontier_plot_names_the_resource_and_a_shorter_horizon(small_scenario):
    front = cathedral.frontier(small_scenario, "budget_per_year", [5000.0, 10000.0], horizon_weeks=26, threads=1)
    fig = front.plot()
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("budget a year")
    assert ax.get_ylabel() == "contribution, 26-week total"
    matplotlib.pyplot.close(fig)
