"""cathedral.crm.load: tables, the data-quality report and strict mode, on tiny hand-made exports.

`write_export` (also used by the other test_crm_* files) writes a small export
with known answers; each test changes one table.
"""
from __future__ import annotations

import pytest

pytest.importorskip("pandas")

HEADERS = {
    "accounts.csv": "account_id,name,wallet,wallet_growth,staff,fit,fit_target,capability_match,competitor_strength,tier,strategy_reviewed_on",
    "contacts.csv": "account_id,contact_id,name,role,influence,intimacy,support,stance,target_cell",
    "people.csv": "person_id,name,role,fte",
    "activities.csv": "date,person_id,account_id,contact_id,type,hours,money,minutes_filed_on,score",
    "deals.csv": "deal_id,account_id,opened_on,decision_on,size,status,margin",
    "complaints.csv": "account_id,opened_on,closed_on",
}


def base_tables() -> dict:
    """The small export: two accounts (a1 tier S, a2 tier B), three contacts, two account
    managers and an executive, evaluated as of 2026-06-30 (the latest activity)."""
    visits = [f"2026-{4 + (i // 30):02d}-{1 + i % 30:02d},am1,a1,,visit,2,0.05,," for i in range(64)]
    visits += ["2026-06-30,am1,a1,,visit,2,0.05,,"]                         # 65 in 13 weeks: 5/week
    visits += [f"2026-05-{1 + i:02d},am2,a2,,visit,2,,," for i in range(13)]  # 13: 1/week
    visits += ["2026-03-01,am2,a2,,visit,2,,,"]                                # outside the 13 weeks
    return {
        "accounts.csv": ["a1,Alpha,1000,0.02,200,0.8,0.8,0.9,0.4,S,2026-01-10",
                         "a2,Beta,500,0,100,0.3,0.4,0.5,0.5,B,"],
        "contacts.csv": ["a1,c1,Ann,decision_maker,3,0.8,0.5,0,high/supportive",
                         "a1,c2,Bob,technical,1,0.7,-0.5,-0.2,",
                         "a2,k1,Kim,user,1,0.2,0.1,0,medium/neutral"],
        "people.csv": ["am1,Mia,account_manager,1", "am2,Nils,account_manager,0.5", "ex1,Olga,executive,1"],
        "activities.csv": visits + [
            "2026-03-01,ex1,a1,,benchmarking,16,5,2026-03-05,",
            "2026-02-01,ex1,a1,,exec_visit,8,20,2026-02-20,",
            "2026-04-01,ex1,a1,,exec_visit,8,20,2026-04-03,",
            "2025-05-01,ex1,a1,,exec_visit,8,20,2025-05-02,",
            "2025-01-15,ex1,a1,,agreement_signed,40,10,,",
            "2026-03-15,am1,a1,,survey,,,,0.7",
            "2025-05-01,am2,a2,,survey,,,,0.6",
        ],
        "deals.csv": ["d1,a1,2025-11-01,2026-03-01,100,won,0.3", "d2,a1,2025-12-01,2026-04-01,50,lost,",
                      "d3,a1,2024-11-01,2025-03-01,80,won,0.25", "d4,a2,2026-05-01,2026-08-15,40,open,",
                      "d5,a2,2025-08-01,2025-12-01,20,won,0.2"],
        "complaints.csv": ["a1,2026-01-01,2026-01-20", "a1,2026-02-01,2026-03-15", "a1,2026-06-25,",
                           "a1,2025-01-01,2025-01-05", "a2,2026-05-01,"],
    }


def write_export(folder, tables: dict | None = None, headers: dict | None = None):
    """Write an export to `folder`: `tables` maps file names to lists of data lines."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = base_tables() if tables is None else tables
    heads = dict(HEADERS, **(headers or {}))
    for name, head in heads.items():
        lines = tables.get(name, [])
        (folder / name).write_text("\n".join([head] + list(lines)) + "\n", encoding="utf-8")
    return folder


def with_changes(**changes) -> dict:
    """base_tables() with some files replaced or lines appended: file=lines or file_extra=lines."""
    tables = base_tables()
    for key, lines in changes.items():
        name = key.replace("_extra", "").replace("__", ".")
        if key.endswith("_extra"):
            tables[name] = tables[name] + lines
        else:
            tables[name] = lines
    return tables


@pytest.fixture
def export(tmp_path):
    return write_export(tmp_path / "crm")


def test_clean_export_loads_without_findings(export):
    from cathedral import crm

    data = crm.load(export)
    assert data.quality.empty
    assert list(data.accounts["account_id"]) == ["a1", "a2"]
    assert len(data.contacts) == 3 and len(data.people) == 3 and len(data.deals) == 5 and len(data.complaints) == 5
    assert str(data.latest_activity().date()) == "2026-06-30"
    assert data.accounts["wallet"].dtype.kind == "f"
    assert str(data.activities["date"].dtype).startswith("datetime64")
    assert data.owners().to_dict() == {"a1": "am1", "a2": "am2"}


def test_extra_columns_are_ignored(tmp_path):
    from cathedral import crm

    tables = base_tables()
    tables["people.csv"] = [line + ",Sales Nord" for line in tables["people.csv"]]
    folder = write_export(tmp_path / "crm", tables, {"people.csv": HEADERS["people.csv"] + ",team"})
    data = crm.load(folder)
    assert data.quality.empty and "team" not in data.people.columns


def _single(data):
    assert len(data.quality) == 1, data.quality
    return data.quality.iloc[0]


@pytest.mark.parametrize("file,head,line,column,problem", [
    ("contacts.csv", "account_id,contact_id,name,role,influence,intimacy,support,target_cell",
     1, "stance", "required column missing"),
])
def test_missing_column(tmp_path, file, head, line, column, problem):
    from cathedral import crm

    tables = base_tables()
    tables[file] = []
    folder = write_export(tmp_path / "crm", tables, {file: head})
    with pytest.raises(crm.CRMError, match=rf"^{file}, line {line}, column {column}: {problem}"):
        crm.load(folder, strict=True)
    with pytest.warns(crm.CRMWarning, match=rf"^{file}, line {line}, column {column}: {problem}"):
        data = crm.load(folder)
    row = data.quality.iloc[0]
    assert (row["file"], row["line"], row["column"], row["problem"]) == (file, line, column, problem)


def test_missing_column_of_the_accounts_is_an_error(tmp_path):
    """Without the accounts nothing else can be read: an error also when not strict."""
    from cathedral import crm

    head = "account_id,name,wallet,wallet_growth,staff,fit_target,capability_match,competitor_strength,tier,strategy_reviewed_on"
    folder = write_export(tmp_path / "crm", dict(base_tables(), **{"accounts.csv": []}), {"accounts.csv": head})
    for strict in (True, False):
        with pytest.raises(crm.CRMError, match=r"^accounts\.csv, line 1, column fit: required column missing"):
            crm.load(folder, strict=strict)


CASES = [
    # (changes, file, line, column, problem fragment, action fragment)
    (dict(contacts__csv_extra=["zz,c9,X,user,1,,,0,"]), "contacts.csv", 5, "account_id",
     "unknown account_id 'zz'", "dropped"),
    (dict(activities__csv_extra=["2026-02-30,am1,a1,,visit,2,,,"]), "activities.csv", 88, "date",
     "malformed date '2026-02-30'", "dropped"),
    (dict(activities__csv_extra=["2026-06-01,am1,a1,c1,social,-2,,,"]), "activities.csv", 88, "hours",
     "negative hours -2", "dropped"),
    (dict(activities__csv_extra=["2026-06-01,am1,a1,c1,social,two,,,"]), "activities.csv", 88, "hours",
     "malformed number 'two'", "dropped"),
    (dict(activities__csv_extra=["2026-06-01,am1,a1,c7,social,2,,,"]), "activities.csv", 88, "contact_id",
     "unknown contact_id 'c7'", "repaired"),
    (dict(activities__csv_extra=["2026-06-01,zz9,a1,,visit,2,,,"]), "activities.csv", 88, "person_id",
     "unknown person_id 'zz9'", "repaired"),
    (dict(activities__csv_extra=["2026-06-01,am1,a1,,phone_call,2,,,"]), "activities.csv", 88, "type",
     "unknown value 'phone_call'", "dropped"),
    (dict(accounts__csv_extra=["a3,Gamma,lots,0,100,0.5,0.5,1,0.5,C,"]), "accounts.csv", 4, "wallet",
     "malformed number 'lots'", "dropped"),
    (dict(accounts__csv_extra=["a3,Gamma,100,0,100,1.5,0.5,1,0.5,C,"]), "accounts.csv", 4, "fit",
     "out of range 1.5", "repaired"),
    (dict(deals__csv_extra=["d9,a1,2026-01-01,2026-13-01,10,won,0.2"]), "deals.csv", 7, "decision_on",
     "malformed date '2026-13-01'", "repaired"),
    (dict(deals__csv_extra=["d9,a1,2026-01-01,2026-02-01,-10,won,0.2"]), "deals.csv", 7, "size",
     "out of range -10", "dropped"),
    (dict(complaints__csv_extra=["zz,2026-01-01,"]), "complaints.csv", 7, "account_id",
     "unknown account_id 'zz'", "dropped"),
    (dict(people__csv_extra=["am3,Paul,manager,1"]), "people.csv", 5, "role", "unknown value 'manager'", "dropped"),
    (dict(contacts__csv_extra=["a2,k2,Lea,CFO office,1,,,0,"]), "contacts.csv", 5, "role",
     "role 'CFO office' is not one of the model's roles", "other"),
]


@pytest.mark.parametrize("changes,file,line,column,problem,action", CASES,
                         ids=[f"{c[1]}:{c[3]}:{c[4][:20]}" for c in CASES])
def test_each_problem_names_file_line_column(tmp_path, changes, file, line, column, problem, action):
    from cathedral import crm

    folder = write_export(tmp_path / "crm", with_changes(**changes))
    data = crm.load(folder)
    rows = data.quality[data.quality["file"] == file]
    assert len(rows) >= 1, data.quality
    row = rows.iloc[0]
    assert (row["line"], row["column"]) == (line, column)
    assert problem in row["problem"] and action in row["action"]
    if action != "other":
        with pytest.raises(crm.CRMError) as info:
            crm.load(folder, strict=True)
        assert str(info.value).startswith(f"{file}, line {line}, column {column}: ")
        assert problem in str(info.value)


def test_nothing_is_dropped_silently(tmp_path):
    from cathedral import crm

    changes = dict(activities__csv_extra=["2026-02-30,am1,a1,,visit,2,,,", "2026-06-01,am1,a1,c1,social,-2,,,",
                                          "2026-06-01,am1,zz,,visit,2,,,"])
    folder = write_export(tmp_path / "crm", with_changes(**changes))
    data = crm.load(folder)
    clean = crm.load(write_export(tmp_path / "clean"))
    dropped = data.quality["action"].str.contains("dropped").sum()
    assert len(clean.activities) + 3 - dropped == len(data.activities)
    assert dropped == 3


def test_repaired_rows_are_kept_and_unknown_contact_becomes_account_level(tmp_path):
    from cathedral import crm

    folder = write_export(tmp_path / "crm", with_changes(activities__csv_extra=["2026-06-01,am1,a1,c7,social,2,,,"]))
    data = crm.load(folder)
    row = data.activities[(data.activities["type"] == "social")]
    assert len(row) == 1 and row["contact_id"].iat[0] == ""


def test_missing_file_and_folder(tmp_path):
    from cathedral import crm

    folder = write_export(tmp_path / "crm")
    (folder / "complaints.csv").unlink()
    with pytest.warns(crm.CRMWarning, match="complaints.csv: file not found"):
        data = crm.load(folder)
    assert data.complaints.empty
    assert "file not found" in data.quality["problem"].iat[0]
    with pytest.raises(crm.CRMError, match="complaints.csv"):
        crm.load(folder, strict=True)
    with pytest.raises(FileNotFoundError):
        crm.load(tmp_path / "nope")


def test_empty_optional_fields(tmp_path):
    from cathedral import crm

    tables = with_changes(accounts__csv=["a1,Alpha,1000,0.02,,0.8,0.8,0.9,0.4,,", "a2,Beta,500,0,100,0.3,0.4,0.5,0.5,B,"])
    data = crm.load(write_export(tmp_path / "crm", tables))
    q = data.quality
    assert list(q["column"]) == ["staff"] and "default" in q["action"].iat[0]
    assert data.accounts["tier"].iat[0] == "" and data.accounts["strategy_reviewed_on"].isna().iat[0]


def test_demo_export_loads_with_its_known_problems():
    from pathlib import Path

    from cathedral import crm

    folder = Path(__file__).resolve().parents[2] / "examples" / "crm"
    data = crm.load(folder)
    assert len(data.accounts) == 40 and len(data.account_managers()) == 15
    problems = " ".join(data.quality["problem"])
    assert "malformed date" in problems and "unknown contact_id" in problems and "negative hours" in problems
    assert data.contacts[["intimacy", "support"]].isna().any().any()  # a missing rating
    span = data.activities["date"].max() - data.activities["date"].min()
    assert span.days > 700


def test_shipped_export_is_the_synthetic_generator_output(tmp_path):
    from pathlib import Path

    from cathedral.crm import synthetic

    shipped = Path(__file__).resolve().parents[2] / "examples" / "crm"
    fresh = synthetic.write_export(tmp_path / "crm", seed=11)
    for name in HEADERS:
        assert (fresh / name).read_bytes() == (shipped / name).read_bytes(), name
