// The reference step: one replication of docs/model.md §3, written to be read
// next to the spec. State is held account by account (a struct per account,
// holding its contacts and its open deals); step(week) runs §3.1–§3.7 in the
// spec's order, and every formula is a call into the model layer
// (cathedral/model/): nothing here computes a rule of its own.
//
// It draws from the same random streams as the fast kernel (replication.cpp),
// in the same order within each stream, and sums in the spec's fixed order
// (§10), so the kernel must give its results bit for bit (tests/conformance).
// It is slow on purpose: no structure of arrays, no vector loops, no waiting
// lists; the kernel's speed tricks are what the conformance suite checks.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "cathedral/metrics.hpp"
#include "cathedral/model.hpp"
#include "cathedral/model/key_layer.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/random.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/tiers.hpp"

namespace cathedral::reference {

// An open deal (§3.6). Monte Carlo: count 1, value its size, its two decision
// draws made when it was seen. Mean field: a pseudo-deal of expected count
// and value, no draws.
struct Deal {
  double value = 0.0, count = 0.0;
  double u_award = 0.0, u_win = 0.0;
};

// A key contact (§2.2) and its state.
struct Contact {
  double weight = 0.0;  // w_k, normalised within the account
  double stance = 0.0;
  double focus = 0.0;   // φ_k of the epoch's allocation
  key_layer::ContactState state{};  // I, S
  Stream turnover;                  // its departures (§10: sub = its position)
  std::int64_t next_departure = 0;  // Monte Carlo: the week of its next drawn departure
};

// One account: scenario data, state, streams, the epoch's plan and the week's results.
struct Account {
  // from the scenario
  double wallet_growth = 0.0, staff = 0.0, capability_match = 0.0, mean_deal = 0.0, initial_wallet = 0.0;
  bool listed_pipeline = false;

  // state (end of the last week)
  double wallet = 0.0, fit = 0.0, fit_target = 0.0, coverage = 0.0, satisfaction = 0.0, org = 0.0;
  double competitor = 0.0;            // κ
  double agreement_weeks_left = 0.0;  // whole weeks
  bool jic = false;                   // J: a centre runs in this epoch (or the scenario's, before week 0)
  double benchmarking_clock = 0.0, exec_visit_clock = 0.0;  // §3.2, in rate-weeks
  std::vector<Contact> contacts;
  double support = 0.0, intimacy = 0.0;  // K and Ī of the week
  std::vector<std::vector<Deal>> pipeline;  // open deals by decision week, in the order seen
  std::vector<double> gross_profit_due;     // by week of collection (§3.6 payment delay)
  double revenue_to_date = 0.0, gross_profit_to_date = 0.0;

  // randomness (§10)
  Stream strategy, fit_noise, projects, dug, sizes, decisions;
  std::int64_t next_shift = 0;                   // Monte Carlo: the week of the next strategy shift
  double project_residual = 0.0, dig_residual = 0.0;  // the arrival processes' distance to their next point

  // the epoch's fitted allocation (§3.0) and its responses
  std::array<double, kNumAllocFields> plan{};
  double r_visits = 0.0, r_service = 0.0;
  bool centre_opens = false;  // the epoch opens a centre (setup cost in its first week)

  // the week
  double n_benchmarking = 0.0, n_exec_visits = 0.0;
  bool agreement_signed = false;
  std::array<double, kNumFlows> flows{};
  std::array<std::int32_t, kGridCells> grid{};  // nine-grid, end of the week

  double allocation(AllocField f) const { return plan[static_cast<std::size_t>(f)]; }
};

class ReferenceReplication {
 public:
  // The initial state of replication `replication` (docs/model.md §2, §3.6 initial pipeline).
  ReferenceReplication(const Model& model, Mode mode, std::int64_t replication, std::uint64_t seed);

  // §3.0 / §5: row `row` of the observation at an epoch's start.
  void observe(Observation& obs, int row) const;
  // Which accounts run a centre before the epoch (the resource fit, §4).
  std::vector<std::uint8_t> jic_running() const;
  // §3.0: the fitted allocation (accounts × kNumAllocFields) and φ per contact (Model order).
  void begin_epoch(int week, std::span<const double> allocation, const std::vector<double>& focus);
  // §3.1–§3.7, one week.
  void step(int week);

  // After step(week): account a's value of `metric` in that week (§8).
  double metric(int account, int metric) const;
  // After step(week): the portfolio row of the week (§8, summed in the order of §10).
  std::array<double, kNumMetrics> portfolio_row() const;
  const std::vector<Account>& accounts() const { return accounts_; }

 private:
  void exogenous(int week, double& M);  // §3.1
  void events(Account& acc);            // §3.2
  void layers(Account& acc);            // §3.3
  void turnover(int week);              // §3.4
  void indices(Account& acc);           // the week's K, Ī and nine-grid
  void agreement(Account& acc);         // §3.5
  void opportunities(Account& acc, int week, double M);  // §3.6
  void accounting(Account& acc, int week);               // §3.7
  double see_deals(Account& acc, int week, double project_rate, double dig_rate);
  void add_successor(Account& acc, Contact& c) const;

  const Model& m_;
  bool monte_carlo_;
  std::int64_t replication_;
  double p_leave_;                         // weekly turnover probability (§3.4)
  Geometric departure_wait_, shift_wait_;  // waiting times of departures and strategy shifts
  Stream market_stream_;
  double market_x_ = 0.0;                  // x_t of the market cycle
  int epoch_start_ = 0;
  std::vector<Account> accounts_;
};

// A whole run through the reference: every replication advanced epoch by
// epoch, the policy deciding for all replications at once, the fit to the
// resources (§4) as the runner does it, and the outputs of §8 aggregated in
// the order of §10 (blocks of kBlockReplications). Every field of RunResult
// is filled as run() fills it; options.threads and contact_layout are ignored.
RunResult reference_run(const Model& model, const Policy& policy, const RunOptions& options);

}  // namespace cathedral::reference
