"""The command line: `python -m cathedral demo` and the `cathedral` console script."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DEMO_PLANS, ROOT

PLAN_NAMES = list(json.loads(DEMO_PLANS.read_text()))
DEMO_PLAN_NAMES = PLAN_NAMES + ["optimised"]  # the hand plans, then cathedral.optimize's


def _console_script() -> Path | None:
    for candidate in (Path(sys.executable).parent / "cathedral", ROOT / ".venv" / "bin" / "cathedral"):
        if candidate.is_file():
            return candidate
    return None


def cli(*args, script=False, timeout=180):
    cmd = [str(_console_script())] if script else [sys.executable, "-m", "cathedral"]
    env = {**__import__("os").environ, "MPLBACKEND": "Agg"}
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env)


def _strict_json(text: str):
    """json.loads that rejects NaN and Infinity, which are not JSON (RFC 8259)."""
    def reject(name):
        raise ValueError(f"not valid JSON: {name}")

    return json.loads(text, parse_constant=reject)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    proc = cli("demo", "--out", out, "--replications", 100, "--quiet")
    return proc, out


def test_demo_exits_zero(demo_run):
    proc, _ = demo_run
    assert proc.returncode == 0, proc.stderr


def test_demo_prints_kpi_table(demo_run):
    proc, _ = demo_run
    out = proc.stdout
    assert len(PLAN_NAMES) == 3
    header = next(line for line in out.splitlines() if line.startswith("KPI "))
    for name in DEMO_PLAN_NAMES:
        assert name in header
    rows = {line.split()[0]: line for line in out.splitlines()[out.splitlines().index(header) + 1:]
            if line.strip() and not line.startswith(("Wrote", "Simulated"))}
    for kpi in ("revenue", "gross_profit", "contribution", "cash_flow", "win_rate", "share_of_wallet"):
        assert kpi in rows, f"{kpi} missing from the KPI table"
        assert rows[kpi].count("±") == len(DEMO_PLAN_NAMES)
    assert "100 replications each" in out
    # the optimised plan against each hand plan, paired
    for name in PLAN_NAMES:
        line = next(line for line in out.splitlines() if line.strip().startswith(f"vs {name} "))
        assert "P(beats)" in line
    assert "Traceback" not in proc.stderr
    assert "%|" not in proc.stderr and "it/s" not in proc.stderr  # --quiet: no progress bar


def test_demo_writes_its_files(demo_run):
    proc, out = demo_run
    for name in ("revenue_fan.png", "nine_grid.png", "kpis.json"):
        path = out / name
        assert path.is_file() and path.stat().st_size > 0, name
    assert (out / "revenue_fan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "nine_grid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    kpis = _strict_json((out / "kpis.json").read_text())
    assert list(kpis) == DEMO_PLAN_NAMES
    for plan, table in kpis.items():
        assert {"revenue", "contribution", "win_rate", "revenue_year_3"} <= set(table)
        row = table["revenue"]
        assert set(row) == {"mean", "se", "ci_low", "ci_high", "p5", "p50", "p95"}
        assert row["ci_low"] < row["mean"] < row["ci_high"]
        assert row["p5"] <= row["p50"] <= row["p95"]
        assert row["se"] > 0


def test_demo_writes_an_xlsx(demo_run):
    """demo.xlsx: the plans paired with the first, and every table of each plan (docs/display-and-export.md)."""
    import pandas as pd

    pytest.importorskip("openpyxl")
    proc, out = demo_run
    assert "demo.xlsx" in proc.stdout
    book = pd.read_excel(out / "demo.xlsx", sheet_name=None, engine="openpyxl")
    assert {"comparison", "kpis", "portfolio", "accounts", "allocations", "about"} <= set(book)
    assert list(book["comparison"]["plan"].unique()) == DEMO_PLAN_NAMES
    kpis = _strict_json((out / "kpis.json").read_text())
    sheet = book["kpis"].set_index(["plan", "kpi"])
    for name in PLAN_NAMES:
        assert sheet.loc[(name, "revenue"), "mean"] == pytest.approx(kpis[name]["revenue"]["mean"], rel=1e-12)
        assert sheet.loc[(name, "revenue"), "unit"] == "k, 3-year total"
    assert (out / "paired_differences.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_kpis_match_the_api(demo_run, demo_scenario, demo_plans):
    """The CLI runs the plans with the scenario's seed: the same numbers as the API."""
    import cathedral

    _, out = demo_run
    kpis = _strict_json((out / "kpis.json").read_text())
    for name in PLAN_NAMES:
        res = cathedral.simulate(demo_scenario, demo_plans[name], replications=100, progress=False)
        assert kpis[name]["revenue"]["mean"] == pytest.approx(res.kpis()["revenue"], rel=1e-12)
    opt = cathedral.optimize(demo_scenario)  # the fourth plan is the optimiser's, on the same luck
    res = cathedral.simulate(demo_scenario, opt.policy, replications=100, progress=False)
    assert kpis["optimised"]["revenue"]["mean"] == pytest.approx(res.kpis()["revenue"], rel=1e-12)


@pytest.fixture(scope="module")
def script_run(tmp_path_factory):
    if _console_script() is None:
        pytest.skip("the cathedral console script is not installed next to this interpreter")
    out = tmp_path_factory.mktemp("script")
    proc = cli("demo", "--out", out, "--replications", 1, "--seed", 0, "--quiet", script=True)
    return proc, out


def test_console_script_works(script_run):
    proc, out = script_run
    assert proc.returncode == 0, proc.stderr
    assert "±" in proc.stdout
    for name in PLAN_NAMES:
        assert name in proc.stdout
    for name in ("revenue_fan.png", "nine_grid.png", "kpis.json"):
        assert (out / name).is_file()
    assert list(json.loads((out / "kpis.json").read_text())) == DEMO_PLAN_NAMES


def test_demo_reports_the_seed_it_uses(script_run):
    proc, _ = script_run
    assert "seed 0 " in proc.stdout, proc.stdout.splitlines()[1]


def test_demo_kpis_json_is_strict_json_even_with_one_replication(script_run):
    _, out = script_run
    _strict_json((out / "kpis.json").read_text())


def test_help_and_missing_command(capsys):
    from cathedral.cli import main

    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0 and "demo" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "required" in capsys.readouterr().err


def _assert_clean_error(proc, *fragments):
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr[-600:]
    assert proc.stderr.startswith("cathedral: error: "), proc.stderr[-600:]
    for f in fragments:
        assert f in proc.stderr


def test_bad_scenario_path(tmp_path):
    missing = tmp_path / "nope.json"
    proc = cli("demo", "--out", tmp_path / "o", "--quiet", "--scenario", missing)
    _assert_clean_error(proc, str(missing), "cannot open file")
    assert proc.returncode == 2


# The other error paths run cathedral.cli.main() in-process (faster; an uncaught
# exception would surface here as the traceback a user would see).

def main_in_process(capsys, *args):
    from cathedral.cli import main

    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def test_scenario_that_is_not_json(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    proc = main_in_process(capsys, "demo", "--out", tmp_path / "o", "--quiet", "--scenario", bad)
    _assert_clean_error(proc, "invalid JSON")


def test_invalid_scenario_lists_its_problems(tmp_path, small_dict, capsys):
    small_dict["accounts"][0]["contacts"][1]["influence"] = -1
    small_dict["horizon_weeks"] = 0
    path = tmp_path / "invalid.json"
    path.write_text(json.dumps(small_dict))
    proc = main_in_process(capsys, "demo", "--out", tmp_path / "o", "--quiet", "--scenario", path)
    _assert_clean_error(proc, "accounts[0].contacts[1].influence: must be >= 0, got -1",
                        "horizon_weeks: must be >= 1, got 0")


def test_bad_plans_and_replications(tmp_path, capsys):
    plans = tmp_path / "plans.json"
    plans.write_text(json.dumps({"x": {"type": "static", "default": {"visits": -1}}}))
    _assert_clean_error(main_in_process(capsys, "demo", "--out", tmp_path / "o", "--quiet", "--plans", plans),
                        'plans["x"].default.visits: must be >= 0, got -1')
    _assert_clean_error(main_in_process(capsys, "demo", "--out", tmp_path / "o", "--quiet", "--plans",
                                        tmp_path / "none.json"), "none.json")
    _assert_clean_error(main_in_process(capsys, "demo", "--out", tmp_path / "o", "--quiet", "--replications", 0),
                        "--replications: must be >= 1, got 0")


def test_scenario_path_that_is_a_directory(tmp_path, capsys):
    _assert_clean_error(main_in_process(capsys, "demo", "--out", tmp_path / "o", "--quiet", "--scenario", tmp_path))


def test_plans_file_that_is_not_an_object(tmp_path, capsys):
    plans = tmp_path / "list.json"
    plans.write_text("[1, 2]")
    _assert_clean_error(main_in_process(capsys, "demo", "--out", tmp_path / "o", "--quiet", "--plans", plans))
