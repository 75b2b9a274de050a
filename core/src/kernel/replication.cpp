// The replication: its state, the start, observations, decision epochs, the
// week's passes in the order of docs/model.md §3.1–§3.7 (step) and what it
// records. Each pass lives in the file of its part of the week; every formula
// comes from the model layer (cathedral/model/), and the conformance suite
// (tests/conformance) checks the whole against the reference step bit for bit.
#include "cathedral/replication.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "cathedral/model/accounting.hpp"
#include "cathedral/model/broad_layer.hpp"
#include "cathedral/model/deals.hpp"
#include "cathedral/model/events.hpp"
#include "cathedral/model/key_layer.hpp"
#include "cathedral/model/market.hpp"
#include "cathedral/model/org_layer.hpp"
#include "cathedral/model/outputs.hpp"
#include "cathedral/simd.hpp"

namespace cathedral {

namespace {

// Σ x[i] in a fixed order that vectorises: four interleaved partial sums
// (lanes), combined pairwise, (l0 + l1) + (l2 + l3): outputs::ordered_sum
// (docs/model.md §10) in vector lanes. The same order, hence the same bits,
// on every machine. kArrays arrays at once: each lane's
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
                  &n_exec_visits_, &benchmarking_clock_, &exec_visit_clock_, &signed_, &agreement_left_, &pursue_agreement_, &project_rate_, &dig_rate_, &arrival_rate_,
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
    centre_opens_[a] = org_layer::centre_opens(run_centre, jic_[a] != 0) ? 1.0 : 0.0;
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
  if (!(max_rate <= events::kMaxPerYear)) [[unlikely]]
    for (int a = 0; a < m_.n_accounts; ++a)
      for (const AllocField f : {AllocField::benchmarking, AllocField::exec_visits}) {
        const double rate = alloc_[static_cast<std::size_t>(a) * kNumAllocFields + static_cast<std::size_t>(f)];
        if (!(rate <= events::kMaxPerYear))
          throw std::invalid_argument("allocation of account \"" + m_.account_ids[static_cast<std::size_t>(a)] +
                                      "\" at week " + std::to_string(week) + ": " +
                                      kAllocFieldNames[static_cast<std::size_t>(f)] + " " + format_number(rate) +
                                      " a year; at most " + format_number(events::kMaxPerYear) +
                                      " are allowed (100 a week)");
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
  // (hill with shape 1 is hill_unit_shape: the same bits)
  auto set_drives = [&](auto unit_shapes) {
    over_contacts([&](std::size_t k, std::size_t a) {
      const double s_k = key_layer::contact_hours(social[a], focus[k]);
      const double v_k = key_layer::contact_hours(value[a], focus[k]);
      double r_social, r_value;
      if constexpr (decltype(unit_shapes)::value) {
        r_social = hill_unit_shape(s_k, h_social.half);
        r_value = hill_unit_shape(v_k, h_value.half);
      } else {
        r_social = key_layer::social_response(p, s_k);
        r_value = key_layer::value_response(p, v_k);
      }
      drive_I[k] = key_layer::intimacy_drive(p, r_social, r_value);
      drive_S[k] = key_layer::support_drive(p, r_value);
    });
  };
  if (h_social.shape == 1.0 && h_value.shape == 1.0)
    set_drives(std::true_type{});
  else
    set_drives(std::false_type{});
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
    // every metric summed over the accounts in the order of outputs::ordered_sum, four at a time
    double* w = out.portfolio + static_cast<std::size_t>(t) * kNumMetrics;
    static_assert(kNumMetrics % 4 == 0);
    for (int i = 0; i < kNumMetrics; i += 4) {
      const double* x[4] = {values(i), values(i + 1), values(i + 2), values(i + 3)};
      ordered_sums<4>(x, A, w + i);
    }
    outputs::finish_portfolio_row(w, A, accounting::team_cost_per_week(m_.resources));
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
    M = market::level(market_x_, M);
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
  check_arrival_rates(t);
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
