"""The nine key actions of the methodology, the KPIs, and the tiers (docs/model.md §6).

Windows end on `as_of` (default: the latest activity) and include it: "the last
12 months" is the 365 days ``(as_of − 365 d, as_of]``, "the last 13 weeks" the
91 days ``(as_of − 91 d, as_of]``.

Which accounts are "S and A accounts" (actions 1 and 5): the tier recorded in
the CRM where there is one, else the tier of docs/model.md §6 (`tier_used`).
An account's account manager is the one who recorded the most hours there
(`CRM.owners`).

Per account, each action has a measure, a threshold and `passed` (None where
the action does not apply). Per account manager and for the portfolio:

- actions 1, 5, 6: the share of the applicable accounts that pass, against
  `accounts_share` (default 1.0: every one of them);
- actions 2, 3, 8, 9: the measure pooled over the accounts (contacts, fields,
  complaints, meetings), against the action's threshold;
- action 4: the influence-weighted share averaged over the accounts with
  contacts, and the contacts in the risk cell counted;
- action 7: visits per account manager per week (per person, not per FTE).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import tiers as engine_tiers
from ..scenario import Scenario

_GRID = Scenario.defaults()["tiering"]["grid"]  # the engine's nine-grid cuts (docs/model.md §6)

DEFAULT_THRESHOLDS = {
    "strategy_review_days": 365,       # 1: reviewed within
    "accounts_share": 1.0,             # 1, 5, 6 per AM / portfolio: share of applicable accounts passing
    "relationship_plan_share": 0.8,    # 2: share of key contacts with a target cell
    "information_complete_share": 0.9,  # 3: share of required fields filled
    "supportive_share": 0.5,           # 4: influence-weighted share in supportive cells
    "max_risk_contacts": 0,            # 4: contacts in the risk cell (high intimacy, opposed)
    "min_benchmarking": 1,             # 5: meetings in the last 12 months
    "min_exec_visits": 2,              # 5: executive visits in the last 12 months
    "require_agreement": True,         # 5: agreement in force
    "survey_days": 365,                # 6: a survey within
    "min_survey_score": None,          # 6: optional floor on the score
    "visits_per_week": 5.0,            # 7: visits per account manager per week
    "contact_norm_weeks": 13,          # 7: over the last weeks
    "complaint_close_days": 30,        # 8: closed within
    "complaints_closed_share": 0.9,    # 8: share closed in time
    "minutes_days": 7,                 # 9: minutes filed within
    "minutes_filed_share": 0.9,        # 9: share filed in time
    "intimacy_cuts": tuple(_GRID["intimacy"]),  # nine-grid cells (docs/model.md §6)
    "support_cuts": tuple(_GRID["support"]),
}

ACTIONS = {
    1: "customer strategy reviewed (S/A)",
    2: "relationship plan (target cells)",
    3: "customer information complete",
    4: "key relationships on the nine-grid",
    5: "organisational actions (S/A)",
    6: "satisfaction survey",
    7: "contact norm (visits/AM/week)",
    8: "customer voice (complaints closed)",
    9: "minutes filed in time",
}
_SHARE_OF_ACCOUNTS = (1, 5, 6)

ACCOUNT_FIELDS = ("wallet", "wallet_growth", "staff", "fit", "fit_target", "capability_match", "competitor_strength",
                  "tier", "strategy_reviewed_on")
CONTACT_FIELDS = ("role", "influence", "intimacy", "support", "stance", "target_cell")


def _filled(frame: pd.DataFrame, columns) -> pd.DataFrame:
    out = {}
    for c in columns:
        s = frame[c]
        out[c] = s.notna() & (s.astype(str) != "") if s.dtype == object else s.notna()
    return pd.DataFrame(out)


def _grid_tiering(intimacy_cuts, support_cuts) -> dict:
    return {"grid": {"intimacy": [float(c) for c in intimacy_cuts], "support": [float(c) for c in support_cuts]}}


def grid_cell(intimacy, support, intimacy_cuts=DEFAULT_THRESHOLDS["intimacy_cuts"],
              support_cuts=DEFAULT_THRESHOLDS["support_cuts"]):
    """Nine-grid cell labels `intimacy/support` (docs/model.md §6, the engine's rule); "" where a value is missing."""
    return engine_tiers.grid_cells(intimacy, support, tiering=_grid_tiering(intimacy_cuts, support_cuts))


def tiers(crm, tiering: dict | None = None) -> pd.DataFrame:
    """S/A/B/C and the cash-flow flag of every account by docs/model.md §6 (current wallet and fit;
    thresholds from the engine), next to the tier recorded in the CRM, with the disagreements:
    `agrees` and a `finding` (e.g. an S account whose fit says cash-flow)."""
    from .estimate import account_frame

    acc = account_frame(crm)
    if acc.empty:
        return pd.DataFrame(columns=["account_id", "name", "wallet", "fit", "model_tier", "cash_flow",
                                     "recorded_tier", "agrees", "finding"])
    w, f = acc["wallet"].to_numpy(dtype=float), acc["fit"].to_numpy(dtype=float)
    th = engine_tiers.thresholds(w, tiering=tiering or None)
    letter, cash = engine_tiers.classify(w, f, tiering=tiering or None)
    letter = letter.astype(str)
    rec = crm.accounts["tier"].to_numpy()
    out = pd.DataFrame({"account_id": acc["account_id"], "name": acc["name"], "wallet": w, "fit": f,
                        "model_tier": letter, "cash_flow": cash, "recorded_tier": rec})
    agrees = (out["recorded_tier"] == out["model_tier"]) & ~out["cash_flow"]
    findings = []
    for r in out.itertuples(index=False):
        if r.recorded_tier == "":
            findings.append(f"no tier recorded; the model says {r.model_tier}" + (" (cash-flow)" if r.cash_flow else ""))
        elif r.cash_flow and r.recorded_tier in ("S", "A"):
            findings.append(f"recorded {r.recorded_tier} but fit {r.fit:.2f} < {th['cashflow_fit']:g}: a cash-flow customer")
        elif r.cash_flow:
            findings.append(f"cash-flow customer (fit {r.fit:.2f}): invest less")
        elif r.recorded_tier != r.model_tier:
            findings.append(f"recorded {r.recorded_tier}, the model says {r.model_tier}")
        else:
            findings.append("")
    out["agrees"] = agrees.to_numpy()
    out["finding"] = findings
    out.attrs["thresholds"] = th
    return out


def _window(frame, column, as_of, days):
    d = frame[column]
    return frame[(d <= as_of) & (d > as_of - pd.Timedelta(days=days))]


def kpis(crm, as_of=None, by: str = "portfolio") -> pd.DataFrame:
    """Sales and profit (won deals decided in the last 12 months; profit = size × margin), per
    account-manager FTE, growth (last 12 months over the 12 before, −1 … ), win rate (won /
    decided), share of wallet (sales / wallet). `by`: "portfolio", "account" or "account_manager"."""
    as_of = crm.as_of(as_of)
    deals = crm.deals.merge(crm.owners().rename("owner").reset_index(), on="account_id", how="left")
    decided = deals[deals["status"].isin(["won", "lost"])]
    last = _window(decided, "decision_on", as_of, 365)
    before = decided[(decided["decision_on"] <= as_of - pd.Timedelta(days=365))
                     & (decided["decision_on"] > as_of - pd.Timedelta(days=730))]
    ams = crm.account_managers().set_index("person_id")["fte"]
    wallet = crm.accounts.set_index("account_id")["wallet"]
    owners = crm.owners()

    def block(last_g, before_g, fte, wallet_sum):
        won = last_g[last_g["status"] == "won"]
        sales = float(won["size"].sum())
        profit = float((won["size"] * won["margin"].fillna(0.0)).sum())
        sales_before = float(before_g.loc[before_g["status"] == "won", "size"].sum())
        n = len(last_g)
        return {"sales": sales, "profit": profit,
                "sales_per_head": sales / fte if fte > 0 else np.nan,
                "profit_per_head": profit / fte if fte > 0 else np.nan,
                "sales_before": sales_before,
                "growth": sales / sales_before - 1 if sales_before > 0 else np.nan,
                "won": int((last_g["status"] == "won").sum()), "decided": n,
                "win_rate": (last_g["status"] == "won").sum() / n if n else np.nan,
                "wallet": wallet_sum, "share_of_wallet": sales / wallet_sum if wallet_sum > 0 else np.nan}

    if by == "portfolio":
        return pd.DataFrame([block(last, before, float(ams.sum()), float(wallet.sum()))], index=["portfolio"])
    if by == "account":
        rows = {a: block(last[last["account_id"] == a], before[before["account_id"] == a], np.nan, float(wallet[a]))
                for a in wallet.index}
        frame = pd.DataFrame.from_dict(rows, orient="index").drop(columns=["sales_per_head", "profit_per_head"])
        frame.index.name = "account_id"
        return frame
    if by == "account_manager":
        rows = {}
        for pid, fte in ams.items():
            mine = owners[owners == pid].index
            rows[pid] = block(last[last["owner"] == pid], before[before["owner"] == pid], float(fte),
                              float(wallet.reindex(mine).sum()))
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "person_id"
        return frame
    raise ValueError(f'by: must be "portfolio", "account" or "account_manager", got {by!r}')


@dataclass
class Scorecard:
    """The scorecard: long tables with columns action, name, measure, threshold, passed, detail.

    accounts          one row per account and action (`account_id`, `owner`)
    account_managers  one row per account manager and action (`person_id`)
    portfolio         one row per action
    risk_contacts     the contacts in the risk cell; open_complaints: complaints still open
    thresholds        the thresholds used
    """

    as_of: pd.Timestamp
    accounts: pd.DataFrame
    account_managers: pd.DataFrame
    portfolio: pd.DataFrame
    risk_contacts: pd.DataFrame
    open_complaints: pd.DataFrame
    contacts: pd.DataFrame
    thresholds: dict

    def wide(self, level: str = "accounts", what: str = "passed") -> pd.DataFrame:
        """One row per account (or account manager), one column per action: `passed` or `measure`."""
        frame = getattr(self, level)
        key = "account_id" if level == "accounts" else "person_id"
        return frame.pivot(index=key, columns="action", values=what)

    def __repr__(self) -> str:
        return f"<Scorecard as of {self.as_of.date()}: {self.accounts['account_id'].nunique()} accounts>"


def _contact_states(crm, as_of, contact_states):
    """Ratings where present; else the replayed values (cathedral.crm.replay)."""
    con = crm.contacts
    if contact_states is not None:
        return contact_states
    if con[["intimacy", "support"]].notna().all().all():
        out = con[["account_id", "contact_id", "influence", "intimacy", "support"]].copy()
        out["source"] = "rating"
        return out
    from .estimate import replay

    return replay(crm, as_of).contacts


def scorecard(crm, as_of=None, thresholds: dict | None = None, contact_states: pd.DataFrame | None = None,
              tier_table: pd.DataFrame | None = None) -> Scorecard:
    """The nine key actions per account, per account manager and for the portfolio (see the
    module doc). `thresholds` overrides DEFAULT_THRESHOLDS; `contact_states` (account_id,
    contact_id, intimacy, support) replaces the ratings-else-replay estimate of the nine-grid."""
    th = dict(DEFAULT_THRESHOLDS)
    for k, v in (thresholds or {}).items():
        if k not in th:
            import difflib

            hint = difflib.get_close_matches(k, th, n=1)
            raise ValueError(f"thresholds: unknown key {k!r}" + (f'; did you mean "{hint[0]}"?' if hint else ""))
        th[k] = v
    as_of = crm.as_of(as_of)
    acc = crm.accounts
    ids = list(acc["account_id"])
    owners = crm.owners()
    tt = tier_table if tier_table is not None else tiers(crm)
    tier_used = np.where(acc["tier"].to_numpy() != "", acc["tier"].to_numpy(), tt["model_tier"].to_numpy())
    key_account = pd.Series(np.isin(tier_used, ["S", "A"]), index=ids)
    act = crm.activities[crm.activities["date"] <= as_of]
    rows = []  # per account: dict(account_id, action, measure, threshold, passed, detail, num, den)

    def add(a, action, measure, threshold, passed, detail="", num=np.nan, den=np.nan):
        rows.append({"account_id": a, "action": action, "name": ACTIONS[action], "measure": measure,
                     "threshold": threshold, "passed": passed, "detail": detail, "num": num, "den": den})

    # 1 strategy reviewed
    rev = acc.set_index("account_id")["strategy_reviewed_on"]
    limit = as_of - pd.Timedelta(days=th["strategy_review_days"])
    for a in ids:
        d = rev[a]
        age = (as_of - d).days if pd.notna(d) else np.nan
        ok = bool(pd.notna(d) and d > limit and d <= as_of)
        add(a, 1, age, th["strategy_review_days"], ok if key_account[a] else None,
            ("reviewed " + str(d.date()) if pd.notna(d) else "never reviewed") + ("" if key_account[a] else "; not S/A"))

    # 2 relationship plan, 3 information complete
    con = crm.contacts
    has_target = (con["target_cell"] != "").groupby(con["account_id"]).agg(["sum", "size"])
    afill = _filled(acc, ACCOUNT_FIELDS)
    afill.index = ids
    cfill = _filled(con, CONTACT_FIELDS).groupby(con["account_id"].to_numpy()).sum().sum(axis=1)
    ccount = con.groupby("account_id").size() * len(CONTACT_FIELDS)
    for a in ids:
        n, m = (has_target.loc[a, "sum"], has_target.loc[a, "size"]) if a in has_target.index else (0, 0)
        share = n / m if m else np.nan
        add(a, 2, share, th["relationship_plan_share"], bool(share >= th["relationship_plan_share"]) if m else None,
            f"{int(n)} of {int(m)} key contacts with a target cell", n, m)
        num = afill.loc[a].sum() + cfill.get(a, 0)
        den = len(ACCOUNT_FIELDS) + ccount.get(a, 0)
        missing = [c for c in ACCOUNT_FIELDS if not afill.loc[a, c]]
        add(a, 3, num / den, th["information_complete_share"], bool(num / den >= th["information_complete_share"]),
            f"{int(num)} of {int(den)} fields" + (f"; account lacks {', '.join(missing)}" if missing else ""), num, den)

    # 4 nine-grid
    states = _contact_states(crm, as_of, contact_states)
    st = con[["account_id", "contact_id", "influence"]].merge(
        states[["account_id", "contact_id", "intimacy", "support"]], on=["account_id", "contact_id"], how="left")
    grid = _grid_tiering(th["intimacy_cuts"], th["support_cuts"])
    codes = engine_tiers.grid_codes(st["intimacy"], st["support"], tiering=grid) if len(st) else np.zeros(0, int)
    st["cell"] = np.array(engine_tiers.GRID_CELLS + ("",), dtype=object)[codes]
    st["supportive"] = (codes >= 0) & (codes % 3 == 2)  # the supportive column of the grid
    st["risk"] = codes == engine_tiers.GRID_CELLS.index(engine_tiers.RISK_CELL)
    w = st["influence"].to_numpy(dtype=float)
    tot = st.groupby("account_id")["influence"].transform("sum").to_numpy(dtype=float)
    n_in = st.groupby("account_id")["influence"].transform("size").to_numpy(dtype=float)
    st["weight"] = np.where(tot > 0, w / np.where(tot > 0, tot, 1), 1 / np.maximum(n_in, 1))
    for a in ids:
        g = st[st["account_id"] == a]
        if g.empty:
            add(a, 4, np.nan, th["supportive_share"], None, "no key contacts")
            continue
        share = float((g["weight"] * g["supportive"]).sum())
        n_risk = int(g["risk"].sum())
        ok = share >= th["supportive_share"] and n_risk <= th["max_risk_contacts"]
        detail = f"{share:.0%} of influence supportive; {n_risk} in the risk cell"
        if n_risk:
            detail += " (" + ", ".join(g.loc[g["risk"], "contact_id"]) + ")"
        add(a, 4, share, th["supportive_share"], bool(ok), detail, n_risk, len(g))
    risk = st[st["risk"]].merge(con[["account_id", "contact_id", "name", "role"]], on=["account_id", "contact_id"])
    risk = risk[["account_id", "contact_id", "name", "role", "influence", "intimacy", "support"]].reset_index(drop=True)

    # 5 organisational actions
    year = _window(act, "date", as_of, 365)
    bm = year[year["type"] == "benchmarking"].groupby("account_id").size()
    ev = year[year["type"] == "exec_visit"].groupby("account_id").size()
    from .estimate import _param_scenario

    agw = int(_param_scenario().to_dict()["params"]["agreement_weeks"])
    signed = act[act["type"] == "agreement_signed"].groupby("account_id")["date"].max()
    for a in ids:
        nb, ne = int(bm.get(a, 0)), int(ev.get(a, 0))
        sd = signed.get(a, pd.NaT)
        in_force = bool(pd.notna(sd) and (as_of - sd).days // 7 < agw)
        ok = nb >= th["min_benchmarking"] and ne >= th["min_exec_visits"] and (in_force or not th["require_agreement"])
        add(a, 5, nb + ne, f"{th['min_benchmarking']} bm + {th['min_exec_visits']} ev" +
            (" + agreement" if th["require_agreement"] else ""), bool(ok) if key_account[a] else None,
            f"{nb} benchmarking, {ne} executive visits, agreement " + ("in force" if in_force else "not in force")
            + ("" if key_account[a] else "; not S/A"), nb, ne)

    # 6 survey
    sv = _window(act, "date", as_of, th["survey_days"])
    sv = sv[sv["type"] == "survey"].sort_values("date", kind="stable").groupby("account_id").last()
    for a in ids:
        if a in sv.index:
            score = float(sv.loc[a, "score"])
            ok = th["min_survey_score"] is None or score >= th["min_survey_score"]
            add(a, 6, score, th["min_survey_score"], bool(ok), f"surveyed {sv.loc[a, 'date'].date()}, score {score:.2f}")
        else:
            add(a, 6, np.nan, th["min_survey_score"], False, "no survey in the window")

    # 7 visits per week at the account (informational; the norm applies per account manager)
    nw = th["contact_norm_weeks"]
    recent = _window(act, "date", as_of, 7 * nw)
    visits = recent[recent["type"] == "visit"]
    vacc = visits.groupby("account_id").size()
    for a in ids:
        add(a, 7, vacc.get(a, 0) / nw, None, None, f"{int(vacc.get(a, 0))} visits in {nw} weeks")

    # 8 complaints
    comp = crm.complaints
    comp = comp[comp["opened_on"] <= as_of].copy()
    closed = comp["closed_on"].notna() & (comp["closed_on"] <= as_of)
    days = (comp["closed_on"] - comp["opened_on"]).dt.days
    cd = th["complaint_close_days"]
    comp["in_time"] = closed & (days <= cd)
    comp["due"] = comp["in_time"] | (as_of - comp["opened_on"]).dt.days.gt(cd)
    in_year = comp["opened_on"] > as_of - pd.Timedelta(days=365)
    open_c = comp[~closed].assign(days_open=lambda f: (as_of - f["opened_on"]).dt.days)
    open_c = open_c[["account_id", "opened_on", "days_open"]].reset_index(drop=True)
    yc = comp[in_year & comp["due"]]
    for a in ids:
        g = yc[yc["account_id"] == a]
        n_open = int((open_c["account_id"] == a).sum())
        if g.empty:
            add(a, 8, np.nan, th["complaints_closed_share"], None if n_open == 0 else False,
                f"no complaints due in the last 12 months; {n_open} open", 0, 0)
            continue
        share = g["in_time"].mean()
        add(a, 8, share, th["complaints_closed_share"], bool(share >= th["complaints_closed_share"]),
            f"{int(g['in_time'].sum())} of {len(g)} closed within {cd} days; {n_open} open", g["in_time"].sum(), len(g))

    # 9 minutes
    mt = year[year["type"].isin(["benchmarking", "exec_visit"])].copy()
    mt["in_time"] = mt["minutes_filed_on"].notna() & ((mt["minutes_filed_on"] - mt["date"]).dt.days <= th["minutes_days"])
    for a in ids:
        g = mt[mt["account_id"] == a]
        if g.empty:
            add(a, 9, np.nan, th["minutes_filed_share"], None, "no meetings in the last 12 months", 0, 0)
            continue
        share = g["in_time"].mean()
        add(a, 9, share, th["minutes_filed_share"], bool(share >= th["minutes_filed_share"]),
            f"{int(g['in_time'].sum())} of {len(g)} filed within {th['minutes_days']} days", g["in_time"].sum(), len(g))

    per_acc = pd.DataFrame(rows)
    per_acc.insert(1, "owner", per_acc["account_id"].map(owners))
    per_acc.insert(2, "tier_used", per_acc["account_id"].map(dict(zip(ids, tier_used))))

    # aggregates
    am_frame = crm.account_managers()
    am_visits = visits[visits["person_id"].isin(set(am_frame["person_id"]))].groupby("person_id").size()

    def aggregate(part: pd.DataFrame, visit_rate, n_people):
        out = []
        for action in ACTIONS:
            g = part[part["action"] == action]
            applicable = g[g["passed"].notna()]
            if action in _SHARE_OF_ACCOUNTS:
                measure = applicable["passed"].astype(bool).mean() if len(applicable) else np.nan
                thr = th["accounts_share"]
                detail = f"{int(applicable['passed'].astype(bool).sum())} of {len(applicable)} applicable accounts pass"
            elif action in (2, 3, 8, 9):
                num, den = g["num"].sum(), g["den"].sum()
                measure = num / den if den else np.nan
                thr = {2: th["relationship_plan_share"], 3: th["information_complete_share"],
                       8: th["complaints_closed_share"], 9: th["minutes_filed_share"]}[action]
                detail = f"{num:g} of {den:g}"
            elif action == 4:
                measure = g["measure"].mean() if g["measure"].notna().any() else np.nan
                thr = th["supportive_share"]
                n_risk = int(g["num"].fillna(0).sum())
                detail = f"mean over {int(g['measure'].notna().sum())} accounts; {n_risk} contacts in the risk cell"
            else:
                measure, thr = visit_rate, th["visits_per_week"]
                detail = f"over {nw} weeks, {n_people} account manager(s)"
            if action == 4:
                passed = None if np.isnan(measure) else bool(measure >= thr and n_risk <= th["max_risk_contacts"])
            else:
                passed = None if measure is None or np.isnan(measure) else bool(measure >= thr)
            out.append({"action": action, "name": ACTIONS[action], "measure": measure, "threshold": thr,
                        "passed": passed, "detail": detail})
        return out

    am_rows = []
    for pid in am_frame["person_id"]:
        rate = am_visits.get(pid, 0) / nw
        for r in aggregate(per_acc[per_acc["owner"] == pid], rate, 1):
            am_rows.append({"person_id": pid, **r})
    per_am = pd.DataFrame(am_rows, columns=["person_id", "action", "name", "measure", "threshold", "passed", "detail"])
    n_am = len(am_frame)
    portfolio_rate = am_visits.reindex(am_frame["person_id"]).fillna(0).mean() / nw if n_am else np.nan
    portfolio = pd.DataFrame(aggregate(per_acc, portfolio_rate, n_am)).set_index("action")
    per_acc = per_acc.drop(columns=["num", "den"])
    for frame in (per_acc, per_am, portfolio):  # True / False / None (not applicable), as Python objects
        frame["passed"] = [None if v is None or (isinstance(v, float) and np.isnan(v)) else bool(v)
                           for v in frame["passed"]]
        frame["passed"] = frame["passed"].astype(object).where(frame["passed"].notna(), None)
    return Scorecard(as_of=as_of, accounts=per_acc, account_managers=per_am, portfolio=portfolio,
                     risk_contacts=risk, open_complaints=open_c, contacts=st, thresholds=th)
