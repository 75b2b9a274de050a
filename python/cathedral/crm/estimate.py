"""State estimation by replay, and the scenario of today's state (docs/model.md §3.3, §7).

The recorded weekly effort of the last `weeks` weeks (default 104) before
`as_of` is replayed through the engine's own step equations
(`cathedral.layers`), in mean field, from the model's defaults (I = 0,
S = stance, C = 0, Q = 0.5, O = 0). Week w covers the 7 days ending
``as_of − 7·(weeks − 1 − w)`` days (so the last week ends on `as_of`).

Per week, in the engine's order (§3.3, §3.4 mean field):

- r_b = hill(visits of the week; visit_half_per_100_staff · staff/100, …),
  r_u = hill(service hours of the week; …); C, Q and O step from the values
  at the start of the week, O with the week's benchmarking meetings and
  executive visits as event counts, J from jic_opened / jic_closed, and the
  recorded fit F (fit history is not recorded, so F is held at today's value).
- each contact's r_s, r_v from that contact's social and value hours of the
  week (account-level key hours, without a contact, are split by influence,
  as the model's default focus); I and S step with O at the start of the week.
- turnover mixed in: I ← (1−p)·I + p·I_succ, S likewise, p = 1 − exp(−turnover_per_year/52),
  successors from this week's C and O.
- satisfaction anchor: in a week with a survey, Q is set to the survey score
  (the latest of the week) after the step, and the replay goes on from there.

At the end, the account manager's ratings (contacts.csv intimacy/support)
override the replayed values where they exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import _core, activities
from ..scenario import Scenario, _stub

MODEL_ROLES = tuple(_core.ROLES)  # docs/model.md §2.2
# The account fields a CRM may leave empty, filled with the model's defaults (docs/model.md §2.1).
_DEFAULTED_FIELDS = ("wallet_growth", "staff", "capability_match", "competitor_strength", "fit")


def _param_scenario(params: dict | None = None, base=None):
    """A scenario that only carries parameters (for the layer functions)."""
    if base is not None:
        return base if not params else base.with_params(**params)
    return Scenario(_stub(params=dict(params or {})))


def account_frame(crm) -> pd.DataFrame:
    """The accounts with the model's defaults filled in where the CRM is empty."""
    acc = crm.accounts.copy()
    defaults = Scenario.defaults()["account"]
    for col in _DEFAULTED_FIELDS:
        acc[col] = acc[col].fillna(defaults[col])
    acc["fit_target"] = acc["fit_target"].fillna(acc["fit"])
    return acc


def week_index(dates: pd.Series, as_of: pd.Timestamp, weeks: int) -> np.ndarray:
    """Replay week of each date (0 … weeks−1; the last ends on as_of), −1 outside the window."""
    days = (as_of - pd.to_datetime(dates)).dt.days.to_numpy()
    w = weeks - 1 - np.floor_divide(days, 7)
    ok = (days >= 0) & (w >= 0)
    return np.where(ok, w, -1).astype(int)


@dataclass
class Replay:
    """The result of `replay`: estimated states now and the weekly trajectories.

    accounts   per account: coverage, satisfaction, org (replayed), jic, agreement_weeks_left,
               the latest survey (date, score)
    contacts   per contact: intimacy, support (rating where present, else replayed),
               intimacy_replayed, support_replayed, source ("rating", "replay" or "mixed")
    weeks      the end date of each replayed week
    trajectories  arrays (weeks × accounts or weeks × contacts): coverage, satisfaction, org,
               jic, intimacy, support, and the recorded effort: visits, service_hours,
               social_hours, value_hours (per contact), benchmarking, exec_visits
    """

    as_of: pd.Timestamp
    weeks: pd.DatetimeIndex
    accounts: pd.DataFrame
    contacts: pd.DataFrame
    trajectories: dict = field(repr=False)
    account_ids: list = field(repr=False)
    contact_keys: list = field(repr=False)

    def trajectory(self, name: str) -> pd.DataFrame:
        """One trajectory as a DataFrame: weeks (end dates) × accounts, or × (account, contact)."""
        arr = self.trajectories[name]
        if arr.shape[1] == len(self.account_ids) and name not in _CONTACT_SERIES:
            cols = pd.Index(self.account_ids, name="account_id")
        else:
            cols = pd.MultiIndex.from_tuples(self.contact_keys, names=["account_id", "contact_id"])
        return pd.DataFrame(arr, index=pd.Index(self.weeks, name="week_ending"), columns=cols)


_CONTACT_SERIES = ("intimacy", "support", "social_hours", "value_hours")


def _jic_state(crm, account_ids, as_of, weeks, week_end):
    """J per replay week (and at as_of) from jic_opened / jic_closed; the last event up to a
    week's end sets it."""
    A = len(account_ids)
    J = np.zeros((weeks, A))
    ev = crm.activities[crm.activities["type"].isin(["jic_opened", "jic_closed"]) & (crm.activities["date"] <= as_of)]
    col = {a: i for i, a in enumerate(account_ids)}
    ends = week_end.to_numpy()
    for aid, g in ev.sort_values("date", kind="stable").groupby("account_id"):
        dates = g["date"].to_numpy()
        state = (g["type"] == "jic_opened").to_numpy().astype(float)
        idx = np.searchsorted(dates, ends, side="right") - 1
        J[:, col[aid]] = np.where(idx >= 0, state[np.clip(idx, 0, None)], 0.0)
    return J


def weekly_effort(crm, as_of, weeks: int, contacts: pd.DataFrame | None = None):
    """The recorded effort per replay week: dict of arrays (weeks × accounts; social and value
    hours weeks × contacts)."""
    acc_ids = list(crm.accounts["account_id"])
    col = {a: i for i, a in enumerate(acc_ids)}
    con = crm.contacts if contacts is None else contacts
    keys = list(zip(con["account_id"], con["contact_id"]))
    kcol = {k: i for i, k in enumerate(keys)}
    A, K = len(acc_ids), len(keys)
    act = crm.activities
    w = week_index(act["date"], as_of, weeks)
    act = act.assign(_w=w)[w >= 0]
    a_idx = act["account_id"].map(col).to_numpy()
    hours = act["hours"].fillna(0.0).to_numpy(dtype=float)
    typ = act["type"].to_numpy()
    ww = act["_w"].to_numpy()
    out = {}
    for name, t, weight in (("visits", "visit", None), ("service_hours", "service", hours),
                            ("benchmarking", "benchmarking", None), ("exec_visits", "exec_visit", None)):
        m = typ == t
        arr = np.zeros((weeks, A))
        np.add.at(arr, (ww[m], a_idx[m]), 1.0 if weight is None else weight[m])
        out[name] = arr
    # key hours per contact; account-level hours split by influence
    infl = con["influence"].to_numpy(dtype=float)
    acc_of = np.array([col[a] for a in con["account_id"]], dtype=int) if K else np.zeros(0, dtype=int)
    tot = np.zeros(A)
    np.add.at(tot, acc_of, infl)
    n_con = np.bincount(acc_of, minlength=A).astype(float)
    share = np.where(tot[acc_of] > 0, infl / np.where(tot[acc_of] > 0, tot[acc_of], 1.0),
                     1.0 / np.maximum(n_con[acc_of], 1.0))
    cids = act["contact_id"].to_numpy()
    accs = act["account_id"].to_numpy()
    for name, t in (("social_hours", "social"), ("value_hours", "value")):
        m = typ == t
        direct = m & (cids != "")
        arr = np.zeros((weeks, K))
        if direct.any():
            k_idx = np.array([kcol[(a, c)] for a, c in zip(accs[direct], cids[direct])], dtype=int)
            np.add.at(arr, (ww[direct], k_idx), hours[direct])
        level = m & (cids == "")
        if level.any() and K:
            per_acc = np.zeros((weeks, A))
            np.add.at(per_acc, (ww[level], a_idx[level]), hours[level])
            arr += per_acc[:, acc_of] * share[None, :]
        out[name] = arr
    return out, keys, acc_of


def replay(crm, as_of=None, weeks: int = 104, params: dict | None = None, scenario=None) -> Replay:
    """Estimate today's states by replaying the recorded effort (see the module doc).

    params    overrides of the model's parameters (docs/model.md §9) for the replay
    scenario  take the parameters from this Scenario instead (e.g. a calibrated one)
    """
    from cathedral import layers

    as_of = crm.as_of(as_of)
    if weeks < 1:
        raise ValueError(f"weeks: must be >= 1, got {weeks}")
    sc = _param_scenario(params, scenario)
    p = sc.to_dict()["params"]
    acc = account_frame(crm)
    acc_ids = list(acc["account_id"])
    A = len(acc_ids)
    con = crm.contacts
    eff, keys, acc_of = weekly_effort(crm, as_of, weeks, con)
    K = len(keys)
    week_end = pd.DatetimeIndex([as_of - pd.Timedelta(days=7 * (weeks - 1 - i)) for i in range(weeks)])
    J = _jic_state(crm, acc_ids, as_of, weeks, week_end)

    # surveys: the latest score of each week
    act = crm.activities
    sv = act[(act["type"] == "survey")]
    sw = week_index(sv["date"], as_of, weeks)
    survey = np.full((weeks, A), np.nan)
    col = {a: i for i, a in enumerate(acc_ids)}
    svw = sv.assign(_w=sw)[sw >= 0]
    for (wk, aid), score in svw.groupby(["_w", "account_id"])["score"].last().items():
        survey[wk, col[aid]] = score

    staff = acc["staff"].to_numpy(dtype=float)
    F = acc["fit"].to_numpy(dtype=float)
    m = acc["capability_match"].to_numpy(dtype=float)
    stance = con["stance"].to_numpy(dtype=float)
    I, S = np.zeros(K), stance.copy()
    C, Q, O = np.zeros(A), np.full(A, 0.5), np.zeros(A)
    traj = {name: np.zeros((weeks, A)) for name in ("coverage", "satisfaction", "org")}
    traj["intimacy"], traj["support"] = np.zeros((weeks, K)), np.zeros((weeks, K))
    n_bm = eff["benchmarking"].astype(np.int32)
    n_ev = eff["exec_visits"].astype(np.int32)
    r_b = layers.visit_response(sc, eff["visits"], np.broadcast_to(staff, (weeks, A)))
    r_u = layers.service_response(sc, eff["service_hours"])
    r_s = layers.social_response(sc, eff["social_hours"])
    r_v = layers.value_response(sc, eff["value_hours"])
    for w in range(weeks):
        C0, O0 = C, O
        C = layers.coverage_step(sc, C0, r_b[w])
        Q = layers.satisfaction_step(sc, Q, C0, r_u[w])
        O = layers.org_step(sc, O0, C0, J[w], F, m, n_bm[w], n_ev[w])
        if K:
            I, S = layers.key_step(sc, I, S, stance, r_s[w], r_v[w], O0[acc_of])
            I_succ, S_succ = layers.successor(sc, stance, C[acc_of], O[acc_of])
            I, S = layers.mix_successor(sc, I, S, I_succ, S_succ)
        Q = np.where(np.isnan(survey[w]), Q, survey[w])
        traj["coverage"][w], traj["satisfaction"][w], traj["org"][w] = C, Q, O
        traj["intimacy"][w], traj["support"][w] = I, S
    traj.update({k: v for k, v in eff.items()})
    traj["jic"] = J

    # agreements in force: signed within the last agreement_weeks weeks
    agw = int(p["agreement_weeks"])
    ag = act[(act["type"] == "agreement_signed") & (act["date"] <= as_of)]
    last_signed = ag.groupby("account_id")["date"].max()
    weeks_since = ((as_of - last_signed).dt.days // 7).reindex(acc_ids)
    left = (agw - weeks_since).clip(lower=0).fillna(0).astype(int)
    jic_now = J[-1] if weeks else np.zeros(A)
    last_survey = sv[sv["date"] <= as_of].sort_values("date", kind="stable").groupby("account_id").last()
    accounts = pd.DataFrame({
        "account_id": acc_ids, "coverage": C, "satisfaction": Q, "org": O, "jic": jic_now.astype(bool),
        "agreement_weeks_left": left.to_numpy(),
        "survey_date": last_survey["date"].reindex(acc_ids).to_numpy(),
        "survey_score": last_survey["score"].reindex(acc_ids).to_numpy(dtype=float),
    })
    rated_i = con["intimacy"].to_numpy(dtype=float)
    rated_s = con["support"].to_numpy(dtype=float)
    has_i, has_s = np.isfinite(rated_i), np.isfinite(rated_s)
    source = np.where(has_i & has_s, "rating", np.where(has_i | has_s, "mixed", "replay"))
    contacts = pd.DataFrame({
        "account_id": con["account_id"].to_numpy(), "contact_id": con["contact_id"].to_numpy(),
        "influence": con["influence"].to_numpy(dtype=float),
        "intimacy": np.where(has_i, rated_i, I), "support": np.where(has_s, rated_s, S),
        "intimacy_replayed": I, "support_replayed": S, "source": source,
    })
    return Replay(as_of=as_of, weeks=week_end, accounts=accounts, contacts=contacts, trajectories=traj,
                  account_ids=acc_ids, contact_keys=keys)


def as_is_allocation(crm, as_of=None, weeks: int = 13, replay_result: Replay | None = None,
                     agreement_window_weeks: int = 104) -> pd.DataFrame:
    """Each account's average weekly effort over the last `weeks` weeks (per-week rates),
    benchmarking meetings and executive visits over the last 12 months (per-year rates),
    pursue_agreement (in force, or signed in the last `agreement_window_weeks` weeks) and
    jic (a centre open at as_of). One row per account."""
    as_of = crm.as_of(as_of)
    eff, keys, acc_of = weekly_effort(crm, as_of, max(weeks, 52))
    acc_ids = list(crm.accounts["account_id"])
    recent = slice(-weeks, None)
    frame = pd.DataFrame({
        "account_id": acc_ids,
        "social_hours": eff["social_hours"][recent].sum(0) @ _membership(acc_of, len(acc_ids)) / weeks
        if len(keys) else np.zeros(len(acc_ids)),
        "value_hours": eff["value_hours"][recent].sum(0) @ _membership(acc_of, len(acc_ids)) / weeks
        if len(keys) else np.zeros(len(acc_ids)),
        "visits": eff["visits"][recent].sum(0) / weeks,
        "service_hours": eff["service_hours"][recent].sum(0) / weeks,
        "benchmarking": eff["benchmarking"][-52:].sum(0),
        "exec_visits": eff["exec_visits"][-52:].sum(0),
    })
    for name in activities.RATES:  # activities the CRM export does not record: none
        if name not in frame:
            frame[name] = 0.0
    # account-level key hours of an account without contacts are lost to the split: add them back
    act = crm.activities
    wk = week_index(act["date"], as_of, weeks)
    no_contacts = set(acc_ids) - set(crm.contacts["account_id"])
    for t, name in (("social", "social_hours"), ("value", "value_hours")):
        sel = act[(wk >= 0) & (act["type"] == t) & act["account_id"].isin(no_contacts)]
        extra = sel.groupby("account_id")["hours"].sum() / weeks
        frame[name] += frame["account_id"].map(extra).fillna(0.0)
    rep = replay_result if replay_result is not None else None
    agw = agreement_window_weeks
    signed = act[(act["type"] == "agreement_signed") & (act["date"] <= as_of)
                 & (act["date"] > as_of - pd.Timedelta(weeks=agw))]["account_id"]
    in_force = set(rep.accounts.loc[rep.accounts["agreement_weeks_left"] > 0, "account_id"]) if rep else set()
    frame["pursue_agreement"] = frame["account_id"].isin(set(signed) | in_force)
    if rep is not None:
        frame["jic"] = rep.accounts["jic"].to_numpy()
    else:
        J = _jic_state(crm, acc_ids, as_of, 1, pd.DatetimeIndex([as_of]))
        frame["jic"] = J[0].astype(bool)
    # contact focus: social + value hours per contact and week over the window
    focus = (eff["social_hours"][recent] + eff["value_hours"][recent]).sum(0) / weeks if len(keys) else np.zeros(0)
    frame["contact_focus"] = [
        {c: float(focus[k]) for k, (a2, c) in enumerate(keys) if a2 == a} for a in acc_ids]
    frame["contact_focus"] = [f if f and sum(f.values()) > 0 else None for f in frame["contact_focus"]]
    return frame[["account_id", *activities.FIELDS, "contact_focus"]]  # the allocation's order


def _membership(acc_of, A):
    M = np.zeros((len(acc_of), A))
    M[np.arange(len(acc_of)), acc_of] = 1.0
    return M


def as_is_plan(crm, as_of=None, allocation: pd.DataFrame | None = None, **kwargs):
    """The as-is plan: cathedral.policies.static with each account's `as_is_allocation`."""
    from cathedral import policies

    alloc = allocation if allocation is not None else as_is_allocation(crm, as_of, **kwargs)
    entries = {}
    for row in alloc.itertuples(index=False):
        e = {f: float(getattr(row, f)) for f in _core.ALLOCATION_FIELDS[:_core.N_RATE_FIELDS]}  # the rates
        e.update({f: bool(getattr(row, f)) for f in _core.ALLOCATION_FIELDS[_core.N_RATE_FIELDS:]})  # pursue_agreement, jic
        if row.contact_focus:
            e["contact_focus"] = {k: float(v) for k, v in row.contact_focus.items()}
        entries[row.account_id] = e
    return policies.static(accounts=entries)


def to_scenario(crm, as_of=None, *, horizon_weeks: int = 156, seed: int = 1, params: dict | None = None,
                replay_weeks: int = 104, plan_weeks: int = 13, am_hours_per_week: float | None = None,
                headroom: float = 1.2, replay_result: Replay | None = None, pipeline: str = "model"):
    """(scenario, as-is plan): a Scenario whose initial state is the CRM's today, and the
    static plan of each account's recent average effort.

    - accounts: the CRM's fields (empty numbers take the model's defaults); coverage,
      satisfaction and org from the replay; key contacts with their ratings where present,
      else the replayed intimacy/support; roles outside the model's list become `other`;
      agreement_weeks_left and jic from the recorded agreements and centres in force.
    - pipeline: `"model"` (the default) leaves the initial pipeline to the engine, which
      synthesises it from today's state with the model's own deal flow (docs/model.md §3.6), so
      that the first sales cycle continues as the later ones; `"crm"` lists the CRM's open deals
      instead, decided in the week of their decision_on (0 when overdue; without a date,
      sales_cycle_weeks after opened_on, or half a cycle from now). The model's flow (seen
      projects and the small deals broad visits dig up) is richer than the deals a CRM records,
      so a listed CRM pipeline makes revenue dip in the first sales cycle until the model's own
      arrivals are decided (about a third in weeks 8–16 on the bundled export): a hole in the
      pipeline, not a forecast.
    - resources: account_managers = the account managers' FTE; am_hours_per_week (None: the
      model's default);
      executive_days_per_year and budget_per_year = `headroom` (1.2) × the larger of what the
      as-is plan needs at the model's unit costs and what the last 12 months recorded
      (executive days of benchmarking meetings and visits by the costs table; money as recorded).
    """
    from ..resources import planned_use

    if pipeline not in ("model", "crm"):
        raise ValueError(f'pipeline: must be "model" (synthesised by the engine) or "crm" (the open deals), got {pipeline!r}')
    as_of = crm.as_of(as_of)
    rep = replay_result if replay_result is not None else replay(crm, as_of, weeks=replay_weeks, params=params)
    alloc = as_is_allocation(crm, as_of, weeks=plan_weeks, replay_result=rep, agreement_window_weeks=replay_weeks)
    plan = as_is_plan(crm, as_of, allocation=alloc)
    prm = _param_scenario(params).to_dict()["params"]
    acc = account_frame(crm)
    est = rep.accounts.set_index("account_id")
    con = rep.contacts.merge(crm.contacts[["account_id", "contact_id", "role"]], on=["account_id", "contact_id"])
    deals = crm.deals[crm.deals["status"] == "open"]
    cycle = int(prm["sales_cycle_weeks"])
    accounts = []
    for row in acc.itertuples(index=False):
        e = est.loc[row.account_id]
        a = {"id": row.account_id, "name": row.name, "wallet": float(row.wallet),
             "wallet_growth": float(row.wallet_growth), "staff": float(row.staff), "fit": float(row.fit),
             "fit_target": float(row.fit_target), "capability_match": float(row.capability_match),
             "competitor_strength": float(row.competitor_strength),
             "coverage": float(e["coverage"]), "satisfaction": float(e["satisfaction"]), "org": float(e["org"]),
             "agreement_weeks_left": int(e["agreement_weeks_left"]), "jic": bool(e["jic"])}
        cs = con[con["account_id"] == row.account_id]
        a["contacts"] = [{"id": c.contact_id, "role": c.role if c.role in MODEL_ROLES else "other",
                          "influence": float(c.influence), "intimacy": float(np.clip(c.intimacy, 0, 1)),
                          "support": float(np.clip(c.support, -1, 1)),
                          "stance": float(crm.contacts.loc[(crm.contacts["account_id"] == row.account_id)
                                                           & (crm.contacts["contact_id"] == c.contact_id),
                                                           "stance"].iat[0])}
                         for c in cs.itertuples(index=False)]
        if pipeline == "crm" and len(crm.deals):
            pipe = []
            for d in deals[deals["account_id"] == row.account_id].itertuples(index=False):
                if pd.notna(d.decision_on):
                    wk = max(0, ((d.decision_on - as_of).days - 1) // 7)
                elif pd.notna(d.opened_on):
                    wk = max(0, cycle - (as_of - d.opened_on).days // 7)
                else:
                    wk = cycle // 2
                if wk < horizon_weeks:
                    pipe.append({"size": float(d.size), "decision_week": int(wk)})
            a["pipeline"] = pipe
        accounts.append(a)

    ams = crm.account_managers()
    fte = float(ams["fte"].sum()) if len(ams) else 1.0
    resources = {"account_managers": max(fte, 1e-6), "executive_days_per_year": 0.0, "budget_per_year": 0.0}
    if am_hours_per_week is not None:
        resources["am_hours_per_week"] = am_hours_per_week
    data = {"name": f"CRM {crm.folder or ''} as of {as_of.date()}".replace("  ", " "),
            "horizon_weeks": int(horizon_weeks), "seed": int(seed), "accounts": accounts,
            "resources": resources, "params": dict(params or {})}
    # the as-is plan's needs at the model's unit costs (§4; the centres open now keep running)
    use = planned_use(data, alloc, jic_running=alloc["jic"].to_numpy())
    exec_days_plan = use.total()["executive_days"]
    money_plan = use.total()["budget"]
    act = crm.activities
    last_year = act[(act["date"] <= as_of) & (act["date"] > as_of - pd.Timedelta(days=365))]
    money_rec = float(last_year["money"].fillna(0).sum())
    resources["executive_days_per_year"] = round(max(headroom * exec_days_plan, 1.0), 3)
    resources["budget_per_year"] = round(max(headroom * max(money_plan, money_rec), 1.0), 3)
    scenario = Scenario.from_dict(data)
    return scenario, plan
