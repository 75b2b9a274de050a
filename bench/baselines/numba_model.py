"""Numba baseline of the cathedral model (docs/model.md §3, monte_carlo mode).

A single-threaded ``numba.njit`` kernel with plain loops: replications, then
weeks, then accounts, then contacts (and deals). Random numbers come from
numba's own generator (``np.random.*`` inside njit, seeded with
``np.random.seed``); the streams do not match the engine's, only the
distributions do.

    from baselines.numba_model import simulate, warm_up
    warm_up()                      # compile (not part of any timing)
    out = simulate(scenario_dict, {"type": "static", "default": {...}}, replications=200, seed=1)
    out["revenue"]                 # horizon total per replication, shape (R,)

Exact equivalences used (the same as in numpy_model; each leaves the joint
distribution of every output unchanged):

1. Strategy shifts and contact departures (state-independent weekly
   probability p) are drawn as waiting times: the next event after week t is
   in week t + 1 + Geometric(p) (failures before the first success).
2. The pipeline is a ring buffer of *counts* per account and decision week
   (projects and dug deals apart). Each due deal is then decided on its own
   (one uniform for the direct award, one for the tender), and the size of a
   won deal, d̄ · LogNormal(-σ²/2, σ) (x dig_deal_fraction when dug), is drawn
   when it is won: sizes are i.i.d., independent of everything else and only
   enter the revenue and gross profit of won deals. Listed pipeline deals keep
   their fixed sizes.

Everything else follows docs/model.md literally, week by week and account by
account, including the §3.7 accounting.
"""
from __future__ import annotations

import numpy as np
from numba import njit

try:
    from .common import OUTPUTS, prepare
except ImportError:  # pragma: no cover
    from common import OUTPUTS, prepare

__all__ = ["simulate", "warm_up"]

# Parameter vector layout (compile-time constants inside the kernel).
_PNAMES = (
    "intimacy_gain", "social_half_hours", "social_shape", "value_to_intimacy", "intimacy_decay",
    "org_shelter", "support_gain", "value_half_hours", "value_shape", "support_relax", "affinity",
    "turnover_per_year", "successor_intimacy_base", "successor_intimacy_from_coverage",
    "successor_support_from_org", "coverage_gain", "coverage_decay", "visit_half_per_100_staff",
    "visit_shape", "satisfaction_rate", "satisfaction_floor", "satisfaction_weight_coverage",
    "service_half_hours", "service_shape", "discovery_base", "discovery_from_intimacy",
    "tech_from_coverage", "tech_from_jic", "dig_wallet_share", "dig_deal_fraction",
    "org_from_coverage", "org_from_jic", "org_decay", "benchmarking_jump", "exec_visit_jump",
    "agreement_min_org", "agreement_min_fit", "agreement_weeks", "agreement_circled",
    "fit_reversion", "fit_noise", "strategy_shifts_per_year", "strategy_shift_sd",
    "wallet_fit_growth", "deal_fraction", "deal_size_sigma",
    "win_intercept", "win_support", "win_tech", "win_org", "win_fit", "win_satisfaction",
    "win_competitor", "base_margin", "tech_premium", "agreement_premium",
    "macro_persistence", "macro_sd",
)
_CNAMES = (
    "social_money_per_hour", "visit_hours", "visit_money", "service_money_per_hour",
    "benchmarking_exec_days", "benchmarking_hours", "benchmarking_money",
    "exec_visit_exec_days", "exec_visit_hours", "exec_visit_money",
    "agreement_exec_days", "agreement_hours", "agreement_money",
    "jic_setup_money", "jic_money_per_year", "jic_hours_per_week",
)
(P_IG, P_SHH, P_SSH, P_V2I, P_IDC, P_OSH, P_SG, P_VHH, P_VSH, P_SRX, P_AFF, P_TURN, P_SIB, P_SIC, P_SSO,
 P_CG, P_CD, P_VH100, P_VISH, P_QR, P_QF, P_QWC, P_SVH, P_SVSH, P_DB, P_DFI, P_TFC, P_TFJ, P_DWS, P_DDF,
 P_OFC, P_OFJ, P_OD, P_BJ, P_EJ, P_AMO, P_AMF, P_AW, P_AC, P_FR, P_FN, P_SPY, P_SSD, P_WFG, P_DF, P_DSS,
 P_WI, P_WS, P_WT, P_WO, P_WF, P_WQ, P_WC, P_BM, P_TP, P_AP, P_MP, P_MSD) = range(len(_PNAMES))
(C_SMH, C_VH, C_VM, C_SVM, C_BED, C_BH, C_BMM, C_EED, C_EH, C_EM, C_AED, C_AH, C_AM, C_JSM, C_JMY,
 C_JHW) = range(len(_CNAMES))
# output columns (OUTPUTS order)
(O_REV, O_GP, O_WINS, O_DIRECT, O_SEEN, O_DECIDED, O_SPEND, O_HOURS, O_EXEC, O_CONTRIB,
 O_CASH) = range(len(OUTPUTS))

_NEVER = np.iinfo(np.int64).max // 4


@njit(cache=True)
def _hill(x, half, shape):
    if not (x > 0.0):
        return 0.0
    if shape == 1.0:
        return x / (x + half)
    xc = x ** shape
    return xc / (xc + half ** shape)


@njit(cache=True)
def _clip(x, lo, hi):
    return lo if x < lo else (hi if x > hi else x)


@njit(cache=True)
def _geometric0(p):
    """Failures before the first success."""
    if p <= 0.0:
        return _NEVER
    if p >= 1.0:
        return 0
    return np.random.geometric(p) - 1


@njit(cache=True)
def _events(clock, per_year):
    """§3.2 (version 2): events held this week by an event clock that is at `clock` before it."""
    return int(np.floor((clock + per_year) / 52.0) - np.floor(clock / 52.0))


@njit(cache=True)
def _kernel(seed, R, H, interval, L, D, P, Cst, team_cost,
            ncont, w, I_init, S_init, stance,
            wallet0, growth, staff, fit0, fit_target0, mcap, kappa, C_init, Q_init, O_init, agr_init, jic_init,
            dbar, alloc, pursue, jic_plan, has_listed, listed_week, listed_account, listed_size, out):
    np.random.seed(seed)
    A = wallet0.shape[0]
    Kmax = w.shape[1]

    # per-epoch responses (epoch 0 and later epochs; the allocation is static)
    r_s = np.zeros((2, A, Kmax))
    r_v = np.zeros((2, A, Kmax))
    r_b = np.zeros((2, A))
    r_u = np.zeros((2, A))
    for e in range(2):
        for a in range(A):
            r_b[e, a] = _hill(alloc[e, a, 2], P[P_VH100] * staff[a] / 100.0, P[P_VISH])
            r_u[e, a] = _hill(alloc[e, a, 3], P[P_SVH], P[P_SVSH])
            for k in range(ncont[a]):
                r_s[e, a, k] = _hill(alloc[e, a, 0] * w[a, k], P[P_SHH], P[P_SSH])
                r_v[e, a, k] = _hill(alloc[e, a, 1] * w[a, k], P[P_VHH], P[P_VSH])

    p_shift = 1.0 - np.exp(-P[P_SPY] / 52.0)
    p_turn = 1.0 - np.exp(-P[P_TURN] / 52.0)
    sigma = P[P_DSS]
    mu_ln = -0.5 * sigma * sigma
    ddf = P[P_DDF]
    n_listed = listed_week.shape[0]

    F = np.empty(A)
    Fbar = np.empty(A)
    W = np.empty(A)
    C = np.empty(A)
    Q = np.empty(A)
    O = np.empty(A)
    agr = np.empty(A, dtype=np.int64)
    next_shift = np.empty(A, dtype=np.int64)
    I = np.empty((A, Kmax))
    S = np.empty((A, Kmax))
    next_leave = np.empty((A, Kmax), dtype=np.int64)
    buf_p = np.zeros((L, A), dtype=np.int64)
    buf_d = np.zeros((L, A), dtype=np.int64)
    gp_week = np.zeros(H)
    bm_clock = np.zeros(A)
    ev_clock = np.zeros(A)

    for r in range(R):
        # ---- initial state
        for a in range(A):
            F[a] = fit0[a]
            Fbar[a] = fit_target0[a]
            W[a] = wallet0[a]
            C[a] = C_init[a]
            Q[a] = Q_init[a]
            O[a] = O_init[a]
            agr[a] = agr_init[a]
            next_shift[a] = _geometric0(p_shift)
            bm_clock[a] = 0.0
            ev_clock[a] = 0.0
            for k in range(ncont[a]):
                I[a, k] = I_init[a, k]
                S[a, k] = S_init[a, k]
                next_leave[a, k] = _geometric0(p_turn)
        for j in range(L):
            for a in range(A):
                buf_p[j, a] = 0
                buf_d[j, a] = 0
        for t in range(H):
            gp_week[t] = 0.0

        # ---- initial pipeline: weeks -L..-1 from the initial state and week-0 allocation, W = wallet, M = 1
        for a in range(A):
            if has_listed[a]:
                continue
            Ib0 = 0.0
            for k in range(ncont[a]):
                Ib0 += w[a, k] * I[a, k]
            nu0 = P[P_DB] + (1.0 - P[P_DB]) * (1.0 - (1.0 - C[a]) * (1.0 - P[P_DFI] * Ib0))
            lam0 = wallet0[a] * nu0 / (52.0 * dbar[a])
            mu0 = P[P_DWS] * wallet0[a] / (52.0 * ddf * dbar[a]) * r_b[0, a] * C[a]
            for j in range(L):  # arrivals of week -L + j are decided in week j
                n_p = np.random.poisson(lam0)
                n_d = np.random.poisson(mu0)
                if j < H:
                    buf_p[j, a] = n_p
                    buf_d[j, a] = n_d

        x = 0.0
        lp = 0
        tot_rev = tot_gp = tot_wins = tot_direct = tot_seen = tot_decided = 0.0
        tot_spend = tot_hours = tot_exec = 0.0
        for t in range(H):
            e = 0 if t < interval else 1
            # §3.1 market cycle
            x = P[P_MP] * x + P[P_MSD] * np.random.standard_normal()
            M = np.exp(x)
            slot = t % L
            for a in range(A):
                social = alloc[e, a, 0]
                value = alloc[e, a, 1]
                visits = alloc[e, a, 2]
                service = alloc[e, a, 3]
                bm = alloc[e, a, 4]
                ev = alloc[e, a, 5]
                J = 1.0 if jic_plan[a] else 0.0

                # §3.1 strategy shift, fit, wallet
                if next_shift[a] == t:
                    Fbar[a] = _clip(Fbar[a] + P[P_SSD] * np.random.standard_normal(), 0.0, 1.0)
                    next_shift[a] = t + 1 + _geometric0(p_shift)
                Fa = _clip(F[a] + P[P_FR] * (Fbar[a] - F[a]) + P[P_FN] * np.random.standard_normal(), 0.0, 1.0)
                F[a] = Fa
                if t >= 1:
                    g = max(growth[a] + P[P_WFG] * (Fa - 0.5), -0.99)
                    W[a] = W[a] * (1.0 + g) ** (1.0 / 52.0)
                Wa = W[a]

                # §3.2 events
                n_bm = _events(bm_clock[a], bm)
                n_ev = _events(ev_clock[a], ev)
                bm_clock[a] += bm
                ev_clock[a] += ev

                # §3.3 broad and organisational layers (start-of-step values)
                C0 = C[a]
                O0 = O[a]
                Cn = _clip(C0 + P[P_CG] * r_b[e, a] * (1.0 - C0) - P[P_CD] * C0, 0.0, 1.0)
                Qstar = P[P_QF] + (1.0 - P[P_QF]) * (P[P_QWC] * C0 + (1.0 - P[P_QWC]) * r_u[e, a])
                Qn = _clip(Q[a] + P[P_QR] * (Qstar - Q[a]), 0.0, 1.0)
                Od = O0 + P[P_OFC] * C0 * (1.0 - O0) + P[P_OFJ] * J * Fa * (1.0 - O0) - P[P_OD] * O0
                gap = 1.0 - Od
                keep_bm = 1.0 - P[P_BJ] * Fa * mcap[a]
                keep_ev = 1.0 - P[P_EJ] * Fa * mcap[a]
                for i in range(n_bm):
                    gap *= keep_bm
                for i in range(n_ev):
                    gap *= keep_ev
                On = _clip(1.0 - gap, 0.0, 1.0)
                C[a] = Cn
                Q[a] = Qn
                O[a] = On

                # §3.3 key layer and §3.4 turnover, then the indices
                Kx = 0.0
                Ib = 0.0
                for k in range(ncont[a]):
                    Ik = I[a, k]
                    Sk = S[a, k]
                    st = stance[a, k]
                    In = Ik + P[P_IG] * (r_s[e, a, k] + P[P_V2I] * r_v[e, a, k]) * (1.0 - Ik) \
                        - P[P_IDC] * (1.0 - P[P_OSH] * O0) * Ik
                    Shat = st + P[P_AFF] * Ik * (1.0 - st)
                    Sn = Sk + P[P_SG] * r_v[e, a, k] * (0.5 + 0.5 * Ik) * (1.0 - Sk) - P[P_SRX] * (Sk - Shat)
                    In = _clip(In, 0.0, 1.0)
                    Sn = _clip(Sn, -1.0, 1.0)
                    if next_leave[a, k] == t:
                        In = _clip(P[P_SIB] + P[P_SIC] * Cn, 0.0, 1.0)
                        Sn = _clip(st + P[P_SSO] * On * (1.0 - st), -1.0, 1.0)
                        next_leave[a, k] = t + 1 + _geometric0(p_turn)
                    I[a, k] = In
                    S[a, k] = Sn
                    Kx += w[a, k] * Sn
                    Ib += w[a, k] * In

                # §3.5 agreement
                signed = False
                if agr[a] > 0:
                    agr[a] -= 1
                if agr[a] == 0 and pursue[a] and On >= P[P_AMO] and Fa >= P[P_AMF]:
                    agr[a] = int(P[P_AW])
                    signed = True

                # §3.6 indices, arrivals
                T = min(1.0, P[P_TFC] * Cn + P[P_TFJ] * J)
                nu = P[P_DB] + (1.0 - P[P_DB]) * (1.0 - (1.0 - Cn) * (1.0 - P[P_DFI] * Ib))
                lam = Wa * M * nu / (52.0 * dbar[a])
                mu = P[P_DWS] * Wa / (52.0 * ddf * dbar[a]) * r_b[e, a] * Cn
                n_p = np.random.poisson(lam)
                n_d = np.random.poisson(mu)
                tot_seen += n_p + n_d

                # decisions due this week
                due_p = buf_p[slot, a]
                due_d = buf_d[slot, a]
                if t + L < H:
                    buf_p[slot, a] = n_p
                    buf_d[slot, a] = n_d
                else:
                    buf_p[slot, a] = 0
                    buf_d[slot, a] = 0
                has_listed_due = lp < n_listed and listed_week[lp] == t and listed_account[lp] == a
                rev = 0.0
                gp = 0.0
                if due_p + due_d > 0 or has_listed_due:
                    p_c = P[P_AC] if (agr[a] > 0 and Kx >= 0.0) else 0.0
                    z = (P[P_WI] + P[P_WS] * Kx + P[P_WT] * T + P[P_WO] * On + P[P_WF] * (Fa - 0.5)
                         + P[P_WQ] * (Qn - 0.5) - P[P_WC] * kappa[a])
                    p_w = 1.0 / (1.0 + np.exp(-z))
                    margin = P[P_BM] + P[P_TP] * T
                    for i in range(due_p + due_d):
                        scale = 1.0 if i < due_p else ddf
                        if np.random.random() < p_c:
                            size = dbar[a] * scale * np.random.lognormal(mu_ln, sigma)
                            rev += size
                            gp += size * (margin + P[P_AP])
                            tot_wins += 1.0
                            tot_direct += 1.0
                        elif np.random.random() < p_w:
                            size = dbar[a] * scale * np.random.lognormal(mu_ln, sigma)
                            rev += size
                            gp += size * margin
                            tot_wins += 1.0
                    tot_decided += due_p + due_d
                    while lp < n_listed and listed_week[lp] == t and listed_account[lp] == a:
                        size = listed_size[lp]
                        if np.random.random() < p_c:
                            rev += size
                            gp += size * (margin + P[P_AP])
                            tot_wins += 1.0
                            tot_direct += 1.0
                        elif np.random.random() < p_w:
                            rev += size
                            gp += size * margin
                            tot_wins += 1.0
                        tot_decided += 1.0
                        lp += 1
                tot_rev += rev
                tot_gp += gp
                gp_week[t] += gp

                # §3.7 accounting
                sgn = 1.0 if signed else 0.0
                opens = 1.0 if (t == 0 and jic_plan[a] and not jic_init[a]) else 0.0
                tot_spend += (social * Cst[C_SMH] + visits * Cst[C_VM] + service * Cst[C_SVM]
                              + n_bm * Cst[C_BMM] + n_ev * Cst[C_EM] + J * Cst[C_JMY] / 52.0
                              + opens * Cst[C_JSM] + sgn * Cst[C_AM])
                tot_hours += (social + value + service + visits * Cst[C_VH] + J * Cst[C_JHW]
                              + n_bm * Cst[C_BH] + n_ev * Cst[C_EH] + sgn * Cst[C_AH])
                tot_exec += n_bm * Cst[C_BED] + n_ev * Cst[C_EED] + sgn * Cst[C_AED]

        collected = 0.0
        for t in range(H - D):  # gross profit of week t is collected in week t + D
            collected += gp_week[t]
        out[r, O_REV] = tot_rev
        out[r, O_GP] = tot_gp
        out[r, O_WINS] = tot_wins
        out[r, O_DIRECT] = tot_direct
        out[r, O_SEEN] = tot_seen
        out[r, O_DECIDED] = tot_decided
        out[r, O_SPEND] = tot_spend
        out[r, O_HOURS] = tot_hours
        out[r, O_EXEC] = tot_exec
        out[r, O_CONTRIB] = tot_gp - tot_spend - H * team_cost
        out[r, O_CASH] = collected - tot_spend - H * team_cost


def simulate(scenario: dict, policy: dict, replications: int = 100, seed: int = 0) -> dict:
    """Run `replications` replications; return per-replication horizon totals
    (arrays of shape (R,)) for every name in OUTPUTS, plus 'scale' and 'binding'."""
    m = prepare(scenario, policy)
    acc = m["acc"]
    P = np.array([m["params"][k] for k in _PNAMES], dtype=np.float64)
    Cst = np.array([m["costs"][k] for k in _CNAMES], dtype=np.float64)
    R = int(replications)
    out = np.zeros((R, len(OUTPUTS)))
    _kernel(int(seed) % (2**32), R, m["H"], m["interval"], m["L"], m["D"], P, Cst, float(m["team_cost"]),
            m["n_contacts"], m["weight"], m["intimacy"], m["support"], m["stance"],
            acc["wallet"], acc["wallet_growth"], acc["staff"], acc["fit"], acc["fit_target"],
            acc["capability_match"], acc["competitor_strength"], acc["coverage"], acc["satisfaction"],
            acc["org"], acc["agreement_weeks_left"], acc["jic"], acc["mean_deal"],
            m["alloc"], m["pursue"], m["jic_plan"], m["has_listed"],
            m["listed_week"], m["listed_account"], m["listed_size"], out)
    res = {k: out[:, i].copy() for i, k in enumerate(OUTPUTS)}
    res["scale"] = m["scale"]
    res["binding"] = m["binding"]
    return res


def warm_up() -> None:
    """Compile the kernel on a tiny scenario (numba compiles on first call)."""
    scenario = {
        "horizon_weeks": 20,
        "accounts": [{"id": "a", "wallet": 100.0, "contacts": [{"id": "c"}],
                      "pipeline": [{"size": 5.0, "decision_week": 3}]},
                     {"id": "b", "wallet": 50.0}],
        "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1000},
    }
    simulate(scenario, {"type": "static", "default": {"social_hours": 1.0, "visits": 1.0}},
             replications=2, seed=0)
