// The reference step (model/reference_step.hpp): docs/model.md §3 in the
// spec's order, account by account, every formula from the model layer.
#include "cathedral/model/reference_step.hpp"

#include <algorithm>
#include <limits>

#include "cathedral/run_parts.hpp"
#include "cathedral/model/accounting.hpp"
#include "cathedral/model/agreements.hpp"
#include "cathedral/model/broad_layer.hpp"
#include "cathedral/model/deals.hpp"
#include "cathedral/model/events.hpp"
#include "cathedral/model/market.hpp"
#include "cathedral/model/org_layer.hpp"
#include "cathedral/model/outputs.hpp"
#include "cathedral/resources.hpp"

namespace cathedral::reference {

namespace {
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
}  // namespace

// ------------------------------------------------------------ the start --

ReferenceReplication::ReferenceReplication(const Model& m, Mode mode, std::int64_t replication, std::uint64_t seed)
    : m_(m),
      monte_carlo_(mode == Mode::monte_carlo),
      replication_(replication),
      p_leave_(key_layer::turnover_probability(m.params)),
      departure_wait_(p_leave_),
      shift_wait_(market::strategy_shift_probability(m.params)) {
  const Params& p = m.params;
  const auto r = static_cast<std::uint64_t>(replication);
  const int H = m.horizon_weeks;
  // §10: the market stream is the replication's (account hash 0)
  market_stream_ = Stream(stream_key(seed, r, 0, Purpose::market));
  accounts_.resize(static_cast<std::size_t>(m.n_accounts));
  for (int a = 0; a < m.n_accounts; ++a) {
    Account& acc = accounts_[static_cast<std::size_t>(a)];
    const std::uint64_t id = m.account_hash[a];
    acc.wallet_growth = m.wallet_growth[a];
    acc.staff = m.staff[a];
    acc.capability_match = m.capability_match[a];
    acc.mean_deal = m.mean_deal[a];  // d̄ = deal_fraction · wallet (the scenario's)
    acc.initial_wallet = m.wallet[a];
    acc.listed_pipeline = m.has_listed_pipeline[a] != 0;
    acc.wallet = m.wallet[a];
    acc.fit = m.fit[a];
    acc.fit_target = m.fit_target[a];
    acc.coverage = m.coverage[a];
    acc.satisfaction = m.satisfaction[a];
    acc.org = m.org[a];
    acc.competitor = m.competitor_strength[a];
    acc.agreement_weeks_left = m.agreement_weeks_left[a];
    acc.jic = m.jic[a] != 0;
    acc.benchmarking_clock = acc.exec_visit_clock = 0.0;  // §3.2: c_{−1} = 0

    acc.strategy = Stream(stream_key(seed, r, id, Purpose::strategy));
    acc.fit_noise = Stream(stream_key(seed, r, id, Purpose::fit));
    acc.projects = Stream(stream_key(seed, r, id, Purpose::arrivals, 0));
    acc.dug = Stream(stream_key(seed, r, id, Purpose::arrivals, 1));
    acc.sizes = Stream(stream_key(seed, r, id, Purpose::sizes));
    acc.decisions = Stream(stream_key(seed, r, id, Purpose::decisions));
    // §3.1: strategy shifts as waiting times; §3.6: the arrival processes' first points
    acc.next_shift = monte_carlo_ ? acc.strategy.geometric(shift_wait_) : kNever;
    acc.project_residual = monte_carlo_ ? acc.projects.exponential() : 0.0;
    acc.dig_residual = monte_carlo_ ? acc.dug.exponential() : 0.0;

    for (int j = 0; j < m.contacts_of(a); ++j) {
      const int k = m.contact_begin[a] + j;
      Contact c;
      c.weight = m.contact_weight[k];
      c.stance = m.contact_stance[k];
      c.state = {m.contact_intimacy[k], m.contact_support[k]};
      c.turnover = Stream(stream_key(seed, r, id, Purpose::turnover, static_cast<std::uint64_t>(j)));
      // §3.4: departures as waiting times, the first counted from week 0
      c.next_departure = monte_carlo_ ? c.turnover.geometric(departure_wait_) : kNever;
      acc.contacts.push_back(c);
    }
    indices(acc);

    acc.pipeline.assign(static_cast<std::size_t>(H), {});
    acc.gross_profit_due.assign(static_cast<std::size_t>(H), 0.0);
    // §3.6: listed deals, decided in their decision week; their draws made now
    for (int i = m.listed_begin[a]; i < m.listed_begin[a + 1]; ++i) {
      const ListedDeal& listed = m.listed_deals[i];
      Deal d{listed.size, 1.0, 0.0, 0.0};
      if (monte_carlo_) {
        d.u_award = acc.decisions.uniform();
        d.u_win = acc.decisions.uniform();
      }
      acc.pipeline[static_cast<std::size_t>(listed.decision_week)].push_back(d);
    }
  }
  // §3.6 initial pipeline, its projects: weeks −L … −1 of arrivals from the
  // initial C, Ī and wallet with M = 1 (the dug deals come with the first epoch)
  const int L = static_cast<int>(p.sales_cycle_weeks);
  for (Account& acc : accounts_) {
    if (acc.listed_pipeline) continue;
    const double nu = deals::discovery(p, acc.coverage, acc.intimacy);
    const double lambda = deals::project_rate(acc.initial_wallet, 1.0, nu, acc.mean_deal);
    for (int w = -L; w < 0; ++w) see_deals(acc, w, lambda, 0.0);
  }
}

// ------------------------------------------------------- §3.0 the epoch --

void ReferenceReplication::observe(Observation& obs, int row) const {
  obs.replication[static_cast<std::size_t>(row)] = replication_;
  for (int a = 0; a < m_.n_accounts; ++a) {
    const Account& acc = accounts_[static_cast<std::size_t>(a)];
    const std::size_t i = obs.at(row, a);
    obs.tier[i] = static_cast<std::int8_t>(tier_of(m_.tier_rules, acc.wallet, acc.fit));
    obs.cash_flow[i] = is_cash_flow(m_.tier_rules, acc.fit) ? 1 : 0;
    obs.wallet[i] = acc.wallet;
    obs.fit[i] = acc.fit;
    obs.coverage[i] = acc.coverage;
    obs.satisfaction[i] = acc.satisfaction;
    obs.org[i] = acc.org;
    obs.support[i] = acc.support;
    obs.intimacy[i] = acc.intimacy;
    obs.agreement_weeks_left[i] = acc.agreement_weeks_left;
    obs.jic[i] = acc.jic ? 1.0 : 0.0;
    obs.revenue_to_date[i] = acc.revenue_to_date;
    obs.gross_profit_to_date[i] = acc.gross_profit_to_date;
    double open = 0.0;  // the open deals, in decision-week order
    for (const std::vector<Deal>& week : acc.pipeline)
      for (const Deal& d : week) open += d.value;
    obs.pipeline_value[i] = open;
    std::int32_t* grid = obs.grid.data() + i * kGridCells;
    std::fill(grid, grid + kGridCells, 0);
    for (const Contact& c : acc.contacts) ++grid[grid_cell(m_.grid, c.state.intimacy, c.state.support)];
  }
}

std::vector<std::uint8_t> ReferenceReplication::jic_running() const {
  std::vector<std::uint8_t> running;
  for (const Account& acc : accounts_) running.push_back(acc.jic ? 1 : 0);
  return running;
}

void ReferenceReplication::begin_epoch(int week, std::span<const double> allocation, const std::vector<double>& focus) {
  const Params& p = m_.params;
  epoch_start_ = week;
  for (int a = 0; a < m_.n_accounts; ++a) {
    Account& acc = accounts_[static_cast<std::size_t>(a)];
    std::copy_n(allocation.begin() + static_cast<std::ptrdiff_t>(a) * kNumAllocFields, kNumAllocFields,
                acc.plan.begin());
    acc.r_visits = broad_layer::visit_response(p, acc.allocation(AllocField::visits), acc.staff);
    acc.r_service = broad_layer::service_response(p, acc.allocation(AllocField::service_hours));
    // §3.3: a centre runs for the whole epoch whose allocation sets it
    const bool runs = acc.allocation(AllocField::jic) != 0.0;
    acc.centre_opens = org_layer::centre_opens(runs, acc.jic);
    acc.jic = runs;
    for (std::size_t j = 0; j < acc.contacts.size(); ++j)
      acc.contacts[j].focus = focus[static_cast<std::size_t>(m_.contact_begin[a]) + j];
  }
  if (week != 0) return;
  // §3.6 initial pipeline, its dug deals: r_b of the week-0 allocation and the initial C
  const int L = static_cast<int>(p.sales_cycle_weeks);
  for (Account& acc : accounts_) {
    if (acc.listed_pipeline) continue;
    const double mu = deals::dig_rate(p, acc.initial_wallet, acc.mean_deal, acc.r_visits, acc.coverage);
    for (int w = -L; w < 0; ++w) see_deals(acc, w, 0.0, mu);
  }
}

// ------------------------------------------------------------ one week --

void ReferenceReplication::step(int t) {
  double M = 1.0;
  exogenous(t, M);                                 // §3.1
  for (Account& acc : accounts_) events(acc);      // §3.2
  for (Account& acc : accounts_) layers(acc);      // §3.3
  turnover(t);                                     // §3.4
  for (Account& acc : accounts_) indices(acc);     // K, Ī, nine-grid
  for (Account& acc : accounts_) agreement(acc);   // §3.5
  for (Account& acc : accounts_) opportunities(acc, t, M);  // §3.6
  for (Account& acc : accounts_) accounting(acc, t);        // §3.7
}

// §3.1: market cycle, the week's shocks, drawn strategy shifts, fit, wallet.
void ReferenceReplication::exogenous(int t, double& M) {
  const Params& p = m_.params;
  if (monte_carlo_) {
    market_x_ = market::cycle_step(p, market_x_, p.macro_sd > 0.0 ? market_stream_.normal() : 0.0);
    M = market::level(market_x_, m_.market_factor[static_cast<std::size_t>(t)]);
  } else {
    M = m_.market_factor[static_cast<std::size_t>(t)];  // §7: M ≡ 1, times the market shocks
  }
  for (const Model::WeekShock& sh : m_.shocks_by_week[static_cast<std::size_t>(t)]) {
    Account& acc = accounts_[static_cast<std::size_t>(sh.account)];
    if (sh.type == Shock::Type::strategy_shift) acc.fit_target = sh.value;
    if (sh.type == Shock::Type::competitor) acc.competitor = sh.value;
  }
  for (Account& acc : accounts_) {
    if (monte_carlo_ && t == acc.next_shift) {
      acc.fit_target = market::shifted_target(p, acc.fit_target, acc.strategy.normal());
      acc.next_shift = t + 1 + acc.strategy.geometric(shift_wait_);
    }
    const double eps = monte_carlo_ && p.fit_noise > 0.0 ? acc.fit_noise.normal() : 0.0;
    acc.fit = market::fit_step(p, acc.fit, acc.fit_target, eps);
    acc.wallet = market::wallet_step(p, acc.wallet, acc.wallet_growth, acc.fit, t);
  }
}

// §3.2: the events of the week from the event clocks (mean field: the expected counts).
void ReferenceReplication::events(Account& acc) {
  const double b = acc.allocation(AllocField::benchmarking), e = acc.allocation(AllocField::exec_visits);
  if (!monte_carlo_) {
    acc.n_benchmarking = events::expected(b);
    acc.n_exec_visits = events::expected(e);
    return;
  }
  const double bm_before = acc.benchmarking_clock, ev_before = acc.exec_visit_clock;
  acc.benchmarking_clock = events::advance_clock(bm_before, b);
  acc.exec_visit_clock = events::advance_clock(ev_before, e);
  acc.n_benchmarking = events::held(bm_before, acc.benchmarking_clock);
  acc.n_exec_visits = events::held(ev_before, acc.exec_visit_clock);
}

// §3.3: broad, organisational and key layers, all from the values at the start of the step.
void ReferenceReplication::layers(Account& acc) {
  const Params& p = m_.params;
  const double C = acc.coverage, O = acc.org, J = acc.jic ? 1.0 : 0.0;
  acc.coverage = broad_layer::coverage_step(p, C, acc.r_visits);
  acc.satisfaction = broad_layer::satisfaction_step(p, acc.satisfaction, C, acc.r_service);
  acc.org = monte_carlo_
                ? org_layer::step<org_layer::Events::whole>(p, O, C, J, acc.fit, acc.capability_match,
                                                            acc.n_benchmarking, acc.n_exec_visits)
                : org_layer::step<org_layer::Events::expected>(p, O, C, J, acc.fit, acc.capability_match,
                                                               acc.n_benchmarking, acc.n_exec_visits);
  for (Contact& c : acc.contacts) {
    const double r_social =
        key_layer::social_response(p, key_layer::contact_hours(acc.allocation(AllocField::social_hours), c.focus));
    const double r_value =
        key_layer::value_response(p, key_layer::contact_hours(acc.allocation(AllocField::value_hours), c.focus));
    c.state = key_layer::step(p, c.state, c.stance, r_social, r_value, O);
  }
}

void ReferenceReplication::add_successor(Account& acc, Contact& c) const {
  c.state = key_layer::successor(m_.params, c.stance, acc.coverage, acc.org);
}

// §3.4: drawn departures (mean field: the successor mixed in at the
// turnover rate), then the week's contact_leaves shocks.
void ReferenceReplication::turnover(int t) {
  for (Account& acc : accounts_)
    for (Contact& c : acc.contacts) {
      if (!monte_carlo_) {
        c.state = key_layer::mix_successor(c.state, key_layer::successor(m_.params, c.stance, acc.coverage, acc.org),
                                           p_leave_);
      } else if (t == c.next_departure) {
        add_successor(acc, c);
        c.next_departure = t + 1 + c.turnover.geometric(departure_wait_);
      }
    }
  for (const Model::WeekShock& sh : m_.shocks_by_week[static_cast<std::size_t>(t)]) {
    if (sh.type != Shock::Type::contact_leaves) continue;
    Account& acc = accounts_[static_cast<std::size_t>(sh.account)];
    add_successor(acc, acc.contacts[static_cast<std::size_t>(sh.contact - m_.contact_begin[sh.account])]);
  }
}

// The week's indices K = Σ w_k S_k and Ī = Σ w_k I_k, in contact order, and the nine-grid (§6).
void ReferenceReplication::indices(Account& acc) {
  acc.support = 0.0;
  acc.intimacy = 0.0;
  acc.grid.fill(0);
  for (const Contact& c : acc.contacts) {
    acc.support += deals::index_term(c.weight, c.state.support);
    acc.intimacy += deals::index_term(c.weight, c.state.intimacy);
    ++acc.grid[static_cast<std::size_t>(grid_cell(m_.grid, c.state.intimacy, c.state.support))];
  }
}

// §3.5
void ReferenceReplication::agreement(Account& acc) {
  acc.agreement_signed = agreements::step(m_.params, acc.agreement_weeks_left,
                                          acc.allocation(AllocField::pursue_agreement) != 0.0, acc.org, acc.fit);
}

// §3.6 the deals seen in `week` at the given weekly rates of projects and dug
// deals, decided sales_cycle_weeks later (dropped at or after the horizon);
// returns how many were seen. Monte Carlo: each arrival process moves on by
// its rate and every point passed is a deal, projects first; mean field: one
// pseudo-deal of the expected count and value.
double ReferenceReplication::see_deals(Account& acc, int week, double project_rate, double dig_rate) {
  const Params& p = m_.params;
  const int due = week + static_cast<int>(p.sales_cycle_weeks);
  const bool kept = due < m_.horizon_weeks;
  if (!monte_carlo_) {
    const double count = deals::expected_count(project_rate, dig_rate);
    if (kept && count > 0.0)
      acc.pipeline[static_cast<std::size_t>(due)].push_back(
          {deals::expected_value(p, acc.mean_deal, project_rate, dig_rate), count, 0.0, 0.0});
    return count;
  }
  int seen = 0;
  auto see = [&](bool dug) {  // a deal's size and decision draws are made when it is seen
    Deal d;
    d.value = deals::deal_size(p, acc.mean_deal, dug, acc.sizes.normal());
    d.count = 1.0;
    d.u_award = acc.decisions.uniform();
    d.u_win = acc.decisions.uniform();
    ++seen;
    if (kept) acc.pipeline[static_cast<std::size_t>(due)].push_back(d);
  };
  acc.project_residual -= project_rate;
  acc.dig_residual -= dig_rate;
  while (acc.project_residual <= 0.0) {
    see(false);
    acc.project_residual += acc.projects.exponential();
  }
  while (acc.dig_residual <= 0.0) {
    see(true);
    acc.dig_residual += acc.dug.exponential();
  }
  return seen;
}

// §3.6: this week's arrivals, then the decisions due this week.
void ReferenceReplication::opportunities(Account& acc, int t, double M) {
  const Params& p = m_.params;
  acc.flows.fill(0.0);
  const double nu = deals::discovery(p, acc.coverage, acc.intimacy);
  const double lambda = deals::project_rate(acc.wallet, M, nu, acc.mean_deal);
  const double mu = deals::dig_rate(p, acc.wallet, acc.mean_deal, acc.r_visits, acc.coverage);
  acc.flows[metric::seen_deals] = see_deals(acc, t, lambda, mu);

  const deals::Terms terms = deals::decision_terms(p, acc.coverage, acc.jic, acc.support, acc.intimacy, acc.org,
                                                   acc.fit, acc.satisfaction, acc.competitor,
                                                   acc.agreement_weeks_left);
  std::vector<Deal>& due = acc.pipeline[static_cast<std::size_t>(t)];
  for (const Deal& d : due) {
    acc.flows[metric::decided_deals] += d.count;
    const deals::Booking b = monte_carlo_ ? deals::book(p, terms, d.value, d.u_award, d.u_win)
                                          : deals::book_expected(p, terms, d.value, d.count);
    acc.flows[metric::wins] += b.wins;
    acc.flows[metric::direct_awards] += b.direct_awards;
    acc.flows[metric::revenue] += b.revenue;
    acc.flows[metric::gross_profit] += b.gross_profit;
  }
  due.clear();
}

// §3.7: spend, hours and executive days; contribution; gross profit collected
// payment_delay_weeks after it was booked.
void ReferenceReplication::accounting(Account& acc, int t) {
  const Costs& c = m_.costs;
  const double gp = acc.flows[metric::gross_profit];
  acc.revenue_to_date += acc.flows[metric::revenue];
  acc.gross_profit_to_date += gp;
  const bool opens_now = acc.centre_opens && t == epoch_start_;  // the setup cost falls in the epoch's first week
  const accounting::Week w =
      accounting::week(c, accounting::epoch_costs(c, acc.plan.data(), acc.jic), acc.n_benchmarking,
                       acc.n_exec_visits, opens_now ? 1.0 : 0.0, acc.agreement_signed ? 1.0 : 0.0);
  acc.flows[metric::spend] = w.spend;
  acc.flows[metric::hours] = w.hours;
  acc.flows[metric::exec_days] = w.exec_days;
  acc.flows[metric::contribution] = accounting::contribution(gp, w.spend);
  const int paid = t + static_cast<int>(m_.params.payment_delay_weeks);
  if (paid < m_.horizon_weeks) acc.gross_profit_due[static_cast<std::size_t>(paid)] += gp;
  acc.flows[metric::cash_flow] = accounting::cash_flow(acc.gross_profit_due[static_cast<std::size_t>(t)], w.spend);
}

// ------------------------------------------------------------- outputs --

double ReferenceReplication::metric(int a, int id) const {
  const Account& acc = accounts_[static_cast<std::size_t>(a)];
  if (is_flow(id)) return acc.flows[static_cast<std::size_t>(id)];
  switch (id) {
    case metric::support: return acc.support;
    case metric::intimacy: return acc.intimacy;
    case metric::coverage: return acc.coverage;
    case metric::satisfaction: return acc.satisfaction;
    case metric::org: return acc.org;
    case metric::fit: return acc.fit;
    case metric::jic: return acc.jic ? 1.0 : 0.0;
    case metric::agreement_weeks_left: return acc.agreement_weeks_left;
    default: return acc.wallet;
  }
}

std::array<double, kNumMetrics> ReferenceReplication::portfolio_row() const {
  std::array<double, kNumMetrics> row{};
  std::vector<double> x(static_cast<std::size_t>(m_.n_accounts));
  for (int id = 0; id < kNumMetrics; ++id) {
    for (int a = 0; a < m_.n_accounts; ++a) x[static_cast<std::size_t>(a)] = metric(a, id);
    row[static_cast<std::size_t>(id)] = outputs::ordered_sum(x.data(), m_.n_accounts);
  }
  outputs::finish_portfolio_row(row.data(), m_.n_accounts, accounting::team_cost_per_week(m_.resources));
  return row;
}

// ------------------------------------------------------------- the run --

RunResult reference_run(const Model& m, const Policy& policy, const RunOptions& o) {
  o.validate();
  const std::int64_t R = o.mode == Mode::mean_field ? 1 : o.replications;
  const int H = m.horizon_weeks, A = m.n_accounts, E = m.n_epochs;
  const auto RH = static_cast<std::size_t>(R) * static_cast<std::size_t>(H);
  const std::size_t row_size = static_cast<std::size_t>(A) * kNumAllocFields;

  RunResult res = empty_result(m, o, R);
  res.portfolio.assign(RH * kNumMetrics, 0.0);
  res.scale.assign(static_cast<std::size_t>(R) * E, 1.0);
  res.binding.assign(static_cast<std::size_t>(R) * E, 0);
  res.infeasible.assign(static_cast<std::size_t>(R) * E, 0);
  // every metric per replication, week and account; the kept ones are returned
  std::vector<std::vector<double>> trajectory(kNumMetrics, std::vector<double>(RH * A, 0.0));
  std::vector<std::int64_t> grid(static_cast<std::size_t>(H) * A * kGridCells, 0);
  std::vector<std::int64_t> tiers(static_cast<std::size_t>(E) * A * 5, 0);
  std::vector<double> fitted(static_cast<std::size_t>(R) * E * row_size, 0.0);  // replications × epochs × accounts × fields

  std::vector<ReferenceReplication> reps;
  reps.reserve(static_cast<std::size_t>(R));
  for (std::int64_t r = 0; r < R; ++r) reps.emplace_back(m, o.mode, r, o.seed);
  Observation obs;
  obs.resize(static_cast<int>(R), A);
  const ResourceUse cap = capacity(m);
  obs.am_hours_per_week = cap.am_hours;
  obs.executive_days_per_year = cap.executive_days;
  obs.budget_per_year = cap.budget;
  std::vector<double> alloc(static_cast<std::size_t>(R) * row_size);

  for (int e = 0; e < E; ++e) {
    const int t0 = m.epoch_start(e);
    obs.epoch = e;
    obs.week = t0;
    for (std::int64_t r = 0; r < R; ++r) reps[static_cast<std::size_t>(r)].observe(obs, static_cast<int>(r));
    policy.decide(obs, alloc);
    for (std::int64_t r = 0; r < R; ++r) {
      ReferenceReplication& rep = reps[static_cast<std::size_t>(r)];
      const std::span<double> row(alloc.data() + static_cast<std::size_t>(r) * row_size, row_size);
      tally_tiers(obs, static_cast<int>(r), e, tiers.data());
      const ResourceFit fit = fit_to_resources(m, row, rep.jic_running(), o.strict, e);  // §4
      const std::size_t at = static_cast<std::size_t>(r) * E + e;
      res.scale[at] = fit.scale;
      res.binding[at] = static_cast<std::int8_t>(fit.binding);
      res.infeasible[at] = fit.infeasible ? 1 : 0;
      std::copy(row.begin(), row.end(), fitted.begin() + static_cast<std::ptrdiff_t>(at * row_size));
      rep.begin_epoch(t0, row, policy.contact_focus(t0));
      for (int t = t0; t < m.epoch_end(e); ++t) {
        rep.step(t);
        const std::size_t week_row = static_cast<std::size_t>(r) * H + t;
        const std::array<double, kNumMetrics> pf = rep.portfolio_row();
        std::copy(pf.begin(), pf.end(), res.portfolio.begin() + static_cast<std::ptrdiff_t>(week_row * kNumMetrics));
        for (int id = 0; id < kNumMetrics; ++id)
          for (int a = 0; a < A; ++a) trajectory[static_cast<std::size_t>(id)][week_row * A + a] = rep.metric(a, id);
        for (int a = 0; a < A; ++a)
          for (int c = 0; c < kGridCells; ++c)
            grid[(static_cast<std::size_t>(t) * A + a) * kGridCells + c] += rep.accounts()[static_cast<std::size_t>(a)].grid[c];
      }
    }
  }

  // §8 per account: flows summed over the horizon (in week order), states at
  // its end; means and variances over replications summed block by block (§10).
  std::vector<double> sum(static_cast<std::size_t>(A) * kNumMetrics, 0.0), sq(sum.size(), 0.0);
  std::vector<double> alloc_sum(static_cast<std::size_t>(E) * row_size, 0.0);
  std::vector<double> block_sum(sum.size()), block_sq(sum.size()), block_alloc(alloc_sum.size());
  for (std::int64_t block = 0; block * kBlockReplications < R; ++block) {
    for (auto* v : {&block_sum, &block_sq, &block_alloc}) std::fill(v->begin(), v->end(), 0.0);
    for (std::int64_t r = block * kBlockReplications; r < std::min(R, (block + 1) * kBlockReplications); ++r) {
      for (int e = 0; e < E; ++e)
        for (std::size_t i = 0; i < row_size; ++i)
          block_alloc[static_cast<std::size_t>(e) * row_size + i] +=
              fitted[(static_cast<std::size_t>(r) * E + e) * row_size + i];
      for (int a = 0; a < A; ++a)
        for (int id = 0; id < kNumMetrics; ++id) {
          const std::vector<double>& x = trajectory[static_cast<std::size_t>(id)];
          double total = 0.0;
          if (is_flow(id)) {
            for (int t = 0; t < H; ++t) total += x[(static_cast<std::size_t>(r) * H + t) * A + a];
          } else {
            total = x[(static_cast<std::size_t>(r) * H + H - 1) * A + a];
          }
          const std::size_t i = static_cast<std::size_t>(a) * kNumMetrics + id;
          outputs::accumulate(block_sum[i], block_sq[i], total);
        }
    }
    for (std::size_t i = 0; i < sum.size(); ++i) {
      sum[i] += block_sum[i];
      sq[i] += block_sq[i];
    }
    for (std::size_t i = 0; i < alloc_sum.size(); ++i) alloc_sum[i] += block_alloc[i];
  }
  finish_result(res, m, sum, sq, alloc_sum, grid, tiers);
  for (int id : o.keep_trajectories) res.trajectories.push_back(trajectory[static_cast<std::size_t>(id)]);
  return res;
}

}  // namespace cathedral::reference
