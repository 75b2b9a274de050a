"""The nine key actions, the KPIs and the tiers on the small export of test_crm_load.py,
whose answers are worked out by hand in the comments."""
from __future__ import annotations

import math

import pytest

pytest.importorskip("pandas")

from test_crm_load import base_tables, with_changes, write_export  # noqa: E402


@pytest.fixture
def data(tmp_path):
    from cathedral import crm

    return crm.load(write_export(tmp_path / "crm"))


@pytest.fixture
def card(data):
    from cathedral import crm

    return crm.scorecard(data)


def row(card, account, action):
    f = card.accounts
    r = f[(f["account_id"] == account) & (f["action"] == action)]
    assert len(r) == 1
    return r.iloc[0]


def am_row(card, person, action):
    f = card.account_managers
    return f[(f["person_id"] == person) & (f["action"] == action)].iloc[0]


def test_as_of_defaults_to_latest_activity(card):
    assert str(card.as_of.date()) == "2026-06-30"


def test_1_strategy_review(card, data):
    from cathedral import crm

    assert row(card, "a1", 1)["passed"] is True and row(card, "a1", 1)["measure"] == 171  # 2026-01-10 → 06-30
    assert row(card, "a2", 1)["passed"] is None  # a B account: not applicable
    assert card.portfolio.loc[1, "measure"] == 1.0 and card.portfolio.loc[1, "passed"] is True
    late = crm.scorecard(data, as_of="2027-02-01")
    assert row(late, "a1", 1)["passed"] is False


def test_2_relationship_plan(card):
    assert row(card, "a1", 2)["measure"] == 0.5 and row(card, "a1", 2)["passed"] is False
    assert row(card, "a2", 2)["measure"] == 1.0 and row(card, "a2", 2)["passed"] is True
    assert card.portfolio.loc[2, "measure"] == pytest.approx(2 / 3)


def test_3_information_complete(card):
    # a1: 9 account fields + 6 + 5 contact fields (c2 lacks a target cell) of 9 + 12
    assert row(card, "a1", 3)["measure"] == pytest.approx(20 / 21)
    # a2: no strategy review date: 8 + 6 of 9 + 6
    assert row(card, "a2", 3)["measure"] == pytest.approx(14 / 15)
    assert row(card, "a2", 3)["passed"] is True and "strategy_reviewed_on" in row(card, "a2", 3)["detail"]
    assert card.portfolio.loc[3, "measure"] == pytest.approx(34 / 36)


def test_4_nine_grid(card):
    # a1: influence 3 and 1 → weights 0.75, 0.25; c1 supportive (0.5), c2 risk (I 0.7, S −0.5)
    r = row(card, "a1", 4)
    assert r["measure"] == pytest.approx(0.75) and r["passed"] is False and "c2" in r["detail"]
    assert row(card, "a2", 4)["measure"] == 0.0
    assert list(card.risk_contacts["contact_id"]) == ["c2"]
    assert card.portfolio.loc[4, "measure"] == pytest.approx(0.375) and card.portfolio.loc[4, "passed"] is False


def test_4_thresholds_are_settable(data):
    from cathedral import crm

    card = crm.scorecard(data, thresholds={"supportive_share": 0.7, "max_risk_contacts": 1})
    assert row(card, "a1", 4)["passed"] is True
    with pytest.raises(ValueError, match="supportive_share"):
        crm.scorecard(data, thresholds={"supportive_shar": 0.7})


def test_5_organisational_actions(card, data):
    from cathedral import crm

    r = row(card, "a1", 5)  # 1 benchmarking, 2 visits in 12 months (the 2025-05 visit is older), agreement 75 weeks old
    assert r["passed"] is True and "1 benchmarking, 2 executive visits, agreement in force" in r["detail"]
    assert row(card, "a2", 5)["passed"] is None
    strict = crm.scorecard(data, thresholds={"min_exec_visits": 3})
    assert row(strict, "a1", 5)["passed"] is False
    expired = crm.scorecard(data, as_of="2027-01-20")  # 104 weeks after 2025-01-15 have passed
    assert "not in force" in row(expired, "a1", 5)["detail"]


def test_6_survey(card):
    assert row(card, "a1", 6)["passed"] is True and row(card, "a1", 6)["measure"] == 0.7
    assert row(card, "a2", 6)["passed"] is False  # the 2025-05-01 survey is older than 12 months
    assert card.portfolio.loc[6, "measure"] == 0.5


def test_7_contact_norm(card):
    assert am_row(card, "am1", 7)["measure"] == pytest.approx(5.0) and am_row(card, "am1", 7)["passed"] is True
    assert am_row(card, "am2", 7)["measure"] == pytest.approx(1.0) and am_row(card, "am2", 7)["passed"] is False
    assert card.portfolio.loc[7, "measure"] == pytest.approx(3.0) and card.portfolio.loc[7, "passed"] is False


def test_8_customer_voice(card):
    # a1 in 12 months: closed in 19 days (yes), in 42 days (no), one open 5 days (not due yet)
    assert row(card, "a1", 8)["measure"] == 0.5 and row(card, "a1", 8)["passed"] is False
    assert row(card, "a2", 8)["measure"] == 0.0  # open for 60 days
    assert sorted(card.open_complaints["account_id"]) == ["a1", "a2"]
    assert card.portfolio.loc[8, "measure"] == pytest.approx(1 / 3)


def test_9_minutes(card):
    # benchmarking filed after 4 days, visits after 19 and 2 days
    assert row(card, "a1", 9)["measure"] == pytest.approx(2 / 3) and row(card, "a1", 9)["passed"] is False
    assert row(card, "a2", 9)["passed"] is None
    assert card.portfolio.loc[9, "measure"] == pytest.approx(2 / 3)


def test_per_account_manager_tables(card):
    assert set(card.account_managers["person_id"]) == {"am1", "am2"}
    assert am_row(card, "am1", 1)["measure"] == 1.0
    assert am_row(card, "am2", 6)["measure"] == 0.0
    wide = card.wide()
    assert wide.shape == (2, 9)


def test_kpis(data):
    from cathedral import crm

    k = crm.kpis(data).iloc[0]
    assert k["sales"] == 120 and k["profit"] == pytest.approx(34)  # 100·0.3 + 20·0.2
    assert k["sales_per_head"] == pytest.approx(80) and k["profit_per_head"] == pytest.approx(34 / 1.5)
    assert k["growth"] == pytest.approx(0.5)  # 120 over 80
    assert k["win_rate"] == pytest.approx(2 / 3) and k["share_of_wallet"] == pytest.approx(120 / 1500)
    by_am = crm.kpis(data, by="account_manager")
    assert by_am.loc["am2", "sales_per_head"] == pytest.approx(40)
    assert math.isnan(crm.kpis(data, by="account").loc["a2", "growth"])


def test_tiers_and_findings(tmp_path):
    from cathedral import crm

    accounts = ["a1,Alpha,1000,0,100,0.8,0.8,1,0.5,S,2026-01-01",
                "a2,Beta,900,0,100,0.2,0.2,1,0.5,S,2026-01-01",     # an S account whose fit says cash-flow
                "a3,Gamma,500,0,100,0.6,0.6,1,0.5,A,",
                "a4,Delta,100,0,100,0.6,0.6,1,0.5,,",
                "a5,Eps,50,0,100,0.6,0.6,1,0.5,C,"]
    tables = with_changes(accounts__csv=accounts, contacts__csv=[], deals__csv=[], complaints__csv=[],
                          activities__csv=["2026-06-30,am1,a1,,visit,2,,,"])
    t = crm.tiers(crm.load(write_export(tmp_path / "crm", tables))).set_index("account_id")
    # wallets 1000, 900, 500, 100, 50: 90th pct 960, 70th 820, 40th 340
    assert list(t["model_tier"]) == ["S", "B", "B", "C", "C"]
    assert list(t["cash_flow"]) == [False, True, False, False, False]
    assert "cash-flow customer" in t.loc["a2", "finding"] and "recorded S" in t.loc["a2", "finding"]
    assert t.loc["a3", "finding"] == "recorded A, the model says B"
    assert "no tier recorded" in t.loc["a4", "finding"]
    assert t.loc["a1", "agrees"] and t.loc["a5", "agrees"]


def test_unrated_contacts_use_the_replay(tmp_path):
    from cathedral import crm

    tables = base_tables()
    tables["contacts.csv"][2] = "a2,k1,Kim,user,1,,,0.6,medium/neutral"  # no rating, stance 0.6
    data = crm.load(write_export(tmp_path / "crm", tables))
    card = crm.scorecard(data)
    # without effort, support stays near the stance 0.6 (supportive)
    assert row(card, "a2", 4)["measure"] == 1.0
