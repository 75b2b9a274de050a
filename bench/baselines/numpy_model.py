"""Vectorised numpy baseline of the cathedral model (docs/model.md §3, monte_carlo mode).

Every state is an array over replications x accounts (x contacts); the only
Python loop is over the weeks. Random numbers come from one
``numpy.random.Generator(PCG64(seed))``: the streams do not match the engine's
(docs/model.md §10 is not reproduced), only the distributions do.

    from baselines.numpy_model import simulate
    out = simulate(scenario_dict, {"type": "static", "default": {...}}, replications=100, seed=1)
    out["revenue"]          # horizon total per replication, shape (R,)

Exact equivalences used instead of the literal per-week / per-deal draws
(each gives the same joint distribution of every output):

1. Strategy shifts and contact departures are Bernoulli events with a fixed
   weekly probability p that does not depend on the state. Instead of a coin
   per week we draw the waiting time to the next event, Geometric(p) (number
   of failures before the first success); after an event in week t the next
   one is in week t + 1 + Geometric(p). The event weeks form the same
   Bernoulli process.

2. The pipeline is kept as *counts*: per (replication, account) and decision
   week, the number of project deals and of dug deals that will be decided
   then (a ring buffer over the L = sales_cycle_weeks weeks ahead). This is
   exact because
   (a) every deal of an account decided in week t faces the same direct-award
       probability p_c and tender-win probability p_w (both depend only on the
       account's state in week t), and the deals' decisions are independent;
       so of n deals due, the numbers (k direct, m tender wins, n-k-m lost)
       are Multinomial(n; p_c, (1-p_c) p_w, ...), drawn as
       k ~ Binomial(n, p_c), m ~ Binomial(n-k, p_w);
   (b) a deal's size d̄ · LogNormal(-σ²/2, σ) (x dig_deal_fraction when dug)
       is independent of everything else and enters nothing but the revenue
       and gross profit of the deal if it is won (a static policy observes no
       pipeline value). Given the counts, the sizes of the won deals are
       therefore i.i.d. with the size distribution of their kind, and we draw
       them only when the deal is won: revenue = d̄ · (sum of k + m fresh size
       factors), split into directly awarded (margin + agreement_premium) and
       tender wins (margin). The conditional law of (revenue, gp) given all
       other variables is the same as with sizes drawn on arrival.
   Listed pipeline deals (fixed sizes) are handled one by one.

3. Spend, hours and executive days do not depend on the replication except
   through agreement signings (and nothing else random), so the
   deterministic part is summed once and the signing costs are added per
   replication.
"""
from __future__ import annotations

import numpy as np

try:  # run as part of the package `baselines` or with bench/baselines on sys.path
    from .common import OUTPUTS, prepare
except ImportError:  # pragma: no cover
    from common import OUTPUTS, prepare

__all__ = ["simulate"]


def _hill(x, half, shape):
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    pos = x > 0.0
    if shape == 1.0:
        out[pos] = x[pos] / (x[pos] + half)
    else:
        xc = x[pos] ** shape
        out[pos] = xc / (xc + half ** shape)
    return out


def _events(clock, per_year):
    """§3.2 (version 2): the events held this week by the event clocks (arrays over
    accounts), and the clocks advanced by the week's rates."""
    after = clock + per_year
    return (np.floor(after / 52.0) - np.floor(clock / 52.0)).astype(np.int64), after


def _waiting(rng, p, shape):
    """Geometric(p) number of failures before the first success."""
    if p <= 0.0:
        return np.full(shape, np.iinfo(np.int64).max // 4, dtype=np.int64)
    return rng.geometric(p, size=shape).astype(np.int64) - 1


def simulate(scenario: dict, policy: dict, replications: int = 100, seed: int = 0) -> dict:
    """Run `replications` Monte Carlo replications; return per-replication
    horizon totals (arrays of shape (R,)) for every name in OUTPUTS, plus
    'scale' (the factors f of epoch 0 and later) and 'binding'."""
    m = prepare(scenario, policy)
    p, c, acc = m["params"], m["costs"], m["acc"]
    R, A, Kmax, H, L, D = int(replications), m["A"], m["Kmax"], m["H"], m["L"], m["D"]
    interval = m["interval"]
    rng = np.random.Generator(np.random.PCG64(seed))

    # ---- per-epoch constants (epoch 0 and later epochs) -------------------
    alloc = m["alloc"]                                  # (2, A, 6)
    w = m["weight"]                                     # (A, K)
    r_s = np.stack([_hill(alloc[e, :, 0][:, None] * w, p["social_half_hours"], p["social_shape"]) for e in (0, 1)])
    r_v = np.stack([_hill(alloc[e, :, 1][:, None] * w, p["value_half_hours"], p["value_shape"]) for e in (0, 1)])
    r_b = np.stack([_hill(alloc[e, :, 2], p["visit_half_per_100_staff"] * acc["staff"] / 100.0, p["visit_shape"])
                    for e in (0, 1)])
    r_u = np.stack([_hill(alloc[e, :, 3], p["service_half_hours"], p["service_shape"]) for e in (0, 1)])
    J = m["jic_plan"].astype(np.float64)                # static: J from week 0 on
    opening = m["jic_plan"] & ~acc["jic"]
    pursue = m["pursue"]
    mcap = acc["capability_match"]
    kappa = acc["competitor_strength"]
    dbar = acc["mean_deal"]
    stance = m["stance"]
    sigma = p["deal_size_sigma"]
    ddf = p["dig_deal_fraction"]

    # ---- state --------------------------------------------------------------
    F = np.tile(acc["fit"], (R, 1))
    Fbar = np.tile(acc["fit_target"], (R, 1))
    W = np.tile(acc["wallet"], (R, 1))
    C = np.tile(acc["coverage"], (R, 1))
    Q = np.tile(acc["satisfaction"], (R, 1))
    O = np.tile(acc["org"], (R, 1))
    agr = np.tile(acc["agreement_weeks_left"], (R, 1))
    I = np.tile(m["intimacy"], (R, 1, 1))
    S = np.tile(m["support"], (R, 1, 1))
    x = np.zeros(R)
    tmp = np.empty_like(I)
    tmp2 = np.empty_like(I)
    # per-epoch constants of the key layer (see the rearrangement in the loop)
    a_int = p["intimacy_gain"] * (r_s + p["value_to_intimacy"] * r_v)          # (2, A, K)
    one_minus_a = 1.0 - a_int
    gv2 = 0.5 * p["support_gain"] * r_v
    s_from_i = p["support_relax"] * p["affinity"] * (1.0 - stance)            # (A, K)
    s_const = p["support_relax"] * stance

    p_shift = 1.0 - np.exp(-p["strategy_shifts_per_year"] / 52.0)
    p_turn = 1.0 - np.exp(-p["turnover_per_year"] / 52.0)
    next_shift = _waiting(rng, p_shift, (R, A))
    next_leave = _waiting(rng, p_turn, (R, A, Kmax))

    # ---- initial pipeline (§3.6) ---------------------------------------------
    # ring buffer: slot t % L holds the deals decided in week t
    buf_p = np.zeros((L, R, A), dtype=np.int64)
    buf_d = np.zeros((L, R, A), dtype=np.int64)
    synth = ~m["has_listed"]
    Ibar0 = (m["intimacy"] * w).sum(axis=1)
    C_init = acc["coverage"]
    nu0 = p["discovery_base"] + (1.0 - p["discovery_base"]) * (
        1.0 - (1.0 - C_init) * (1.0 - p["discovery_from_intimacy"] * Ibar0))
    lam0 = np.where(synth, acc["wallet"] * 1.0 * nu0 / (52.0 * dbar), 0.0)
    mu0 = np.where(synth, p["dig_wallet_share"] * acc["wallet"] / (52.0 * ddf * dbar) * r_b[0] * C_init, 0.0)
    for j in range(min(L, H)):  # arrivals of week -L + j, decided in week j
        buf_p[j] = rng.poisson(lam0, size=(R, A))
        buf_d[j] = rng.poisson(mu0, size=(R, A))
    lw, la, ls = m["listed_week"], m["listed_account"], m["listed_size"]
    lptr = 0

    # ---- accumulators --------------------------------------------------------
    tot = {k: np.zeros(R) for k in OUTPUTS}
    gp_week = np.zeros((H, R))
    n_signed = np.zeros(R)
    det_spend = det_hours = det_exec = 0.0
    flat_index = np.arange(4 * R * A)

    bm_clock = np.zeros(A)
    ev_clock = np.zeros(A)
    for t in range(H):
        e = 0 if t < interval else 1
        social, value, visits, service, bm, ev = (alloc[e, :, i] for i in range(6))

        # §3.1 market cycle, strategy shift, fit, wallet
        x = p["macro_persistence"] * x + p["macro_sd"] * rng.standard_normal(R)
        M = np.exp(x)
        sh = next_shift == t
        n_sh = int(sh.sum())
        if n_sh:
            Fbar[sh] = np.clip(Fbar[sh] + p["strategy_shift_sd"] * rng.standard_normal(n_sh), 0.0, 1.0)
            next_shift[sh] = t + 1 + _waiting(rng, p_shift, n_sh)
        F = np.clip(F + p["fit_reversion"] * (Fbar - F) + p["fit_noise"] * rng.standard_normal((R, A)), 0.0, 1.0)
        if t >= 1:
            g = np.maximum(acc["wallet_growth"] + p["wallet_fit_growth"] * (F - 0.5), -0.99)
            W = W * (1.0 + g) ** (1.0 / 52.0)

        # §3.2 events
        n_bm, bm_clock = _events(bm_clock, bm)
        n_ev, ev_clock = _events(ev_clock, ev)

        # §3.3 the three layers, right-hand sides at the start of the step
        C0, O0 = C, O
        C = np.clip(C0 + p["coverage_gain"] * r_b[e] * (1.0 - C0) - p["coverage_decay"] * C0, 0.0, 1.0)
        Qs = p["satisfaction_floor"] + (1.0 - p["satisfaction_floor"]) * (
            p["satisfaction_weight_coverage"] * C0 + (1.0 - p["satisfaction_weight_coverage"]) * r_u[e])
        Q = np.clip(Q + p["satisfaction_rate"] * (Qs - Q), 0.0, 1.0)
        Od = O0 + p["org_from_coverage"] * C0 * (1.0 - O0) + p["org_from_jic"] * J * F * (1.0 - O0) \
            - p["org_decay"] * O0
        O = np.clip(1.0 - (1.0 - Od) * (1.0 - p["benchmarking_jump"] * F * mcap) ** n_bm
                    * (1.0 - p["exec_visit_jump"] * F * mcap) ** n_ev, 0.0, 1.0)
        # Key layer, in place on (R, A, K) arrays (the bulk of the work), rearranged:
        #   S' = S + g_v (0.5 + 0.5 I)(1 - S) - relax (S - stance - affinity I (1 - stance))
        #      = (1 - relax) S + gv2 (1 + I)(1 - S) + relax affinity (1 - stance) I + relax stance
        #   I' = I + a (1 - I) - b I = a + (1 - a - b) I,
        # with a = intimacy_gain (r_s + value_to_intimacy r_v), b = intimacy_decay (1 - org_shelter O).
        # S first: both right-hand sides use the I at the start of the step.
        np.add(I, 1.0, out=tmp2)
        tmp2 *= gv2[e]
        np.subtract(1.0, S, out=tmp)
        tmp *= tmp2
        S *= 1.0 - p["support_relax"]
        S += tmp
        np.multiply(I, s_from_i, out=tmp)
        S += tmp
        S += s_const
        np.clip(S, -1.0, 1.0, out=S)
        b = p["intimacy_decay"] * (1.0 - p["org_shelter"] * O0)
        np.subtract(one_minus_a[e], b[:, :, None], out=tmp)
        I *= tmp
        I += a_int[e]
        np.clip(I, 0.0, 1.0, out=I)

        # §3.4 turnover: successors from this week's C and O
        lv = next_leave == t
        n_lv = int(lv.sum())
        if n_lv:
            ri, ai, ki = np.nonzero(lv)
            I[ri, ai, ki] = np.clip(p["successor_intimacy_base"]
                                    + p["successor_intimacy_from_coverage"] * C[ri, ai], 0.0, 1.0)
            st = stance[ai, ki]
            S[ri, ai, ki] = np.clip(st + p["successor_support_from_org"] * O[ri, ai] * (1.0 - st), -1.0, 1.0)
            next_leave[ri, ai, ki] = t + 1 + _waiting(rng, p_turn, n_lv)

        # §3.5 agreement
        agr = agr - (agr > 0)
        signed = (agr == 0) & pursue & (O >= p["agreement_min_org"]) & (F >= p["agreement_min_fit"])
        agr = np.where(signed, int(p["agreement_weeks"]), agr)
        n_signed += signed.sum(axis=1)

        # §3.6 indices
        Kx = (S * w).sum(axis=2)
        Ib = (I * w).sum(axis=2)
        T = np.minimum(1.0, p["tech_from_coverage"] * C + p["tech_from_jic"] * J)
        nu = p["discovery_base"] + (1.0 - p["discovery_base"]) * (
            1.0 - (1.0 - C) * (1.0 - p["discovery_from_intimacy"] * Ib))

        # arrivals: seen projects and dug deals
        lam = W * M[:, None] * nu / (52.0 * dbar)
        mu = p["dig_wallet_share"] * W / (52.0 * ddf * dbar) * r_b[e] * C
        a_p = rng.poisson(lam)
        a_d = rng.poisson(mu)
        tot["seen_deals"] += (a_p + a_d).sum(axis=1)

        # decisions due this week
        slot = t % L
        due_p = buf_p[slot].copy()
        due_d = buf_d[slot].copy()
        if t + L < H:
            buf_p[slot] = a_p
            buf_d[slot] = a_d
        else:
            buf_p[slot] = 0
            buf_d[slot] = 0
        p_c = np.where((agr > 0) & (Kx >= 0.0), p["agreement_circled"], 0.0)
        p_w = 1.0 / (1.0 + np.exp(-(p["win_intercept"] + p["win_support"] * Kx + p["win_tech"] * T
                                    + p["win_org"] * O + p["win_fit"] * (F - 0.5)
                                    + p["win_satisfaction"] * (Q - 0.5) - p["win_competitor"] * kappa)))
        margin = p["base_margin"] + p["tech_premium"] * T
        k_p = rng.binomial(due_p, p_c)
        m_p = rng.binomial(due_p - k_p, p_w)
        k_d = rng.binomial(due_d, p_c)
        m_d = rng.binomial(due_d - k_d, p_w)
        # sizes of the won deals only (equivalence 2b in the module docstring)
        counts = np.stack([k_p, m_p, k_d, m_d]).reshape(-1)
        n_won = int(counts.sum())
        if n_won:
            factors = rng.lognormal(-0.5 * sigma * sigma, sigma, size=n_won)
            sums = np.bincount(np.repeat(flat_index, counts), weights=factors,
                               minlength=4 * R * A).reshape(4, R, A)
        else:
            sums = np.zeros((4, R, A))
        rev_direct = dbar * (sums[0] + ddf * sums[2])
        rev_tender = dbar * (sums[1] + ddf * sums[3])
        revenue = rev_direct + rev_tender
        gp = rev_direct * (margin + p["agreement_premium"]) + rev_tender * margin
        wins = k_p + m_p + k_d + m_d
        direct = k_p + k_d
        decided = due_p + due_d

        # listed deals due this week (fixed sizes, one by one)
        while lptr < len(lw) and lw[lptr] == t:
            a = la[lptr]
            u_award = rng.random(R)
            u_win = rng.random(R)
            d_win = u_award < p_c[:, a]
            t_win = ~d_win & (u_win < p_w[:, a])
            revenue[:, a] += ls[lptr] * (d_win | t_win)
            gp[:, a] += ls[lptr] * (d_win * (margin[:, a] + p["agreement_premium"]) + t_win * margin[:, a])
            wins[:, a] += d_win | t_win
            direct[:, a] += d_win
            decided[:, a] += 1
            lptr += 1

        tot["revenue"] += revenue.sum(axis=1)
        gp_r = gp.sum(axis=1)
        tot["gross_profit"] += gp_r
        gp_week[t] = gp_r
        tot["wins"] += wins.sum(axis=1)
        tot["direct_awards"] += direct.sum(axis=1)
        tot["decided_deals"] += decided.sum(axis=1)

        # §3.7 accounting: the part without agreement signings is the same in every replication
        det_spend += float(np.sum(social * c["social_money_per_hour"] + visits * c["visit_money"]
                                  + service * c["service_money_per_hour"] + n_bm * c["benchmarking_money"]
                                  + n_ev * c["exec_visit_money"] + J * c["jic_money_per_year"] / 52.0
                                  + (opening * c["jic_setup_money"] if t == 0 else 0.0)))
        det_hours += float(np.sum(social + value + service + visits * c["visit_hours"]
                                  + J * c["jic_hours_per_week"] + n_bm * c["benchmarking_hours"]
                                  + n_ev * c["exec_visit_hours"]))
        det_exec += float(np.sum(n_bm * c["benchmarking_exec_days"] + n_ev * c["exec_visit_exec_days"]))

    tot["spend"] = det_spend + n_signed * c["agreement_money"]
    tot["hours"] = det_hours + n_signed * c["agreement_hours"]
    tot["exec_days"] = det_exec + n_signed * c["agreement_exec_days"]
    team = H * m["team_cost"]
    tot["contribution"] = tot["gross_profit"] - tot["spend"] - team
    collected = gp_week[:max(H - D, 0)].sum(axis=0)   # gross profit of week t is collected in week t + D
    tot["cash_flow"] = collected - tot["spend"] - team
    tot["scale"] = m["scale"]
    tot["binding"] = m["binding"]
    return tot
