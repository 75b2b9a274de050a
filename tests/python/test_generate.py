"""Tests of cathedral.generate.generate_portfolio and of the demo files.

The demo script is loaded by path (it is an example, not part of the package).
"""

import importlib.util
import json
import math
import pathlib

import numpy as np
import pytest

import cathedral
from cathedral import tiers as engine_tiers
from cathedral.generate import generate_portfolio

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ACCOUNT_KEYS = {"id", "name", "wallet", "wallet_growth", "staff", "fit", "fit_target",
                "capability_match", "competitor_strength", "coverage", "satisfaction",
                "org", "agreement_weeks_left", "jic", "contacts", "pipeline"}
CONTACT_KEYS = {"id", "role", "influence", "intimacy", "support", "stance"}
ROLES = {"decision_maker", "technical", "procurement", "user", "influencer", "coach", "other"}
ENTRY_KEYS = set(cathedral.activities.FIELDS)  # the engine's activity table
RESOURCE_KEYS = {"account_managers", "am_hours_per_week", "executive_days_per_year",
                 "budget_per_year", "am_cost_per_year"}


def tiers(accounts):
    """docs/model.md §6, default tiering: (tier per account, cash-flow flag per account)."""
    return engine_tiers.classify([a["wallet"] for a in accounts], [a["fit"] for a in accounts])


def test_deterministic_for_a_seed():
    a = generate_portfolio(25, (2, 7), seed=11)
    b = generate_portfolio(25, (2, 7), seed=11)
    assert a == b
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_different_seed_differs():
    a = generate_portfolio(25, seed=1)
    b = generate_portfolio(25, seed=2)
    assert a["accounts"] != b["accounts"]
    assert [x["wallet"] for x in a["accounts"]] != [x["wallet"] for x in b["accounts"]]
    assert a["seed"] == 1 and b["seed"] == 2


@pytest.mark.parametrize("n", [1, 2, 7, 40, 123, 1000])
def test_n_accounts_and_ids(n):
    d = generate_portfolio(n, 3, seed=5)
    accs = d["accounts"]
    assert len(accs) == n
    width = max(3, len(str(n)))
    assert [a["id"] for a in accs] == [f"acc-{i:0{width}d}" for i in range(1, n + 1)]
    assert len({a["name"] for a in accs}) == n  # names unique
    assert all(isinstance(a["name"], str) and a["name"] for a in accs)


@pytest.mark.parametrize("contacts", [0, 1, 5])
def test_fixed_contact_count(contacts):
    d = generate_portfolio(30, contacts, seed=3)
    for a in d["accounts"]:
        assert len(a["contacts"]) == contacts
        assert [c["id"] for c in a["contacts"]] == [f"c{k}" for k in range(1, contacts + 1)]
        if contacts >= 1:
            assert any(c["role"] == "decision_maker" for c in a["contacts"])


def test_contact_range():
    d = generate_portfolio(200, (3, 10), seed=4)
    counts = [len(a["contacts"]) for a in d["accounts"]]
    assert min(counts) >= 3 and max(counts) <= 10
    assert len(set(counts)) >= 6  # actually spread over the range
    d = generate_portfolio(20, (4, 4), seed=4)
    assert all(len(a["contacts"]) == 4 for a in d["accounts"])
    d = generate_portfolio(20, [2, 3], seed=4)  # a list works too
    assert all(2 <= len(a["contacts"]) <= 3 for a in d["accounts"])


@pytest.mark.parametrize("seed", range(25))
def test_tiers_and_cash_flow_present(seed):
    d = generate_portfolio(40, (3, 10), seed=seed)
    tier, cash = tiers(d["accounts"])
    assert set(tier[~cash]) == {"S", "A", "B", "C"}
    assert 1 <= cash.sum() <= 12


def test_portfolio_shape():
    """Wallets heavy-tailed; bigger accounts fit better; a few agreements,
    centres and opposed contacts; fits heading both ways."""
    d = generate_portfolio(400, (3, 10), seed=9)
    accs = d["accounts"]
    w = np.array([a["wallet"] for a in accs])
    f = np.array([a["fit"] for a in accs])
    assert w.min() < 1000 and w.max() > 10000
    assert w.mean() > 1.2 * np.median(w)  # right-skewed
    assert np.corrcoef(np.log(w), f)[0, 1] > 0.3
    staff = np.array([a["staff"] for a in accs])
    assert staff.min() >= 10 and staff.max() >= 1000
    assert np.corrcoef(np.log(w), np.log(staff))[0, 1] > 0.8
    drift = np.array([a["fit_target"] - a["fit"] for a in accs])
    assert (drift > 0.1).sum() >= 10 and (drift < -0.1).sum() >= 10
    agr = [a for a in accs if a["agreement_weeks_left"] > 0]
    assert 10 <= len(agr) <= 60
    tier, cash = tiers(accs)
    jic = [i for i, a in enumerate(accs) if a["jic"]]
    assert 5 <= len(jic) <= 40
    assert all(tier[i] == "S" for i in jic)
    contacts = [c for a in accs for c in a["contacts"]]
    opposed = sum(c["support"] < -1 / 3 for c in contacts)
    assert 0.01 * len(contacts) < opposed < 0.2 * len(contacts)
    dm = np.mean([c["influence"] for c in contacts if c["role"] == "decision_maker"])
    other = np.mean([c["influence"] for c in contacts if c["role"] != "decision_maker"])
    assert dm > 1.5 * other


@pytest.mark.parametrize("n,contacts,seed", [(1, 0, 0), (3, 2, 1), (40, (3, 10), 2026),
                                             (300, (0, 12), 77)])
def test_domains(n, contacts, seed):
    d = generate_portfolio(n, contacts, seed=seed, horizon_weeks=52, name="x")
    assert d["name"] == "x" and d["horizon_weeks"] == 52 and d["seed"] == seed
    assert "pipeline" not in json.dumps(d)
    assert set(d) <= {"name", "horizon_weeks", "decision_interval_weeks", "seed", "accounts",
                      "resources", "policy"}
    json.dumps(d)  # plain JSON types only
    ids = [a["id"] for a in d["accounts"]]
    assert len(set(ids)) == len(ids)
    for a in d["accounts"]:
        assert set(a) <= ACCOUNT_KEYS
        assert isinstance(a["wallet"], float) and a["wallet"] > 0
        assert a["wallet_growth"] > -1
        assert isinstance(a["staff"], int) and a["staff"] > 0
        for k in ("fit", "fit_target", "capability_match", "competitor_strength",
                  "coverage", "satisfaction", "org"):
            assert isinstance(a[k], float) and 0.0 <= a[k] <= 1.0, (k, a[k])
        assert isinstance(a["agreement_weeks_left"], int) and a["agreement_weeks_left"] >= 0
        assert isinstance(a["jic"], bool)
        cids = [c["id"] for c in a["contacts"]]
        assert len(set(cids)) == len(cids)
        for c in a["contacts"]:
            assert set(c) == CONTACT_KEYS
            assert c["role"] in ROLES
            assert c["influence"] >= 0 and math.isfinite(c["influence"])
            assert 0.0 <= c["intimacy"] <= 1.0
            assert -1.0 <= c["support"] <= 1.0 and -1.0 <= c["stance"] <= 1.0
    r = d["resources"]
    assert set(r) == RESOURCE_KEYS
    assert all(isinstance(v, float) and v > 0 for v in r.values())
    defaults = cathedral.Scenario.defaults()
    assert r["am_hours_per_week"] == defaults["resources"]["am_hours_per_week"]
    assert r["am_cost_per_year"] == defaults["resources"]["am_cost_per_year"]
    assert d["decision_interval_weeks"] == defaults["decision_interval_weeks"]
    pol = d["policy"]
    assert pol["type"] == "tiered"
    assert set(pol["templates"]) == {"S", "A", "B", "C", "cash_flow"}
    for e in pol["templates"].values():
        assert set(e) == ENTRY_KEYS
        assert all(e[k] >= 0 for k in ENTRY_KEYS - {"pursue_agreement", "jic"})


def test_resources_scale_with_portfolio_and_tightness():
    d40 = generate_portfolio(40, 5, seed=1)
    d400 = generate_portfolio(400, 5, seed=1)
    am40 = d40["resources"]["account_managers"]
    am400 = d400["resources"]["account_managers"]
    assert 40 / 3 * 0.7 <= am40 <= 40 / 3 * 1.3
    assert 400 / 3 * 0.7 <= am400 <= 400 / 3 * 1.3
    tight = generate_portfolio(40, 5, seed=1, resource_tightness=2.0)
    loose = generate_portfolio(40, 5, seed=1, resource_tightness=0.5)
    assert tight["accounts"] == d40["accounts"] == loose["accounts"]
    for k in ("account_managers", "executive_days_per_year", "budget_per_year"):
        assert tight["resources"][k] <= d40["resources"][k] <= loose["resources"][k]
    assert tight["resources"]["account_managers"] < 0.6 * am40
    assert loose["resources"]["account_managers"] > 1.6 * am40


@pytest.mark.parametrize("kwargs,arg", [
    (dict(n_accounts=0), "n_accounts"),
    (dict(n_accounts=-3), "n_accounts"),
    (dict(n_accounts=2.5), "n_accounts"),
    (dict(n_accounts="10"), "n_accounts"),
    (dict(n_accounts=True), "n_accounts"),
    (dict(n_accounts=5, contacts=-1), "contacts"),
    (dict(n_accounts=5, contacts=(5, 2)), "contacts"),
    (dict(n_accounts=5, contacts=(-1, 2)), "contacts"),
    (dict(n_accounts=5, contacts=(1, 2, 3)), "contacts"),
    (dict(n_accounts=5, contacts=2.0), "contacts"),
    (dict(n_accounts=5, seed=-1), "seed"),
    (dict(n_accounts=5, seed=1.5), "seed"),
    (dict(n_accounts=5, horizon_weeks=0), "horizon_weeks"),
    (dict(n_accounts=5, name=3), "name"),
    (dict(n_accounts=5, resource_tightness=0), "resource_tightness"),
    (dict(n_accounts=5, resource_tightness=-1.0), "resource_tightness"),
    (dict(n_accounts=5, resource_tightness=float("nan")), "resource_tightness"),
    (dict(n_accounts=5, resource_tightness="1"), "resource_tightness"),
])
def test_argument_errors(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        generate_portfolio(**kwargs)


def test_numpy_integers_accepted():
    a = generate_portfolio(np.int64(12), np.int32(3), seed=np.int64(8))
    b = generate_portfolio(12, 3, seed=8)
    assert a == b


# --- the demo files ---------------------------------------------------------

demo = _load("_test_make_demo_portfolio", ROOT / "examples" / "make_demo_portfolio.py")


def test_demo_files_match_the_script():
    portfolio, plans = demo.build()
    assert json.loads((ROOT / "examples" / "demo_portfolio.json").read_text()) == portfolio
    assert json.loads((ROOT / "examples" / "demo_plans.json").read_text()) == plans


def test_demo_portfolio_properties():
    portfolio, plans = demo.build()
    accs = portfolio["accounts"]
    assert portfolio["name"] == "Demo portfolio"
    assert portfolio["seed"] == 2026 and portfolio["horizon_weeks"] == 156
    assert portfolio["decision_interval_weeks"] == 13
    assert len(accs) == 40
    assert all(3 <= len(a["contacts"]) <= 10 for a in accs)
    w = [a["wallet"] for a in accs]
    assert 100 <= min(w) < 1000 and 10000 <= max(w) < 100000
    tier, cash = tiers(accs)
    assert set(tier[~cash]) == {"S", "A", "B", "C"}
    assert 3 <= cash.sum() <= 6
    assert portfolio["policy"] == plans["cathedral"]
    assert set(plans) == {"even spread", "key relationships only", "cathedral"}

    # a fair demo: the cathedral plan fits the resources at every epoch, tightly (its peak use of
    # each resource is at least 95 % of it), and the other plans use on average what it uses
    scenario = cathedral.Scenario.from_dict(portfolio)
    demand = {name: scenario.demand(plan) for name, plan in plans.items()}
    peak = demand["cathedral"]["ratio"].groupby(level="resource").max()
    assert ((peak <= 1.0) & (peak >= 0.95)).all(), peak
    mean = {name: d["use"].groupby(level="resource").mean() for name, d in demand.items()}
    for name in ("even spread", "key relationships only"):
        assert mean[name]["am_hours"] == pytest.approx(mean["cathedral"]["am_hours"], rel=0.01)
        assert mean[name]["budget"] == pytest.approx(mean["cathedral"]["budget"], rel=0.01)
    assert mean["even spread"]["executive_days"] == pytest.approx(mean["cathedral"]["executive_days"], rel=0.01)

    even = plans["even spread"]
    assert even["type"] == "static" and set(even) == {"type", "default"}
    e = even["default"]
    assert e["benchmarking"] == e["exec_visits"] > 0
    assert e["pursue_agreement"] is True and e["jic"] is False

    key = plans["key relationships only"]["templates"]
    for t, e in key.items():
        assert e["visits"] == e["service_hours"] == e["benchmarking"] == e["exec_visits"] == 0
        assert not e["pursue_agreement"] and not e["jic"]
    assert key["S"]["value_hours"] > key["B"]["value_hours"]
    assert key["A"]["value_hours"] > key["C"]["value_hours"]

    cat = plans["cathedral"]["templates"]
    assert cat["S"]["jic"] and not cat["A"]["jic"]
    assert cat["S"]["benchmarking"] == 2 and cat["S"]["exec_visits"] == 3
    assert cat["S"]["pursue_agreement"]
    cf = cat["cash_flow"]
    assert cf["social_hours"] == cf["value_hours"] == cf["benchmarking"] == cf["exec_visits"] == 0
    assert not cf["pursue_agreement"] and not cf["jic"]
    assert cf["service_hours"] > 0
