"""A realistic synthetic CRM export: two years of records of about 40 accounts
and 15 account managers, messy in the usual ways (a few bad dates, an unknown
contact, a missing rating, a negative hours entry, a deal of an unknown account).

    from cathedral.crm import synthetic
    synthetic.write_export("examples/crm", seed=11)

The recorded tiers start from the model's (cathedral.tiers), the recorded hours
and money of meetings are the model's default costs, and deals arrive as the
model's default deal flow would have them.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

_FIRST = ["Anna", "Ben", "Carla", "David", "Eva", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Klara", "Lars",
          "Mia", "Nils", "Olga", "Paul", "Rosa", "Sven", "Tina", "Ugo", "Vera", "Wim", "Xenia", "Yann", "Zoe"]
_LAST = ["Meyer", "Rossi", "Novak", "Jansen", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia",
         "Horvat", "Ivanova", "Keller", "Larsen", "Moreau", "Nielsen", "Olsen", "Peeters", "Quist", "Richter"]
_PREFIX = ["Ember", "Nordic", "Atlas", "Vertex", "Harbor", "Summit", "Cobalt", "Orion", "Granite", "Lumen",
           "Polar", "Crest", "Delta", "Falcon", "Juniper", "Keystone", "Meridian", "Nova", "Pioneer", "Quartz"]
_SECTOR = ["Aviation", "Logistics", "Chemicals", "Foods", "Energy", "Telecom", "Steel", "Pharma", "Retail",
           "Automotive"]
_ROLES = ["decision_maker", "technical", "procurement", "user", "influencer", "coach"]


def _name(rng):
    return f"{_FIRST[rng.integers(len(_FIRST))]} {_LAST[rng.integers(len(_LAST))]}"


def _write(path: Path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _fmt(x, nd=2):
    if x is None:
        return ""
    if not isinstance(x, float):
        return str(x)
    text = f"{x:.{nd}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def write_export(folder: str | os.PathLike, seed: int = 11, n_accounts: int = 40, n_account_managers: int = 15,
                 end: str = "2026-06-26", weeks: int = 104) -> Path:
    """Write the six CSV files of a synthetic export to `folder` (created if needed).

    `end` is the date of the last recorded week; the records span `weeks`
    weeks before it. Deterministic for a given seed.
    """
    from .. import tiers
    from ..scenario import Scenario

    defaults = Scenario.defaults()
    cost = {k: _fmt(float(v)) for k, v in defaults["costs"].items()}
    prm = defaults["params"]
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    end_day = np.datetime64(end, "D")
    start_day = end_day - 7 * weeks + 1

    def day(week, dow=0):  # a date in week `week` (0 = the first), dow 0..4
        return str(start_day + 7 * int(week) + int(dow))

    # people
    people = []
    ams = [f"P{i + 1:02d}" for i in range(n_account_managers)]
    for pid in ams:
        fte = float(rng.choice([1.0, 1.0, 1.0, 0.8, 0.5], p=[0.5, 0.2, 0.1, 0.15, 0.05]))
        people.append([pid, _name(rng), "account_manager", _fmt(fte)])
    execs = [f"E{i + 1:02d}" for i in range(3)]
    people += [[e, _name(rng), "executive", "1"] for e in execs]
    people += [[f"S{i + 1:02d}", _name(rng), "specialist", "1"] for i in range(2)]

    # accounts
    wallet = np.round(np.exp(rng.normal(np.log(2500), 0.8, n_accounts)), -1)
    fit = np.clip(rng.beta(3, 2.5, n_accounts), 0.05, 0.98)
    model_tier, _ = tiers.classify(wallet, fit)
    accounts, acc_rows = [], []
    for a in range(n_accounts):
        aid = f"ACC-{a + 1:03d}"
        name = f"{_PREFIX[a % len(_PREFIX)]} {_SECTOR[(a * 7) % len(_SECTOR)]}" + (" Group" if a >= 20 else "")
        F = float(fit[a])
        tier = str(model_tier[a])
        if rng.random() < 0.12:  # the CRM's tier is stale now and then
            tier = {"S": "A", "A": "S", "B": "A", "C": "B"}[tier]
        if a == 3:
            tier, F = "S", 0.28  # a strategic account whose fit says cash flow: a finding
        staff = int(rng.choice([80, 120, 200, 300, 500, 800]))
        m = float(np.clip(rng.normal(0.7, 0.2), 0.1, 1))
        acc = {"id": aid, "wallet": float(wallet[a]), "fit": F, "tier": tier, "staff": staff, "m": m,
               "am": ams[a % n_account_managers], "key": tier in ("S", "A")}
        reviewed = ""
        if tier in ("S", "A") and rng.random() < 0.75:
            reviewed = day(weeks - 1 - rng.integers(2, 70))
        elif rng.random() < 0.2:
            reviewed = day(weeks - 1 - rng.integers(10, 100))
        row = [aid, name, _fmt(float(wallet[a]), 0), _fmt(float(np.round(rng.normal(0.03, 0.03), 3)), 3),
               str(staff), _fmt(F), _fmt(float(np.clip(F + rng.normal(0, 0.08), 0, 1))), _fmt(m),
               _fmt(float(np.clip(rng.normal(0.5, 0.2), 0, 1))), "" if a == 17 else tier, reviewed]
        if a == 9:
            row[4] = ""  # staff not recorded
        acc_rows.append(row)
        accounts.append(acc)
    _write(folder / "accounts.csv", ["account_id", "name", "wallet", "wallet_growth", "staff", "fit",
                                     "fit_target", "capability_match", "competitor_strength", "tier",
                                     "strategy_reviewed_on", "industry"],
           [r + [_SECTOR[i * 7 % len(_SECTOR)]] for i, r in enumerate(acc_rows)])

    # contacts
    con_rows = []
    for a, acc in enumerate(accounts):
        n = int(rng.integers(4, 7) if acc["key"] else rng.integers(2, 5))
        acc["contacts"] = []
        for k in range(n):
            role = "decision_maker" if k == 0 else _ROLES[int(rng.integers(1, len(_ROLES)))]
            if a == 5 and k == 1:
                role = "CFO office"  # a role outside the model's list
            cid = f"{acc['id']}-C{k + 1}"
            stance = float(np.round(np.clip(rng.normal(0.0, 0.4), -1, 1), 2))
            rated = rng.random() < 0.7
            I = float(np.round(rng.uniform(0.1, 0.85), 2)) if rated else None
            S = float(np.round(np.clip(stance + rng.normal(0.2, 0.35), -1, 1), 2)) if rated else None
            if a == 1 and k == 0:
                I, S = 0.8, -0.5  # a close contact who opposes us: the risk cell
            if a == 2 and k == 0:
                S = None  # a missing rating
            target = "" if rng.random() < 0.2 else ("high/supportive" if k < 2 else "medium/supportive")
            influence = {"decision_maker": 4, "technical": 2, "procurement": 2}.get(role, 1) * rng.uniform(0.7, 1.3)
            con_rows.append([acc["id"], cid, _name(rng), role, _fmt(float(influence)), _fmt(I), _fmt(S),
                             _fmt(stance), target])
            acc["contacts"].append(cid)
    _write(folder / "contacts.csv", ["account_id", "contact_id", "name", "role", "influence", "intimacy",
                                     "support", "stance", "target_cell"], con_rows)

    # activities: weekly effort per account, with a level by tier and a little noise
    act = []
    level = {"S": 1.6, "A": 1.2, "B": 0.8, "C": 0.4}
    for a, acc in enumerate(accounts):
        lv = level[acc["tier"]] * rng.uniform(0.6, 1.3)
        am = acc["am"]
        for w in range(weeks):
            if rng.random() < 0.08:  # holidays
                continue
            for c in acc["contacts"][:3]:
                if rng.random() < 0.35 * lv:
                    act.append([day(w, rng.integers(5)), am, acc["id"], c, "social",
                                _fmt(float(np.round(rng.uniform(1, 3) * 2) / 2)), _fmt(float(rng.uniform(0.1, 0.6))),
                                "", ""])
                if rng.random() < 0.45 * lv:
                    act.append([day(w, rng.integers(5)), am, acc["id"], c, "value",
                                _fmt(float(np.round(rng.uniform(1, 4) * 2) / 2)), "", "", ""])
            for _ in range(rng.poisson(1.8 * lv)):
                act.append([day(w, rng.integers(5)), am, acc["id"], "", "visit", cost["visit_hours"], cost["visit_money"], "", ""])
            if rng.random() < 0.5 * lv:
                act.append([day(w, rng.integers(5)), am, acc["id"], "", "service",
                            _fmt(float(np.round(rng.uniform(0.5, 3) * 2) / 2)), "", "", ""])
        for year in (0, 1):
            if acc["key"] and rng.random() < 0.8:
                w = year * 52 + int(rng.integers(5, 47))
                filed = day(w, 0) if rng.random() < 0.7 else str(np.datetime64(day(w, 0)) + int(rng.integers(8, 30)))
                act.append([day(w, 0), execs[a % 3], acc["id"], "", "benchmarking", cost["benchmarking_hours"], cost["benchmarking_money"],
                            filed if rng.random() < 0.9 else "", ""])
            for _ in range(int(rng.integers(1, 4)) if acc["key"] else int(rng.random() < 0.2)):
                w = year * 52 + int(rng.integers(0, 52))
                filed = str(np.datetime64(day(w, 1)) + int(rng.integers(0, 12)))
                act.append([day(w, 1), execs[(a + 1) % 3], acc["id"], "", "exec_visit", cost["exec_visit_hours"], cost["exec_visit_money"],
                            filed if rng.random() < 0.9 else "", ""])
            if rng.random() < 0.8 or acc["key"]:
                w = year * 52 + int(rng.integers(10, 50))
                act.append([day(w, 2), am, acc["id"], "", "survey", "", "", "",
                            _fmt(float(np.clip(rng.normal(0.62, 0.12), 0, 1)))])
        if acc["key"] and acc["fit"] > 0.6 and rng.random() < 0.6:
            act.append([day(int(rng.integers(0, 80)), 3), execs[0], acc["id"], "", "agreement_signed", cost["agreement_hours"], cost["agreement_money"],
                        "", ""])
        if acc["tier"] == "S" and rng.random() < 0.5:
            w = int(rng.integers(0, 60))
            act.append([day(w, 4), execs[1], acc["id"], "", "jic_opened", "", cost["jic_setup_money"], "", ""])
            if rng.random() < 0.3:
                act.append([day(w + int(rng.integers(20, 40)), 4), execs[1], acc["id"], "", "jic_closed", "", "",
                            "", ""])
    # the usual mess
    act.append(["2025-13-04", ams[0], accounts[0]["id"], "", "visit", cost["visit_hours"], "", "", ""])
    act.append(["31/03/2026", ams[1], accounts[1]["id"], "", "visit", cost["visit_hours"], "", "", ""])
    act.append([day(weeks - 3, 1), ams[2], accounts[2]["id"], f"{accounts[2]['id']}-C9", "social", "2", "0.4", "",
                ""])
    act.append([day(weeks - 5, 2), ams[3], accounts[3]["id"], "", "service", "-1.5", "", "", ""])
    act.sort(key=lambda r: r[0])
    _write(folder / "activities.csv", ["date", "person_id", "account_id", "contact_id", "type", "hours", "money",
                                       "minutes_filed_on", "score"], act)

    # deals
    deals = []
    n_deal = 0
    cycle, sigma = int(prm["sales_cycle_weeks"]), prm["deal_size_sigma"]
    for acc in accounts:
        mean_size = prm["deal_fraction"] * acc["wallet"]
        for w in range(-cycle, weeks):
            if rng.random() < acc["wallet"] / (52 * mean_size) * 0.8:
                n_deal += 1
                size = float(np.round(mean_size * rng.lognormal(-0.5 * sigma * sigma, sigma), 1))
                opened = start_day + 7 * w + int(rng.integers(5))
                decision = opened + 7 * cycle
                status = "open" if decision > end_day else ("won" if rng.random() < 0.45 + 0.3 * acc["fit"] else "lost")
                deals.append([f"D{n_deal:05d}", acc["id"], str(opened), str(decision), _fmt(size, 1), status,
                              _fmt(float(np.round(rng.uniform(0.2, 0.35), 3)), 3) if status == "won" else ""])
    deals.append([f"D{n_deal + 1:05d}", "ACC-999", day(weeks - 10), day(weeks + 6), "120", "open", ""])
    _write(folder / "deals.csv", ["deal_id", "account_id", "opened_on", "decision_on", "size", "status", "margin"],
           deals)

    # complaints
    comp = []
    for acc in accounts:
        for _ in range(rng.poisson(2.5)):
            w = int(rng.integers(0, weeks))
            opened = start_day + 7 * w + int(rng.integers(5))
            closed = opened + int(rng.choice([rng.integers(3, 30), rng.integers(31, 90)], p=[0.75, 0.25]))
            comp.append([acc["id"], str(opened), "" if closed > end_day or rng.random() < 0.05 else str(closed)])
    comp.sort(key=lambda r: r[1])
    _write(folder / "complaints.csv", ["account_id", "opened_on", "closed_on"], comp)
    _write(folder / "people.csv", ["person_id", "name", "role", "fte"], people)
    return folder
