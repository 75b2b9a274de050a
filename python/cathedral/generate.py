"""Synthetic portfolios for the cathedral model.

:func:`generate_portfolio` builds a realistic, deterministic scenario dict
(the JSON schema of docs/model.md §2) for a given seed: heavy-tailed wallets, a
strategic fit that tends to rise with the size of the account, all four tiers
and a few cash-flow customers, key contacts with roles and positions, a few
running cooperation agreements and joint innovation centres, resources sized
so that they bind for a generous "cathedral" plan, and that plan as the
scenario's tiered policy.

The model's rules it sizes by (the tiers of §6, the planned use of §4, the
defaults of §2 and §9) are the engine's: cathedral.tiers, cathedral.resources
and Scenario.defaults().
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import activities, tiers
from .resources import planned_use
from .scenario import Scenario

__all__ = ["generate_portfolio"]

# How far the cathedral plan's planned use exceeds what is available at
# resource_tightness = 1 (flexible part only; commitments are always covered):
# account-manager hours are 20% short, executive days and money just suffice,
# so hours are the binding resource, for an even spread of the same hours too.
_HEADROOM = {"hours": 1.2, "exec_days": 1.0, "money": 1.0}


# Short names of the templates below for the *_hours fields.
_SHORT = {"social": "social_hours", "value": "value_hours", "service": "service_hours"}


def _entry(**levels):
    """A full allocation entry: every field of the engine's activity table, at 0 / False
    unless given (a new activity needs no change here)."""
    entry = {f: False if f in activities.FLAGS else 0.0 for f in activities.FIELDS}
    for name, value in levels.items():
        field = _SHORT.get(name, name)
        activities.activity(field)  # an unknown name raises, with a did-you-mean
        entry[field] = bool(value) if field in activities.FLAGS else float(value)
    return entry


# The "cathedral" plan: all three layers at the strategic accounts, less as
# the tier falls, and maintenance only at cash-flow customers.
_CATHEDRAL_TEMPLATES = {
    "S": _entry(social=4, value=8, visits=5, service=4, benchmarking=2,
                exec_visits=3, pursue_agreement=True, jic=True),
    "A": _entry(social=3, value=6, visits=3, service=3, benchmarking=1,
                exec_visits=2, pursue_agreement=True, jic=False),
    "B": _entry(social=1.5, value=3, visits=2, service=2, benchmarking=1,
                exec_visits=1),
    "C": _entry(social=0.5, value=1, visits=1, service=1),
    "cash_flow": _entry(visits=0.5, service=1),
}

# Word lists for fictional company names.
_NAME_FIRST = [
    "Aurora", "Baltic", "Cedar", "Delta", "Ember", "Fjord", "Granite",
    "Harbor", "Iris", "Juniper", "Kestrel", "Lumen", "Meridian", "Nordic",
    "Orion", "Pioneer", "Quartz", "Riverside", "Summit", "Tundra", "Unity",
    "Vantage", "Westbrook", "Zenith", "Alder", "Boreal", "Cobalt", "Falcon",
    "Helix", "Northgate", "Polar", "Silverline",
]
_NAME_SECOND = [
    "Steel", "Logistics", "Energy", "Paper", "Foods", "Marine", "Mining",
    "Chemicals", "Pharma", "Retail", "Telecom", "Machinery", "Textiles",
    "Construction", "Forest", "Water", "Grid", "Motors", "Packaging",
    "Health", "Systems", "Plastics", "Metals", "Aviation",
]
_NAME_SUFFIX = ["Group", "AG", "Oy", "Ltd", "Inc", "AB", "Holdings", "Industries",
                "GmbH", "Corporation"]

_OTHER_ROLES = ["technical", "procurement", "user", "influencer", "coach", "other"]
_OTHER_ROLE_P = [0.2, 0.08, 0.27, 0.2, 0.12, 0.13]
_INFLUENCE_RANGE = {
    "decision_maker": (2.0, 4.0),
    "technical": (0.8, 1.6),
    "procurement": (0.8, 1.5),
    "user": (0.3, 0.8),
    "influencer": (0.6, 1.3),
    "coach": (0.2, 0.6),
    "other": (0.1, 0.5),
}


# ---------------------------------------------------------------------------
# Small helpers.

def _sig(x, digits=4):
    """Round to `digits` significant digits, as a Python float."""
    x = float(x)
    if x == 0.0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def _unit(x):
    """A value in [0, 1] rounded to 4 decimals (stays in [0, 1])."""
    return round(min(1.0, max(0.0, float(x))), 4)


def _signed(x):
    """A value in [-1, 1] rounded to 4 decimals."""
    return round(min(1.0, max(-1.0, float(x))), 4)


def _norm_ppf(p):
    """Inverse standard normal CDF (Acklam's rational approximation)."""
    a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
         1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
         6.680131188771972e+01, -1.328068155288572e+01]
    c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
         -2.549671010115819e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
         3.754408661907416e+00]
    p = np.asarray(p, dtype=float)
    out = np.empty_like(p)
    lo, hi = 0.02425, 1.0 - 0.02425
    m = p < lo
    q = np.sqrt(-2.0 * np.log(p[m]))
    out[m] = ((((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
              / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0))
    m = p > hi
    q = np.sqrt(-2.0 * np.log(1.0 - p[m]))
    out[m] = -((((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
               / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0))
    m = (p >= lo) & (p <= hi)
    q = p[m] - 0.5
    r = q * q
    out[m] = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
              / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0))
    return out


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _week0_use(accounts, templates):
    """Planned use of a tiered plan at week 0 (docs/model.md §4, the engine's), with the
    default costs and the tiers of §6: commitments (running and opening innovation centres)
    and the rest of the plan, per resource."""
    labels = tiers.labels([a["wallet"] for a in accounts], [a["fit"] for a in accounts])
    scenario = {"accounts": accounts,
                "resources": {"account_managers": 0, "executive_days_per_year": 0, "budget_per_year": 0}}
    return planned_use(scenario, [templates[lab] for lab in labels])


# ---------------------------------------------------------------------------
# Argument checks.

def _check_args(n_accounts, contacts, seed, horizon_weeks, name, resource_tightness):
    if not _is_int(n_accounts) or n_accounts < 1:
        raise ValueError(f"n_accounts must be an integer >= 1, got {n_accounts!r}")
    if _is_int(contacts):
        if contacts < 0:
            raise ValueError(f"contacts must be >= 0, got {contacts!r}")
        lo = hi = int(contacts)
    elif isinstance(contacts, (tuple, list)) and len(contacts) == 2 \
            and all(_is_int(v) for v in contacts):
        lo, hi = int(contacts[0]), int(contacts[1])
        if lo < 0 or hi < lo:
            raise ValueError(
                f"contacts range must satisfy 0 <= lo <= hi, got {tuple(contacts)!r}")
    else:
        raise ValueError(
            f"contacts must be an integer >= 0 or a (lo, hi) pair of integers, got {contacts!r}")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if not _is_int(horizon_weeks) or horizon_weeks < 1:
        raise ValueError(f"horizon_weeks must be an integer >= 1, got {horizon_weeks!r}")
    if name is not None and not isinstance(name, str):
        raise ValueError(f"name must be a string or None, got {name!r}")
    if isinstance(resource_tightness, bool) or not isinstance(resource_tightness, numbers.Real) \
            or not math.isfinite(float(resource_tightness)) or resource_tightness <= 0:
        raise ValueError(
            f"resource_tightness must be a finite number > 0, got {resource_tightness!r}")
    return lo, hi


# ---------------------------------------------------------------------------
# Generation.

def _company_names(rng, n):
    combos = len(_NAME_FIRST) * len(_NAME_SECOND) * len(_NAME_SUFFIX)
    if n <= combos:
        picks = rng.choice(combos, size=n, replace=False)
    else:  # beyond the word lists: repeat with a number
        picks = rng.integers(0, combos, size=n)
    names = []
    seen = {}
    for p in picks:
        p = int(p)
        i, rest = divmod(p, len(_NAME_SECOND) * len(_NAME_SUFFIX))
        j, k = divmod(rest, len(_NAME_SUFFIX))
        base = f"{_NAME_FIRST[i]} {_NAME_SECOND[j]} {_NAME_SUFFIX[k]}"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base} {seen[base]}")
    return names


def _ensure_tiers(rng, wallet, fit):
    """Nudge a few fits so that every tier (among non-cash-flow accounts) and
    at least one cash-flow customer occur, where the portfolio is large enough
    (n >= 10). Only fits change; wallets, hence the thresholds, stay."""
    n = len(wallet)
    if n < 10:
        return fit
    fit = fit.copy()
    order = np.argsort(-wallet, kind="stable")  # largest first
    th = tiers.thresholds(wallet)
    p90, p70, p40 = th["S_min_wallet"], th["A_min_wallet"], th["B_min_wallet"]

    def labels():
        return tiers.labels(wallet, fit)

    lab = labels()
    if "S" not in lab:  # the largest account fits well
        i = order[0]
        fit[i] = max(fit[i], 0.74 + 0.12 * rng.random())
    lab = labels()
    if "A" not in lab:  # the largest account between P70 and P90 fits moderately
        cand = [i for i in order if p70 <= wallet[i] < p90]
        if cand:
            fit[cand[0]] = max(fit[cand[0]], 0.55 + 0.1 * rng.random())
    lab = labels()
    if "B" not in lab:
        cand = [i for i in order if p40 <= wallet[i] < p70]
        if cand:
            fit[cand[0]] = 0.4 + 0.08 * rng.random()
    lab = labels()
    if "C" not in lab:
        cand = [i for i in order if wallet[i] < p40]
        if cand:
            fit[cand[0]] = max(fit[cand[0]], 0.4 + 0.2 * rng.random())
    lab = labels()
    if "cash_flow" not in lab:  # the worst-fitting small or mid-size account
        cand = [i for i in range(n) if wallet[i] < p70 and lab[i] in ("B", "C")]
        counts = {t: lab.count(t) for t in ("B", "C")}
        cand = [i for i in cand if counts[lab[i]] > 1] or cand
        if cand:
            i = min(cand, key=lambda k: (fit[k], k))
            fit[i] = 0.18 + 0.12 * rng.random()
    return fit


def _contacts(rng, k, coverage, org, fit):
    out = []
    roles = []
    for j in range(k):
        if j == 0:
            roles.append("decision_maker")
        elif j == 1:
            roles.append("technical")
        elif j == 2:
            roles.append("procurement")
        elif j == 4 and rng.random() < 0.4:
            roles.append("decision_maker")
        else:
            roles.append(_OTHER_ROLES[int(rng.choice(len(_OTHER_ROLES), p=_OTHER_ROLE_P))])
    for j, role in enumerate(roles):
        lo, hi = _INFLUENCE_RANGE[role]
        influence = rng.uniform(lo, hi)
        if role == "coach":
            intimacy = rng.beta(4.0, 3.0)
        else:
            intimacy = rng.beta(2.0, 5.0) * (0.7 + 0.6 * coverage + 0.4 * org)
        opposed = role != "coach" and rng.random() < 0.06
        if opposed:
            stance = rng.uniform(-0.75, -0.3)
            support = stance + 0.2 * intimacy * (1.0 - stance) + rng.normal(0.0, 0.08)
            support = min(support, -0.2)
        else:
            stance = rng.normal(0.05 + 0.2 * (fit - 0.5) + (0.25 if role == "coach" else 0.0),
                                0.15)
            support = (stance + 0.3 * intimacy * (1.0 - stance) + 0.3 * org
                       + rng.normal(0.0, 0.1))
        out.append({
            "id": f"c{j + 1}",
            "role": role,
            "influence": _sig(influence, 3),
            "intimacy": _unit(intimacy),
            "support": _signed(support),
            "stance": _signed(stance),
        })
    return out


def generate_portfolio(n_accounts, contacts=8, *, seed=0, horizon_weeks=156, name=None,
                       resource_tightness=1.0):
    """Generate a synthetic scenario dict (docs/model.md §2) for `n_accounts` accounts.

    Parameters
    ----------
    n_accounts : int >= 1
    contacts : int >= 0, or (lo, hi)
        Key contacts per account: exactly that many, or a uniform integer in
        [lo, hi] drawn per account. Every account with a contact has a
        ``decision_maker`` first.
    seed : int >= 0
        Everything is drawn from ``numpy.random.default_rng(seed)``; the same
        arguments give the same dict.
    horizon_weeks : int >= 1
    name : str, optional
        Scenario name (default: "Generated portfolio (N accounts, seed S)").
    resource_tightness : float > 0
        Scales the resources. They are sized from the scenario's own
        "cathedral" policy (the returned ``policy``) at week 0 (docs/model.md §4):
        its joint-innovation-centre commitments (hours, running and setup
        money) are always covered; of the rest of the plan, the account
        managers (to the nearest 0.5 FTE, about n_accounts/3) cover
        1/(1.2 * resource_tightness) of its hours, and executive days and
        budget 1/resource_tightness of its needs. So at 1.0 the plan asks for
        about 20% more account-manager hours than there are and hours bind;
        larger values bind harder (2.0 leaves about half of everything
        flexible), values below about 0.83 leave nothing binding.

    Returns
    -------
    dict with keys name, horizon_weeks, decision_interval_weeks, seed,
    accounts, resources and policy (a tiered plan). No pipeline is listed
    (the engine synthesises one).

    Wallets (in thousands) are lognormal (median about 1.8 thousand, sigma 1.15,
    stratified so that a portfolio of 40 spans a few hundred to a few tens of
    thousands). Fit rises with the size of the account; all four tiers and at
    least one cash-flow customer (fit below the parameter cashflow_fit) occur when
    n_accounts >= 10.
    """
    lo, hi = _check_args(n_accounts, contacts, seed, horizon_weeks, name, resource_tightness)
    n = int(n_accounts)
    rng = np.random.default_rng(int(seed))

    # Wallets: stratified lognormal, random order.
    u = (rng.permutation(n) + 0.15 + 0.7 * rng.random(n)) / n
    z = _norm_ppf(u)
    wallet = np.array([_sig(w) for w in 1800.0 * np.exp(1.15 * z)])
    rank = (np.argsort(np.argsort(wallet, kind="stable"), kind="stable") + 0.5) / n

    # Fit: bigger accounts tend to fit better.
    fit = np.clip(0.33 + 0.5 * rank + rng.normal(0.0, 0.12, n), 0.03, 0.97)
    fit = np.array([_unit(f) for f in fit])
    fit = np.array([_unit(f) for f in _ensure_tiers(rng, wallet, fit)])

    # Where each strategy is heading: mostly near today's fit, a fifth moving.
    drift = rng.normal(0.0, 0.04, n)
    moving = rng.random(n) < 0.2
    direction = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    drift = drift + moving * direction * rng.uniform(0.12, 0.3, n)
    fit_target = np.clip(fit + drift, 0.0, 1.0)

    wallet_growth = np.clip(rng.normal(0.03, 0.03, n), -0.06, 0.12)
    staff = np.maximum(10, np.round(20.0 * (wallet / 150.0) ** 0.8
                                    * np.exp(rng.normal(0.0, 0.25, n))))
    capability_match = np.clip(rng.beta(5.0, 2.0, n) - 0.15 * np.maximum(0.0, rank - 0.85) / 0.15,
                               0.15, 1.0)
    competitor_strength = np.clip(rng.beta(2.5, 2.5, n) * 0.8 + 0.1, 0.0, 1.0)
    coverage = np.clip(0.12 + 0.2 * fit + rng.normal(0.0, 0.07, n), 0.02, 0.7)
    satisfaction = np.clip(0.55 + 0.3 * (coverage - 0.25) + rng.normal(0.0, 0.08, n), 0.25, 0.9)
    org = np.clip(0.04 + 0.3 * fit * capability_match + rng.normal(0.0, 0.06, n), 0.0, 0.6)

    labels = tiers.labels(wallet, fit)

    # A couple of joint innovation centres at the largest strategic accounts.
    n_jic = int(round(0.05 * n))
    s_idx = sorted((i for i in range(n) if labels[i] == "S"), key=lambda i: (-wallet[i], i))
    jic = np.zeros(n, dtype=bool)
    jic[s_idx[:n_jic]] = True

    # A few running agreements among well-fitting accounts, likelier when large.
    n_agr = int(round(0.08 * n))
    agreement = np.zeros(n, dtype=int)
    cand = np.array([i for i in range(n) if fit[i] >= 0.6], dtype=int)
    if n_agr and cand.size:
        w = wallet[cand] ** 0.5
        pick = rng.choice(cand, size=min(n_agr, cand.size), replace=False, p=w / w.sum())
        agreement[pick] = rng.integers(8, 97, size=pick.size)
    org = np.where(agreement > 0, np.maximum(org, rng.uniform(0.5, 0.65, n)), org)
    org = np.where(jic, np.maximum(org, rng.uniform(0.45, 0.6, n)), org)

    n_contacts = rng.integers(lo, hi + 1, size=n) if hi > lo else np.full(n, lo)
    names = _company_names(rng, n)
    width = max(3, len(str(n)))

    accounts = []
    for i in range(n):
        accounts.append({
            "id": f"acc-{i + 1:0{width}d}",
            "name": names[i],
            "wallet": float(wallet[i]),
            "wallet_growth": round(float(wallet_growth[i]), 4),
            "staff": int(staff[i]),
            "fit": float(fit[i]),
            "fit_target": _unit(fit_target[i]),
            "capability_match": _unit(capability_match[i]),
            "competitor_strength": _unit(competitor_strength[i]),
            "coverage": _unit(coverage[i]),
            "satisfaction": _unit(satisfaction[i]),
            "org": _unit(org[i]),
            "agreement_weeks_left": int(agreement[i]),
            "jic": bool(jic[i]),
            "contacts": _contacts(rng, int(n_contacts[i]), float(coverage[i]),
                                  float(org[i]), float(fit[i])),
        })

    # Resources: commitments covered, the flexible rest short by the headroom.
    templates = {k: dict(v) for k, v in _CATHEDRAL_TEMPLATES.items()}
    use = _week0_use(accounts, templates)
    t = float(resource_tightness)
    hours = use.commitments["am_hours"] + use.plan["am_hours"] / (_HEADROOM["hours"] * t)
    exec_days = use.commitments["executive_days"] + use.plan["executive_days"] / (_HEADROOM["exec_days"] * t)
    money = use.commitments["budget"] + use.plan["budget"] / (_HEADROOM["money"] * t)
    defaults = Scenario.defaults()
    am_hours_per_week = defaults["resources"]["am_hours_per_week"]
    resources = {
        "account_managers": max(0.5, round(hours / am_hours_per_week * 2.0) / 2.0),
        "am_hours_per_week": am_hours_per_week,
        "executive_days_per_year": float(max(1, int(round(exec_days)))),
        "budget_per_year": max(1.0, _sig(money, 3)),
        "am_cost_per_year": defaults["resources"]["am_cost_per_year"],
    }

    return {
        "name": name if name is not None else f"Generated portfolio ({n} accounts, seed {seed})",
        "horizon_weeks": int(horizon_weeks),
        "decision_interval_weeks": defaults["decision_interval_weeks"],
        "seed": int(seed),
        "accounts": accounts,
        "resources": resources,
        "policy": {"type": "tiered", "templates": templates},
    }
