"""Export: Results, Comparison and Attribution to Excel (one sheet per table) and CSV (one file per
table), read back and compared with the tables; atomic writes; the demo's and `compare`'s .xlsx."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import cathedral
from cathedral.export import _flat, sheet_name, write_excel
from conftest import run, small_scenario_dict

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def results():
    d = small_scenario_dict()
    d["currency"] = "kEUR"
    return run(cathedral.Scenario.from_dict(d), replications=40)


@pytest.fixture(scope="module")
def comparison():
    scn = cathedral.Scenario.from_dict(small_scenario_dict())
    return cathedral.compare(scn, {"steady": scn.policy, "more visits": {"type": "static", "default": {"visits": 3}}},
                             replications=30, progress=False)


@pytest.fixture(scope="module")
def attribution():
    scn = cathedral.Scenario.from_dict(small_scenario_dict())
    return cathedral.attribute(scn, scn.policy, {"type": "static", "default": {"visits": 3, "social_hours": 3}},
                               replications=20, progress=False)


def _same(read: pd.DataFrame, table: pd.DataFrame, name: str) -> None:
    expected = _flat(table)
    assert list(read.columns) == [str(c) for c in expected.columns], name
    assert len(read) == len(expected), name
    for col in expected.columns:
        a, b = read[str(col)], expected[col]
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-12, equal_nan=True,
                                       err_msg=f"{name}.{col}")
        else:
            norm = lambda s: ["" if (v is None or (not isinstance(v, str) and pd.isna(v))) else str(v) for v in s]
            assert norm(a) == norm(b), f"{name}.{col}"


@pytest.mark.parametrize("what", ["results", "comparison", "attribution"])
def test_excel_round_trip(what, request, tmp_path):
    obj = request.getfixturevalue(what)
    path = obj.to_excel(tmp_path / f"{what}.xlsx")
    assert path == tmp_path / f"{what}.xlsx"
    tables = obj.tables()
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == [sheet_name(n) for n in tables]
    book.close()
    read = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    for name, table in tables.items():
        _same(read[sheet_name(name)], table, name)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize("what", ["results", "comparison", "attribution"])
def test_csv_round_trip(what, request, tmp_path):
    obj = request.getfixturevalue(what)
    paths = obj.to_csv(tmp_path / "out")
    tables = obj.tables()
    assert sorted(p.name for p in paths) == sorted(f"{n}.csv" for n in tables)
    for name, table in tables.items():
        _same(pd.read_csv(tmp_path / "out" / f"{name}.csv", keep_default_na=True), table, name)


def test_results_sheets_are_the_four_tables_and_more(results):
    tables = results.tables()
    assert list(tables)[:4] == ["kpis", "portfolio", "accounts", "allocations"]
    assert tables["kpis"].loc["revenue", "unit"] == "kEUR, 1-year total"
    pd.testing.assert_frame_equal(tables["kpis"].drop(columns="unit"), results.kpi_table())
    assert "revenue_mean" in _flat(tables["portfolio"]).columns
    about = dict(zip(tables["about"]["field"], tables["about"]["value"]))
    assert about["currency"] == "kEUR" and about["replications"] == "40" and about["plan"] == results.plan_name


def test_comparison_sheets_carry_the_plan(comparison):
    tables = comparison.tables()
    pd.testing.assert_frame_equal(tables["comparison"], comparison.table())
    accounts = _flat(tables["accounts"])
    assert list(accounts["plan"].unique()) == ["steady", "more visits"]
    per_plan = accounts[accounts["plan"] == "more visits"].set_index("account_id")["revenue"]
    np.testing.assert_allclose(per_plan.to_numpy(), comparison.results["more visits"].accounts()["revenue"].to_numpy())


def test_excel_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    write_excel(path, {"a": pd.DataFrame({"x": [1, 2]})})
    before = path.read_bytes()
    real = pd.DataFrame.to_excel
    calls = []

    def fails_on_the_second_sheet(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # interrupted half-way through the workbook
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_excel", fails_on_the_second_sheet)
    with pytest.raises(KeyboardInterrupt):
        write_excel(path, {"a": pd.DataFrame({"x": [3]}), "b": pd.DataFrame({"y": [4]})})
    assert len(calls) == 2
    assert path.read_bytes() == before  # the old workbook, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]  # no temporary file left


def test_sheet_names_are_valid():
    assert sheet_name("a/b:c*d?e[f]" + "x" * 40) == ("a_b_c_d_e_f_" + "x" * 40)[:31]
    with pytest.raises(ValueError, match="unique"):
        write_excel("unused.xlsx", {"x" * 40: pd.DataFrame(), "x" * 41: pd.DataFrame()})


def test_compare_cli_writes_an_xlsx(tmp_path, capsys):
    from cathedral.cli import main

    scn = tmp_path / "scn.json"
    scn.write_text(json.dumps(small_scenario_dict()))
    plans = tmp_path / "plans.json"
    plans.write_text(json.dumps({"steady": small_scenario_dict()["policy"],
                                 "more visits": {"type": "static", "default": {"visits": 3}}}))
    out = tmp_path / "out"
    assert main(["compare", str(scn), str(plans), "--replications", "20", "--out", str(out), "--quiet"]) == 0
    assert "comparison.xlsx" in capsys.readouterr().out
    read = pd.read_excel(out / "comparison.xlsx", sheet_name="comparison", engine="openpyxl")
    csv = pd.read_csv(out / "comparison.csv")  # the KPIs printed; the workbook has every KPI
    both = csv.merge(read, on=["kpi", "plan"], suffixes=("_csv", "_xlsx"))
    assert len(both) == len(csv) > 0
    np.testing.assert_allclose(both["diff_xlsx"].to_numpy(float), both["diff_csv"].to_numpy(float), equal_nan=True)
    assert set(read["plan"]) == {"steady", "more visits"}
