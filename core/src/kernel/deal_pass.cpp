// The deal passes (docs/model.md §3.5 agreements, §3.6 opportunities and
// decisions): the initial pipeline, arrival rates, arrivals, decisions.
#include "cathedral/replication.hpp"

#include "cathedral/elementary.hpp"
#include "cathedral/model/agreements.hpp"
#include "cathedral/model/deals.hpp"
#include "cathedral/simd.hpp"

namespace cathedral {

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

void Replication::add_arrivals(int a, int week, double project_rate, double dig_rate) {
  const Params& p = m_.params;
  const double d_bar = m_.mean_deal[a];
  const int due = week + L_;
  if (mode_ == Mode::mean_field) {
    // Expected arrivals: one pseudo-deal holding the expected count and value.
    const double count = deals::expected_count(project_rate, dig_rate);
    if (due < m_.horizon_weeks && count > 0.0)
      pipeline_.add(due, {deals::expected_value(p, d_bar, project_rate, dig_rate), count, 0.0, 0.0, a});
    return;
  }
  // Time-changed Poisson processes: each residual is the distance to the
  // next point of a unit-rate process, so only arrivals cost draws.
  residual_projects_[a] -= project_rate;
  residual_dig_[a] -= dig_rate;
  if (residual_projects_[a] <= 0.0 || residual_dig_[a] <= 0.0) draw_arrivals(a, week);
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
  double* __restrict rate = arrival_rate_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (int a = 0; a < A; ++a) {
    const double lam = deals::project_rate(W[a], M, deals::discovery(p, C[a], Ibar[a]), mean_deal[a]);
    const double mu = deals::dig_rate(p, W[a], mean_deal[a], r_visits[a], C[a]);
    rate[a] = deals::expected_count(lam, mu);
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

// A wallet that runs away (growth compounding over a long horizon) would
// bring ever more deals: the run stops, naming the account and the week,
// before the pipeline exhausts memory or a week never ends.
void Replication::check_arrival_rates(int t) const {
  const int A = m_.n_accounts;
  const double* rate = arrival_rate_.data();
  bool runaway = false;
  for (int a = 0; a < A; ++a) runaway |= !(rate[a] <= deals::kMaxArrivalRate);
  if (!runaway) [[likely]]
    return;
  for (int a = 0; a < A; ++a) {
    if (rate[a] <= deals::kMaxArrivalRate) continue;
    throw ScenarioError({"accounts[" + std::to_string(a) + "] (\"" + m_.account_ids[static_cast<std::size_t>(a)] +
                         "\"): at week " + std::to_string(t) + " it would see " + format_number(rate[a]) +
                         " expected deals a week, more than " + format_number(deals::kMaxArrivalRate) +
                         " (its wallet is " + format_number(wallet_[a]) + ", from " +
                         format_number(m_.wallet[static_cast<std::size_t>(a)]) +
                         ", times the market cycle); lower its wallet_growth, params.wallet_fit_growth or "
                         "params.macro_sd, or shorten horizon_weeks"});
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
      seen[a] = deals::expected_count(project_rate_[a], dig_rate_[a]);
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

// The instances step() runs (step lives in replication.cpp).
template void Replication::rate_pass<false>(double);
template void Replication::rate_pass<true>(double);
template void Replication::arrivals<false>(int);
template void Replication::arrivals<true>(int);
template void Replication::decisions<false>(int);
template void Replication::decisions<true>(int);

}  // namespace cathedral
