"""Validation of scenarios, policies and simulate() arguments (docs/model.md §2, §5, §9),
and robustness against hostile inputs.

Every ScenarioError names the offending field by its path ("PATH: RULE");
the messages asserted here are the documented format (scenario.py's
docstring: ``accounts[3].contacts[0].influence: must be >= 0, got -1``).
"""
from __future__ import annotations

import decimal
import fractions
import json
import math
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

import cathedral
from cathedral import policies
from conftest import finish_python_child, run, small_scenario_dict, start_python_child

ROOT_TESTS = Path(__file__).resolve().parent


def scenario_error(data) -> str:
    """The message of the ScenarioError that from_dict(data) raises."""
    with pytest.raises(cathedral.ScenarioError) as info:
        cathedral.Scenario.from_dict(data)
    return str(info.value)


def test_exception_classes_are_value_errors():
    assert issubclass(cathedral.ScenarioError, ValueError)
    assert issubclass(cathedral.ResourceError, ValueError)
    assert cathedral.ScenarioError is not cathedral.ResourceError


def test_small_scenario_is_valid(small_dict):
    scenario = cathedral.Scenario.from_dict(small_dict)
    assert scenario.n_accounts == 3
    assert scenario.account_ids == ["a1", "a2", "a3"]


# --- one problem, one exact message -------------------------------------------------------

def _set(path, value):
    """A mutation that sets d[path...] = value (path: tuple of keys / indices)."""
    def mutate(d):
        target = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def _delete(path):
    def mutate(d):
        target = d
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return mutate


CASES = [
    # (id, mutation, the full message)
    ("negative influence", _set(("accounts", 0, "contacts", 1, "influence"), -1),
     "accounts[0].contacts[1].influence: must be >= 0, got -1"),
    ("unknown account key", _set(("accounts", 0, "walet"), 3.0),
     'accounts[0].walet: unknown key; did you mean "wallet"?'),
    ("unknown param key", _set(("params",), {"intimacy_gian": 0.1}),
     'params.intimacy_gian: unknown key; did you mean "intimacy_gain"?'),
    ("unknown top-level key", _set(("horizon_weks",), 10),
     'horizon_weks: unknown key; did you mean "horizon_weeks"?'),
    ("unknown resource key", _set(("resources", "budget_per_yaer"), 10),
     'resources.budget_per_yaer: unknown key; did you mean "budget_per_year"?'),
    ("duplicate account id", _set(("accounts", 1, "id"), "a1"),
     'accounts[1].id: duplicate id "a1" (also accounts[0])'),
    ("duplicate contact id", _set(("accounts", 0, "contacts", 1, "id"), "ceo"),
     'accounts[0].contacts[1].id: duplicate id "ceo" (also accounts[0].contacts[0])'),
    ("nan wallet", _set(("accounts", 1, "wallet"), float("nan")),
     "accounts[1].wallet: must be a finite number, got nan"),
    ("inf wallet", _set(("accounts", 1, "wallet"), float("inf")),
     "accounts[1].wallet: must be a finite number, got inf"),
    ("-inf staff", _set(("accounts", 0, "staff"), float("-inf")),
     "accounts[0].staff: must be a finite number, got -inf"),
    ("nan param", _set(("params",), {"affinity": float("nan")}),
     "params.affinity: must be a finite number, got nan"),
    ("string for a number", _set(("accounts", 1, "wallet"), "big"),
     'accounts[1].wallet: must be a number, got "big"'),
    ("number for a bool", _set(("accounts", 1, "jic"), 1),
     "accounts[1].jic: must be true or false, got 1"),
    ("bool for a number", _set(("accounts", 1, "wallet"), True),
     "accounts[1].wallet: must be a number, got true"),
    ("dict for a list", _set(("accounts", 1, "contacts"), {"a": 1}),
     'accounts[1].contacts: must be a list, got {"a":1}'),
    ("list for a dict", _set(("resources",), [1, 2]),
     "resources: must be an object, got [1,2]"),
    ("number for a string id", _set(("accounts", 0, "id"), 5),
     "accounts[0].id: must be a string, got 5"),
    ("empty id", _set(("accounts", 0, "id"), ""),
     "accounts[0].id: must not be empty"),
    ("empty portfolio", _set(("accounts",), []),
     "accounts: must not be empty"),
    ("horizon 0", _set(("horizon_weeks",), 0),
     "horizon_weeks: must be >= 1, got 0"),
    ("horizon not integral", _set(("horizon_weeks",), 52.5),
     "horizon_weeks: must be an integer, got 52.5"),
    ("decision interval 0", _set(("decision_interval_weeks",), 0),
     "decision_interval_weeks: must be >= 1, got 0"),
    ("negative seed", _set(("seed",), -1),
     "seed: must be >= 0, got -1"),
    ("wallet 0", _set(("accounts", 0, "wallet"), 0),
     "accounts[0].wallet: must be > 0, got 0"),
    ("wallet growth -1", _set(("accounts", 0, "wallet_growth"), -1),
     "accounts[0].wallet_growth: must be > -1, got -1"),
    ("fit above 1", _set(("accounts", 0, "fit"), 1.5),
     "accounts[0].fit: must be in [0, 1], got 1.5"),
    ("support below -1", _set(("accounts", 0, "contacts", 0, "support"), -2),
     "accounts[0].contacts[0].support: must be in [-1, 1], got -2"),
    ("unknown role", _set(("accounts", 0, "contacts", 0, "role"), "ceo"),
     "accounts[0].contacts[0].role: must be one of decision_maker, technical, procurement, user, "
     'influencer, coach, other, got "ceo"'),
    ("negative agreement weeks", _set(("accounts", 0, "agreement_weeks_left"), -3),
     "accounts[0].agreement_weeks_left: must be >= 0, got -3"),
    ("param out of domain", _set(("params",), {"macro_persistence": 1.0}),
     "params.macro_persistence: must be in [0, 1), got 1"),
    ("integer param not integral", _set(("params",), {"sales_cycle_weeks": 2.5}),
     "params.sales_cycle_weeks: must be an integer, got 2.5"),
    ("negative cost", _set(("costs",), {"visit_money": -0.5}),
     "costs.visit_money: must be >= 0, got -0.5"),
    ("pipeline deal without decision week", _set(("accounts", 0, "pipeline"), [{"size": 5}]),
     "accounts[0].pipeline[0].decision_week: required"),
    ("grid cuts not increasing", _set(("tiering",), {"grid": {"intimacy": [0.6, 0.3]}}),
     "tiering.grid.intimacy: cuts must be increasing, got [0.6"),
    ("missing wallet", _delete(("accounts", 0, "wallet")), "accounts[0].wallet: required"),
    ("missing id", _delete(("accounts", 2, "id")), "accounts[2].id: required"),
    ("missing resources", _delete(("resources",)), "resources: required"),
    ("missing accounts", _delete(("accounts",)), "accounts: required"),
    ("missing budget", _delete(("resources", "budget_per_year")), "resources.budget_per_year: required"),
    # policy fields (docs/model.md §3.0, §5)
    ("negative visits in policy", _set(("policy", "default", "visits"), -2),
     "policy.default.visits: must be >= 0, got -2"),
    ("nan in policy", _set(("policy", "default", "social_hours"), float("nan")),
     "policy.default.social_hours: must be a finite number, got nan"),
    ("policy bool as number", _set(("policy", "default", "jic"), 1),
     "policy.default.jic: must be true or false, got 1"),
    ("unknown policy field", _set(("policy", "default", "visit"), 1),
     'policy.default.visit: unknown key; did you mean "visits"?'),
    ("unknown account in policy", _set(("policy", "accounts"), {"a9": {"visits": 1}}),
     'policy.accounts.a9: unknown account id; did you mean "a1"?'),
    ("unknown tier in policy", _set(("policy", "tiers"), {"D": {"visits": 1}}),
     "policy.tiers.D: unknown key; did you mean "),
    ("contact_focus unknown contact", _set(("policy", "accounts"), {"a1": {"contact_focus": {"cfo": 1}}}),
     'policy.accounts.a1.contact_focus.cfo: unknown contact id; did you mean "ceo"?'),
    ("contact_focus wrong length", _set(("policy", "accounts"), {"a1": {"contact_focus": [1]}}),
     'policy.accounts.a1.contact_focus: must have one weight per contact of account "a1" (2), got 1'),
    ("contact_focus negative", _set(("policy", "accounts"), {"a1": {"contact_focus": [1, -1]}}),
     "policy.accounts.a1.contact_focus[1]: must be >= 0, got -1"),
    ("contact_focus wrong type", _set(("policy", "accounts"), {"a1": {"contact_focus": "x"}}),
     'policy.accounts.a1.contact_focus: must be a list of weights or an object {contact id: weight}, got "x"'),
    ("contact_focus outside accounts", _set(("policy", "default", "contact_focus"), [1, 1]),
     "policy.default.contact_focus: only allowed per account, in the policy's \"accounts\" entries"),
    ("tiered without C", _set(("policy",), {"type": "tiered", "templates": {"S": {}, "A": {}, "B": {}}}),
     "policy.templates.C: required"),
    ("tiered without templates", _set(("policy",), {"type": "tiered"}),
     "policy.templates: required"),
    ("unknown policy type", _set(("policy",), {"type": "dynamic"}),
     'policy.type: must be one of static, tiered'),
    ("policy without type", _set(("policy",), {}),
     "policy.type: required"),
]


@pytest.mark.parametrize("mutate, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_single_problem_message(small_dict, mutate, message):
    mutate(small_dict)
    with pytest.raises(cathedral.ScenarioError, match=re.escape(message)):
        cathedral.Scenario.from_dict(small_dict)


def test_unknown_key_without_close_match_lists_valid_keys(small_dict):
    small_dict["params"] = {"zzzzzzzzzzzz": 0.1}
    msg = scenario_error(small_dict)
    assert msg.startswith("params.zzzzzzzzzzzz: unknown key; valid keys are: intimacy_gain, ")
    assert "macro_sd" in msg and "did you mean" not in msg


TOP_LEVEL_KEYS = ("name", "horizon_weeks", "decision_interval_weeks", "seed", "currency", "accounts", "resources",
                  "costs", "params", "tiering", "policy")  # docs/model.md §2


def test_unknown_top_level_key_lists_valid_keys(small_dict):
    small_dict["foo"] = 1
    msg = scenario_error(small_dict)
    assert "\n" not in msg
    assert msg.startswith("foo: unknown key; valid keys are: name, horizon_weeks, ")
    listed = msg.split("valid keys are: ", 1)[1].split(", ")
    assert set(TOP_LEVEL_KEYS) <= set(listed)


def test_all_problems_listed_together(small_dict):
    small_dict["foo"] = 1
    small_dict["horizon_weeks"] = "x"
    small_dict["accounts"][1]["wallet"] = -5
    small_dict["accounts"][0]["contacts"][1]["influence"] = -1
    small_dict["policy"]["default"]["visits"] = -2
    msg = scenario_error(small_dict)
    lines = msg.splitlines()
    assert len(lines) == 5
    foo = [line for line in lines if line.startswith("foo: ")]
    assert len(foo) == 1 and foo[0].startswith("foo: unknown key; valid keys are: name, ")
    assert sorted(set(lines) - set(foo)) == sorted([
        'horizon_weeks: must be an integer, got "x"',
        "accounts[0].contacts[1].influence: must be >= 0, got -1",
        "accounts[1].wallet: must be > 0, got -5",
        "policy.default.visits: must be >= 0, got -2",
    ])


def test_scenario_error_carries_no_partial_scenario(small_dict):
    small_dict["accounts"][0]["wallet"] = -1
    with pytest.raises(ValueError):  # ScenarioError is a ValueError
        cathedral.Scenario.from_dict(small_dict)


def test_from_dict_does_not_modify_its_input(small_dict):
    before = json.dumps(small_dict, sort_keys=True)
    cathedral.Scenario.from_dict(small_dict)
    assert json.dumps(small_dict, sort_keys=True) == before


# --- files ---------------------------------------------------------------------------------

def test_load_file_that_is_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"name": "x",, }')
    with pytest.raises(cathedral.ScenarioError) as info:
        cathedral.Scenario.load(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: invalid JSON: ")
    assert "parse error at line 1" in msg


def test_load_json_with_nan_literal_is_rejected(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text('{"name": NaN}')
    with pytest.raises(cathedral.ScenarioError, match=re.escape(f"{path}: invalid JSON")):
        cathedral.Scenario.load(path)


def test_load_missing_file(tmp_path):
    path = tmp_path / "does_not_exist.json"
    with pytest.raises(cathedral.ScenarioError) as info:
        cathedral.Scenario.load(path)
    assert str(info.value) == f"{path}: cannot open file"


def test_load_invalid_scenario_reports_field_paths(tmp_path, small_dict):
    small_dict["accounts"][0]["contacts"][1]["influence"] = -1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(small_dict))
    with pytest.raises(cathedral.ScenarioError,
                       match=re.escape("accounts[0].contacts[1].influence: must be >= 0, got -1")):
        cathedral.Scenario.load(path)


def test_load_directory_raises_value_or_os_error(tmp_path):
    with pytest.raises((ValueError, OSError)):
        cathedral.Scenario.load(tmp_path)


def test_save_to_missing_folder(tmp_path, small_scenario):
    path = tmp_path / "no" / "such" / "folder.json"
    with pytest.raises(cathedral.ScenarioError, match=re.escape(f"{path}: cannot open file for writing")):
        small_scenario.save(path)


# --- policies passed to simulate() ------------------------------------------------------------

def test_policy_passed_to_simulate_is_validated(small_scenario):
    bad = policies.static(default={"visits": -1})
    with pytest.raises(cathedral.ScenarioError, match=re.escape("policy.default.visits: must be >= 0, got -1")):
        run(small_scenario, bad, replications=2)


def test_policy_dict_unknown_account_did_you_mean(small_scenario):
    bad = policies.static(accounts={"a4": {"visits": 1.0}})
    with pytest.raises(cathedral.ScenarioError,
                       match=re.escape('policy.accounts.a4: unknown account id; did you mean "a1"?')):
        run(small_scenario, bad, replications=2)


def test_tiered_policy_without_template_c(small_scenario):
    pol = policies.tiered({"S": {}, "A": {}, "B": {}})
    with pytest.raises(cathedral.ScenarioError, match=re.escape("policy.templates.C: required")):
        run(small_scenario, pol, replications=2)


def test_tiered_policy_contact_focus_not_allowed(small_scenario):
    pol = policies.tiered({t: {"contact_focus": [1]} if t == "S" else {} for t in "SABC"})
    with pytest.raises(cathedral.ScenarioError, match=re.escape(
            "policy.templates.S.contact_focus: only allowed per account")):
        run(small_scenario, pol, replications=2)


@pytest.mark.parametrize("builder, args, message", [
    (policies.static, {"default": [1, 2]}, "default: must be a dict, got list"),
    (policies.static, {"accounts": "a1"}, "accounts: must be a dict, got str"),
    (policies.static, {"tiers": 3}, "tiers: must be a dict, got int"),
    (policies.tiered, {"templates": ["S"]}, "templates: must be a dict, got list"),
])
def test_policy_builders_reject_non_dicts(builder, args, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        builder(**args)


# --- simulate() arguments ----------------------------------------------------------------------

SIMULATE_ARG_CASES = [
    ("replications 0", {"replications": 0}, ValueError, "replications: must be >= 1, got 0"),
    ("replications negative", {"replications": -3}, ValueError, "replications: must be >= 1, got -3"),
    ("replications float", {"replications": 1.5}, ValueError, "replications: must be an integer, got 1.5"),
    ("replications bool", {"replications": True}, ValueError, "replications: must be an integer, got True"),
    ("mode fast", {"mode": "fast"}, ValueError, "mode: must be \"monte_carlo\" or \"mean_field\", got 'fast'"),
    ("keep unknown string", {"keep": "all"}, ValueError,
     "keep: must be \"summary\", \"trajectories\" or a list of metric names, got 'all'"),
    ("keep unknown metric", {"keep": ["revenu"]}, ValueError,
     "keep: unknown metric 'revenu'; did you mean \"revenue\"?"),
    ("keep unknown metric no hint", {"keep": ["zzz"]}, ValueError, "keep: unknown metric 'zzz'"),
    ("seed negative", {"seed": -1}, ValueError, "seed: must be >= 0, got -1"),
    ("seed too large", {"seed": 2**64}, ValueError, "seed: must be < 2**64, got 18446744073709551616"),
    ("seed float", {"seed": 1.0}, ValueError, "seed: must be an integer, got 1.0"),
    ("seed string", {"seed": "1"}, ValueError, "seed: must be an integer, got '1'"),
    ("threads 0", {"threads": 0}, ValueError, "threads: must be >= 1, got 0"),
    ("threads negative", {"threads": -2}, ValueError, "threads: must be >= 1, got -2"),
    ("progress string", {"progress": "yes"}, ValueError, "progress: must be None, True, False or a callable"),
    ("policy list", {"policy": [1, 2]}, TypeError,
     "policy: must be a cathedral.policies.Policy, a dict or None, got list"),
    ("policy string", {"policy": "static"}, TypeError,
     "policy: must be a cathedral.policies.Policy, a dict or None, got str"),
]


@pytest.mark.parametrize("kwargs, exc, message", [c[1:] for c in SIMULATE_ARG_CASES],
                         ids=[c[0] for c in SIMULATE_ARG_CASES])
def test_bad_simulate_arguments(small_scenario, kwargs, exc, message):
    kwargs = dict(kwargs)
    policy = kwargs.pop("policy", None)
    kwargs.setdefault("progress", False)
    with pytest.raises(exc, match=re.escape(message)):
        cathedral.simulate(small_scenario, policy, replications=kwargs.pop("replications", 5), **kwargs)


def test_simulate_requires_a_scenario_object(small_dict):
    with pytest.raises(TypeError, match=re.escape("scenario: must be a cathedral.Scenario, got dict")):
        cathedral.simulate(small_dict, progress=False)


def test_largest_seed_is_accepted(small_scenario):
    res = run(small_scenario, replications=2, seed=2**64 - 1)
    assert res.seed == 2**64 - 1


@pytest.mark.parametrize("kwargs, name", [({"threads": 2**40}, "threads"), ({"replications": 2**63}, "replications")])
def test_out_of_range_counts_name_the_argument(small_scenario, kwargs, name):
    with pytest.raises((ValueError, TypeError)) as info:
        cathedral.simulate(small_scenario, progress=False, **{"replications": 2, **kwargs})
    assert str(info.value).startswith(f"{name}:")


# --- robustness: hostile inputs raise, never crash ----------------------------------------------

class _WithToList:
    def __init__(self, value):
        self.value = value

    def tolist(self):
        return self.value


def _hostile_inputs():
    base = small_scenario_dict
    cases = {
        "None": None,
        "empty list": [],
        "string": "x",
        "int": 1,
        "float nan": float("nan"),
        "bytes": b"{}",
        "set": {1, 2},
        "object()": object(),
        "accounts None": {"accounts": None},
        "accounts [None]": {"accounts": [None], "resources": {}},
        "accounts [[]]": {"accounts": [[]], "resources": []},
        "non-string key": {1: 2},
        "non-string nested key": {"accounts": [{("t", 1): 1}], "resources": {}},
        "object in contact": {"accounts": [{"id": "a", "wallet": 1, "contacts": [{"id": object()}]}],
                              "resources": {}},
        "complex": {**base(), "seed": 1 + 2j},
        "Decimal": {**base(), "horizon_weeks": decimal.Decimal("52")},
        "Fraction": {**base(), "horizon_weeks": fractions.Fraction(52, 1)},
        "10**30 seed": {**base(), "seed": 10**30},
        "-10**30 horizon": {**base(), "horizon_weeks": -10**30},
        "1e300 horizon": {**base(), "horizon_weeks": 1e300},
        "2**40 horizon": {**base(), "horizon_weeks": 2**40},
        "numpy array for wallet": None,  # filled below
        "numpy 2-d array for accounts": {"accounts": np.zeros((2, 2)), "resources": {}},
        "numpy nan": None,
        "tolist returning junk": {"accounts": _WithToList(object()), "resources": {}},
        "mixed junk": {"accounts": [1, "two", [3], {"four": 4}, None, 5.5, True], "resources": "none",
                       "costs": [], "params": 7, "tiering": "x", "policy": [None]},
        "nested junk (depth 200)": None,
        "number for name": {**base(), "name": 12},
        "policy junk": {**base(), "policy": {"type": "static", "default": {"visits": {"a": [1, {"b": None}]}}}},
    }
    d = base()
    d["accounts"][0]["wallet"] = np.array([1.0, 2.0])
    cases["numpy array for wallet"] = d
    d = base()
    d["accounts"][0]["wallet"] = np.float64("nan")
    cases["numpy nan"] = d
    junk = ["leaf", 1, None]
    for i in range(200):
        junk = [junk, {"k": junk if i % 50 == 0 else i}] if i % 2 else {"x": junk}
    cases["nested junk (depth 200)"] = {"accounts": junk, "resources": {"x": junk}}
    return cases


HOSTILE = _hostile_inputs()


@pytest.mark.parametrize("data", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_input_raises_value_or_type_error(data):
    with pytest.raises((ValueError, TypeError)) as info:
        cathedral.Scenario.from_dict(data)
    assert str(info.value)  # a message, not an empty exception


@pytest.mark.parametrize("value, expected", [
    (np.float32(0.5), 0.5),
    (np.float64(0.25), 0.25),
    (np.array(0.75), 0.75),
])
def test_numpy_scalars_are_accepted_as_numbers(small_dict, value, expected):
    small_dict["accounts"][0]["fit"] = value
    small_dict["horizon_weeks"] = np.int64(26)
    small_dict["accounts"][0]["jic"] = np.bool_(False)
    scenario = cathedral.Scenario.from_dict(small_dict)
    assert scenario.to_dict()["accounts"][0]["fit"] == expected
    assert scenario.horizon_weeks == 26
    assert scenario.to_dict()["accounts"][0]["jic"] is False


def test_huge_but_valid_wallet_simulates_without_crashing(small_dict):
    small_dict["accounts"][0]["wallet"] = 1e15  # the largest amount (docs/limits.md)
    scenario = cathedral.Scenario.from_dict(small_dict)
    res = run(scenario, replications=4)
    assert res.totals("revenue").shape == (4,)
    assert np.all(np.isfinite(res._raw["portfolio"]))


def test_a_wallet_whose_sums_would_overflow_is_refused(small_dict):
    small_dict["accounts"][0]["wallet"] = 1e308
    msg = scenario_error(small_dict)
    assert msg.startswith("accounts[0].wallet: must be <= 1000000000000000 (sums over accounts"), msg


def test_big_python_int_is_reported_not_truncated(small_dict):
    small_dict["accounts"][0]["wallet"] = 10**30
    msg = scenario_error(small_dict)
    assert msg == "accounts[0].wallet: integer out of range, got 1000000000000000000000000000000"


def test_json_value_error_names_the_type(small_dict):
    small_dict["accounts"][0]["contacts"][0]["intimacy"] = object()
    assert scenario_error(small_dict) == (
        "accounts[0].contacts[0].intimacy: must be a JSON value (number, string, bool, list, dict or None), "
        "got object")


@pytest.mark.parametrize("data", [{"name": "\ud800"}, {"\ud800": 1}], ids=["value", "key"])
def test_lone_surrogate_raises_value_error(data):
    with pytest.raises(ValueError):
        cathedral.Scenario.from_dict(data)


def test_from_dict_accepts_any_mapping(small_dict):
    import types

    scenario = cathedral.Scenario.from_dict(types.MappingProxyType(small_dict))
    assert scenario.n_accounts == 3


# --- inputs that crash, hang or exhaust the interpreter ------------------------------------------
#
# These run in child processes: in-process a crash would kill pytest itself.
# All children start together (module fixture) so that their interpreter
# start-ups overlap; each test then judges its own child. A child that must
# finish quickly arms signal.alarm() only once cathedral is imported, so a
# slow start-up on a loaded machine cannot be mistaken for a hang.

_REPORT = """
try:
    run_case()
except MemoryError:
    print("OUTCOME MemoryError")
except (ValueError, TypeError, RecursionError) as e:
    print("OUTCOME", type(e).__name__, str(e)[:120].replace("\\n", " / "))
else:
    print("OUTCOME ok")
"""

_NESTED_FILE_DEPTH = 100000

CHILD_CASES = {
    # from_dict on pathological structures (json_convert.cpp to_json)
    "self-referencing list": ("""
        import cathedral
        def run_case():
            x = []
            x.append(x)
            cathedral.Scenario.from_dict({"accounts": x})
    """, 2000),
    "list nested 100000 deep": ("""
        import cathedral
        def run_case():
            x = []
            for _ in range(100000):
                x = [x]
            cathedral.Scenario.from_dict({"accounts": x})
    """, 2000),
    "object whose tolist() returns itself": ("""
        import cathedral
        class Loop:
            def tolist(self):
                return self
        def run_case():
            cathedral.Scenario.from_dict({"name": Loop()})
    """, 2000),
    # load() of a deeply nested file (scenario_json.cpp show())
    "deeply nested file": (f"""
        import cathedral, os, tempfile
        def run_case():
            depth = {_NESTED_FILE_DEPTH}
            fd, path = tempfile.mkstemp(suffix=".json")
            with os.fdopen(fd, "w") as f:
                f.write('{{"name": ' + "[" * depth + "]" * depth + "}}")
            try:
                cathedral.Scenario.load(path)
            finally:
                os.remove(path)
    """, 2000),
    # simulate() with extreme but validated values
    "tiny wallet": ("""
        import cathedral, signal
        from conftest import small_scenario_dict
        def run_case():
            d = small_scenario_dict()
            d["accounts"][0]["wallet"] = 5e-324
            scenario = cathedral.Scenario.from_dict(d)
            signal.alarm(10)
            cathedral.simulate(scenario, replications=1, threads=1, progress=False)
    """, 600),
    "sales_cycle_weeks 2**31-1": ("""
        import cathedral, signal
        from conftest import small_scenario_dict
        def run_case():
            d = small_scenario_dict()
            d["params"] = {"sales_cycle_weeks": 2**31 - 1}
            scenario = cathedral.Scenario.from_dict(d)
            signal.alarm(2)
            cathedral.simulate(scenario, replications=1, threads=1, progress=False)
    """, 600),
    "payment_delay_weeks 2**31-1": ("""
        import cathedral, signal
        from conftest import small_scenario_dict
        def run_case():
            d = small_scenario_dict()
            d["params"] = {"payment_delay_weeks": 2**31 - 1}
            scenario = cathedral.Scenario.from_dict(d)
            signal.alarm(2)
            cathedral.simulate(scenario, replications=1, threads=1, progress=False)
    """, 600),
    "threads=5000": ("""
        import cathedral, numpy as np
        def run_case():
            s = cathedral.Scenario.demo()
            a = cathedral.simulate(s, replications=32, threads=1, progress=False)
            b = cathedral.simulate(s, replications=32, threads=5000, progress=False)
            assert np.array_equal(a.totals("revenue"), b.totals("revenue"))
    """, 600),
}


@pytest.fixture(scope="module")
def child_outcomes():
    procs = {name: start_python_child(textwrap.dedent(code) + _REPORT, mem_mb=mem)
             for name, (code, mem) in CHILD_CASES.items()}
    return {name: finish_python_child(proc, timeout=120) for name, proc in procs.items()}


def outcome(child_outcomes, name):
    """(returncode, the OUTCOME line or '', stderr tail)."""
    rc, out, err = child_outcomes[name]
    lines = [line for line in out.splitlines() if line.startswith("OUTCOME")]
    return rc, (lines[-1] if lines else ""), err[-300:]


@pytest.mark.parametrize("name", ["self-referencing list", "list nested 100000 deep",
                                  "object whose tolist() returns itself"])
def test_pathological_structures_do_not_crash_from_dict(child_outcomes, name):
    rc, line, err = outcome(child_outcomes, name)
    assert rc == 0, f"interpreter died (rc={rc}): {err}"
    assert line.startswith(("OUTCOME ScenarioError", "OUTCOME ValueError", "OUTCOME TypeError",
                            "OUTCOME RecursionError")), line


def test_deeply_nested_file_does_not_crash_load(child_outcomes):
    rc, line, err = outcome(child_outcomes, "deeply nested file")
    assert rc == 0, f"interpreter died (rc={rc}): {err}"
    assert line.startswith("OUTCOME ScenarioError name: must be a string"), line


def test_deeply_nested_file_under_unknown_key_is_reported(tmp_path):
    # The JSON parser and the destructor cope with deep nesting; only the
    # message of a known field (test above) crashes. Safe in-process.
    path = tmp_path / "deep_unknown.json"
    path.write_text('{"junk": ' + "[" * _NESTED_FILE_DEPTH + "]" * _NESTED_FILE_DEPTH + "}")
    with pytest.raises(cathedral.ScenarioError, match=re.escape("junk: unknown key")):
        cathedral.Scenario.load(path)


def test_moderately_nested_input_is_rejected_in_process():
    x = []
    for _ in range(2000):
        x = [x]
    # Python input deeper than any scenario is rejected before validation, naming where.
    with pytest.raises(cathedral.ScenarioError, match=r"^accounts\[0\](\[0\])*: nested more than 64 levels deep"):
        cathedral.Scenario.from_dict({"accounts": x, "resources": {}})


def test_tiny_wallet_neither_hangs_nor_exhausts_memory(child_outcomes):
    rc, line, err = outcome(child_outcomes, "tiny wallet")
    assert rc == 0, f"child died or hung (rc={rc}): {err}"
    assert line in ("OUTCOME ok",) or line.startswith("OUTCOME ScenarioError"), line


@pytest.mark.parametrize("param", ["sales_cycle_weeks", "payment_delay_weeks"])
def test_extreme_integer_params_fail_fast_and_clearly(child_outcomes, param):
    rc, line, err = outcome(child_outcomes, f"{param} 2**31-1")
    assert rc == 0, f"child died or hung (rc={rc}): {err}"
    assert line == "OUTCOME ok" or line.startswith(f"OUTCOME ScenarioError params.{param}"), line


def test_memory_does_not_scale_with_unused_threads(child_outcomes):
    rc, line, err = outcome(child_outcomes, "threads=5000")
    assert rc == 0, (rc, err)
    assert line == "OUTCOME ok", line
