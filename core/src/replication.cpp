#include "cathedral/replication.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "cathedral/model/accounting.hpp"
#include "cathedral/model/agreements.hpp"
#include "cathedral/model/broad_layer.hpp"
#include "cathedral/model/deals.hpp"
#include "cathedral/elementary.hpp"
#include "cathedral/model/key_layer.hpp"
#include "cathedral/model/events.hpp"
#include "cathedral/model/market.hpp"
#include "cathedral/model/org_layer.hpp"
#include "cathedral/simd.hpp"

namespace cathedral {

namespace {

// Σ x[i] in a fixed order that vectorises: four interleaved partial sums
// (lanes), combined pairwise, (l0 + l1) + (l2 + l3). The same order, hence
// the same bits, on every machine. kArrays arrays at once: each lane's
// additions depend on the previous one, so independent sums side by side
// keep the adder busy (one sum alone waits out every addition's latency).
using f64x4 = double __attribute__((vector_size(4 * sizeof(double))));  // four lanes, added lane by lane
template <int kArrays>
CATHEDRAL_VECTOR_CLONES
void ordered_sums(const double* const* x, int n, double* sums) {
  f64x4 lanes[kArrays] = {};
  int i = 0;
  for (; i + 4 <= n; i += 4)
    for (int m = 0; m < kArrays; ++m) {
      f64x4 v;
      std::memcpy(&v, x[m] + i, sizeof v);
      lanes[m] += v;
    }
  for (int m = 0; m < kArrays; ++m) {
    double l[4];
    std::memcpy(l, &lanes[m], sizeof l);
    for (int j = i; j < n; ++j) l[0] += x[m][j];
    sums[m] = (l[0] + l[1]) + (l[2] + l[3]);
  }
}

}  // namespace

Replication::Replication(const Model& m, Mode mode, ContactLayout layout)
    : m_(m),
      mode_(mode),
      L_(static_cast<int>(m.params.sales_cycle_weeks)),
      D_(static_cast<int>(m.params.payment_delay_weeks)),
      p_turnover_(key_layer::turnover_probability(m.params)),
      p_shift_(market::strategy_shift_probability(m.params)),
      departure_wait_(p_turnover_),
      shift_wait_(p_shift_) {
  const std::size_t A = static_cast<std::size_t>(m.n_accounts);
  const std::size_t K = m.contact_ids.size();
  for (auto* v : {&fit_, &fit_target_, &wallet_, &coverage_, &satisfaction_, &org_, &support_index_,
                  &intimacy_index_, &residual_projects_, &residual_dig_, &revenue_to_date_, &gp_to_date_,
                  &r_visits_, &r_service_, &competitor_, &fit_eps_, &org_start_, &intimacy_loss_, &n_benchmarking_,
                  &n_exec_visits_, &benchmarking_clock_, &exec_visit_clock_, &signed_, &agreement_left_, &pursue_agreement_, &project_rate_, &dig_rate_,
                  &p_win_, &margin_, &p_circle_, &benchmarking_rate_, &exec_visit_rate_, &centre_, &centre_opens_,
                  &fixed_spend_, &fixed_hours_, &social_hours_, &value_hours_})
    v->assign(A, 0.0);
  jic_.assign(A, 0);
  next_shift_.assign(A, 0);
  decided_at_.assign(A, -1);
  for (auto* v : {&strategy_stream_, &fit_stream_, &project_stream_, &dig_stream_, &size_stream_, &decision_stream_})
    v->assign(A, Stream());
  gp_due_.assign(A * static_cast<std::size_t>(D_ + 1), 0.0);
  flow_.assign(A * kNumFlows, 0.0);
  flow_total_.assign(A * kNumFlows, 0.0);
  alloc_.assign(A * kNumAllocFields, 0.0);

  // Slot by slot when the accounts' contact counts are close enough: accounts
  // with fewer contacts get padding contacts of weight 0, outside every tally
  // (adding +0 to a sum that starts at +0 changes no bit); at most as many
  // padding contacts as real ones.
  slots_ = 0;
  for (int a = 0; a < m.n_accounts; ++a) slots_ = std::max(slots_, m.contacts_of(a));
  slot_major_ = layout == ContactLayout::automatic && slots_ >= 1 && slots_ <= packed_grid::kMaxContacts &&
                static_cast<std::size_t>(slots_) * A <= 2 * K;
  const std::size_t n = slot_major_ ? static_cast<std::size_t>(slots_) * A : K;
  counted_accounts_ = slots_ > packed_grid::kMaxContacts;
  intimacy_.assign(n, 0.0);
  support_.assign(n, 0.0);
  turnover_stream_.assign(n, Stream());
  intimacy_drive_.assign(n, 0.0);
  support_drive_.assign(n, 0.0);
  focus_.assign(n, 0.0);  // padding contacts keep 0
  cell_.assign(n, 0);
  if (!slot_major_) contact_loss_.assign(n, 0.0);  // only the account-major key pass uses it
  for (auto& t : week_tally_) t.assign(A, 0);
  changed_at_.assign(A, -1);
  internal_.assign(K, 0);
  stance_.assign(n, 0.0);
  weight_.assign(n, 0.0);
  account_.assign(n, 0);
  real_.assign(n, 0);
  for (int a = 0; a < m.n_accounts; ++a)
    for (int j = m.contacts_of(a); j < (slot_major_ ? slots_ : 0); ++j)
      account_[static_cast<std::size_t>(contact(a, j))] = a;  // padding
  for (int a = 0; a < m.n_accounts; ++a)
    for (int j = 0; j < m.contacts_of(a); ++j) {
      const int k = m.contact_begin[a] + j, i = contact(a, j);
      internal_[static_cast<std::size_t>(k)] = i;
      stance_[static_cast<std::size_t>(i)] = m.contact_stance[k];
      weight_[static_cast<std::size_t>(i)] = m.contact_weight[k];
      account_[static_cast<std::size_t>(i)] = a;
      real_[static_cast<std::size_t>(i)] = ~std::uint64_t{0};
    }
}

void Replication::start(std::int64_t rep, std::uint64_t seed) {
  rep_ = rep;
  const auto r = static_cast<std::uint64_t>(rep);
  const bool mc = mode_ == Mode::monte_carlo;
  market_x_ = 0.0;
  market_stream_ = Stream(stream_key(seed, r, 0, Purpose::market));
  pipeline_.reset(m_.horizon_weeks);
  departures_.resize(static_cast<std::size_t>(m_.horizon_weeks));
  std::fill(changed_at_.begin(), changed_at_.end(), -1);
  std::fill(intimacy_.begin(), intimacy_.end(), 0.0);  // padding contacts start from 0 too
  std::fill(support_.begin(), support_.end(), 0.0);
  for (auto& week : departures_) week.clear();
  std::fill(gp_due_.begin(), gp_due_.end(), 0.0);
  std::fill(flow_total_.begin(), flow_total_.end(), 0.0);
  std::fill(decided_at_.begin(), decided_at_.end(), -1);
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
    fit_eps_[a] = 0.0;
    benchmarking_clock_[a] = exec_visit_clock_[a] = 0.0;  // §3.2: c_{−1} = 0
    strategy_stream_[a] = Stream(stream_key(seed, r, id, Purpose::strategy));
    fit_stream_[a] = Stream(stream_key(seed, r, id, Purpose::fit));
    project_stream_[a] = Stream(stream_key(seed, r, id, Purpose::arrivals, 0));
    dig_stream_[a] = Stream(stream_key(seed, r, id, Purpose::arrivals, 1));
    size_stream_[a] = Stream(stream_key(seed, r, id, Purpose::sizes));
    decision_stream_[a] = Stream(stream_key(seed, r, id, Purpose::decisions));
    // Strategy shifts and departures are memoryless and do not depend on the
    // state: draw the waiting time to the next one instead of a coin a week.
    next_shift_[a] = mc ? strategy_stream_[a].geometric(shift_wait_) : INT64_MAX;
    residual_projects_[a] = mc ? project_stream_[a].exponential() : 0.0;
    residual_dig_[a] = mc ? dig_stream_[a].exponential() : 0.0;

    double K = 0.0, Ibar = 0.0;
    for (int j = 0; j < m_.contacts_of(a); ++j) {
      const int k = m_.contact_begin[a] + j, i = contact(a, j);
      intimacy_[i] = m_.contact_intimacy[k];
      support_[i] = m_.contact_support[k];
      K += deals::index_term(m_.contact_weight[k], support_[i]);
      Ibar += deals::index_term(m_.contact_weight[k], intimacy_[i]);
      turnover_stream_[i] = Stream(stream_key(seed, r, id, Purpose::turnover, static_cast<std::uint64_t>(j)));
      if (mc) schedule_departure(i, turnover_stream_[i].geometric(departure_wait_));
    }
    support_index_[a] = K;
    intimacy_index_[a] = Ibar;

    for (int i = m_.listed_begin[a]; i < m_.listed_begin[a + 1]; ++i) {
      const ListedDeal& d = m_.listed_deals[i];
      pipeline::Deal deal{d.size, 1.0, 0.0, 0.0, a};
      if (mc) {
        deal.u_award = decision_stream_[a].uniform();
        deal.u_win = decision_stream_[a].uniform();
      }
      pipeline_.add(d.decision_week, deal);
    }
  }
  synthesise_pipeline(true);
}

void Replication::observe(Observation& obs, int row, bool tiers_only) const {
  obs.replication[row] = rep_;
  for (int a = 0; a < m_.n_accounts; ++a) {
    const std::size_t i = obs.at(row, a);
    obs.tier[i] = static_cast<std::int8_t>(tier_of(m_.tier_rules, wallet_[a], fit_[a]));
    obs.cash_flow[i] = is_cash_flow(m_.tier_rules, fit_[a]) ? 1 : 0;
  }
  if (tiers_only) return;
  std::vector<double> open(static_cast<std::size_t>(m_.n_accounts), 0.0);
  pipeline_.add_open_value(open);
  for (int a = 0; a < m_.n_accounts; ++a) {
    const std::size_t i = obs.at(row, a);
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
    obs.pipeline_value[i] = open[static_cast<std::size_t>(a)];
    std::int32_t* grid = obs.grid.data() + i * kGridCells;
    for (int c = 0; c < kGridCells; ++c) grid[c] = 0;
    for (int j = 0; j < m_.contacts_of(a); ++j) {
      const int k = contact(a, j);
      ++grid[grid_cell(m_.grid, intimacy_[k], support_[k])];
    }
  }
}

void Replication::begin_epoch(int week, std::span<const double> allocation, const std::vector<double>& focus) {
  const Params& p = m_.params;
  std::copy(allocation.begin(), allocation.end(), alloc_.begin());
  epoch_week_ = week;
  double max_rate = 0.0;  // the most events in a week come from the highest rate
  for (int a = 0; a < m_.n_accounts; ++a) {
    const double* x = alloc_.data() + static_cast<std::size_t>(a) * kNumAllocFields;
    r_visits_[a] = broad_layer::visit_response(p, x[static_cast<int>(AllocField::visits)], m_.staff[a]);
    r_service_[a] = broad_layer::service_response(p, x[static_cast<int>(AllocField::service_hours)]);
    social_hours_[a] = x[static_cast<int>(AllocField::social_hours)];
    value_hours_[a] = x[static_cast<int>(AllocField::value_hours)];
    const bool run_centre = x[static_cast<int>(AllocField::jic)] != 0.0;
    centre_opens_[a] = run_centre && !jic_[a] ? 1.0 : 0.0;
    jic_[a] = run_centre;
    centre_[a] = run_centre ? 1.0 : 0.0;
    pursue_agreement_[a] = x[static_cast<int>(AllocField::pursue_agreement)] != 0.0 ? 1.0 : 0.0;
    benchmarking_rate_[a] = x[static_cast<int>(AllocField::benchmarking)];
    exec_visit_rate_[a] = x[static_cast<int>(AllocField::exec_visits)];
    max_rate = std::max({max_rate, benchmarking_rate_[a], exec_visit_rate_[a]});
    const accounting::EpochCosts fixed = accounting::epoch_costs(m_.costs, x);
    fixed_spend_[a] = fixed.spend;
    fixed_hours_[a] = fixed.hours;
  }
  at_most_two_events_ = events::at_most_two(max_rate);
  for (std::size_t k = 0; k < focus.size(); ++k) focus_[static_cast<std::size_t>(internal_[k])] = focus[k];
  key_drives();
  if (week == 0) synthesise_pipeline(false);
}

// The key layer's drives of the epoch per contact (key_layer.hpp), from the
// responses r_s = hill(social_hours · φ_k) and r_v = hill(value_hours · φ_k).
CATHEDRAL_VECTOR_CLONES
void Replication::key_drives() {
  const Params p = m_.params;
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  const double* __restrict social = social_hours_.data();
  const double* __restrict value = value_hours_.data();
  const double* __restrict focus = focus_.data();
  double* __restrict drive_I = intimacy_drive_.data();
  double* __restrict drive_S = support_drive_.data();
  // drives(k, a): contact k of account a
  auto over_contacts = [&](auto drives) {
    if (slot_major_) {
      for (int j = 0; j < slots_; ++j) {
        const std::size_t base = static_cast<std::size_t>(j) * A;
        CATHEDRAL_INDEPENDENT_ITERATIONS
        for (std::size_t a = 0; a < A; ++a) drives(base + a, a);
      }
    } else {
      const int* __restrict account = account_.data();
      for (std::size_t k = 0; k < focus_.size(); ++k) drives(k, static_cast<std::size_t>(account[k]));
    }
  };
  const HillParams h_social = key_layer::social_hill(p), h_value = key_layer::value_hill(p);
  // with the default shapes (1) the responses need no pow: a branch-free loop
  auto set_drives = [&](auto unit_shapes) {
    auto response = [](double x, HillParams h) {
      if constexpr (decltype(unit_shapes)::value) return hill_unit_shape(x, h.half);
      else return hill(x, h.half, h.shape);
    };
    over_contacts([&](std::size_t k, std::size_t a) {
      const double r_social = response(social[a] * focus[k], h_social);
      const double r_value = response(value[a] * focus[k], h_value);
      drive_I[k] = key_layer::intimacy_drive(p, r_social, r_value);
      drive_S[k] = key_layer::support_drive(p, r_value);
    });
  };
  if (h_social.shape == 1.0 && h_value.shape == 1.0)
    set_drives(std::true_type{});
  else
    set_drives(std::false_type{});
}

void Replication::add_arrivals(int a, int week, double project_rate, double dig_rate) {
  const Params& p = m_.params;
  const double d_bar = m_.mean_deal[a];
  const int due = week + L_;
  if (mode_ == Mode::mean_field) {
    // Expected arrivals: one pseudo-deal holding the expected count and value.
    if (due < m_.horizon_weeks && project_rate + dig_rate > 0.0)
      pipeline_.add(due, {deals::expected_value(p, d_bar, project_rate, dig_rate), project_rate + dig_rate, 0.0, 0.0, a});
    return;
  }
  // Time-changed Poisson processes: each residual is the distance to the
  // next point of a unit-rate process, so only arrivals cost draws.
  residual_projects_[a] -= project_rate;
  residual_dig_[a] -= dig_rate;
  if (residual_projects_[a] <= 0.0 || residual_dig_[a] <= 0.0) draw_arrivals(a, week);
}

// Contact k leaves in `week`: kept in that week's list, if within the horizon.
void Replication::schedule_departure(int k, std::int64_t week) {
  if (week < m_.horizon_weeks) departures_[static_cast<std::size_t>(week)].push_back(k);
}

// The points of the arrival processes that this week's rates reached: the
// deals, their sizes and their decision draws, projects first. Returns how
// many deals were seen.
int Replication::draw_arrivals(int a, int week) {
  const Params& p = m_.params;
  const double d_bar = m_.mean_deal[a];
  const int due = week + L_;
  int seen = 0;
  auto arrive = [&](bool dug) {
    const pipeline::Deal d{deals::deal_size(p, d_bar, dug, size_stream_[a].normal()), 1.0,
                           decision_stream_[a].uniform(), decision_stream_[a].uniform(), a};
    ++seen;
    if (due < m_.horizon_weeks) pipeline_.add(due, d);
  };
  double& rp = residual_projects_[a];
  while (rp <= 0.0) {
    arrive(false);
    rp += project_stream_[a].exponential();
  }
  double& rd = residual_dig_[a];
  while (rd <= 0.0) {
    arrive(true);
    rd += dig_stream_[a].exponential();
  }
  return seen;
}

// docs/model.md §3.6 "Initial pipeline": weeks −L … −1 add one week's arrivals
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
      const double nu = deals::discovery(p, coverage_[a], intimacy_index_[a]);
      lam = deals::project_rate(m_.wallet[a], 1.0, nu, m_.mean_deal[a]);
    } else {
      mu = deals::dig_rate(p, m_.wallet[a], m_.mean_deal[a], r_visits_[a], coverage_[a]);
    }
    for (int w = -L_; w < 0; ++w) add_arrivals(a, w, lam, mu);
  }
}

// §3.1 draws of the week: strategy shifts (at their drawn weeks) and fit noise.
void Replication::draw_exogenous(int t) {
  const Params& p = m_.params;
  const int A = m_.n_accounts;
  for (int a = 0; a < A; ++a) {
    if (t == next_shift_[a]) [[unlikely]] {
      fit_target_[a] = market::shifted_target(p, fit_target_[a], strategy_stream_[a].normal());
      next_shift_[a] = t + 1 + strategy_stream_[a].geometric(shift_wait_);
    }
  }
  if (p.fit_noise > 0.0) Stream::normals(fit_stream_.data(), fit_eps_.data(), A);
}

// §3.1 fit and wallet, §3.2 the week's events, §3.3 broad and organisational
// layers (from C and O at the start of the step), for every account: one
// branch-free loop. kEvents: mean field's expected counts, or Monte Carlo's
// whole counts from the event clocks; at_most_two: no account can hold more
// than two events of a kind in a week (the usual case), so the powers need no loop.
template <org_layer::Events kEvents>
CATHEDRAL_VECTOR_CLONES
void Replication::account_pass(int t) {
  const Params p = m_.params;  // a local copy: no aliasing with the arrays below
  const int A = m_.n_accounts;
  const bool grow = t >= 1;
  double* __restrict fit = fit_.data();
  double* __restrict wallet = wallet_.data();
  double* __restrict coverage = coverage_.data();
  double* __restrict satisfaction = satisfaction_.data();
  double* __restrict org = org_.data();
  double* __restrict org_start = org_start_.data();
  double* __restrict n_bm_out = n_benchmarking_.data();
  double* __restrict n_ev_out = n_exec_visits_.data();
  double* __restrict bm_clock = benchmarking_clock_.data();
  double* __restrict ev_clock = exec_visit_clock_.data();
  const double* __restrict fit_target = fit_target_.data();
  const double* __restrict eps = fit_eps_.data();
  const double* __restrict wallet_growth = m_.wallet_growth.data();
  const double* __restrict capability = m_.capability_match.data();
  const double* __restrict bm_rate = benchmarking_rate_.data();
  const double* __restrict ev_rate = exec_visit_rate_.data();
  const double* __restrict r_visits = r_visits_.data();
  const double* __restrict r_service = r_service_.data();
  const double* __restrict centre = centre_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (int a = 0; a < A; ++a) {
    const double F = market::fit_step(p, fit[a], fit_target[a], eps[a]);
    fit[a] = F;
    const double factor = market::wallet_weekly_factor(p, wallet_growth[a], F);
    wallet[a] = grow ? wallet[a] * factor : wallet[a];  // W_0 is the scenario's wallet
    double n_bm, n_ev;
    if constexpr (kEvents == org_layer::Events::expected) {
      n_bm = events::expected(bm_rate[a]);
      n_ev = events::expected(ev_rate[a]);
    } else {
      const double bm_next = events::advance_clock(bm_clock[a], bm_rate[a]);
      const double ev_next = events::advance_clock(ev_clock[a], ev_rate[a]);
      n_bm = events::held(bm_clock[a], bm_next);
      n_ev = events::held(ev_clock[a], ev_next);
      bm_clock[a] = bm_next;
      ev_clock[a] = ev_next;
    }
    n_bm_out[a] = n_bm;
    n_ev_out[a] = n_ev;
    const double C0 = coverage[a], O0 = org[a];
    org_start[a] = O0;
    coverage[a] = broad_layer::coverage_step(p, C0, r_visits[a]);
    satisfaction[a] = broad_layer::satisfaction_step(p, satisfaction[a], C0, r_service[a]);
    org[a] = org_layer::step<kEvents>(p, O0, C0, centre[a], F, capability[a], n_bm, n_ev);
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
  const double* __restrict stance = stance_.data();
  const int* __restrict account = account_.data();
  auto successor = [&](int k) { return key_layer::successor(p, stance[k], coverage_[account[k]], org_[account[k]]); };
  auto replace = [&](int k) {  // contact k leaves; its successor takes the place
    const key_layer::ContactState s = successor(k);
    I[k] = s.intimacy;
    S[k] = s.support;
    mark_changed(account[k], t);
  };
  if constexpr (kMeanField) {
    const double keep = 1.0 - p_turnover_;
    for (std::size_t k = 0; k < n; ++k) {
      const key_layer::ContactState c = key_layer::mix_successor({I[k], S[k]}, successor(static_cast<int>(k)), p_turnover_, keep);
      I[k] = c.intimacy;
      S[k] = c.support;
    }
  } else {
    // contacts are independent here: the order within the week does not matter
    for (const int k : departures_[static_cast<std::size_t>(t)]) {
      replace(k);
      schedule_departure(k, t + 1 + turnover_stream_[k].geometric(departure_wait_));
    }
  }
  for (const Model::WeekShock& sh : m_.shocks_by_week[t])
    if (sh.type == Shock::Type::contact_leaves) replace(internal_[static_cast<std::size_t>(sh.contact)]);
}

// Every contact's nine-grid cell at the end of the week, for accounts whose
// tallies are counted, not packed: one flat vector loop.
CATHEDRAL_VECTOR_CLONES
void Replication::cell_pass() {
  const std::size_t n = intimacy_.size();
  const double* __restrict I = intimacy_.data();
  const double* __restrict S = support_.data();
  std::int32_t* __restrict cell = cell_.data();
  const GridCuts g = m_.grid;
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t k = 0; k < n; ++k) cell[k] = grid_cell(g, I[k], S[k]);
}

// The indices K = Σ w_k S_k and Ī = Σ w_k I_k of account a (summed in
// contact order) and its nine-grid tallies: packed (accounts with at most
// packed_grid::kMaxContacts contacts) or counted.
void Replication::index_pass(int a, double& K_out, double& Ibar_out, std::int32_t* grid, std::uint64_t* packed) const {
  const double* __restrict I = intimacy_.data();
  const double* __restrict S = support_.data();
  const double* __restrict weight = weight_.data();
  const int k0 = m_.contact_begin[a], k1 = m_.contact_begin[a + 1];  // account-major order
  double K = 0.0, Ibar = 0.0;  // locals, not the references: they stay in registers
  if (packed && k1 - k0 <= packed_grid::kMaxContacts) {
    const GridCuts g = m_.grid;
    std::uint64_t low = 0, medium = 0, high = 0;
    for (int k = k0; k < k1; ++k) {
      K += deals::index_term(weight[k], S[k]);
      Ibar += deals::index_term(weight[k], I[k]);
      packed_grid::add_contact(g, I[k], S[k], ~std::uint64_t{0}, low, medium, high);
    }
    const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
    packed[0] += low;
    packed[A] += medium;
    packed[2 * A] += high;
  } else {
    for (int k = k0; k < k1; ++k) {
      K += deals::index_term(weight[k], S[k]);
      Ibar += deals::index_term(weight[k], I[k]);
    }
    if (grid)
      for (int k = k0; k < k1; ++k) ++grid[cell_[k]];
  }
  K_out = K;
  Ibar_out = Ibar;
}

// The same for every account at once when contacts are slot-major: vector
// loops over accounts, slot after slot, so each account's sums still run in
// contact order (the same bits as index_pass). With `packed` (the week's
// words), the contacts' nine-grid cells are tallied in the same loop.
CATHEDRAL_VECTOR_CLONES
void Replication::slot_index_pass(std::uint64_t* __restrict packed) {
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  double* __restrict K = support_index_.data();
  double* __restrict Ibar = intimacy_index_.data();
  const double* __restrict I = intimacy_.data();
  const double* __restrict S = support_.data();
  const double* __restrict weight = weight_.data();
  const std::uint64_t* __restrict real = real_.data();
  std::fill(K, K + A, 0.0);
  std::fill(Ibar, Ibar + A, 0.0);
  const GridCuts g = m_.grid;
  auto sweep = [&](auto tally) {
    for (int j = 0; j < slots_; ++j) {
      const std::size_t base = static_cast<std::size_t>(j) * A;
      CATHEDRAL_INDEPENDENT_ITERATIONS
      for (std::size_t a = 0; a < A; ++a) {
        const std::size_t k = base + a;
        K[a] += deals::index_term(weight[k], S[k]);
        Ibar[a] += deals::index_term(weight[k], I[k]);
        if constexpr (decltype(tally)::value)
          packed_grid::add_contact(g, I[k], S[k], real[k], packed[a], packed[A + a], packed[2 * A + a]);
      }
    }
  };
  if (packed)
    sweep(std::true_type{});
  else
    sweep(std::false_type{});
}

// Slot-major contacts: the key layer, and with `indices` the indices and the
// nine-grid tallies, in one sweep over the contacts (Monte Carlo: departures,
// which are few, come after, and reindex() redoes the accounts they touch).
// Each account's sums run in contact order, as in slot_index_pass: the same
// bits.
CATHEDRAL_VECTOR_CLONES
void Replication::key_index_pass(bool indices, bool tally) {
  const Params p = m_.params;
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  double* __restrict I = intimacy_.data();
  double* __restrict S = support_.data();
  double* __restrict K = support_index_.data();
  double* __restrict Ibar = intimacy_index_.data();
  const double* __restrict stance = stance_.data();
  const double* __restrict weight = weight_.data();
  const double* __restrict drive_I = intimacy_drive_.data();
  const double* __restrict drive_S = support_drive_.data();
  const std::uint64_t* __restrict real = real_.data();
  double* __restrict loss = intimacy_loss_.data();
  const double* __restrict org_start = org_start_.data();
  std::uint64_t* __restrict low = week_tally_[0].data();
  std::uint64_t* __restrict medium = week_tally_[1].data();
  std::uint64_t* __restrict high = week_tally_[2].data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t a = 0; a < A; ++a) {
    loss[a] = key_layer::intimacy_loss(p, org_start[a]);
    if (indices) {  // the same for every account: hoisted out of the loop
      K[a] = 0.0;
      Ibar[a] = 0.0;
      low[a] = medium[a] = high[a] = 0;
    }
  }
  const GridCuts g = m_.grid;
  auto sweep = [&](auto with_indices, auto with_tally) {
    for (int j = 0; j < slots_; ++j) {
      const std::size_t base = static_cast<std::size_t>(j) * A;
      CATHEDRAL_INDEPENDENT_ITERATIONS
      for (std::size_t a = 0; a < A; ++a) {
        const std::size_t k = base + a;
        const key_layer::ContactState c = key_layer::step_with(p, {I[k], S[k]}, stance[k], drive_I[k], drive_S[k], loss[a]);
        I[k] = c.intimacy;
        S[k] = c.support;
        if constexpr (decltype(with_indices)::value) {
          K[a] += deals::index_term(weight[k], c.support);
          Ibar[a] += deals::index_term(weight[k], c.intimacy);
        }
        if constexpr (decltype(with_tally)::value)
          packed_grid::add_contact(g, c.intimacy, c.support, real[k], low[a], medium[a], high[a]);
      }
    }
  };
  if (!indices)
    sweep(std::false_type{}, std::false_type{});
  else if (tally)
    sweep(std::true_type{}, std::true_type{});
  else
    sweep(std::true_type{}, std::false_type{});
}

// §3.3 key layer for every contact of the replication, from I, S and the
// account's O at the start of the step, in branch-free vector loops (mean
// field; Monte Carlo runs key_index_pass where contacts are slot-major).
CATHEDRAL_VECTOR_CLONES
void Replication::key_pass() {
  if (slot_major_) {  // the same sweep, without the indices
    key_index_pass(false, false);
    return;
  }
  const Params p = m_.params;
  double* __restrict I = intimacy_.data();
  double* __restrict S = support_.data();
  const double* __restrict stance = stance_.data();
  const double* __restrict drive_I = intimacy_drive_.data();
  const double* __restrict drive_S = support_drive_.data();
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  double* __restrict loss = intimacy_loss_.data();
  const double* __restrict org_start = org_start_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t a = 0; a < A; ++a) loss[a] = key_layer::intimacy_loss(p, org_start[a]);
  // account by account: each contact's copy of its account's loss keeps this a plain vector loop
  for (int a = 0; a < m_.n_accounts; ++a)
    std::fill(contact_loss_.begin() + m_.contact_begin[a], contact_loss_.begin() + m_.contact_begin[a + 1], loss[a]);
  const std::size_t n = intimacy_.size();
  const double* __restrict contact_loss = contact_loss_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t k = 0; k < n; ++k) {
    const key_layer::ContactState c = key_layer::step_with(p, {I[k], S[k]}, stance[k], drive_I[k], drive_S[k], contact_loss[k]);
    I[k] = c.intimacy;
    S[k] = c.support;
  }
}

// Account a's indices and week tallies again, from its contacts as they are
// now (after departures): the same operations in the same order as the sweep.
void Replication::reindex(int a, bool tally) {
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  const GridCuts g = m_.grid;
  double K = 0.0, Ibar = 0.0;
  std::uint64_t words[3] = {0, 0, 0};
  for (int j = 0; j < slots_; ++j) {
    const std::size_t k = static_cast<std::size_t>(j) * A + static_cast<std::size_t>(a);
    K += deals::index_term(weight_[k], support_[k]);
    Ibar += deals::index_term(weight_[k], intimacy_[k]);
    if (tally) packed_grid::add_contact(g, intimacy_[k], support_[k], real_[k], words[0], words[1], words[2]);
  }
  support_index_[static_cast<std::size_t>(a)] = K;
  intimacy_index_[static_cast<std::size_t>(a)] = Ibar;
  for (int w = 0; w < 3; ++w) week_tally_[static_cast<std::size_t>(w)][static_cast<std::size_t>(a)] = words[w];
}

// The week's tallies into the week's packed words (word by word).
CATHEDRAL_VECTOR_CLONES
void Replication::add_week_tallies(std::uint64_t* __restrict packed) {
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  for (std::size_t w = 0; w < 3; ++w) {
    const std::uint64_t* __restrict week = week_tally_[w].data();
    CATHEDRAL_INDEPENDENT_ITERATIONS
    for (std::size_t a = 0; a < A; ++a) packed[w * A + a] += week[a];
  }
}

// The week's indices K and Ī per account (§3.6), where the fused sweep did
// not compute them, and the nine-grid tallies that go with them.
void Replication::indices(int t, const RecordTargets& out, bool indices_done) {
  const int A = m_.n_accounts;
  const std::size_t week_row = static_cast<std::size_t>(t) * A;
  if (slot_major_) {
    if (!indices_done) slot_index_pass(out.grid_packed ? out.grid_packed + week_row * packed_grid::kWords : nullptr);
    if (out.grid_counts && !out.grid_packed)
      for (std::size_t i = 0; i < cell_.size(); ++i)
        if (real_[i]) ++out.grid_counts[(week_row + account_[i]) * kGridCells + cell_[i]];
    return;
  }
  for (int a = 0; a < A; ++a) {
    double K, Ibar;
    index_pass(a, K, Ibar, out.grid_counts ? out.grid_counts + (week_row + a) * kGridCells : nullptr,
               out.grid_packed ? out.grid_packed + week_row * packed_grid::kWords + a : nullptr);
    support_index_[a] = K;
    intimacy_index_[a] = Ibar;
  }
}

// §3.5 the cooperation agreements, from this week's O and F: one branch-free loop.
CATHEDRAL_VECTOR_CLONES
void Replication::agreement_pass() {
  const Params p = m_.params;
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  double* __restrict left = agreement_left_.data();
  double* __restrict signed_now = signed_.data();
  const double* __restrict pursue = pursue_agreement_.data();
  const double* __restrict O = org_.data();
  const double* __restrict F = fit_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t a = 0; a < A; ++a)
    signed_now[a] = agreements::step(p, left[a], pursue[a] != 0.0, O[a], F[a]) ? 1.0 : 0.0;
}

// §3.6 arrival rates of the week. Monte Carlo: the arrival processes' residuals
// move by the rates; mean field: the rates are kept for the pseudo-deals.
// The week's deal flows start from 0 here (arrivals and decisions add to them).
template <bool kMeanField>
CATHEDRAL_VECTOR_CLONES
void Replication::rate_pass(double M) {
  const Params p = m_.params;
  const int A = m_.n_accounts;
  // revenue, gross profit, wins, direct awards, seen and decided deals: the first six flows
  static_assert(metric::revenue == 0 && metric::gross_profit == 1 && metric::wins == 2 &&
                metric::direct_awards == 3 && metric::seen_deals == 4 && metric::decided_deals == 5);
  double* __restrict deal_flows = flow_.data();
  const double* __restrict W = wallet_.data();
  const double* __restrict C = coverage_.data();
  const double* __restrict Ibar = intimacy_index_.data();
  const double* __restrict mean_deal = m_.mean_deal.data();
  const double* __restrict r_visits = r_visits_.data();
  double* __restrict to_project = kMeanField ? project_rate_.data() : residual_projects_.data();
  double* __restrict to_dig = kMeanField ? dig_rate_.data() : residual_dig_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (int a = 0; a < A; ++a) {
    const double lam = deals::project_rate(W[a], M, deals::discovery(p, C[a], Ibar[a]), mean_deal[a]);
    const double mu = deals::dig_rate(p, W[a], mean_deal[a], r_visits[a], C[a]);
    for (int f = 0; f < 6; ++f) deal_flows[f * A + a] = 0.0;
    if constexpr (kMeanField) {
      to_project[a] = lam;
      to_dig[a] = mu;
    } else {
      to_project[a] -= lam;
      to_dig[a] -= mu;
    }
  }
}

// The deals seen this week. Monte Carlo: only where a residual crossed zero
// (most accounts see none); mean field: the expected arrivals.
template <bool kMeanField>
void Replication::arrivals(int t) {
  const int A = m_.n_accounts;
  double* seen = flow(metric::seen_deals);
  if constexpr (kMeanField) {
    for (int a = 0; a < A; ++a) {
      seen[a] = project_rate_[a] + dig_rate_[a];
      add_arrivals(a, t, project_rate_[a], dig_rate_[a]);
    }
  } else {
    // The accounts whose residuals crossed zero, listed without a branch per
    // account (which would be mispredicted whenever one does).
    arriving_.resize(static_cast<std::size_t>(A) + 1);
    int n = 0;
    for (int a = 0; a < A; ++a) {
      arriving_[static_cast<std::size_t>(n)] = a;
      n += static_cast<int>(residual_projects_[a] <= 0.0) | static_cast<int>(residual_dig_[a] <= 0.0);
    }
    first_arrivals(n, t);
  }
}

// The first deal of each account listed in arriving_[0 … n), in stages over
// the list: the iterations of a stage are independent, so the long chains of
// dependent operations in the draws (hash, normal, exp, log) of different
// accounts overlap, and the exp and the log run as vector loops. Then the
// rarer further deals, account by account (draw_arrivals). Each stream gives
// its draws in the same order as draw_arrivals alone would, and each
// account's deals enter the pipeline in the same order: the same bits.
void Replication::first_arrivals(int n, int week) {
  const std::size_t m = static_cast<std::size_t>(n);
  for (auto* v : {&arrival_z_, &arrival_value_, &arrival_wait_}) v->resize(m);
  arrival_deal_.resize(m);
  const int* __restrict list = arriving_.data();
  double* __restrict z = arrival_z_.data();
  double* __restrict wait = arrival_wait_.data();
  // which process brought the first deal: projects come first (draw_arrivals)
  auto project_first = [&](int a) { return residual_projects_[static_cast<std::size_t>(a)] <= 0.0; };
  for (std::size_t i = 0; i < m; ++i) z[i] = size_stream_[static_cast<std::size_t>(list[i])].normal();
  for (std::size_t i = 0; i < m; ++i) {
    const int a = list[i];
    pipeline::Deal& d = arrival_deal_[i];
    d.count = 1.0;
    d.u_award = decision_stream_[static_cast<std::size_t>(a)].uniform();
    d.u_win = decision_stream_[static_cast<std::size_t>(a)].uniform();
    d.account = a;
    wait[i] = (project_first(a) ? project_stream_ : dig_stream_)[static_cast<std::size_t>(a)].uniform_open();
  }
  first_arrival_math(n);
  const int due = week + L_;
  double* seen = flow(metric::seen_deals);
  for (std::size_t i = 0; i < m; ++i) {
    pipeline::Deal& d = arrival_deal_[i];
    d.value = arrival_value_[i];
    if (due < m_.horizon_weeks) pipeline_.add(due, d);
    const std::size_t a = static_cast<std::size_t>(d.account);
    (project_first(d.account) ? residual_projects_ : residual_dig_)[a] += wait[i];
    const bool more = residual_projects_[a] <= 0.0 || residual_dig_[a] <= 0.0;  // seldom
    seen[a] = 1 + (more ? draw_arrivals(d.account, week) : 0);
  }
}

// The first deals' values d̄ · scale · size_factor(z) and waiting times
// −log(u) (Stream::exponential), as vector loops over the list.
CATHEDRAL_VECTOR_CLONES
void Replication::first_arrival_math(int n) {
  const Params p = m_.params;
  const int* __restrict list = arriving_.data();
  const double* __restrict z = arrival_z_.data();
  const double* __restrict mean_deal = m_.mean_deal.data();
  const double* __restrict residual_projects = residual_projects_.data();
  double* __restrict value = arrival_value_.data();
  double* __restrict wait = arrival_wait_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (int i = 0; i < n; ++i) {
    const int a = list[i];
    value[i] = deals::deal_size(p, mean_deal[a], !(residual_projects[a] <= 0.0), z[i]);
    wait[i] = -elementary::log(wait[i]);
  }
}

// §3.6 the decisions due this week, from this week's indices and state.
template <bool kMeanField>
void Replication::decisions(int t) {
  const Params& p = m_.params;
  double* revenue = flow(metric::revenue);
  double* gp = flow(metric::gross_profit);
  double* wins = flow(metric::wins);
  double* direct = flow(metric::direct_awards);
  double* decided = flow(metric::decided_deals);
  const std::vector<pipeline::Deal>& due = pipeline_.due(t);
  // the accounts with deals due, each once: their terms of the week in one vector loop
  deciding_.clear();
  for (const pipeline::Deal& d : due)
    if (decided_at_[d.account] != t) {
      decided_at_[d.account] = t;
      deciding_.push_back(d.account);
    }
  decision_terms();
  for (const pipeline::Deal& d : due) {
    const int a = d.account;
    const deals::Terms terms{p_win_[a], margin_[a], p_circle_[a]};
    decided[a] += d.count;
    const deals::Booking b = kMeanField ? deals::book_expected(p, terms, d.value, d.count)
                                        : deals::book(p, terms, d.value, d.u_award, d.u_win);
    wins[a] += b.wins;
    direct[a] += b.direct_awards;
    revenue[a] += b.revenue;
    gp[a] += b.gross_profit;
  }
  pipeline_.close(t);
}

// The week's decision terms (§3.6) of the accounts listed in deciding_, from
// this week's indices and state: P(win a tender), margin, P(circled).
CATHEDRAL_VECTOR_CLONES
void Replication::decision_terms() {
  const Params p = m_.params;
  const int n = static_cast<int>(deciding_.size());
  const int* __restrict list = deciding_.data();
  const double* __restrict centre = centre_.data();  // 1 where a centre runs this epoch (jic_, as a double)
  const double* __restrict coverage = coverage_.data();
  const double* __restrict support = support_index_.data();
  const double* __restrict intimacy = intimacy_index_.data();
  const double* __restrict org = org_.data();
  const double* __restrict fit = fit_.data();
  const double* __restrict satisfaction = satisfaction_.data();
  const double* __restrict competitor = competitor_.data();
  const double* __restrict agreement_left = agreement_left_.data();
  term_.resize(3 * static_cast<std::size_t>(n));
  double* __restrict p_win = term_.data();  // by list position: vector loops gather but cannot scatter
  double* __restrict margin = p_win + n;
  double* __restrict p_circle = margin + n;
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (int i = 0; i < n; ++i) {
    const int a = list[i];
    const deals::Terms terms = deals::decision_terms(p, coverage[a], centre[a] != 0.0, support[a], intimacy[a], org[a],
                                                     fit[a], satisfaction[a], competitor[a], agreement_left[a]);
    p_win[i] = terms.p_win;
    margin[i] = terms.margin;
    p_circle[i] = terms.p_circle;
  }
  for (int i = 0; i < n; ++i) {
    const int a = list[i];
    p_win_[a] = p_win[i];
    margin_[a] = margin[i];
    p_circle_[a] = p_circle[i];
  }
}

// §3.7 accounting, payments and the week's flows of every account.
CATHEDRAL_VECTOR_CLONES
void Replication::accounting_pass(int t) {
  const Costs c = m_.costs;
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  const double open_scale = t == epoch_week_ ? 1.0 : 0.0;  // a centre's setup cost falls in the epoch's first week
  double* __restrict flows = flow_.data();
  double* __restrict revenue_to_date = revenue_to_date_.data();
  double* __restrict gp_to_date = gp_to_date_.data();
  const double* __restrict fixed_spend = fixed_spend_.data();
  const double* __restrict fixed_hours = fixed_hours_.data();
  const double* __restrict n_bm = n_benchmarking_.data();
  const double* __restrict n_ev = n_exec_visits_.data();
  const double* __restrict opens = centre_opens_.data();
  const double* __restrict signed_now = signed_.data();
  double* __restrict total = flow_total_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t a = 0; a < A; ++a) {
    const double gp = flows[metric::gross_profit * A + a];
    revenue_to_date[a] += flows[metric::revenue * A + a];
    gp_to_date[a] += gp;
    const accounting::Week w = accounting::week(c, {fixed_spend[a], fixed_hours[a]}, n_bm[a], n_ev[a],
                                                opens[a] * open_scale, signed_now[a]);
    flows[metric::spend * A + a] = w.spend;
    flows[metric::hours * A + a] = w.hours;
    flows[metric::exec_days * A + a] = w.exec_days;
    flows[metric::contribution * A + a] = gp - w.spend;
  }
  // Gross profit is collected payment_delay_weeks later, from a ring over
  // weeks: this week's slot, and the slot paid in D weeks (D = 0: the same).
  double* due_now = gp_due_.data() + static_cast<std::size_t>(t % (D_ + 1)) * A;
  double* due_pay = gp_due_.data() + static_cast<std::size_t>((t + D_) % (D_ + 1)) * A;
  for (std::size_t a = 0; a < A; ++a) {
    due_pay[a] += flows[metric::gross_profit * A + a];
    const double collected = due_now[a];
    due_now[a] = 0.0;
    flows[metric::cash_flow * A + a] = collected - flows[metric::spend * A + a];
  }
  // every flow of the week, summed over the horizon per account
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t a = 0; a < A; ++a)
    for (int m = 0; m < kNumFlows; ++m) total[m * A + a] += flows[m * A + a];
}

// The week's portfolio row, the per-account flow totals and kept trajectories.
void Replication::record(int t, const RecordTargets& out) {
  const int A = m_.n_accounts;
  auto values = [&](int metric) -> const double* {
    switch (metric) {
      case metric::support: return support_index_.data();
      case metric::intimacy: return intimacy_index_.data();
      case metric::coverage: return coverage_.data();
      case metric::satisfaction: return satisfaction_.data();
      case metric::org: return org_.data();
      case metric::fit: return fit_.data();
      case metric::jic: return centre_.data();
      case metric::agreement_weeks_left: return agreement_left_.data();
      case metric::wallet: return wallet_.data();
      default: return flow_.data() + static_cast<std::size_t>(metric) * A;
    }
  };
  if (out.portfolio) {
    // flows summed over accounts; states are means over accounts, except wallet
    double* w = out.portfolio + static_cast<std::size_t>(t) * kNumMetrics;
    const double team_cost = accounting::team_cost_per_week(m_.resources);
    static_assert(kNumMetrics % 4 == 0);
    for (int i = 0; i < kNumMetrics; i += 4) {
      const double* x[4] = {values(i), values(i + 1), values(i + 2), values(i + 3)};
      ordered_sums<4>(x, A, w + i);
    }
    for (int i = 0; i < kNumMetrics; ++i)
      if (!(i < kNumFlows || i == metric::wallet)) w[i] /= A;  // a mean
    w[metric::contribution] -= team_cost;
    w[metric::cash_flow] -= team_cost;
  }
  for (const auto& [metric, base] : out.trajectories) {
    const double* v = values(metric);
    std::copy(v, v + A, base + static_cast<std::size_t>(t) * A);
  }
}

void Replication::run_week(int week, const RecordTargets& out) {
  if (mode_ == Mode::mean_field)
    step<true>(week, out);
  else
    step<false>(week, out);
}

// One week, in passes over all accounts or all contacts (docs/model.md §3.1–§3.7 in order).
template <bool kMeanField>
void Replication::step(int t, const RecordTargets& out) {
  const Params& p = m_.params;

  // §3.1 market cycle (portfolio-wide); mean field: M ≡ 1.
  double M = m_.market_factor[t];  // market shocks multiply M_t
  if constexpr (!kMeanField) {
    market_x_ = market::cycle_step(p, market_x_, p.macro_sd > 0.0 ? market_stream_.normal() : 0.0);
    M *= elementary::exp(market_x_);
  }
  // Shocks of the week: a strategy shift sets F̄ before §3.1's fit step, a
  // competitor push sets κ from this week on (a departure happens in §3.4).
  for (const Model::WeekShock& sh : m_.shocks_by_week[t]) {
    if (sh.type == Shock::Type::strategy_shift) fit_target_[sh.account] = sh.value;
    if (sh.type == Shock::Type::competitor) competitor_[sh.account] = sh.value;
  }
  if constexpr (!kMeanField) draw_exogenous(t);
  // §3.1–§3.3 per account; the key layer per contact; §3.4 turnover
  if constexpr (kMeanField)
    account_pass<org_layer::Events::expected>(t);
  else if (at_most_two_events_)
    account_pass<org_layer::Events::at_most_two>(t);
  else
    account_pass<org_layer::Events::whole>(t);
  // Monte Carlo, slot-major: key layer, indices and tallies in one sweep, then
  // departures and the accounts they touch; otherwise pass after pass.
  const bool fused = !kMeanField && slot_major_;
  changed_.clear();
  if (fused) {
    key_index_pass(true, out.grid_packed != nullptr);
    turnover_pass<kMeanField>(t);
    for (const int a : changed_) reindex(a, out.grid_packed != nullptr);
    if (out.grid_packed) add_week_tallies(out.grid_packed + static_cast<std::size_t>(t) * m_.n_accounts * packed_grid::kWords);
  } else {
    key_pass();
    turnover_pass<kMeanField>(t);
  }
  // cells, where tallies are counted rather than packed
  if (out.grid_counts && (!out.grid_packed || counted_accounts_)) cell_pass();
  // §3.5, §3.6 indices; arrivals and decisions; §3.7
  indices(t, out, fused);
  agreement_pass();
  rate_pass<kMeanField>(M);
  arrivals<kMeanField>(t);
  decisions<kMeanField>(t);
  accounting_pass(t);
  record(t, out);
}

void Replication::finish(const RecordTargets& out) const {
  if (!out.account_totals) return;
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  for (std::size_t a = 0; a < A; ++a) {
    double* tot = out.account_totals + a * kNumMetrics;
    for (int i = 0; i < kNumFlows; ++i) tot[i] += flow_total_[static_cast<std::size_t>(i) * A + a];
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
