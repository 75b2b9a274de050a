#include "cathedral/replication.hpp"

#include <array>
#include <cmath>

#include "cathedral/accounting.hpp"
#include "cathedral/broad_layer.hpp"
#include "cathedral/key_layer.hpp"
#include "cathedral/market.hpp"
#include "cathedral/org_layer.hpp"

namespace cathedral {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define CATHEDRAL_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CATHEDRAL_VECTOR_CLONES
#endif

Replication::Replication(const Model& m, Mode mode)
    : m_(m),
      mode_(mode),
      L_(static_cast<int>(m.params.sales_cycle_weeks)),
      D_(static_cast<int>(m.params.payment_delay_weeks)),
      p_turnover_(1.0 - std::exp(-m.params.turnover_per_year / 52.0)),
      p_shift_(market::strategy_shift_probability(m.params)) {
  const std::size_t A = static_cast<std::size_t>(m.n_accounts);
  const std::size_t K = m.contact_ids.size();
  for (auto* v : {&fit_, &fit_target_, &wallet_, &coverage_, &satisfaction_, &org_, &support_index_,
                  &intimacy_index_, &residual_projects_, &residual_dig_, &revenue_to_date_, &gp_to_date_,
                  &r_visits_, &r_service_, &competitor_})
    v->assign(A, 0.0);
  agreement_left_.assign(A, 0);
  jic_.assign(A, 0);
  opening_.assign(A, 0);
  n_benchmarking_.assign(A, 0);
  n_exec_visits_.assign(A, 0);
  next_shift_.assign(A, 0);
  for (auto* v : {&strategy_stream_, &fit_stream_, &project_stream_, &dig_stream_, &size_stream_, &decision_stream_})
    v->assign(A, Stream());
  book_.assign(A, pipeline::Book());
  gp_due_.assign(A * static_cast<std::size_t>(D_ + 1), 0.0);
  intimacy_.assign(K, 0.0);
  support_.assign(K, 0.0);
  next_leave_.assign(K, 0);
  turnover_stream_.assign(K, Stream());
  r_social_.assign(K, 0.0);
  contact_org_start_.assign(K, 0.0);
  cell_.assign(K, 0);
  r_value_.assign(K, 0.0);
  alloc_.assign(A * kNumAllocFields, 0.0);
}

void Replication::start(std::int64_t rep, std::uint64_t seed) {
  rep_ = rep;
  const auto r = static_cast<std::uint64_t>(rep);
  const bool mc = mode_ == Mode::monte_carlo;
  market_x_ = 0.0;
  market_stream_ = Stream(stream_key(seed, r, 0, Purpose::market));
  for (int a = 0; a < m_.n_accounts; ++a) {
    const std::uint64_t id = m_.account_hash[a];
    fit_[a] = m_.fit[a];
    fit_target_[a] = m_.fit_target[a];
    wallet_[a] = m_.wallet[a];
    coverage_[a] = m_.coverage[a];
    satisfaction_[a] = m_.satisfaction[a];
    org_[a] = m_.org[a];
    agreement_left_[a] = m_.agreement_weeks_left[a];
    jic_[a] = m_.jic[a];
    revenue_to_date_[a] = gp_to_date_[a] = 0.0;
    competitor_[a] = m_.competitor_strength[a];
    strategy_stream_[a] = Stream(stream_key(seed, r, id, Purpose::strategy));
    fit_stream_[a] = Stream(stream_key(seed, r, id, Purpose::fit));
    project_stream_[a] = Stream(stream_key(seed, r, id, Purpose::arrivals, 0));
    dig_stream_[a] = Stream(stream_key(seed, r, id, Purpose::arrivals, 1));
    size_stream_[a] = Stream(stream_key(seed, r, id, Purpose::sizes));
    decision_stream_[a] = Stream(stream_key(seed, r, id, Purpose::decisions));
    // Strategy shifts and departures are memoryless and do not depend on the
    // state: draw the waiting time to the next one instead of a coin a week.
    next_shift_[a] = mc ? strategy_stream_[a].geometric(p_shift_) : INT64_MAX;
    residual_projects_[a] = mc ? project_stream_[a].exponential() : 0.0;
    residual_dig_[a] = mc ? dig_stream_[a].exponential() : 0.0;
    for (int d = 0; d <= D_; ++d) gp_due_[static_cast<std::size_t>(a) * (D_ + 1) + d] = 0.0;

    double K = 0.0, Ibar = 0.0;
    for (int k = m_.contact_begin[a]; k < m_.contact_begin[a + 1]; ++k) {
      intimacy_[k] = m_.contact_intimacy[k];
      support_[k] = m_.contact_support[k];
      K += m_.contact_weight[k] * support_[k];
      Ibar += m_.contact_weight[k] * intimacy_[k];
      turnover_stream_[k] = Stream(stream_key(seed, r, id, Purpose::turnover, static_cast<std::uint64_t>(k - m_.contact_begin[a])));
      next_leave_[k] = mc ? turnover_stream_[k].geometric(p_turnover_) : INT64_MAX;
    }
    support_index_[a] = K;
    intimacy_index_[a] = Ibar;

    book_[a].clear();
    for (int i = m_.listed_begin[a]; i < m_.listed_begin[a + 1]; ++i) {
      const ListedDeal& d = m_.listed_deals[i];
      pipeline::Deal deal{d.size, 1.0, 0.0, 0.0, d.decision_week};
      if (mc) {
        deal.u_award = decision_stream_[a].uniform();
        deal.u_win = decision_stream_[a].uniform();
      }
      book_[a].add(deal);
    }
  }
  synthesise_pipeline(true);
}

void Replication::observe(Observation& obs, int row) const {
  obs.replication[row] = rep_;
  for (int a = 0; a < m_.n_accounts; ++a) {
    const std::size_t i = obs.at(row, a);
    obs.tier[i] = static_cast<std::int8_t>(tier_of(m_.tier_rules, wallet_[a], fit_[a]));
    obs.cash_flow[i] = is_cash_flow(m_.tier_rules, fit_[a]) ? 1 : 0;
    obs.wallet[i] = wallet_[a];
    obs.fit[i] = fit_[a];
    obs.coverage[i] = coverage_[a];
    obs.satisfaction[i] = satisfaction_[a];
    obs.org[i] = org_[a];
    obs.support[i] = support_index_[a];
    obs.intimacy[i] = intimacy_index_[a];
    obs.agreement_weeks_left[i] = agreement_left_[a];
    obs.jic[i] = jic_[a];
    obs.revenue_to_date[i] = revenue_to_date_[a];
    obs.gross_profit_to_date[i] = gp_to_date_[a];
    obs.pipeline_value[i] = book_[a].open_value();
    std::int32_t* grid = obs.grid.data() + i * kGridCells;
    for (int c = 0; c < kGridCells; ++c) grid[c] = 0;
    for (int k = m_.contact_begin[a]; k < m_.contact_begin[a + 1]; ++k)
      ++grid[grid_cell(m_.grid, intimacy_[k], support_[k])];
  }
}

void Replication::begin_epoch(int week, std::span<const double> allocation, const std::vector<double>& focus) {
  const Params& p = m_.params;
  std::copy(allocation.begin(), allocation.end(), alloc_.begin());
  epoch_week_ = week;
  for (int a = 0; a < m_.n_accounts; ++a) {
    const double* x = alloc_.data() + static_cast<std::size_t>(a) * kNumAllocFields;
    r_visits_[a] = broad_layer::visit_response(p, x[static_cast<int>(AllocField::visits)], m_.staff[a]);
    r_service_[a] = broad_layer::service_response(p, x[static_cast<int>(AllocField::service_hours)]);
    for (int k = m_.contact_begin[a]; k < m_.contact_begin[a + 1]; ++k) {
      // s_k = social_hours · φ_k, v_k = value_hours · φ_k
      r_social_[k] = hill(x[static_cast<int>(AllocField::social_hours)] * focus[k], p.social_half_hours, p.social_shape);
      r_value_[k] = hill(x[static_cast<int>(AllocField::value_hours)] * focus[k], p.value_half_hours, p.value_shape);
    }
    const bool run_centre = x[static_cast<int>(AllocField::jic)] != 0.0;
    opening_[a] = run_centre && !jic_[a];
    jic_[a] = run_centre;
  }
  if (week == 0) synthesise_pipeline(false);
}

void Replication::add_arrivals(int a, int week, double project_rate, double dig_rate, double& seen) {
  const Params& p = m_.params;
  const double d_bar = m_.mean_deal[a];
  const int due = week + L_;
  if (mode_ == Mode::mean_field) {
    // Expected arrivals: one pseudo-deal holding the expected count and value.
    seen += project_rate + dig_rate;
    if (due < m_.horizon_weeks && project_rate + dig_rate > 0.0)
      book_[a].add({project_rate * d_bar + dig_rate * d_bar * p.dig_deal_fraction, project_rate + dig_rate, 0.0, 0.0, due});
    return;
  }
  // Time-changed Poisson processes: each residual is the distance to the
  // next point of a unit-rate process, so only arrivals cost draws.
  residual_projects_[a] -= project_rate;
  residual_dig_[a] -= dig_rate;
  draw_arrivals(a, week, seen);
}

// The points of the arrival processes that this week's rates reached: the
// deals, their sizes and their decision draws, projects first.
void Replication::draw_arrivals(int a, int week, double& seen) {
  const Params& p = m_.params;
  const double d_bar = m_.mean_deal[a];
  const int due = week + L_;
  auto arrive = [&](double scale) {
    pipeline::Deal d{d_bar * scale * pipeline::size_factor(p, size_stream_[a].normal()), 1.0,
                     decision_stream_[a].uniform(), decision_stream_[a].uniform(), due};
    seen += 1.0;
    if (due < m_.horizon_weeks) book_[a].add(d);
  };
  double& rp = residual_projects_[a];
  while (rp <= 0.0) {
    arrive(1.0);
    rp += project_stream_[a].exponential();
  }
  double& rd = residual_dig_[a];
  while (rd <= 0.0) {
    arrive(p.dig_deal_fraction);
    rd += dig_stream_[a].exponential();
  }
}

// MODEL.md §3.6 "Initial pipeline": weeks −L … −1 add one week's arrivals
// from the initial state and the allocation of week 0, with W = wallet, M = 1.
// Projects do not depend on the allocation and are added when the replication
// starts, so the first observation sees them; dug deals need the week-0
// visits and are added when the first epoch begins.
void Replication::synthesise_pipeline(bool projects) {
  const Params& p = m_.params;
  for (int a = 0; a < m_.n_accounts; ++a) {
    if (m_.has_listed_pipeline[a]) continue;
    double lam = 0.0, mu = 0.0;
    if (projects) {
      const double nu = pipeline::discovery(p, coverage_[a], intimacy_index_[a]);
      lam = pipeline::project_rate(m_.wallet[a], 1.0, nu, m_.mean_deal[a]);
    } else {
      mu = pipeline::dig_rate(p, m_.wallet[a], m_.mean_deal[a], r_visits_[a], coverage_[a]);
    }
    double unused = 0.0;
    for (int w = -L_; w < 0; ++w) add_arrivals(a, w, lam, mu, unused);
  }
}

// §3.3 key layer for every contact of the replication, from I, S and the
// account's O at the start of the step: one flat, branch-free loop. Built
// for AVX2 too (picked at run time): element-wise IEEE arithmetic without
// FMA gives the same bits either way.
CATHEDRAL_VECTOR_CLONES
void Replication::key_pass() {
  const Params p = m_.params;  // a local copy: no aliasing with the arrays below
  const std::size_t n = intimacy_.size();
  double* __restrict I = intimacy_.data();
  double* __restrict S = support_.data();
  const double* __restrict stance = m_.contact_stance.data();
  const double* __restrict r_s = r_social_.data();
  const double* __restrict r_v = r_value_.data();
  const double* __restrict org_start = contact_org_start_.data();
  for (std::size_t k = 0; k < n; ++k) {
    const key_layer::ContactState c = key_layer::step(p, {I[k], S[k]}, stance[k], r_s[k], r_v[k], org_start[k]);
    I[k] = c.intimacy;
    S[k] = c.support;
  }
}

// §3.4: successors start from this week's C and O. Monte Carlo: the contacts
// whose drawn departure week is now, and those a contact_leaves shock removes;
// mean field: every contact mixes its successor in at the departure rate.
template <bool kMeanField>
void Replication::turnover_pass(int t) {
  const Params& p = m_.params;
  const std::size_t n = intimacy_.size();
  double* __restrict I = intimacy_.data();
  double* __restrict S = support_.data();
  const double* __restrict stance = m_.contact_stance.data();
  const int* __restrict account = m_.contact_account.data();
  if constexpr (kMeanField) {
    const double keep = 1.0 - p_turnover_;
    for (std::size_t k = 0; k < n; ++k) {
      const key_layer::ContactState s = key_layer::successor(p, stance[k], coverage_[account[k]], org_[account[k]]);
      I[k] = keep * I[k] + p_turnover_ * s.intimacy;
      S[k] = keep * S[k] + p_turnover_ * s.support;
    }
  } else {
    for (std::size_t k = 0; k < n; ++k) {
      if (next_leave_[k] != t) continue;
      const key_layer::ContactState s = key_layer::successor(p, stance[k], coverage_[account[k]], org_[account[k]]);
      I[k] = s.intimacy;
      S[k] = s.support;
      next_leave_[k] = t + 1 + turnover_stream_[k].geometric(p_turnover_);
    }
  }
  for (const Model::WeekShock& sh : m_.shocks_by_week[t]) {
    if (sh.type != Shock::Type::contact_leaves) continue;
    const int k = sh.contact;
    const key_layer::ContactState s = key_layer::successor(p, stance[k], coverage_[account[k]], org_[account[k]]);
    I[k] = s.intimacy;
    S[k] = s.support;
  }
}

// Every contact's nine-grid cell at the end of the week: one flat vector loop.
CATHEDRAL_VECTOR_CLONES
void Replication::cell_pass() {
  const std::size_t n = intimacy_.size();
  const double* __restrict I = intimacy_.data();
  const double* __restrict S = support_.data();
  std::int32_t* __restrict cell = cell_.data();
  const GridCuts g = m_.grid;
  for (std::size_t k = 0; k < n; ++k) cell[k] = grid_cell(g, I[k], S[k]);
}

// The indices K = Σ w_k S_k and Ī = Σ w_k I_k of one account (summed in
// contact order) and its nine-grid tallies.
void Replication::index_pass(int k0, int k1, double& K, double& Ibar, std::int32_t* grid) const {
  const double* __restrict I = intimacy_.data();
  const double* __restrict S = support_.data();
  const double* __restrict weight = m_.contact_weight.data();
  if (!grid || k1 - k0 >= 128) {
    for (int k = k0; k < k1; ++k) {
      K += weight[k] * S[k];
      Ibar += weight[k] * I[k];
    }
    if (grid)
      for (int k = k0; k < k1; ++k) ++grid[cell_[k]];
    return;
  }
  // Tallies packed 7 bits a cell into one word: no memory traffic per contact,
  // and one loop with the sums (one loop exit to predict per account).
  static constexpr std::array<std::uint64_t, kGridCells> kBit{1ULL,       1ULL << 7,  1ULL << 14, 1ULL << 21, 1ULL << 28,
                                                              1ULL << 35, 1ULL << 42, 1ULL << 49, 1ULL << 56};
  std::uint64_t cells = 0;
  for (int k = k0; k < k1; ++k) {
    K += weight[k] * S[k];
    Ibar += weight[k] * I[k];
    cells += kBit[static_cast<std::size_t>(cell_[k])];
  }
  for (int c = 0; c < kGridCells; ++c) grid[c] += static_cast<std::int32_t>((cells >> (7 * c)) & 0x7f);
}

void Replication::run_week(int week, const RecordTargets& out) {
  if (mode_ == Mode::mean_field)
    step<true>(week, out);
  else
    step<false>(week, out);
}

template <bool kMeanField>
void Replication::step(int t, const RecordTargets& out) {
  const Params& p = m_.params;
  const Costs& c = m_.costs;
  const int A = m_.n_accounts;

  // §3.1 market cycle (portfolio-wide); mean field: M ≡ 1.
  double M = m_.market_factor[t];  // market shocks multiply M_t
  if constexpr (!kMeanField) {
    market_x_ = market::cycle_step(p, market_x_, p.macro_sd > 0.0 ? market_stream_.normal() : 0.0);
    M *= std::exp(market_x_);
  }
  // Shocks of the week: a strategy shift sets F̄ before §3.1's fit step, a
  // competitor push sets κ from this week on (a departure happens in §3.4).
  for (const Model::WeekShock& sh : m_.shocks_by_week[t]) {
    if (sh.type == Shock::Type::strategy_shift) fit_target_[sh.account] = sh.value;
    if (sh.type == Shock::Type::competitor) competitor_[sh.account] = sh.value;
  }

  // Accounts first (§3.1, §3.2 and the broad and organisational layers of
  // §3.3, which do not depend on the contacts), then the contacts in flat
  // passes (§3.3 key layer, §3.4 turnover), then the rest per account.
  for (int a = 0; a < A; ++a) {
    const double* x = alloc_.data() + static_cast<std::size_t>(a) * kNumAllocFields;
    // §3.1 strategy shift, fit, wallet
    if constexpr (!kMeanField) {
      if (t == next_shift_[a]) {
        fit_target_[a] = market::shifted_target(p, fit_target_[a], strategy_stream_[a].normal());
        next_shift_[a] = t + 1 + strategy_stream_[a].geometric(p_shift_);
      }
    }
    double eps = 0.0;
    if constexpr (!kMeanField)
      if (p.fit_noise > 0.0) eps = fit_stream_[a].normal();
    const double F = market::fit_step(p, fit_[a], fit_target_[a], eps);
    fit_[a] = F;
    if (t >= 1) wallet_[a] *= market::wallet_weekly_factor(p, m_.wallet_growth[a], F);
    // §3.2 events of the week
    const int n_bm = org_layer::events_this_week(t, x[static_cast<int>(AllocField::benchmarking)]);
    const int n_ev = org_layer::events_this_week(t, x[static_cast<int>(AllocField::exec_visits)]);
    n_benchmarking_[a] = n_bm;
    n_exec_visits_[a] = n_ev;
    // §3.3 broad and organisational layers, from the values at the start of the step
    const double C0 = coverage_[a], O0 = org_[a];
    // each contact's copy of O at the start of the step keeps the key pass a plain vector loop
    for (int k = m_.contact_begin[a]; k < m_.contact_begin[a + 1]; ++k) contact_org_start_[k] = O0;
    coverage_[a] = broad_layer::coverage_step(p, C0, r_visits_[a]);
    satisfaction_[a] = broad_layer::satisfaction_step(p, satisfaction_[a], C0, r_service_[a]);
    org_[a] = org_layer::step(p, O0, C0, jic_[a] != 0, F, m_.capability_match[a], n_bm, n_ev);
  }
  key_pass();
  turnover_pass<kMeanField>(t);
  if (out.grid_counts) cell_pass();

  // the ring buffer of gross profit awaiting payment: this week's slot, and the slot paid in D weeks
  const int slot_now = t % (D_ + 1), slot_pay = (t + D_) % (D_ + 1);
  double week_sum[kNumMetrics] = {};
  for (int a = 0; a < A; ++a) {
    const double* x = alloc_.data() + static_cast<std::size_t>(a) * kNumAllocFields;
    const double F = fit_[a], W = wallet_[a], C = coverage_[a], Q = satisfaction_[a], O = org_[a];
    const int n_bm = n_benchmarking_[a], n_ev = n_exec_visits_[a];
    const bool J = jic_[a] != 0;
    double K = 0.0, Ibar = 0.0;
    std::int32_t* grid = out.grid_counts ? out.grid_counts + (static_cast<std::size_t>(t) * A + a) * kGridCells : nullptr;
    index_pass(m_.contact_begin[a], m_.contact_begin[a + 1], K, Ibar, grid);
    support_index_[a] = K;
    intimacy_index_[a] = Ibar;

    // §3.5 cooperation agreement
    const bool signed_now =
        org_layer::agreement_step(p, agreement_left_[a], x[static_cast<int>(AllocField::pursue_agreement)] != 0.0, O, F);

    // §3.6 indices of the week
    pipeline::Indices idx{K, Ibar, pipeline::tech_lead(p, C, J), pipeline::discovery(p, C, Ibar)};

    // arrivals
    double seen = 0.0;
    const double lam = pipeline::project_rate(W, M, idx.discovery, m_.mean_deal[a]);
    const double mu = pipeline::dig_rate(p, W, m_.mean_deal[a], r_visits_[a], C);
    if constexpr (kMeanField) {
      add_arrivals(a, t, lam, mu, seen);
    } else {  // most weeks see no arrival: only the residuals move
      residual_projects_[a] -= lam;
      residual_dig_[a] -= mu;
      if (residual_projects_[a] <= 0.0 || residual_dig_[a] <= 0.0) draw_arrivals(a, t, seen);
    }

    // decisions due this week
    double revenue = 0.0, gp = 0.0, wins = 0.0, direct = 0.0, decided = 0.0;
    if (book_[a].has_due(t)) {
      const double p_win = pipeline::win_probability(p, idx, O, F, Q, competitor_[a]);
      const double margin = pipeline::margin(p, idx.tech_lead);
      const double p_circle = (agreement_left_[a] > 0 && K >= 0.0) ? p.agreement_circled : 0.0;
      book_[a].decide_due(t, [&](const pipeline::Deal& d) {
        decided += d.count;
        if constexpr (kMeanField) {
          const double tender = (1.0 - p_circle) * p_win;
          wins += d.count * (p_circle + tender);
          direct += d.count * p_circle;
          revenue += d.value * (p_circle + tender);
          gp += d.value * (p_circle * (margin + p.agreement_premium) + tender * margin);
        } else {
          if (d.u_award < p_circle) {  // circled: won without a tender
            wins += 1.0;
            direct += 1.0;
            revenue += d.value;
            gp += d.value * (margin + p.agreement_premium);
          } else if (d.u_win < p_win) {
            wins += 1.0;
            revenue += d.value;
            gp += d.value * margin;
          }
        }
      });
    }
    revenue_to_date_[a] += revenue;
    gp_to_date_[a] += gp;

    // gross profit is collected payment_delay_weeks later
    double* due = gp_due_.data() + static_cast<std::size_t>(a) * (D_ + 1);
    due[slot_pay] += gp;
    const double collected = due[slot_now];
    due[slot_now] = 0.0;

    // §3.7 accounting
    const accounting::Week acc = accounting::week(c, x, n_bm, n_ev, J, t == epoch_week_ && opening_[a], signed_now);

    double row[kNumMetrics];
    row[metric::revenue] = revenue;
    row[metric::gross_profit] = gp;
    row[metric::wins] = wins;
    row[metric::direct_awards] = direct;
    row[metric::seen_deals] = seen;
    row[metric::decided_deals] = decided;
    row[metric::spend] = acc.spend;
    row[metric::hours] = acc.hours;
    row[metric::exec_days] = acc.exec_days;
    row[metric::contribution] = gp - acc.spend;
    row[metric::cash_flow] = collected - acc.spend;
    row[metric::support] = K;
    row[metric::intimacy] = Ibar;
    row[metric::coverage] = C;
    row[metric::satisfaction] = Q;
    row[metric::org] = O;
    row[metric::fit] = F;
    row[metric::jic] = J ? 1.0 : 0.0;
    row[metric::agreement_weeks_left] = agreement_left_[a];
    row[metric::wallet] = W;

    for (int i = 0; i < kNumFlows; ++i) week_sum[i] += row[i];  // states are summed below, from their arrays
    if (out.account_totals) {
      double* tot = out.account_totals + static_cast<std::size_t>(a) * kNumMetrics;
      for (int i = 0; i < kNumFlows; ++i) tot[i] += row[i];
    }
    for (const auto& [metric, base] : out.trajectories)
      base[static_cast<std::size_t>(t) * A + a] = row[metric];
  }

  if (out.portfolio) {
    // end-of-week states over accounts, in account order
    auto total = [A](const auto& values) {
      double sum = 0.0;
      for (int a = 0; a < A; ++a) sum += static_cast<double>(values[a]);
      return sum;
    };
    week_sum[metric::support] = total(support_index_);
    week_sum[metric::intimacy] = total(intimacy_index_);
    week_sum[metric::coverage] = total(coverage_);
    week_sum[metric::satisfaction] = total(satisfaction_);
    week_sum[metric::org] = total(org_);
    week_sum[metric::fit] = total(fit_);
    week_sum[metric::jic] = total(jic_);
    week_sum[metric::agreement_weeks_left] = total(agreement_left_);
    week_sum[metric::wallet] = total(wallet_);
    double* w = out.portfolio + static_cast<std::size_t>(t) * kNumMetrics;
    const double team_cost = accounting::team_cost_per_week(m_.resources);
    for (int i = 0; i < kNumMetrics; ++i) w[i] = week_sum[i];
    w[metric::contribution] -= team_cost;
    w[metric::cash_flow] -= team_cost;
    for (int i = kNumFlows; i < kNumMetrics; ++i)
      if (i != metric::wallet) w[i] = week_sum[i] / A;
  }
}

void Replication::finish(const RecordTargets& out) const {
  if (!out.account_totals) return;
  for (int a = 0; a < m_.n_accounts; ++a) {
    double* tot = out.account_totals + static_cast<std::size_t>(a) * kNumMetrics;
    tot[metric::support] = support_index_[a];
    tot[metric::intimacy] = intimacy_index_[a];
    tot[metric::coverage] = coverage_[a];
    tot[metric::satisfaction] = satisfaction_[a];
    tot[metric::org] = org_[a];
    tot[metric::fit] = fit_[a];
    tot[metric::jic] = jic_[a];
    tot[metric::agreement_weeks_left] = agreement_left_[a];
    tot[metric::wallet] = wallet_[a];
  }
}

}  // namespace cathedral
