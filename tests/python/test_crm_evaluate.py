"""cathedral.evaluate and `cathedral evaluate`: DataFrames, the HTML report and the CSVs."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

from test_crm_load import write_export  # noqa: E402

KEYS = {"portfolio_scorecard", "account_scorecard", "account_manager_scorecard", "kpis", "account_kpis",
        "account_manager_kpis", "tiers", "tier_findings", "risk_contacts", "open_complaints", "nine_grid",
        "account_states", "contact_states", "as_is_plan", "data_quality"}


def test_evaluate_returns_dataframes(tmp_path):
    import pandas as pd

    import cathedral

    data = cathedral.crm.load(write_export(tmp_path / "crm"))
    tables = cathedral.evaluate(data)
    assert set(tables) == KEYS
    assert all(isinstance(t, pd.DataFrame) for t in tables.values())
    card = tables["portfolio_scorecard"]
    assert list(card["action"]) == list(range(1, 10))
    assert {"measure", "threshold", "passed", "detail"} <= set(card.columns)
    assert card.attrs["as_of"] == "2026-06-30"
    assert tables["kpis"]["sales"].iat[0] == 120
    # a folder works too, and as_of moves the windows
    later = cathedral.evaluate(tmp_path / "crm", as_of="2026-12-31")
    assert later["portfolio_scorecard"].attrs["as_of"] == "2026-12-31"


def test_cli_evaluate_writes_report_and_csvs(tmp_path, capsys):
    from cathedral.cli import main

    folder = write_export(tmp_path / "crm")
    out = tmp_path / "out"
    assert main(["evaluate", str(folder), "--as-of", "2026-06-30", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Portfolio scorecard as of 2026-06-30" in printed and "contact norm" in printed
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<style>" in html and "data:image/png;base64," in html
    assert not re.search(r'(src|href)="(http|//)', html)  # self-contained
    assert "Nine-grid" in html and "Tier map" in html
    for name in KEYS:
        assert (out / f"{name}.csv").is_file()


def test_cli_evaluate_errors(tmp_path, capsys):
    from cathedral.cli import main

    assert main(["evaluate", str(tmp_path / "nope")]) == 2
    assert "not found" in capsys.readouterr().err
    folder = write_export(tmp_path / "crm")
    assert main(["evaluate", str(folder), "--as-of", "yesterday-ish", "--out", str(tmp_path / "o")]) == 2
    assert "as_of" in capsys.readouterr().err
