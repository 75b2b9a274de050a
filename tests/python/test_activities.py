"""The activity table from Python (cathedral.activities, _core.activity_table()): the package's
field and layer lists come from it, and docs/activities.md shows it as it is."""
import json
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

import cathedral
from cathedral import _core, activities, policies

attribute_module = sys.modules["cathedral.attribute"]  # cathedral.attribute is the function


def test_rows_as_the_engine_has_them():
    rows = _core.activity_table()
    assert [r["name"] for r in rows] == list(_core.ALLOCATION_FIELDS)
    # docs/model.md §3.0 and §3.7, by hand
    assert [r["name"] for r in rows] == ["social_hours", "value_hours", "visits", "service_hours",
                                         "benchmarking", "exec_visits", "pursue_agreement", "jic"]
    assert [r["layer"] for r in rows] == ["key", "key", "broad", "broad", "org", "org", "org", "org"]
    assert [r["kind"] for r in rows] == ["rate"] * 6 + ["flag"] * 2
    visits = activities.activity("visits")
    assert visits["unit"] == "visits/week"
    assert visits["response"] == {"form": "hill_per_100_staff", "half": "visit_half_per_100_staff",
                                  "shape": "visit_shape", "jump": None}
    assert visits["costs"] == [{"charged": "weekly", "money": {"form": "cost", "cost": "visit_money"},
                                "hours": {"form": "cost", "cost": "visit_hours"}, "exec_days": None}]
    jic = activities.activity("jic")
    assert [c["charged"] for c in jic["costs"]] == ["weekly", "on_opening"]
    assert jic["costs"][0]["money"] == {"form": "cost_per_year", "cost": "jic_money_per_year"}
    assert activities.activity("social_hours")["costs"][0]["hours"] == {"form": "own", "cost": None}


def test_names_are_those_of_the_parameter_and_cost_tables():
    params = {r["name"]: r["group"] for r in _core.param_table()}
    costs = [r["name"] for r in _core.cost_table()]
    charged = []
    for row in activities.TABLE:
        for key in ("half", "shape", "jump"):
            name = row["response"][key]
            if name is not None:
                assert params[name] == row["layer"], (row["name"], name)
        for c in row["costs"]:
            charged += [a["cost"] for a in (c["money"], c["hours"], c["exec_days"]) if a and a["cost"]]
    assert sorted(charged) == sorted(costs)  # every cost charged by exactly one activity


def test_package_lists_read_the_table():
    assert policies.ALLOCATION_FIELDS == tuple(r["name"] for r in _core.activity_table())
    assert policies._BOOL_FIELDS == tuple(r["name"] for r in _core.activity_table() if r["kind"] == "flag")
    assert attribute_module.LAYERS == tuple(_core.LAYERS) == ("key", "broad", "org")
    assert activities.layer_fields() == {
        "key": ("social_hours", "value_hours"), "broad": ("visits", "service_hours"),
        "org": ("benchmarking", "exec_visits", "pursue_agreement", "jic")}


# A package whose engine has one more activity: its lists follow the engine's table.
_WITH_ROW = textwrap.dedent("""
    import importlib.util, json, pathlib, sys
    spec = importlib.util.find_spec("cathedral")
    core_path = next(p for p in pathlib.Path(spec.submodule_search_locations[0]).iterdir()
                     if p.name.startswith("_core.") and p.suffix in (".so", ".pyd"))
    core_spec = importlib.util.spec_from_file_location("cathedral._core", core_path)
    core = importlib.util.module_from_spec(core_spec)
    core_spec.loader.exec_module(core)
    rows = core.activity_table()
    extra = json.loads(sys.argv[1])
    rows.insert(4, extra)
    core.activity_table = lambda: rows
    sys.modules["cathedral._core"] = core
    import cathedral  # reads the patched table
    from cathedral import activities, policies
    print(json.dumps({"fields": policies.ALLOCATION_FIELDS, "flags": policies._BOOL_FIELDS,
                      "layers": activities.layer_fields()}))
""")


def _with_row(extra: dict):
    return subprocess.run([sys.executable, "-c", _WITH_ROW, json.dumps(extra)], capture_output=True, text=True,
                          cwd=ROOT)


def test_a_new_row_reaches_every_list():
    extra = {"name": "demo_days", "layer": "broad", "unit": "days/week", "kind": "rate",
             "response": {"form": "hill", "half": None, "shape": None, "jump": None}, "costs": [], "moves": ""}
    out = _with_row(extra)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    fields = list(policies.ALLOCATION_FIELDS)
    assert got["fields"] == fields[:4] + ["demo_days"] + fields[4:]
    assert got["layers"]["broad"] == sorted(activities.layer_fields()["broad"] + ("demo_days",),
                                            key=got["fields"].index)
    assert got["flags"] == list(policies._BOOL_FIELDS)


def test_a_row_of_an_unknown_layer_is_an_error():
    extra = {"name": "lunches", "layer": "social", "unit": "lunches/week", "kind": "rate",
             "response": {"form": "none", "half": None, "shape": None, "jump": None}, "costs": [], "moves": ""}
    out = _with_row(extra)
    assert out.returncode != 0
    assert "activity 'lunches': unknown layer 'social'; layers are: key, broad, org" in out.stderr


def test_unknown_field_names_the_fields():
    with pytest.raises(ValueError, match='did you mean "visits"'):
        activities.layer_of("vists")
    assert activities.layer_of("exec_visits") == "org"


def test_docs_show_the_table():
    path = ROOT / "docs" / "activities.md"
    text = path.read_text(encoding="utf-8")
    assert activities.rewrite(text) == text, (
        "docs/activities.md differs from the engine's activity table: run "
        ".venv/bin/python scripts/update_activities_doc.py")
    for name in activities.FIELDS:
        assert f"| `{name}` |" in text
