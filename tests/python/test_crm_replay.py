"""State estimation by replay and to_scenario, against trajectories computed here by hand
with the formulas of docs/model.md §3.3–§3.4 (mean field) and the defaults of §9."""
from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("pandas")

from test_crm_load import base_tables, with_changes, write_export  # noqa: E402

P = dict(intimacy_gain=0.08, social_half=2.0, value_to_intimacy=0.5, intimacy_decay=0.012, org_shelter=0.5,
         support_gain=0.06, value_half=3.0, support_relax=0.01, affinity=0.3, turnover=0.12, succ_base=0.1,
         succ_cov=0.4, succ_org=0.6, coverage_gain=0.05, coverage_decay=0.015, visit_half=1.0,
         satisfaction_rate=0.05, floor=0.3, weight_cov=0.4, service_half=2.0, org_cov=0.004, org_jic=0.01,
         org_decay=0.005, bm_jump=0.12, ev_jump=0.06)

# one account x: staff 200, fit 0.8, capability match 0.5; c1 (influence 1, stance 0.2) and
# c2 (influence 3, stance −0.4), neither rated. As of 2026-06-30: week 103 is 06-24 … 06-30,
# week 102 is 06-17 … 06-23.
ACCOUNTS = ["x,Ex,1000,0,200,0.8,0.8,0.5,0.5,S,"]
CONTACTS = ["x,c1,A,decision_maker,1,,,0.2,", "x,c2,B,technical,3,,,-0.4,"]
ACTIVITIES = [
    "2026-06-17,am1,x,,visit,2,,,", "2026-06-18,am1,x,,visit,2,,,", "2026-06-19,am1,x,,visit,2,,,",
    "2026-06-18,am1,x,c1,social,2,,,", "2026-06-19,am1,x,,value,4,,,", "2026-06-20,am1,x,,service,1,,,",
    "2026-06-21,am1,x,,survey,,,,0.8",
    "2026-06-24,am1,x,,visit,2,,,", "2026-06-26,am1,x,,visit,2,,,",
    "2026-06-25,ex1,x,,benchmarking,16,5,2026-06-26,", "2026-06-29,ex1,x,,exec_visit,8,20,,",
    "2026-06-24,ex1,x,,jic_opened,,,,", "2026-06-30,am1,x,c2,value,3,,,",
]
# the weekly effort by hand: visits, service, social (c1, c2), value (c1, c2), n_bm, n_ev, J, survey
WEEK = {102: dict(visits=3, service=1, social=(2, 0), value=(1, 3), bm=0, ev=0, J=0, survey=0.8),
        103: dict(visits=2, service=0, social=(0, 0), value=(0, 3), bm=1, ev=1, J=1, survey=None)}


def hand_replay(weeks=104, staff=200.0, F=0.8, m=0.5, stance=(0.2, -0.4)):
    p = P
    hill = lambda x, h: x / (x + h) if x > 0 else 0.0  # noqa: E731 (shape 1)
    C, Q, O = 0.0, 0.5, 0.0
    st = list(stance)
    I, S = [0.0, 0.0], list(st)
    pt = 1 - math.exp(-p["turnover"] / 52)
    out = {k: [] for k in ("coverage", "satisfaction", "org", "intimacy", "support")}
    for w in range(weeks):
        e = WEEK.get(w, dict(visits=0, service=0, social=(0, 0), value=(0, 0), bm=0, ev=0, J=0, survey=None))
        rb = hill(e["visits"], p["visit_half"] * staff / 100)
        ru = hill(e["service"], p["service_half"])
        C1 = C + p["coverage_gain"] * rb * (1 - C) - p["coverage_decay"] * C
        Qs = p["floor"] + (1 - p["floor"]) * (p["weight_cov"] * C + (1 - p["weight_cov"]) * ru)
        Q1 = Q + p["satisfaction_rate"] * (Qs - Q)
        Od = O + p["org_cov"] * C * (1 - O) + p["org_jic"] * e["J"] * F * (1 - O) - p["org_decay"] * O
        O1 = 1 - (1 - Od) * (1 - p["bm_jump"] * F * m) ** e["bm"] * (1 - p["ev_jump"] * F * m) ** e["ev"]
        for k in range(2):
            rs, rv = hill(e["social"][k], p["social_half"]), hill(e["value"][k], p["value_half"])
            i, s = I[k], S[k]
            i1 = i + p["intimacy_gain"] * (rs + p["value_to_intimacy"] * rv) * (1 - i) \
                - p["intimacy_decay"] * (1 - p["org_shelter"] * O) * i
            shat = st[k] + p["affinity"] * i * (1 - st[k])
            s1 = s + p["support_gain"] * rv * (0.5 + 0.5 * i) * (1 - s) - p["support_relax"] * (s - shat)
            i1, s1 = min(max(i1, 0), 1), min(max(s1, -1), 1)
            isucc = p["succ_base"] + p["succ_cov"] * C1
            ssucc = st[k] + p["succ_org"] * O1 * (1 - st[k])
            I[k], S[k] = (1 - pt) * i1 + pt * isucc, (1 - pt) * s1 + pt * ssucc
        C, Q, O = C1, Q1, O1
        if e["survey"] is not None:
            Q = e["survey"]
        out["coverage"].append(C)
        out["satisfaction"].append(Q)
        out["org"].append(O)
        out["intimacy"].append(list(I))
        out["support"].append(list(S))
    return {k: np.array(v) for k, v in out.items()}


@pytest.fixture
def small(tmp_path):
    from cathedral import crm

    tables = with_changes(accounts__csv=ACCOUNTS, contacts__csv=CONTACTS, activities__csv=ACTIVITIES,
                          deals__csv=[], complaints__csv=[])
    return crm.load(write_export(tmp_path / "crm", tables))


def test_weekly_effort_is_binned_and_split_by_influence(small):
    from cathedral.crm.estimate import weekly_effort

    eff, keys, _ = weekly_effort(small, small.as_of(), 104)
    assert keys == [("x", "c1"), ("x", "c2")]
    assert eff["visits"][102, 0] == 3 and eff["visits"][103, 0] == 2 and eff["visits"][:102].sum() == 0
    assert list(eff["value_hours"][102]) == [1.0, 3.0]  # 4 account-level hours split 1:3 by influence
    assert list(eff["value_hours"][103]) == [0.0, 3.0]
    assert eff["benchmarking"][103, 0] == 1 and eff["exec_visits"][103, 0] == 1


def test_replay_matches_the_hand_computed_trajectories(small):
    rep = small.replay()
    hand = hand_replay()
    for name in ("coverage", "satisfaction", "org"):
        np.testing.assert_allclose(rep.trajectories[name][:, 0], hand[name], rtol=1e-12, atol=1e-15, err_msg=name)
    for name in ("intimacy", "support"):
        np.testing.assert_allclose(rep.trajectories[name], hand[name], rtol=1e-12, atol=1e-15, err_msg=name)
    # the two weeks of visits: coverage from 0 by hand, written out
    rb1, rb2 = 3 / (3 + 2), 2 / (2 + 2)
    c1 = 0.05 * rb1
    c2 = c1 + 0.05 * rb2 * (1 - c1) - 0.015 * c1
    assert rep.accounts["coverage"].iat[0] == pytest.approx(c2, rel=1e-12)
    assert rep.trajectory("coverage").index[-1].strftime("%Y-%m-%d") == "2026-06-30"
    assert rep.trajectory("intimacy").shape == (104, 2)


def test_satisfaction_is_anchored_to_the_survey(small):
    rep = small.replay()
    q = rep.trajectories["satisfaction"][:, 0]
    assert q[102] == 0.8
    assert q[103] == pytest.approx(0.8 + 0.05 * (0.3 + 0.7 * 0.4 * rep.trajectories["coverage"][102, 0] - 0.8))
    assert rep.accounts["survey_score"].iat[0] == 0.8


def test_jic_and_agreement_state(small, tmp_path):
    from cathedral import crm

    rep = small.replay()
    assert rep.trajectories["jic"][103, 0] == 1 and rep.trajectories["jic"][102, 0] == 0
    assert bool(rep.accounts["jic"].iat[0])
    tables = with_changes(accounts__csv=ACCOUNTS, contacts__csv=CONTACTS, deals__csv=[], complaints__csv=[],
                          activities__csv=ACTIVITIES + ["2026-06-25,ex1,x,,jic_closed,,,,",
                                                        "2025-06-30,ex1,x,,agreement_signed,40,10,,"])
    rep2 = crm.load(write_export(tmp_path / "crm2", tables)).replay()
    assert not bool(rep2.accounts["jic"].iat[0])
    assert rep2.accounts["agreement_weeks_left"].iat[0] == 104 - 52


def test_ratings_override_the_replay(tmp_path):
    from cathedral import crm

    contacts = ["x,c1,A,decision_maker,1,0.9,0.6,0.2,", "x,c2,B,technical,3,,-0.2,-0.4,"]
    tables = with_changes(accounts__csv=ACCOUNTS, contacts__csv=contacts, activities__csv=ACTIVITIES,
                          deals__csv=[], complaints__csv=[])
    rep = crm.load(write_export(tmp_path / "crm", tables)).replay()
    hand = hand_replay()
    c = rep.contacts.set_index("contact_id")
    assert (c.loc["c1", "intimacy"], c.loc["c1", "support"]) == (0.9, 0.6)
    assert c.loc["c2", "intimacy"] == pytest.approx(hand["intimacy"][-1][1], rel=1e-12)
    assert c.loc["c2", "support"] == -0.2
    assert c.loc["c1", "intimacy_replayed"] == pytest.approx(hand["intimacy"][-1][0], rel=1e-12)
    assert list(c["source"]) == ["rating", "mixed"]


def test_to_scenario_and_the_as_is_plan(tmp_path):
    import cathedral
    from cathedral import crm

    tables = base_tables()
    tables["contacts.csv"].append("a2,k2,Lea,CFO office,1,0.3,0.2,0,")
    tables["activities.csv"] += ["2026-06-10,am1,a1,c1,social,3,,,", "2026-06-11,am1,a1,,value,4,,,"]
    data = crm.load(write_export(tmp_path / "crm", tables))
    scenario, plan = data.to_scenario()
    d = scenario.to_dict()
    rep = data.replay()
    a1, a2 = d["accounts"]
    assert a1["coverage"] == pytest.approx(rep.accounts["coverage"].iat[0])
    assert a1["satisfaction"] == pytest.approx(rep.accounts["satisfaction"].iat[0])
    assert a1["org"] == pytest.approx(rep.accounts["org"].iat[0])
    assert a1["agreement_weeks_left"] == 104 - (2026 - 2025) * 0 - 75  # signed 75 weeks before
    assert [c["intimacy"] for c in a1["contacts"]] == [0.8, 0.7]  # ratings
    assert a2["contacts"][1]["role"] == "other"
    assert "pipeline" not in a1 and "pipeline" not in a2  # by default the engine synthesises it (§3.6)
    listed = data.to_scenario(pipeline="crm")[0].to_dict()["accounts"]
    assert listed[1]["pipeline"] == [{"size": 40.0, "decision_week": 6}]  # 2026-08-15 is 46 days on
    assert listed[0]["pipeline"] == []
    assert d["resources"]["account_managers"] == 1.5 and d["resources"]["am_hours_per_week"] == 30
    e1, e2 = plan.spec["accounts"]["a1"], plan.spec["accounts"]["a2"]
    assert e1["visits"] == pytest.approx(65 / 13) and e2["visits"] == pytest.approx(13 / 13)
    assert e1["social_hours"] == pytest.approx(3 / 13) and e1["value_hours"] == pytest.approx(4 / 13)
    assert e1["contact_focus"] == pytest.approx({"c1": (3 + 3) / 13, "c2": 1 / 13})
    assert (e1["benchmarking"], e1["exec_visits"]) == (1, 2)
    assert e1["pursue_agreement"] is True and e2["pursue_agreement"] is False and e1["jic"] is False
    res = cathedral.simulate(scenario, plan, mode="mean_field", progress=False)
    assert np.isfinite(res.kpis()["revenue"]) and res.kpis()["revenue"] > 0
    assert res.scale_factors()["scale_factor"].min() == pytest.approx(1.0)


def test_demo_export_evaluates_quickly():
    import time
    from pathlib import Path

    from cathedral import crm

    folder = Path(__file__).resolve().parents[2] / "examples" / "crm"
    t0 = time.perf_counter()
    data = crm.load(folder)
    scenario, plan = data.to_scenario()
    elapsed = time.perf_counter() - t0
    assert scenario.n_accounts == 40 and len(plan.spec["accounts"]) == 40
    assert elapsed < 10
