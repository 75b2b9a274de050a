// Whole runs (docs/model.md §3, §7, §8, §10): reproducibility, invariances,
// common random numbers, mean field, accounting identities, agreements,
// pipelines, strict mode and KPIs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "cathedral/resources.hpp"
#include "scenario_fixtures.hpp"

namespace cathedral {
namespace {

using fixtures::am;
using fixtures::bits_equal;
using fixtures::json;
using fixtures::options;
using fixtures::pf;
using fixtures::run_json;
using fixtures::same_bits;
using fixtures::small_portfolio;
using fixtures::traj;

double rel_tol(double a, double b, double rel = 1e-9) { return rel * std::max({1.0, std::fabs(a), std::fabs(b)}); }

// ------------------------------------------------------ reproducibility --

TEST(Reproducibility, ThreadCountDoesNotChangeResults) {
  RunOptions o = options(100, 42, 1);
  o.keep_trajectories = {metric::revenue, metric::coverage, metric::intimacy};
  const RunResult r1 = run_json(small_portfolio(), o);
  o.threads = 2;
  const RunResult r2 = run_json(small_portfolio(), o);
  o.threads = 7;
  const RunResult r7 = run_json(small_portfolio(), o);
  fixtures::expect_identical(r1, r2);
  fixtures::expect_identical(r1, r7);
  // the run did something
  double revenue = 0.0;
  for (std::int64_t r = 0; r < 100; ++r) revenue += fixtures::kpi(r1, r, "revenue");
  EXPECT_GT(revenue, 0.0);
}

TEST(Reproducibility, RunToRunIdentical) {
  const RunOptions o = options(64, 9, 7);
  fixtures::expect_identical(run_json(small_portfolio(), o), run_json(small_portfolio(), o));
}

TEST(Reproducibility, FirstReplicationsArePrefix) {
  const RunResult big = run_json(small_portfolio(), options(100, 3, 2));
  const RunResult small = run_json(small_portfolio(), options(37, 3, 3));
  const std::size_t rows = static_cast<std::size_t>(37) * big.horizon_weeks * kNumMetrics;
  ASSERT_EQ(small.portfolio.size(), rows);
  const std::vector<double> head(big.portfolio.begin(), big.portfolio.begin() + static_cast<long>(rows));
  EXPECT_TRUE(bits_equal(head, small.portfolio));
  const std::size_t nk = big.kpi_names.size();
  const std::vector<double> kh(big.kpis.begin(), big.kpis.begin() + static_cast<long>(37 * nk));
  EXPECT_TRUE(bits_equal(kh, small.kpis));
  const std::vector<double> sh(big.scale.begin(), big.scale.begin() + 37 * big.n_epochs);
  EXPECT_TRUE(bits_equal(sh, small.scale));
}

TEST(Reproducibility, DifferentSeedDifferentOutput) {
  const RunResult a = run_json(small_portfolio(), options(32, 1, 2));
  const RunResult b = run_json(small_portfolio(), options(32, 2, 2));
  EXPECT_FALSE(bits_equal(a.portfolio, b.portfolio));
  EXPECT_FALSE(bits_equal(a.account_mean, b.account_mean));
}

// A policy that insists on seeing every replication at once, delegating to a
// built-in one: the synchronised schedule must give the same results.
class SynchronisedWrapper final : public Policy {
 public:
  explicit SynchronisedWrapper(const Policy& inner) : inner_(inner) {}
  bool needs_all_replications() const override { return true; }
  void decide(const Observation& obs, std::span<double> out) const override {
    ++calls;
    rows_seen = obs.n_replications;
    for (int r = 0; r < obs.n_replications; ++r)
      if (obs.replication[r] != r) ++bad_rows;
    inner_.decide(obs, out);
  }
  const std::vector<double>& contact_focus(int week) const override { return inner_.contact_focus(week); }
  mutable int calls = 0;
  mutable int rows_seen = 0;
  mutable int bad_rows = 0;

 private:
  const Policy& inner_;
};

TEST(Reproducibility, SynchronisedScheduleEqualsIndependent) {
  fixtures::Built b = fixtures::build(small_portfolio());
  RunOptions o = options(70, 17, 3);
  o.keep_trajectories = {metric::revenue, metric::org, metric::wallet};
  const RunResult plain = run(b.model, *b.policy, o);
  SynchronisedWrapper sync(*b.policy);
  const RunResult wrapped = run(b.model, sync, o);
  fixtures::expect_identical(plain, wrapped);
  // called once per epoch with all replications
  EXPECT_EQ(sync.calls, b.model.n_epochs);
  EXPECT_EQ(sync.rows_seen, 70);
  EXPECT_EQ(sync.bad_rows, 0);
  // and with a mean-field run
  o.mode = Mode::mean_field;
  fixtures::expect_identical(run(b.model, *b.policy, o), run(b.model, sync, o));
}

// The replication keeps contacts slot by slot (padded where accounts have
// fewer) when that pays; the results must be those of the Model's order, bit
// for bit: uniform and ragged contact counts, an account without contacts,
// shocks that remove a contact, more than two events a week, response curves
// of shape other than 1, both modes, and
// the observations a whole-batch policy sees.
TEST(ContactLayout, SlotBySlotGivesTheBitsOfAccountOrder) {
  json ragged = small_portfolio();  // 2, 1, 3 and 0 contacts: padded to 3 slots
  ragged["shocks"] = json::parse(R"([{"type": "contact_leaves", "account": "gamma", "contact": "b", "week": 20},
                                     {"type": "contact_leaves", "account": "alpha", "contact": "ceo", "week": 33}])");
  json busy = ragged;  // 150 meetings a year: three in some weeks
  busy["policy"]["default"]["benchmarking"] = 150;
  json shaped = ragged;  // response curves with pow
  shaped["params"] = {{"social_shape", 2.0}, {"value_shape", 0.7}, {"visit_shape", 1.5}};
  json uniform = small_portfolio();  // two contacts each: slot by slot without padding
  for (auto& a : uniform["accounts"]) {
    a["contacts"] = json::array();
    for (int k = 0; k < 2; ++k)
      a["contacts"].push_back({{"id", k == 0 ? "c0" : "c1"}, {"intimacy", 0.2 + 0.3 * k}, {"support", 0.4 - 0.5 * k},
                               {"stance", 0.1 * k}, {"influence", 1.0 + k}});
  }
  for (const json& j : {ragged, busy, shaped, uniform}) {
    fixtures::Built b = fixtures::build(j);
    EXPECT_TRUE(Replication(b.model, Mode::monte_carlo).slot_major());
    EXPECT_FALSE(Replication(b.model, Mode::monte_carlo, ContactLayout::by_account).slot_major());
    for (Mode mode : {Mode::monte_carlo, Mode::mean_field}) {
      RunOptions o = options(40, 3, 2, mode);
      o.keep_trajectories = fixtures::all_metrics();
      const RunResult slots = run(b.model, *b.policy, o);
      o.contact_layout = ContactLayout::by_account;
      const RunResult accounts = run(b.model, *b.policy, o);
      fixtures::expect_identical(slots, accounts);
    }
  }
  // what a whole-batch policy sees: the full observation, nine-grid included
  fixtures::Built b = fixtures::build(ragged);
  struct Seen final : Policy {
    explicit Seen(const Policy& inner) : inner_(inner) {}
    bool needs_all_replications() const override { return true; }
    void decide(const Observation& obs, std::span<double> out) const override {
      grids.push_back(obs.grid);
      supports.push_back(obs.support);
      pipelines.push_back(obs.pipeline_value);
      inner_.decide(obs, out);
    }
    const std::vector<double>& contact_focus(int week) const override { return inner_.contact_focus(week); }
    mutable std::vector<std::vector<std::int32_t>> grids;
    mutable std::vector<std::vector<double>> supports, pipelines;
    const Policy& inner_;
  };
  Seen slots(*b.policy), accounts(*b.policy);
  RunOptions o = options(5, 9);
  run(b.model, slots, o);
  o.contact_layout = ContactLayout::by_account;
  run(b.model, accounts, o);
  EXPECT_EQ(slots.grids, accounts.grids);
  ASSERT_EQ(slots.supports.size(), accounts.supports.size());
  for (std::size_t e = 0; e < slots.supports.size(); ++e) {
    EXPECT_TRUE(bits_equal(slots.supports[e], accounts.supports[e])) << "epoch " << e;
    EXPECT_TRUE(bits_equal(slots.pipelines[e], accounts.pipelines[e])) << "epoch " << e;
  }
}

// A policy that records every observation it is given.
class Recorder final : public Policy {
 public:
  explicit Recorder(const Policy& inner) : inner_(inner) {}
  bool needs_all_replications() const override { return true; }
  void decide(const Observation& obs, std::span<double> out) const override {
    seen.push_back(obs);
    inner_.decide(obs, out);
  }
  const std::vector<double>& contact_focus(int week) const override { return inner_.contact_focus(week); }
  mutable std::vector<Observation> seen;

 private:
  const Policy& inner_;
};

// docs/model.md §5: the observation holds the state at the start of the epoch.
TEST(Observation, HoldsTheStateAtTheEpochStart) {
  fixtures::Built b = fixtures::build(small_portfolio());
  Recorder rec(*b.policy);
  RunOptions o = options(3, 23, 2);
  o.keep_trajectories = fixtures::all_metrics();
  const RunResult r = run(b.model, rec, o);
  const Model& m = b.model;
  ASSERT_EQ(static_cast<int>(rec.seen.size()), m.n_epochs);
  for (int e = 0; e < m.n_epochs; ++e) {
    const Observation& obs = rec.seen[static_cast<std::size_t>(e)];
    const int t0 = m.epoch_start(e);
    EXPECT_EQ(obs.epoch, e);
    EXPECT_EQ(obs.week, t0);
    EXPECT_EQ(obs.am_hours_per_week, 90.0);
    EXPECT_EQ(obs.executive_days_per_year, 1000.0);
    EXPECT_EQ(obs.budget_per_year, 1e6);
    for (int rep = 0; rep < 3; ++rep)
      for (int a = 0; a < m.n_accounts; ++a) {
        const std::size_t i = obs.at(rep, a);
        auto state = [&](int metric, double initial) { return e == 0 ? initial : traj(r, metric, rep, t0 - 1, a); };
        EXPECT_EQ(obs.wallet[i], state(metric::wallet, m.wallet[a]));
        EXPECT_EQ(obs.fit[i], state(metric::fit, m.fit[a]));
        EXPECT_EQ(obs.coverage[i], state(metric::coverage, m.coverage[a]));
        EXPECT_EQ(obs.satisfaction[i], state(metric::satisfaction, m.satisfaction[a]));
        EXPECT_EQ(obs.org[i], state(metric::org, m.org[a]));
        EXPECT_EQ(obs.agreement_weeks_left[i], state(metric::agreement_weeks_left, m.agreement_weeks_left[a]));
        EXPECT_EQ(obs.jic[i], state(metric::jic, m.jic[a]));
        if (e > 0) {
          EXPECT_EQ(obs.support[i], traj(r, metric::support, rep, t0 - 1, a));
          EXPECT_EQ(obs.intimacy[i], traj(r, metric::intimacy, rep, t0 - 1, a));
        }
        double rev = 0.0, gp = 0.0;
        for (int t = 0; t < t0; ++t) {
          rev += traj(r, metric::revenue, rep, t, a);
          gp += traj(r, metric::gross_profit, rep, t, a);
        }
        EXPECT_NEAR(obs.revenue_to_date[i], rev, 1e-9 * (1 + rev));
        EXPECT_NEAR(obs.gross_profit_to_date[i], gp, 1e-9 * (1 + gp));
        EXPECT_EQ(obs.tier[i], static_cast<std::int8_t>(tier_of(m.tier_rules, obs.wallet[i], obs.fit[i])));
        EXPECT_EQ(obs.cash_flow[i], obs.fit[i] < 0.35 ? 1 : 0);
        int contacts = 0;
        for (int c = 0; c < kGridCells; ++c) contacts += obs.grid[i * kGridCells + c];
        EXPECT_EQ(contacts, m.contacts_of(a));
      }
  }
  // week 0: initial indices of alpha, K = Σ w_k S_k = (2·.3 + 1·(−.1)) / 3, Ī = (2·.4 + .2) / 3
  EXPECT_NEAR(rec.seen[0].support[0], (2 * 0.3 - 0.1) / 3.0, 1e-15);
  EXPECT_NEAR(rec.seen[0].intimacy[0], (2 * 0.4 + 0.2) / 3.0, 1e-15);
}

TEST(Observation, ListedPipelineValueAndGrid) {
  json j = json::parse(R"({
    "horizon_weeks": 30,
    "accounts": [{"id": "x", "wallet": 1000,
                  "contacts": [{"id": "a", "intimacy": 0.9, "support": 0.9}, {"id": "b", "intimacy": 0.1, "support": -0.9},
                               {"id": "c", "intimacy": 0.5, "support": 0.0}, {"id": "d", "intimacy": 0.8, "support": -0.5}],
                  "pipeline": [{"size": 100, "decision_week": 5}, {"size": 50, "decision_week": 20},
                               {"size": 70, "decision_week": 40}]}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "policy": {"type": "static", "default": {}}
  })");
  fixtures::Built b = fixtures::build(j);
  Recorder rec(*b.policy);
  run(b.model, rec, options(1, 0, 1, Mode::mean_field));
  const Observation& obs = rec.seen[0];
  EXPECT_EQ(obs.pipeline_value[0], 150.0);  // the deal due in week 40 ≥ horizon is dropped
  // cells: a high/supportive (8), b low/opposed (0), c medium/neutral (4), d high/opposed (6)
  const std::int32_t expected[9] = {1, 0, 0, 0, 1, 0, 1, 0, 1};
  for (int c = 0; c < kGridCells; ++c) EXPECT_EQ(obs.grid[c], expected[c]) << c;
}

// The nine-grid tallies (grid_mean) for small and large accounts.
TEST(NineGrid, GridMeanCountsContacts) {
  for (int n : {1, 127, 130, 300}) {
    json contacts = json::array();
    for (int k = 0; k < n; ++k) {
      // thirds of the contacts in cells 8, 0 and 4
      const int kind = k % 3;
      contacts.push_back({{"id", std::to_string(k)},
                          {"intimacy", kind == 0 ? 0.9 : (kind == 1 ? 0.1 : 0.5)},
                          {"support", kind == 0 ? 0.9 : (kind == 1 ? -0.9 : 0.0)}});
    }
    json j = json::parse(R"({
      "horizon_weeks": 3,
      "accounts": [{"id": "x", "wallet": 1000}, {"id": "y", "wallet": 100, "contacts": [{"id": "z", "intimacy": 0.9, "support": -0.9}]}],
      "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
      "params": {"intimacy_gain": 0, "intimacy_decay": 0, "support_gain": 0, "support_relax": 0, "turnover_per_year": 0},
      "policy": {"type": "static", "default": {}}
    })");
    j["accounts"][0]["contacts"] = contacts;
    const RunResult r = run_json(j, options(5, 1, 2));
    const int c8 = (n + 2) / 3, c0 = (n + 1) / 3, c4 = n / 3;
    for (int t = 0; t < 3; ++t) {
      const double* g = r.grid_mean.data() + (static_cast<std::size_t>(t) * 2 + 0) * kGridCells;
      const double expected[9] = {static_cast<double>(c0), 0, 0, 0, static_cast<double>(c4), 0, 0, 0, static_cast<double>(c8)};
      for (int c = 0; c < kGridCells; ++c) EXPECT_EQ(g[c], expected[c]) << "n=" << n << " t=" << t << " cell " << c;
      const double* h = r.grid_mean.data() + (static_cast<std::size_t>(t) * 2 + 1) * kGridCells;
      for (int c = 0; c < kGridCells; ++c) EXPECT_EQ(h[c], c == kRiskCell ? 1.0 : 0.0);
    }
  }
}

TEST(RunOptions, Validation) {
  fixtures::Built b = fixtures::build(small_portfolio());
  RunOptions o = options(0, 0, 1);
  EXPECT_THROW(run(b.model, *b.policy, o), std::invalid_argument);
  o = options(2, 0, -1);
  EXPECT_THROW(run(b.model, *b.policy, o), std::invalid_argument);
  o = options(2, 0, 1);
  o.keep_trajectories = {kNumMetrics};
  EXPECT_THROW(run(b.model, *b.policy, o), std::invalid_argument);
  o.keep_trajectories = {-1};
  EXPECT_THROW(run(b.model, *b.policy, o), std::invalid_argument);
}

TEST(Runner, MonitorCanCancel) {
  // Many contacts make each replication slow (about a millisecond) while the
  // recorded series stay small: uncancelled, the run would take seconds.
  json j = json::parse(R"({
    "horizon_weeks": 52,
    "accounts": [{"id": "x", "wallet": 1000}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "policy": {"type": "static", "default": {"social_hours": 3}}
  })");
  json contacts = json::array();
  for (int k = 0; k < 5000; ++k) contacts.push_back({{"id", std::to_string(k)}, {"intimacy", 0.5}});
  j["accounts"][0]["contacts"] = contacts;
  fixtures::Built b = fixtures::build(j);
  int calls = 0;
  double last = -1.0;
  const RunMonitor stop = [&](double done) {
    ++calls;
    last = done;
    return false;
  };
  EXPECT_THROW(run(b.model, *b.policy, options(5000, 0, 2), stop), RunCancelled);
  EXPECT_GE(calls, 1);
  EXPECT_GE(last, 0.0);
  EXPECT_LT(last, 1.0);
}

TEST(Runner, SummariesAreConsistent) {
  RunOptions o = options(40, 12, 3);
  o.keep_trajectories = {metric::revenue, metric::org};
  const RunResult r = run_json(small_portfolio(), o);
  const int A = r.n_accounts, H = r.horizon_weeks;
  // account_var: sample variance over replications of the account's horizon totals
  for (int a = 0; a < A; ++a) {
    std::vector<double> tot(40, 0.0);
    for (int rep = 0; rep < 40; ++rep)
      for (int t = 0; t < H; ++t) tot[rep] += traj(r, metric::revenue, rep, t, a);
    const double mean = std::accumulate(tot.begin(), tot.end(), 0.0) / 40;
    double ss = 0.0;
    for (double x : tot) ss += (x - mean) * (x - mean);
    EXPECT_NEAR(am(r, a, metric::revenue), mean, 1e-9 * (1 + mean));
    EXPECT_NEAR(r.account_var[static_cast<std::size_t>(a) * kNumMetrics + metric::revenue], ss / 39,
                1e-6 * (1 + ss / 39));
    double org_mean = 0.0;
    for (int rep = 0; rep < 40; ++rep) org_mean += traj(r, metric::org, rep, H - 1, a);
    EXPECT_NEAR(am(r, a, metric::org), org_mean / 40, 1e-12);
  }
  // tier shares: each epoch and account sums to 1
  for (int e = 0; e < r.n_epochs; ++e)
    for (int a = 0; a < A; ++a) {
      double s = 0.0;
      for (int l = 0; l < 5; ++l) s += r.tier_share[(static_cast<std::size_t>(e) * A + a) * 5 + l];
      EXPECT_NEAR(s, 1.0, 1e-12);
    }
  // allocation_mean holds the plan (ample resources): alpha's value hours 3, delta's centre
  for (int e = 0; e < r.n_epochs; ++e) {
    const double* alpha = r.allocation_mean.data() + (static_cast<std::size_t>(e) * A + 0) * kNumAllocFields;
    const double* delta = r.allocation_mean.data() + (static_cast<std::size_t>(e) * A + 3) * kNumAllocFields;
    EXPECT_EQ(alpha[static_cast<int>(AllocField::value_hours)], 3.0);
    EXPECT_EQ(delta[static_cast<int>(AllocField::jic)], 1.0);
  }
  EXPECT_EQ(r.n_epochs, 6);  // ⌈78 / 13⌉
}

// ------------------------------------------------------------ invariances --

TEST(Invariance, DoublingWalletsDoublesRevenueExactly) {
  json j = small_portfolio();
  json j2 = j;
  for (auto& a : j2["accounts"]) a["wallet"] = 2.0 * a["wallet"].get<double>();
  const RunOptions o = options(64, 21, 2);
  const RunResult r1 = run_json(j, o);
  const RunResult r2 = run_json(j2, o);
  ASSERT_EQ(r1.portfolio.size(), r2.portfolio.size());
  double total_wins = 0.0;
  for (std::int64_t r = 0; r < 64; ++r)
    for (int t = 0; t < r1.horizon_weeks; ++t) {
      for (int m : {metric::revenue, metric::gross_profit, metric::wallet})
        ASSERT_TRUE(same_bits(pf(r2, r, t, m), 2.0 * pf(r1, r, t, m))) << kMetricNames[m] << " r" << r << " t" << t;
      for (int m : {metric::wins, metric::direct_awards, metric::seen_deals, metric::decided_deals, metric::spend,
                    metric::hours, metric::exec_days, metric::support, metric::intimacy, metric::coverage,
                    metric::satisfaction, metric::org, metric::fit, metric::agreement_weeks_left})
        ASSERT_TRUE(same_bits(pf(r2, r, t, m), pf(r1, r, t, m))) << kMetricNames[m] << " r" << r << " t" << t;
      total_wins += pf(r1, r, t, metric::wins);
    }
  EXPECT_GT(total_wins, 0.0);
  for (int a = 0; a < r1.n_accounts; ++a) {
    EXPECT_TRUE(same_bits(am(r2, a, metric::revenue), 2.0 * am(r1, a, metric::revenue))) << a;
    EXPECT_TRUE(same_bits(am(r2, a, metric::gross_profit), 2.0 * am(r1, a, metric::gross_profit))) << a;
    EXPECT_TRUE(same_bits(am(r2, a, metric::wins), am(r1, a, metric::wins))) << a;
    EXPECT_TRUE(same_bits(am(r2, a, metric::decided_deals), am(r1, a, metric::decided_deals))) << a;
    EXPECT_TRUE(same_bits(am(r2, a, metric::seen_deals), am(r1, a, metric::seen_deals))) << a;
  }
  for (std::int64_t r = 0; r < 64; ++r) {
    EXPECT_TRUE(same_bits(fixtures::kpi(r2, r, "revenue"), 2.0 * fixtures::kpi(r1, r, "revenue")));
    EXPECT_TRUE(same_bits(fixtures::kpi(r2, r, "win_rate"), fixtures::kpi(r1, r, "win_rate")));
    EXPECT_TRUE(same_bits(fixtures::kpi(r2, r, "share_of_wallet"), fixtures::kpi(r1, r, "share_of_wallet")));
  }
}

TEST(Invariance, PermutingAccountsPermutesResults) {
  json j = small_portfolio();
  json p = j;
  std::reverse(p["accounts"].begin(), p["accounts"].end());
  const RunOptions o = options(64, 8, 2);
  const RunResult r1 = run_json(j, o);
  const RunResult r2 = run_json(p, o);
  const int A = r1.n_accounts, H = r1.horizon_weeks;
  auto mirror = [&](int a) { return A - 1 - a; };
  // per-account results: the same numbers, bit for bit, in the permuted rows
  for (int a = 0; a < A; ++a)
    for (int m = 0; m < kNumMetrics; ++m) {
      EXPECT_TRUE(same_bits(am(r2, mirror(a), m), am(r1, a, m))) << a << " " << kMetricNames[m];
      EXPECT_TRUE(same_bits(r2.account_var[static_cast<std::size_t>(mirror(a)) * kNumMetrics + m],
                            r1.account_var[static_cast<std::size_t>(a) * kNumMetrics + m]));
    }
  for (int t = 0; t < H; ++t)
    for (int a = 0; a < A; ++a)
      for (int c = 0; c < kGridCells; ++c)
        EXPECT_EQ(r2.grid_mean[(static_cast<std::size_t>(t) * A + mirror(a)) * kGridCells + c],
                  r1.grid_mean[(static_cast<std::size_t>(t) * A + a) * kGridCells + c]);
  for (int e = 0; e < r1.n_epochs; ++e)
    for (int a = 0; a < A; ++a)
      for (int f = 0; f < kNumAllocFields; ++f)
        EXPECT_EQ(r2.allocation_mean[(static_cast<std::size_t>(e) * A + mirror(a)) * kNumAllocFields + f],
                  r1.allocation_mean[(static_cast<std::size_t>(e) * A + a) * kNumAllocFields + f]);
  // portfolio series: equal up to the order of summation
  for (std::int64_t r = 0; r < 64; ++r)
    for (int t = 0; t < H; ++t)
      for (int m = 0; m < kNumMetrics; ++m) {
        const double x = pf(r1, r, t, m), y = pf(r2, r, t, m);
        ASSERT_NEAR(x, y, rel_tol(x, y)) << kMetricNames[m] << " r" << r << " t" << t;
      }
}

// ------------------------------------------------- common random numbers --

TEST(CommonRandomNumbers, ChangingOneAccountLeavesOthersBitForBit) {
  json a = small_portfolio();
  json b = a;
  b["policy"]["accounts"]["beta"] = {{"social_hours", 6}, {"value_hours", 0}, {"visits", 7}, {"benchmarking", 4}};
  RunOptions o = options(40, 77, 2);
  o.keep_trajectories = fixtures::all_metrics();
  const RunResult ra = run_json(a, o);
  const RunResult rb = run_json(b, o);
  const int beta = 1;
  bool beta_differs = false;
  for (int m = 0; m < kNumMetrics; ++m)
    for (std::int64_t r = 0; r < 40; ++r)
      for (int t = 0; t < ra.horizon_weeks; ++t)
        for (int acc = 0; acc < ra.n_accounts; ++acc) {
          const double x = traj(ra, m, r, t, acc), y = traj(rb, m, r, t, acc);
          if (acc == beta) {
            beta_differs |= !same_bits(x, y);
            continue;
          }
          ASSERT_TRUE(same_bits(x, y)) << kMetricNames[m] << " account " << acc << " r" << r << " t" << t;
        }
  EXPECT_TRUE(beta_differs);
}

// §10: adding or removing accounts leaves the draws of every other account unchanged.
TEST(CommonRandomNumbers, RemovingAnAccountLeavesOthersBitForBit) {
  json a = small_portfolio();
  json b = a;
  b["accounts"].erase(2);  // gamma
  RunOptions o = options(24, 31, 2);
  o.keep_trajectories = fixtures::all_metrics();
  const RunResult ra = run_json(a, o);
  const RunResult rb = run_json(b, o);
  const int map_b_to_a[3] = {0, 1, 3};
  for (int m = 0; m < kNumMetrics; ++m)
    for (std::int64_t r = 0; r < 24; ++r)
      for (int t = 0; t < ra.horizon_weeks; ++t)
        for (int acc = 0; acc < 3; ++acc)
          ASSERT_TRUE(same_bits(traj(rb, m, r, t, acc), traj(ra, m, r, t, map_b_to_a[acc])))
              << kMetricNames[m] << " account " << acc << " r" << r << " t" << t;
}

// §3.0: key hours reach contact k as s_k = social_hours · φ_k, v_k = value_hours · φ_k.
TEST(ContactFocus, SplitsKeyHoursBetweenContacts) {
  json j = json::parse(R"({
    "horizon_weeks": 2,
    "accounts": [{"id": "x", "wallet": 1000, "org": 0.0,
                  "contacts": [{"id": "a", "intimacy": 0.2, "support": 0.0}, {"id": "b", "intimacy": 0.2, "support": 0.0},
                               {"id": "c", "intimacy": 0.2, "support": 0.0, "influence": 2}]}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "params": {"turnover_per_year": 0},
    "policy": {"type": "static", "default": {"social_hours": 4, "value_hours": 6},
               "accounts": {"x": {"contact_focus": {"a": 3, "b": 1, "c": 0}}}}
  })");
  RunOptions o = options(1, 0, 1, Mode::mean_field);
  o.keep_trajectories = {metric::intimacy, metric::support};
  const RunResult r = run_json(j, o);
  // φ = (.75, .25, 0): s = (3, 1, 0), v = (4.5, 1.5, 0)
  // r_s = s / (s + 2), r_v = v / (v + 3)
  const double phi[3] = {0.75, 0.25, 0.0}, w[3] = {0.25, 0.25, 0.5};
  double Ibar = 0.0, K = 0.0;
  for (int k = 0; k < 3; ++k) {
    const double s = 4 * phi[k], v = 6 * phi[k];
    const double rs = s / (s + 2), rv = v / (v + 3);
    // one week from I = .2, S = 0, stance 0, O = 0
    const double I = 0.2 + 0.08 * (rs + 0.5 * rv) * 0.8 - 0.012 * 0.2;
    const double S = 0.06 * rv * (0.5 + 0.5 * 0.2) - 0.01 * (0.0 - 0.3 * 0.2);
    Ibar += w[k] * I;  // influence weights (1, 1, 2) / 4 still weigh the indices
    K += w[k] * S;
  }
  EXPECT_NEAR(traj(r, metric::intimacy, 0, 0, 0), Ibar, 1e-12);
  EXPECT_NEAR(traj(r, metric::support, 0, 0, 0), K, 1e-12);
}

// -------------------------------------------------------------- mean field --

json no_noise(json j) {
  j["params"]["turnover_per_year"] = 0;
  j["params"]["macro_sd"] = 0;
  j["params"]["fit_noise"] = 0;
  j["params"]["strategy_shifts_per_year"] = 0;
  return j;
}

TEST(MeanField, OneDeterministicReplication) {
  RunOptions o = options(50, 4, 3, Mode::mean_field);
  const RunResult a = run_json(small_portfolio(), o);
  EXPECT_EQ(a.replications, 1);
  EXPECT_EQ(a.portfolio.size(), static_cast<std::size_t>(a.horizon_weeks) * kNumMetrics);
  EXPECT_EQ(a.scale.size(), static_cast<std::size_t>(a.n_epochs));
  o.seed = 12345;  // no randomness: the seed does not matter
  o.threads = 1;
  fixtures::expect_identical(a, run_json(small_portfolio(), o));
  // expected counts are not integers
  bool fractional = false;
  for (int t = 0; t < a.horizon_weeks; ++t) {
    const double w = pf(a, 0, t, metric::wins);
    fractional |= w != std::floor(w);
  }
  EXPECT_TRUE(fractional);
}

// Without noise, turnover or events the two modes follow the same states; with
// events they part (§3.2: mean field's events are the fractional b/52 each week).
json without_events(json j) {
  auto none = [](json& entry) {
    entry["benchmarking"] = 0;
    entry["exec_visits"] = 0;
  };
  json& policy = j["policy"];
  if (policy.contains("default")) none(policy["default"]);
  for (const char* group : {"tiers", "accounts"})
    if (policy.contains(group))
      for (auto& [key, entry] : policy[group].items()) none(entry);
  return j;
}

TEST(MeanField, StatesPartFromMonteCarloWithEvents) {
  const json j = no_noise(small_portfolio());
  RunOptions o = options(1, 6, 1, Mode::mean_field);
  o.keep_trajectories = {metric::org};
  const RunResult mf = run_json(j, o);
  o.mode = Mode::monte_carlo;
  const RunResult mc = run_json(j, o);
  // week 0 holds no meeting at 2 a year in Monte Carlo, 2/52 of one in mean field
  EXPECT_GT(traj(mf, metric::org, 0, 0, 0), traj(mc, metric::org, 0, 0, 0));
}

TEST(MeanField, StatesEqualMonteCarloWithoutNoise) {
  const json j = without_events(no_noise(small_portfolio()));
  const std::vector<int> states{metric::support, metric::intimacy, metric::coverage, metric::satisfaction,
                                metric::org,     metric::fit,      metric::jic,      metric::agreement_weeks_left,
                                metric::wallet};
  RunOptions o = options(1, 6, 1, Mode::mean_field);
  o.keep_trajectories = states;
  const RunResult mf = run_json(j, o);
  o.mode = Mode::monte_carlo;
  o.replications = 5;
  const RunResult mc = run_json(j, o);
  for (int m : states)
    for (std::int64_t r = 0; r < 5; ++r)
      for (int t = 0; t < mf.horizon_weeks; ++t)
        for (int a = 0; a < mf.n_accounts; ++a)
          ASSERT_TRUE(same_bits(traj(mc, m, r, t, a), traj(mf, m, 0, t, a)))
              << kMetricNames[m] << " r" << r << " t" << t << " a" << a << ": " << traj(mc, m, r, t, a) << " vs "
              << traj(mf, m, 0, t, a);
}

TEST(MeanField, ConstantVisitsDriveCoverageToSteadyState) {
  json j = json::parse(R"({
    "horizon_weeks": 104,
    "accounts": [{"id": "x", "wallet": 100, "staff": 100, "coverage": 0.05}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "params": {"coverage_gain": 0.5, "coverage_decay": 0.1, "turnover_per_year": 0},
    "policy": {"type": "static", "default": {"visits": 1}}
  })");
  RunOptions o = options(1, 0, 1, Mode::mean_field);
  o.keep_trajectories = {metric::coverage};
  const RunResult r = run_json(j, o);
  // r_b = hill(1; 1·100/100, 1) = .5;  C* = g r / (g r + d) = .25 / .35 = 5/7
  // C_t − C* = (C_0 − C*)(1 − g r − d)^(t+1) after week t
  const double cstar = 0.25 / 0.35;
  for (int t = 0; t < 104; ++t)
    EXPECT_NEAR(traj(r, metric::coverage, 0, t, 0), cstar + (0.05 - cstar) * std::pow(0.65, t + 1), 1e-12) << t;
  EXPECT_NEAR(traj(r, metric::coverage, 0, 103, 0), 5.0 / 7.0, 1e-12);
  // the portfolio mean of one account is the account
  EXPECT_EQ(pf(r, 0, 50, metric::coverage), traj(r, metric::coverage, 0, 50, 0));
}

// A hand replay of docs/model.md §3 in mean-field form for one account: every
// state, deal and accounting figure, week by week.
TEST(MeanField, HandReplayOfOneAccount) {
  json j = json::parse(R"({
    "horizon_weeks": 60, "decision_interval_weeks": 13,
    "accounts": [{"id": "solo", "wallet": 1000, "wallet_growth": 0.05, "staff": 200, "fit": 0.65,
                  "fit_target": 0.9, "capability_match": 0.8, "competitor_strength": 0.4, "coverage": 0.2,
                  "satisfaction": 0.5, "org": 0.45,
                  "contacts": [{"id": "c1", "influence": 3, "intimacy": 0.3, "support": 0.1, "stance": 0.2},
                               {"id": "c2", "influence": 1, "intimacy": 0.6, "support": -0.3, "stance": -0.4}]}],
    "resources": {"account_managers": 2, "executive_days_per_year": 100, "budget_per_year": 1e6},
    "params": {"agreement_weeks": 20, "payment_delay_weeks": 3},
    "policy": {"type": "static", "default": {"social_hours": 3, "value_hours": 4, "visits": 2, "service_hours": 1.5,
               "benchmarking": 2, "exec_visits": 3, "pursue_agreement": true, "jic": true}}
  })");
  RunOptions o = options(1, 0, 1, Mode::mean_field);
  o.keep_trajectories = fixtures::all_metrics();
  const RunResult r = run_json(j, o);
  const int H = 60;

  // inputs
  const double social = 3, value = 4, visits = 2, service = 1.5, bm = 2, ev = 3;
  const double w[2] = {0.75, 0.25}, stance[2] = {0.2, -0.4};
  double I[2] = {0.3, 0.6}, S[2] = {0.1, -0.3};
  double F = 0.65, Fbar = 0.9, W = 1000, C = 0.2, Q = 0.5, O = 0.45;
  const double m = 0.8, kappa = 0.4, dbar = 0.08 * 1000;
  int left = 0;
  const double J = 1.0;  // the centre opens in week 0 and runs throughout
  // responses: hill(x; h, 1) = x / (x + h)
  double rs[2], rv[2];
  for (int k = 0; k < 2; ++k) {
    rs[k] = social * w[k] / (social * w[k] + 2.0);
    rv[k] = value * w[k] / (value * w[k] + 3.0);
  }
  const double rb = visits / (visits + 1.0 * 200 / 100);  // .5
  const double ru = service / (service + 2.0);
  const double p_leave = 1.0 - std::exp(-0.12 / 52.0);

  // pending deals: (value, count) by decision week
  std::vector<double> due_value(H, 0.0), due_count(H, 0.0);
  // initial pipeline: 16 weeks of arrivals from the initial state, W = wallet, M = 1
  {
    const double Ibar = w[0] * I[0] + w[1] * I[1];
    const double nu = 0.4 + 0.6 * (1.0 - (1.0 - C) * (1.0 - 0.5 * Ibar));
    const double lam = W * nu / (52.0 * dbar);
    const double mu = 0.15 * W / (52.0 * 0.25 * dbar) * rb * C;
    for (int week = 0; week < 16; ++week) {
      due_count[week] += lam + mu;
      due_value[week] += lam * dbar + mu * dbar * 0.25;
    }
  }
  std::vector<double> gp_hist(H, 0.0);
  int signings = 0;
  auto check = [&](int metric, int t, double expected, double tol) {
    const double got = traj(r, metric, 0, t, 0);
    EXPECT_NEAR(got, expected, tol) << kMetricNames[metric] << " week " << t;
  };
  for (int t = 0; t < H; ++t) {
    // §3.1
    F = std::clamp(F + 0.02 * (Fbar - F), 0.0, 1.0);
    if (t >= 1) W *= std::pow(1.0 + std::max(0.05 + 0.2 * (F - 0.5), -0.99), 1.0 / 52.0);
    // §3.2 mean field: the expected counts of the week
    const double n_bm = bm / 52.0, n_ev = ev / 52.0;
    // §3.3 from the start-of-step values
    const double C0 = C, O0 = O;
    for (int k = 0; k < 2; ++k) {
      const double I0 = I[k], S0 = S[k];
      I[k] = I0 + 0.08 * (rs[k] + 0.5 * rv[k]) * (1 - I0) - 0.012 * (1 - 0.5 * O0) * I0;
      const double Shat = stance[k] + 0.3 * I0 * (1 - stance[k]);
      S[k] = S0 + 0.06 * rv[k] * (0.5 + 0.5 * I0) * (1 - S0) - 0.01 * (S0 - Shat);
      I[k] = std::clamp(I[k], 0.0, 1.0);
      S[k] = std::clamp(S[k], -1.0, 1.0);
    }
    C = std::clamp(C0 + 0.05 * rb * (1 - C0) - 0.015 * C0, 0.0, 1.0);
    const double Qstar = 0.3 + 0.7 * (0.4 * C0 + 0.6 * ru);
    Q = std::clamp(Q + 0.05 * (Qstar - Q), 0.0, 1.0);
    const double Odrift = O0 + 0.004 * C0 * (1 - O0) + 0.01 * J * F * (1 - O0) - 0.005 * O0;
    O = std::clamp(1 - (1 - Odrift) * std::pow(1 - 0.12 * F * m, n_bm) * std::pow(1 - 0.06 * F * m, n_ev), 0.0, 1.0);
    // §3.4 mean field: successors mixed in at the departure rate
    for (int k = 0; k < 2; ++k) {
      const double Is = 0.1 + 0.4 * C, Ss = stance[k] + 0.6 * O * (1 - stance[k]);
      I[k] = (1 - p_leave) * I[k] + p_leave * Is;
      S[k] = (1 - p_leave) * S[k] + p_leave * Ss;
    }
    // §3.5
    if (left > 0) --left;
    bool signed_now = false;
    if (left == 0 && O >= 0.5 && F >= 0.6) {
      left = 20;
      signed_now = true;
      ++signings;
    }
    // §3.6
    const double K = w[0] * S[0] + w[1] * S[1];
    const double Ibar = w[0] * I[0] + w[1] * I[1];
    const double T = std::min(1.0, 0.6 * C + 0.4 * J);
    const double nu = 0.4 + 0.6 * (1.0 - (1.0 - C) * (1.0 - 0.5 * Ibar));
    const double lam = W * nu / (52.0 * dbar);
    const double mu = 0.15 * W / (52.0 * 0.25 * dbar) * rb * C;
    if (t + 16 < H) {
      due_count[t + 16] += lam + mu;
      due_value[t + 16] += lam * dbar + mu * dbar * 0.25;
    }
    const double z = -0.5 + 2.5 * K + 1.0 * T + 1.0 * O + 0.5 * (F - 0.5) + 1.0 * (Q - 0.5) - 1.0 * kappa;
    const double p_win = 1.0 / (1.0 + std::exp(-z));
    const double p_c = (left > 0 && K >= 0) ? 0.5 : 0.0;
    const double margin = 0.25 + 0.1 * T;
    const double decided = due_count[t];
    const double wins = decided * (p_c + (1 - p_c) * p_win);
    const double direct = decided * p_c;
    const double revenue = due_value[t] * (p_c + (1 - p_c) * p_win);
    const double gp = due_value[t] * (p_c * (margin + 0.05) + (1 - p_c) * p_win * margin);
    gp_hist[t] = gp;
    // §3.7 with the default costs
    const double spend = social * 0.3 + visits * 0.05 + service * 0.0 + n_bm * 5 + n_ev * 20 + J * 300 / 52.0 +
                         (t == 0 ? 500.0 : 0.0) + (signed_now ? 10.0 : 0.0);
    const double hours = social + value + service + visits * 2 + J * 4 + n_bm * 16 + n_ev * 8 + (signed_now ? 40 : 0);
    const double exec = n_bm * 1 + n_ev * 2 + (signed_now ? 2 : 0);
    const double collected = t >= 3 ? gp_hist[t - 3] : 0.0;

    const double st = 1e-12;
    check(metric::fit, t, F, st);
    check(metric::wallet, t, W, 1e-9);
    check(metric::coverage, t, C, st);
    check(metric::satisfaction, t, Q, st);
    check(metric::org, t, O, st);
    check(metric::support, t, K, st);
    check(metric::intimacy, t, Ibar, st);
    check(metric::jic, t, J, 0.0);
    check(metric::agreement_weeks_left, t, left, 0.0);
    check(metric::seen_deals, t, lam + mu, 1e-12);
    check(metric::decided_deals, t, decided, 1e-12);
    check(metric::wins, t, wins, 1e-12);
    check(metric::direct_awards, t, direct, 1e-12);
    check(metric::revenue, t, revenue, 1e-9);
    check(metric::gross_profit, t, gp, 1e-9);
    check(metric::spend, t, spend, 1e-12);
    check(metric::hours, t, hours, 1e-12);
    check(metric::exec_days, t, exec, 1e-12);
    check(metric::contribution, t, gp - spend, 1e-9);
    check(metric::cash_flow, t, collected - spend, 1e-9);
  }
  EXPECT_GE(signings, 2);  // signed, expired and renewed within the horizon
}

// ---------------------------------------------------- Monte Carlo vs theory --

// Every state frozen: arrivals are Poisson with a constant rate, wins
// Bernoulli with a constant p, so Monte Carlo means must match the mean field.
TEST(MonteCarlo, FrozenStateMatchesExpectations) {
  json j = json::parse(R"({
    "horizon_weeks": 104,
    "accounts": [{"id": "x", "wallet": 1000, "staff": 100, "fit": 0.6, "coverage": 0.4, "satisfaction": 0.6,
                  "org": 0.3, "competitor_strength": 0.5,
                  "contacts": [{"id": "k", "intimacy": 0.5, "support": 0.2}]}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "params": {"intimacy_gain": 0, "intimacy_decay": 0, "support_gain": 0, "support_relax": 0,
               "coverage_gain": 0, "coverage_decay": 0, "satisfaction_rate": 0, "org_from_coverage": 0,
               "org_from_jic": 0, "org_decay": 0, "fit_reversion": 0, "fit_noise": 0,
               "strategy_shifts_per_year": 0, "turnover_per_year": 0, "macro_sd": 0, "wallet_fit_growth": 0},
    "policy": {"type": "static", "default": {"visits": 1}}
  })");
  const int R = 2000, H = 104;
  const RunResult mc = run_json(j, options(R, 31, 2));
  const RunResult mf = run_json(j, options(1, 0, 1, Mode::mean_field));
  // rates by hand: ν = .4 + .6 (1 − .6 (1 − .5·.5)) = .73;  λ = ν / (52 · .08);  μ = .15 / (52 · .25 · .08) · .5 · .4
  const double lam = 0.73 / (52 * 0.08), mu = 0.15 / (52 * 0.25 * 0.08) * 0.5 * 0.4;
  // p_win: z = −.5 + 2.5·.2 + .6·.4 + .3 + .5·.1 + .1 − .5 = .19
  const double p_win = 1.0 / (1.0 + std::exp(-0.19));
  double seen = 0, decided = 0, wins = 0, rev = 0, rev_sq = 0, seen_mf = 0, rev_mf = 0;
  for (int t = 0; t < H; ++t) {
    seen_mf += pf(mf, 0, t, metric::seen_deals);
    rev_mf += pf(mf, 0, t, metric::revenue);
  }
  EXPECT_NEAR(seen_mf, (lam + mu) * H, 1e-9);
  // expected revenue: every week decides one week's expected arrivals (16 synthesised, then real ones)
  EXPECT_NEAR(rev_mf, (lam * 80 + mu * 80 * 0.25) * p_win * H, 1e-7);
  for (std::int64_t r = 0; r < R; ++r) {
    double rr = 0.0;
    for (int t = 0; t < H; ++t) {
      seen += pf(mc, r, t, metric::seen_deals);
      decided += pf(mc, r, t, metric::decided_deals);
      wins += pf(mc, r, t, metric::wins);
      rr += pf(mc, r, t, metric::revenue);
      EXPECT_EQ(pf(mc, r, t, metric::direct_awards), 0.0);
    }
    rev += rr;
    rev_sq += rr * rr;
  }
  // seen per replication ~ Poisson((λ + μ) H): SE of the mean = sqrt((λ + μ) H / R)
  const double mean_seen = (lam + mu) * H;
  EXPECT_NEAR(seen / R, mean_seen, 5 * std::sqrt(mean_seen / R));
  EXPECT_NEAR(decided / R, mean_seen, 5 * std::sqrt(mean_seen / R));
  // wins / decided ~ p_win: binomial SE
  EXPECT_NEAR(wins / decided, p_win, 5 * std::sqrt(p_win * (1 - p_win) / decided));
  // revenue: SE from the sample standard deviation of the replications' totals
  const double mean_rev = rev / R, sd_rev = std::sqrt((rev_sq / R - mean_rev * mean_rev) * R / (R - 1));
  EXPECT_NEAR(mean_rev, rev_mf, 5 * sd_rev / std::sqrt(R));
}

// Departures: with every key dynamic frozen, a contact has left by the end of
// week t with probability q_t = 1 − (1 − p)^(t+1), p = 1 − exp(−turnover/52);
// the Monte Carlo mean intimacy must match the mean field's mixing.
TEST(MonteCarlo, TurnoverMatchesMeanFieldMixing) {
  json j = json::parse(R"({
    "horizon_weeks": 30,
    "accounts": [{"id": "x", "wallet": 1000, "coverage": 0.5, "org": 0.5, "contacts": [
      {"id": "0", "intimacy": 0.9, "support": 0.8}, {"id": "1", "intimacy": 0.9, "support": 0.8},
      {"id": "2", "intimacy": 0.9, "support": 0.8}, {"id": "3", "intimacy": 0.9, "support": 0.8},
      {"id": "4", "intimacy": 0.9, "support": 0.8}, {"id": "5", "intimacy": 0.9, "support": 0.8},
      {"id": "6", "intimacy": 0.9, "support": 0.8}, {"id": "7", "intimacy": 0.9, "support": 0.8},
      {"id": "8", "intimacy": 0.9, "support": 0.8}, {"id": "9", "intimacy": 0.9, "support": 0.8}]}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "params": {"intimacy_gain": 0, "intimacy_decay": 0, "support_gain": 0, "support_relax": 0,
               "coverage_gain": 0, "coverage_decay": 0, "org_from_coverage": 0, "org_from_jic": 0,
               "org_decay": 0, "turnover_per_year": 5.2},
    "policy": {"type": "static", "default": {}}
  })");
  const int R = 2000;
  RunOptions o = options(R, 5, 2);
  o.keep_trajectories = {metric::intimacy, metric::support};
  const RunResult mc = run_json(j, o);
  o.mode = Mode::mean_field;
  const RunResult mf = run_json(j, o);
  const double p = 1.0 - std::exp(-0.1);
  const double I0 = 0.9, Is = 0.1 + 0.4 * 0.5;  // successor: .3
  const double S0 = 0.8, Ss = 0.0 + 0.6 * 0.5;  // successor: .3
  for (int t : {0, 3, 10, 29}) {
    const double q = 1.0 - std::pow(1.0 - p, t + 1);
    // the mean field mixes at the same rate
    EXPECT_NEAR(traj(mf, metric::intimacy, 0, t, 0), Is + (I0 - Is) * (1 - q), 1e-12) << t;
    EXPECT_NEAR(traj(mf, metric::support, 0, t, 0), Ss + (S0 - Ss) * (1 - q), 1e-12) << t;
    double mean_I = 0.0;
    for (std::int64_t r = 0; r < R; ++r) mean_I += traj(mc, metric::intimacy, r, t, 0);
    mean_I /= R;
    // Ī of a replication = mean of 10 independent contacts: SE = |I0 − Is| sqrt(q (1 − q) / (10 R))
    EXPECT_NEAR(mean_I, Is + (I0 - Is) * (1 - q), 5 * (I0 - Is) * std::sqrt(q * (1 - q) / (10.0 * R))) << t;
  }
}

// Strategy shifts: with fit_reversion = 1 the fit follows its target at once,
// so the weeks in which F changes are the weeks of a shift: Bernoulli(p) each
// week, p = 1 − exp(−shifts_per_year/52), the first possible in week 0.
TEST(MonteCarlo, StrategyShiftsAtTheirRate) {
  json j = json::parse(R"({
    "horizon_weeks": 20,
    "accounts": [{"id": "x", "wallet": 1000, "fit": 0.5}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "params": {"fit_reversion": 1, "fit_noise": 0, "strategy_shifts_per_year": 26, "strategy_shift_sd": 0.01},
    "policy": {"type": "static", "default": {}}
  })");
  const int R = 4000, H = 20;
  RunOptions o = options(R, 8, 2);
  o.keep_trajectories = {metric::fit};
  const RunResult mc = run_json(j, o);
  const double p = 1.0 - std::exp(-0.5);
  int unchanged0 = 0;
  double changes = 0.0;
  for (std::int64_t r = 0; r < R; ++r) {
    double prev = 0.5;
    for (int t = 0; t < H; ++t) {
      const double F = traj(mc, metric::fit, r, t, 0);
      if (F != prev) changes += 1.0;
      if (t == 0 && F == 0.5) ++unchanged0;
      prev = F;
    }
  }
  EXPECT_NEAR(static_cast<double>(unchanged0) / R, 1 - p, 5 * std::sqrt(p * (1 - p) / R));
  // changes per replication ~ Binomial(H, p)
  EXPECT_NEAR(changes / R, H * p, 5 * std::sqrt(H * p * (1 - p) / R));
}

// A contact_leaves shock must not stop the contact's own turnover (§3.4: every
// contact leaves with probability p each week). Intimacy is frozen between
// departures and coverage grows, so each successor starts at a new value
// .1 + .4 C_t and every departure shows as a change of I.
TEST(MonteCarlo, ForcedDepartureKeepsNaturalTurnover) {
  json j = json::parse(R"({
    "horizon_weeks": 40,
    "accounts": [{"id": "x", "wallet": 1000, "coverage": 0.0, "org": 0.5,
                  "contacts": [{"id": "k", "intimacy": 0.95, "support": 0.0}]}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "params": {"intimacy_gain": 0, "intimacy_decay": 0, "support_gain": 0, "support_relax": 0,
               "coverage_gain": 0.2, "coverage_decay": 0, "turnover_per_year": 36.04365338911715},
    "shocks": [{"type": "contact_leaves", "account": "x", "contact": "k", "week": 10}],
    "policy": {"type": "static", "default": {"visits": 5}}
  })");
  // turnover 52 ln 2: p = 1 − exp(−ln 2) = 1/2 a week
  const int R = 200, H = 40;
  RunOptions o = options(R, 19, 2);
  o.keep_trajectories = {metric::intimacy};
  const RunResult mc = run_json(j, o);
  int stuck = 0;
  for (std::int64_t r = 0; r < R; ++r) {
    // the forced departure in week 10 resets I
    EXPECT_NE(traj(mc, metric::intimacy, r, 10, 0), traj(mc, metric::intimacy, r, 9, 0));
    int changes = 0;
    for (int t = 12; t < H; ++t)
      changes += traj(mc, metric::intimacy, r, t, 0) != traj(mc, metric::intimacy, r, t - 1, 0) ? 1 : 0;
    // 28 weeks at p = 1/2: no departure at all has probability 2^-28
    stuck += changes == 0 ? 1 : 0;
  }
  EXPECT_EQ(stuck, 0) << "replications that never lose the contact again after the shock";
}

// What-if shocks (an extension of docs/model.md; scenario.hpp): checked in mean field
// with every state frozen except the fit.
TEST(Shocks, MarketStrategyCompetitorAndDeparture) {
  json j = json::parse(R"({
    "horizon_weeks": 20,
    "accounts": [{"id": "x", "wallet": 1040, "fit": 0.5, "coverage": 0.5, "org": 0.5, "competitor_strength": 0.5,
                  "contacts": [{"id": "k", "intimacy": 0.8, "support": 0.5}],
                  "pipeline": [{"size": 100, "decision_week": 11}, {"size": 100, "decision_week": 12}]}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "params": {"intimacy_gain": 0, "intimacy_decay": 0, "support_gain": 0, "support_relax": 0,
               "coverage_gain": 0, "coverage_decay": 0, "satisfaction_rate": 0, "org_from_coverage": 0,
               "org_from_jic": 0, "org_decay": 0, "turnover_per_year": 0, "fit_reversion": 0.5,
               "wallet_fit_growth": 0},
    "shocks": [{"type": "market", "from_week": 5, "to_week": 7, "factor": 2},
               {"type": "strategy_shift", "account": "x", "week": 10, "fit_target": 0.9},
               {"type": "competitor", "account": "x", "from_week": 12, "strength": 0.9},
               {"type": "contact_leaves", "account": "x", "contact": "k", "week": 15}],
    "policy": {"type": "static", "default": {"visits": 1}}
  })");
  RunOptions o = options(1, 0, 1, Mode::mean_field);
  o.keep_trajectories = fixtures::all_metrics();
  const RunResult r = run_json(j, o);
  // ν = .4 + .6 (1 − .5 (1 − .5 Ī)) (.82 while Ī = .8);  λ = ν / (52 · .08);  μ = .15 / (52 · .25 · .08) · .5 · .5
  const double mu = 0.15 / (52 * 0.25 * 0.08) * 0.25;
  for (int t = 0; t < 20; ++t) {
    const double nu = 0.4 + 0.6 * (1.0 - 0.5 * (1.0 - 0.5 * traj(r, metric::intimacy, 0, t, 0)));
    const double lam = nu / (52 * 0.08);
    if (t < 15) {
      EXPECT_NEAR(nu, 0.82, 1e-12);
    }
    const double factor = (t >= 5 && t <= 7) ? 2.0 : 1.0;
    EXPECT_NEAR(traj(r, metric::seen_deals, 0, t, 0), factor * lam + mu, 1e-12) << t;
  }
  // F̄ = .9 from week 10: F_9 = .5, F_10 = .7, F_11 = .8, F_12 = .85
  EXPECT_EQ(traj(r, metric::fit, 0, 9, 0), 0.5);
  EXPECT_NEAR(traj(r, metric::fit, 0, 10, 0), 0.7, 1e-12);
  EXPECT_NEAR(traj(r, metric::fit, 0, 11, 0), 0.8, 1e-12);
  EXPECT_NEAR(traj(r, metric::fit, 0, 12, 0), 0.85, 1e-12);
  // κ = .5 in week 11, .9 from week 12: z = −.5 + 2.5·.5 + .6·.5 + .5 + .5 (F − .5) + 0 − κ
  for (int t : {11, 12}) {
    const double F = traj(r, metric::fit, 0, t, 0), kappa = t == 11 ? 0.5 : 0.9;
    const double p = 1.0 / (1.0 + std::exp(-(-0.5 + 1.25 + 0.3 + 0.5 + 0.5 * (F - 0.5) - kappa)));
    EXPECT_NEAR(traj(r, metric::revenue, 0, t, 0), 100.0 * p, 1e-12) << t;
  }
  // the contact leaves in week 15: successor I = .1 + .4·.5 = .3, S = 0 + .6·.5 = .3
  EXPECT_EQ(traj(r, metric::intimacy, 0, 14, 0), 0.8);
  EXPECT_NEAR(traj(r, metric::intimacy, 0, 15, 0), 0.3, 1e-12);
  EXPECT_NEAR(traj(r, metric::support, 0, 15, 0), 0.3, 1e-12);
  EXPECT_NEAR(traj(r, metric::intimacy, 0, 19, 0), 0.3, 1e-12);
}

// Market cycle (§3.1): x_t = φ x_{t−1} + σ ε, x_{−1} = 0, M_t = e^{x_t} multiplies
// the project rate. x_t ~ N(0, v_t), v_t = σ² (1 − φ^{2(t+1)}) / (1 − φ²), so
// E[M_t] = exp(v_t / 2). Dug deals do not follow the cycle; the mean field has M ≡ 1.
TEST(MonteCarlo, MarketCycleScalesProjectArrivals) {
  json j = json::parse(R"({
    "horizon_weeks": 41,
    "accounts": [{"id": "x", "wallet": 1000, "coverage": 0.4, "contacts": [{"id": "k", "intimacy": 0.5}]},
                 {"id": "y", "wallet": 50, "coverage": 0.4}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "params": {"intimacy_gain": 0, "intimacy_decay": 0, "coverage_gain": 0, "coverage_decay": 0,
               "turnover_per_year": 0, "macro_persistence": 0.9, "macro_sd": 0.5, "deal_fraction": 0.001},
    "policy": {"type": "static", "default": {}}
  })");
  const int R = 3000;
  RunOptions o = options(R, 29, 2);
  o.keep_trajectories = {metric::seen_deals};
  const RunResult mc = run_json(j, o);
  // x: ν = .4 + .6 (1 − .6 (1 − .25)) = .73, λ = ν / (52 · .001); no visits: no dug deals
  const double lam = 0.73 / (52 * 0.001);
  o.mode = Mode::mean_field;
  const RunResult mf = run_json(j, o);
  EXPECT_NEAR(traj(mf, metric::seen_deals, 0, 7, 0), lam, 1e-9);
  for (int t : {0, 4, 40}) {
    const double v = 0.25 * (1 - std::pow(0.81, t + 1)) / (1 - 0.81);
    double s = 0.0, sq = 0.0, both = 0.0;
    for (std::int64_t r = 0; r < R; ++r) {
      const double n = traj(mc, metric::seen_deals, r, t, 0);
      s += n;
      sq += n * n;
      both += n * traj(mc, metric::seen_deals, r, t, 1);
    }
    const double mean = s / R, sd = std::sqrt((sq / R - mean * mean) * R / (R - 1));
    EXPECT_NEAR(mean, lam * std::exp(v / 2), 5 * sd / std::sqrt(R)) << t;
    // overdispersed: Var = λ E[M] + λ² Var[M] > the Poisson λ E[M]
    EXPECT_GT(sd * sd, 2.0 * mean) << t;
  }
}

// Fit noise (§3.1): with no reversion and no shifts, F_t − F_0 is a sum of
// t + 1 draws of fit_noise · ε: variance (t + 1) · fit_noise².
TEST(MonteCarlo, FitNoiseIsARandomWalk) {
  json j = json::parse(R"({
    "horizon_weeks": 10,
    "accounts": [{"id": "x", "wallet": 1000, "fit": 0.5}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "params": {"fit_reversion": 0, "fit_noise": 0.02, "strategy_shifts_per_year": 0},
    "policy": {"type": "static", "default": {}}
  })");
  const int R = 4000;
  RunOptions o = options(R, 3, 2);
  o.keep_trajectories = {metric::fit};
  const RunResult mc = run_json(j, o);
  for (int t : {0, 9}) {
    double s = 0.0, sq = 0.0;
    for (std::int64_t r = 0; r < R; ++r) {
      const double d = traj(mc, metric::fit, r, t, 0) - 0.5;
      s += d;
      sq += d * d;
    }
    const double var = (t + 1) * 0.0004;
    EXPECT_NEAR(s / R, 0.0, 5 * std::sqrt(var / R)) << t;
    // SE of a normal sample's second moment: var · sqrt(2 / R)
    EXPECT_NEAR(sq / R, var, 5 * var * std::sqrt(2.0 / R)) << t;
  }
}

// ------------------------------------------------------------- accounting --

TEST(Accounting, ContributionAndCashFlowIdentities) {
  RunOptions o = options(24, 13, 2);
  const RunResult r = run_json(small_portfolio(), o);
  const double team = 3 * 150.0 / 52.0;
  const int H = r.horizon_weeks, D = 13;
  for (std::int64_t rep = 0; rep < 24; ++rep) {
    double cash_total = 0.0, gp_collected = 0.0, spend_total = 0.0;
    for (int t = 0; t < H; ++t) {
      const double gp = pf(r, rep, t, metric::gross_profit), spend = pf(r, rep, t, metric::spend);
      const double contribution = pf(r, rep, t, metric::contribution), cash = pf(r, rep, t, metric::cash_flow);
      ASSERT_NEAR(contribution, gp - spend - team, rel_tol(contribution, gp)) << t;
      const double collected = t >= D ? pf(r, rep, t - D, metric::gross_profit) : 0.0;
      ASSERT_NEAR(cash, collected - spend - team, rel_tol(cash, collected)) << t;
      cash_total += cash;
      spend_total += spend;
      if (t < H - D) gp_collected += gp;
    }
    EXPECT_NEAR(cash_total, gp_collected - spend_total - H * team, rel_tol(cash_total, gp_collected));
    EXPECT_NEAR(fixtures::kpi(r, rep, "cash_flow"), cash_total, rel_tol(cash_total, 0));
  }
}

TEST(Accounting, CashFlowEqualsContributionWithoutPaymentDelay) {
  json j = small_portfolio();
  j["params"]["payment_delay_weeks"] = 0;
  RunOptions o = options(16, 2, 2);
  o.keep_trajectories = {metric::contribution, metric::cash_flow};
  const RunResult r = run_json(j, o);
  double gp = 0.0;
  for (std::int64_t rep = 0; rep < 16; ++rep)
    for (int t = 0; t < r.horizon_weeks; ++t) {
      ASSERT_TRUE(same_bits(pf(r, rep, t, metric::cash_flow), pf(r, rep, t, metric::contribution))) << t;
      for (int a = 0; a < r.n_accounts; ++a)
        ASSERT_TRUE(same_bits(traj(r, metric::cash_flow, rep, t, a), traj(r, metric::contribution, rep, t, a)));
      gp += pf(r, rep, t, metric::gross_profit);
    }
  EXPECT_GT(gp, 0.0);
}

TEST(Accounting, PortfolioSumsFlowsAndAveragesStates) {
  RunOptions o = options(8, 3, 2);
  o.keep_trajectories = fixtures::all_metrics();
  const RunResult r = run_json(small_portfolio(), o);
  const int A = r.n_accounts;
  const double team = 3 * 150.0 / 52.0;
  for (std::int64_t rep = 0; rep < 8; ++rep)
    for (int t = 0; t < r.horizon_weeks; t += 7)
      for (int m = 0; m < kNumMetrics; ++m) {
        double s = 0.0;
        for (int a = 0; a < A; ++a) s += traj(r, m, rep, t, a);
        double expected = s;
        if (m == metric::contribution || m == metric::cash_flow) expected -= team;
        if (!is_flow(m) && m != metric::wallet) expected = s / A;
        EXPECT_NEAR(pf(r, rep, t, m), expected, rel_tol(expected, 0, 1e-12)) << kMetricNames[m];
      }
  // account totals: flows summed over the horizon, states at the end
  for (int a = 0; a < A; ++a)
    for (int m = 0; m < kNumMetrics; ++m) {
      double mean = 0.0;
      for (std::int64_t rep = 0; rep < 8; ++rep) {
        double v = 0.0;
        if (is_flow(m))
          for (int t = 0; t < r.horizon_weeks; ++t) v += traj(r, m, rep, t, a);
        else
          v = traj(r, m, rep, r.horizon_weeks - 1, a);
        mean += v;
      }
      mean /= 8;
      EXPECT_NEAR(am(r, a, m), mean, rel_tol(mean, 0, 1e-12)) << a << " " << kMetricNames[m];
    }
}

// ------------------------------------------------------------- agreements --

json agreement_scenario(double support, double stance, int weeks_left, double value_hours) {
  json j = json::parse(R"({
    "horizon_weeks": 52,
    "accounts": [
      {"id": "p", "wallet": 3000, "fit": 0.8, "org": 0.6, "coverage": 0.5,
       "contacts": [{"id": "a", "intimacy": 0.5}, {"id": "b", "intimacy": 0.2}]},
      {"id": "q", "wallet": 2000, "fit": 0.7, "org": 0.2, "jic": true,
       "contacts": [{"id": "c", "intimacy": 0.4}]}],
    "resources": {"account_managers": 2, "executive_days_per_year": 100, "budget_per_year": 1e6},
    "params": {"agreement_circled": 1},
    "policy": {"type": "static", "default": {"value_hours": 2, "visits": 2, "jic": true}}
  })");
  j["policy"]["default"]["value_hours"] = value_hours;
  for (auto& a : j["accounts"]) {
    a["agreement_weeks_left"] = weeks_left;
    for (auto& c : a["contacts"]) {
      c["support"] = support;
      c["stance"] = stance;
    }
  }
  return j;
}

TEST(Agreement, EveryDecidedDealIsDirectWhenCircledIsOne) {
  RunOptions o = options(16, 4, 2);
  o.keep_trajectories = {metric::revenue, metric::gross_profit, metric::coverage, metric::jic, metric::support};
  const RunResult r = run_json(agreement_scenario(0.4, 0.2, 500, 2), o);
  double decided = 0.0;
  for (std::int64_t rep = 0; rep < 16; ++rep)
    for (int t = 0; t < r.horizon_weeks; ++t) {
      const double d = pf(r, rep, t, metric::decided_deals);
      ASSERT_EQ(pf(r, rep, t, metric::direct_awards), d) << t;
      ASSERT_EQ(pf(r, rep, t, metric::wins), d) << t;
      decided += d;
      for (int a = 0; a < 2; ++a) {
        ASSERT_GE(traj(r, metric::support, rep, t, a), 0.0);
        // direct awards book margin + agreement premium: .25 + .1 T + .05
        const double T = std::min(1.0, 0.6 * traj(r, metric::coverage, rep, t, a) + 0.4 * traj(r, metric::jic, rep, t, a));
        const double rev = traj(r, metric::revenue, rep, t, a);
        EXPECT_NEAR(traj(r, metric::gross_profit, rep, t, a), rev * (0.25 + 0.1 * T + 0.05), 1e-9 * (1 + rev));
      }
    }
  EXPECT_GT(decided, 0.0);
}

TEST(Agreement, NoDirectAwardsWhenSupportIsNegativeOrNoAgreement) {
  RunOptions o = options(16, 4, 2);
  o.keep_trajectories = {metric::revenue, metric::gross_profit, metric::coverage, metric::jic, metric::support};
  // the first: opposed contacts (no value work, so K stays < 0: S relaxes to Ŝ ≤ −.9 + .3·.5·1.9);
  // the second: no agreement runs and none is pursued
  for (const json& j : {agreement_scenario(-0.8, -0.9, 500, 0), agreement_scenario(0.4, 0.2, 0, 2)}) {
    const RunResult r = run_json(j, o);
    double wins = 0.0;
    for (std::int64_t rep = 0; rep < 16; ++rep)
      for (int t = 0; t < r.horizon_weeks; ++t) {
        ASSERT_EQ(pf(r, rep, t, metric::direct_awards), 0.0) << t;
        wins += pf(r, rep, t, metric::wins);
        for (int a = 0; a < 2; ++a) {
          // tenders book the plain margin .25 + .1 T
          const double T = std::min(1.0, 0.6 * traj(r, metric::coverage, rep, t, a) + 0.4 * traj(r, metric::jic, rep, t, a));
          const double rev = traj(r, metric::revenue, rep, t, a);
          EXPECT_NEAR(traj(r, metric::gross_profit, rep, t, a), rev * (0.25 + 0.1 * T), 1e-9 * (1 + rev));
        }
      }
    EXPECT_GT(wins, 0.0);
  }
}

// --------------------------------------------------------------- pipeline --

TEST(Pipeline, ListedDealsAreDecidedInTheirWeek) {
  json j = json::parse(R"({
    "horizon_weeks": 30,
    "accounts": [{"id": "solo", "wallet": 1000, "fit": 0.7, "coverage": 0.3, "org": 0.2, "competitor_strength": 0.3,
                  "contacts": [{"id": "k", "intimacy": 0.5, "support": 0.3}],
                  "pipeline": [{"size": 100, "decision_week": 5}, {"size": 50, "decision_week": 40},
                               {"size": 70, "decision_week": 5}, {"size": 30, "decision_week": 0}]}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "policy": {"type": "static", "default": {"visits": 1, "value_hours": 2}}
  })");
  RunOptions o = options(1, 0, 1, Mode::mean_field);
  o.keep_trajectories = fixtures::all_metrics();
  const RunResult mf = run_json(j, o);
  // No synthesised pipeline when one is listed; arrivals of week t are decided in t + 16,
  // the deal due in week 40 ≥ horizon is dropped.
  for (int t = 0; t < 16; ++t) {
    const double expected = t == 5 ? 2.0 : (t == 0 ? 1.0 : 0.0);
    EXPECT_EQ(pf(mf, 0, t, metric::decided_deals), expected) << t;
  }
  for (int t : {0, 5}) {
    // p_win from the state of the week: z = −.5 + 2.5 K + T + O + .5 (F − .5) + (Q − .5) − .3
    const double K = traj(mf, metric::support, 0, t, 0), C = traj(mf, metric::coverage, 0, t, 0);
    const double O = traj(mf, metric::org, 0, t, 0), F = traj(mf, metric::fit, 0, t, 0);
    const double Q = traj(mf, metric::satisfaction, 0, t, 0);
    const double T = 0.6 * C;
    const double p = 1.0 / (1.0 + std::exp(-(-0.5 + 2.5 * K + T + O + 0.5 * (F - 0.5) + (Q - 0.5) - 0.3)));
    const double size = t == 5 ? 170.0 : 30.0;
    EXPECT_NEAR(pf(mf, 0, t, metric::revenue), size * p, 1e-12) << t;
    EXPECT_NEAR(pf(mf, 0, t, metric::gross_profit), size * p * (0.25 + 0.1 * T), 1e-12) << t;
    EXPECT_NEAR(pf(mf, 0, t, metric::wins), (t == 5 ? 2 : 1) * p, 1e-12) << t;
  }
  // the arrivals of week 0 are decided in week 16
  EXPECT_NEAR(pf(mf, 0, 16, metric::decided_deals), pf(mf, 0, 0, metric::seen_deals), 1e-12);

  // Monte Carlo: the same deals, decided in the same weeks in every replication
  const RunResult mc = run_json(j, options(50, 3, 2));
  std::vector<double> won_sizes;
  for (std::int64_t r = 0; r < 50; ++r) {
    for (int t = 0; t < 16; ++t)
      EXPECT_EQ(pf(mc, r, t, metric::decided_deals), t == 5 ? 2.0 : (t == 0 ? 1.0 : 0.0)) << t;
    const double rev5 = pf(mc, r, 5, metric::revenue);
    EXPECT_TRUE(rev5 == 0 || rev5 == 70 || rev5 == 100 || rev5 == 170) << rev5;
    const double rev0 = pf(mc, r, 0, metric::revenue);
    EXPECT_TRUE(rev0 == 0 || rev0 == 30) << rev0;
  }
}

TEST(Pipeline, SynthesisedPipelineDecidesFromWeekZero) {
  json j = json::parse(R"({
    "horizon_weeks": 40,
    "accounts": [{"id": "x", "wallet": 2600, "staff": 300, "coverage": 0.35,
                  "contacts": [{"id": "a", "intimacy": 0.6, "influence": 1}, {"id": "b", "intimacy": 0.2, "influence": 3}]}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 1e6},
    "policy": {"type": "static", "default": {"visits": 2}}
  })");
  RunOptions o = options(1, 0, 1, Mode::mean_field);
  o.keep_trajectories = {metric::seen_deals};
  const RunResult mf = run_json(j, o);
  // from the initial state, W = wallet, M = 1:
  // Ī = .25·.6 + .75·.2 = .3;  ν = .4 + .6 (1 − .65 (1 − .15));  λ = ν W / (52 · .08 W)
  // r_b = 2 / (2 + 3) = .4;  μ = .15 / (52 · .25 · .08) · .4 · .35
  const double nu = 0.4 + 0.6 * (1.0 - 0.65 * 0.85);
  const double lam = nu / (52 * 0.08), mu = 0.15 / (52 * 0.25 * 0.08) * 0.4 * 0.35;
  for (int t = 0; t < 16; ++t) EXPECT_NEAR(pf(mf, 0, t, metric::decided_deals), lam + mu, 1e-12) << t;
  for (int t = 16; t < 40; ++t)
    EXPECT_NEAR(pf(mf, 0, t, metric::decided_deals), pf(mf, 0, t - 16, metric::seen_deals), 1e-12) << t;

  // Monte Carlo: decisions start in week 0 as well
  const RunResult mc = run_json(j, options(400, 1, 2));
  double early = 0.0;
  for (std::int64_t r = 0; r < 400; ++r)
    for (int t = 0; t < 16; ++t) early += pf(mc, r, t, metric::decided_deals);
  // Poisson(16 (λ + μ)) per replication
  EXPECT_NEAR(early / 400, 16 * (lam + mu), 5 * std::sqrt(16 * (lam + mu) / 400));
}

// ------------------------------------------------------------- strict mode --

json jic_over_budget() {
  return json::parse(R"({
    "horizon_weeks": 26,
    "accounts": [{"id": "x", "wallet": 1000}, {"id": "y", "wallet": 500}],
    "resources": {"account_managers": 1, "executive_days_per_year": 10, "budget_per_year": 100},
    "policy": {"type": "static", "default": {"social_hours": 1, "visits": 1},
               "accounts": {"x": {"jic": true}}}
  })");
}

TEST(StrictMode, CentreOverBudgetThrows) {
  RunOptions o = options(4, 0, 2);
  o.strict = true;
  EXPECT_THROW(run_json(jic_over_budget(), o), InfeasibleAllocation);
  o.mode = Mode::mean_field;
  EXPECT_THROW(run_json(jic_over_budget(), o), InfeasibleAllocation);
  // also through the synchronised schedule
  fixtures::Built b = fixtures::build(jic_over_budget());
  SynchronisedWrapper sync(*b.policy);
  o.mode = Mode::monte_carlo;
  EXPECT_THROW(run(b.model, sync, o), InfeasibleAllocation);
  // a feasible plan does not throw in strict mode
  json ok = jic_over_budget();
  ok["resources"]["budget_per_year"] = 1e6;
  EXPECT_NO_THROW(run_json(ok, o));
}

TEST(StrictMode, NonStrictRecordsInfeasibleAndScaleZero) {
  RunOptions o = options(3, 0, 1);
  o.keep_trajectories = {metric::spend, metric::jic};
  const RunResult r = run_json(jic_over_budget(), o);
  for (std::size_t i = 0; i < r.infeasible.size(); ++i) {
    EXPECT_EQ(r.infeasible[i], 1);
    EXPECT_EQ(r.scale[i], 0.0);
    EXPECT_EQ(r.binding[i], static_cast<std::int8_t>(Resource::budget));
  }
  for (int e = 0; e < r.n_epochs; ++e)
    for (int a = 0; a < 2; ++a) {
      const double* row = r.allocation_mean.data() + (static_cast<std::size_t>(e) * 2 + a) * kNumAllocFields;
      for (const Activity& f : kActivities)
        if (f.kind == ActivityKind::rate) {
          EXPECT_EQ(row[static_cast<int>(f.field)], 0.0) << f.name;
        }
      EXPECT_EQ(row[static_cast<int>(AllocField::jic)], a == 0 ? 1.0 : 0.0);  // the centre still runs
    }
  // week 0: setup 500 + 300/52; later weeks: 300/52; y spends nothing
  EXPECT_NEAR(traj(r, metric::spend, 0, 0, 0), 500.0 + 300.0 / 52.0, 1e-12);
  EXPECT_NEAR(traj(r, metric::spend, 0, 1, 0), 300.0 / 52.0, 1e-12);
  EXPECT_NEAR(traj(r, metric::spend, 0, 13, 0), 300.0 / 52.0, 1e-12);  // no second setup
  EXPECT_EQ(traj(r, metric::spend, 0, 5, 1), 0.0);
  EXPECT_EQ(traj(r, metric::jic, 0, 20, 0), 1.0);
}

// ------------------------------------------------------------------- KPIs --

std::vector<double> weekly_series(int H, auto&& revenue_of_week, double decided, double wallet) {
  std::vector<double> w(static_cast<std::size_t>(H) * kNumMetrics, 0.0);
  for (int t = 0; t < H; ++t) {
    double* row = w.data() + static_cast<std::size_t>(t) * kNumMetrics;
    row[metric::revenue] = revenue_of_week(t);
    row[metric::gross_profit] = 0.5 * revenue_of_week(t);
    row[metric::wins] = 1.0;
    row[metric::direct_awards] = 0.25;
    row[metric::seen_deals] = 3.0;
    row[metric::decided_deals] = decided;
    row[metric::spend] = 2.0;
    row[metric::contribution] = 10.0;
    row[metric::cash_flow] = 7.0;
    row[metric::wallet] = wallet;
  }
  return w;
}

TEST(Kpis, HandComputedTwoYears) {
  const int H = 104;
  const auto w = weekly_series(H, [](int t) { return t + 1.0; }, 4.0, 5200.0);
  const auto names = kpi_names(H);
  ASSERT_EQ(names.size(), 15u);
  EXPECT_EQ(names[13], "revenue_year_1");
  EXPECT_EQ(names[14], "revenue_year_2");
  std::vector<double> k(names.size());
  compute_kpis(w, H, 3.0, k);
  // Σ_{t=1}^{104} t = 5460;  year 1: Σ_{1}^{52} = 1378;  year 2: 4082
  EXPECT_NEAR(k[kpi_revenue], 5460.0, 1e-9);
  EXPECT_NEAR(k[kpi_gross_profit], 2730.0, 1e-9);
  EXPECT_NEAR(k[kpi_contribution], 1040.0, 1e-9);
  EXPECT_NEAR(k[kpi_cash_flow], 728.0, 1e-9);
  EXPECT_NEAR(k[kpi_spend], 208.0, 1e-9);
  EXPECT_NEAR(k[kpi_revenue_per_am_year], 5460.0 / 3.0 / 2.0, 1e-9);
  EXPECT_NEAR(k[kpi_contribution_per_am_year], 1040.0 / 3.0 / 2.0, 1e-9);
  EXPECT_NEAR(k[kpi_revenue_growth], 4082.0 / 1378.0 - 1.0, 1e-12);
  EXPECT_NEAR(k[kpi_win_rate], 104.0 / 416.0, 1e-12);
  // share of wallet: revenue / Σ_t W_t/52 = 5460 / (104 · 100)
  EXPECT_NEAR(k[kpi_share_of_wallet], 5460.0 / 10400.0, 1e-12);
  EXPECT_NEAR(k[kpi_wins], 104.0, 1e-12);
  EXPECT_NEAR(k[kpi_direct_awards], 26.0, 1e-12);
  EXPECT_NEAR(k[kpi_seen_deals], 312.0, 1e-12);
  EXPECT_NEAR(k[kNumFixedKpis + 0], 1378.0, 1e-9);
  EXPECT_NEAR(k[kNumFixedKpis + 1], 4082.0, 1e-9);
}

TEST(Kpis, PartialLastYearAndGrowthOverLastYear) {
  // H = 130: years 1, 2 and a partial third (weeks 104..129); growth compares
  // the last 52 weeks (78..129) with the first 52.
  const int H = 130;
  const auto w = weekly_series(H, [](int t) { return t + 1.0; }, 4.0, 5200.0);
  std::vector<double> k(kpi_names(H).size());
  ASSERT_EQ(k.size(), 16u);
  compute_kpis(w, H, 2.0, k);
  auto sum = [](int from, int to) { return (from + to) * (to - from + 1) / 2.0; };  // Σ_{from}^{to} t
  EXPECT_NEAR(k[kNumFixedKpis + 2], sum(105, 130), 1e-9);
  EXPECT_NEAR(k[kpi_revenue_growth], sum(79, 130) / sum(1, 52) - 1.0, 1e-12);
  EXPECT_NEAR(k[kpi_revenue_per_am_year], sum(1, 130) / 2.0 / (130.0 / 52.0), 1e-9);
}

TEST(Kpis, NaNRules) {
  std::vector<double> k(kpi_names(60).size());
  ASSERT_EQ(k.size(), 15u);  // ⌈60/52⌉ = 2 years
  // shorter than two years: no growth
  compute_kpis(weekly_series(60, [](int t) { return t + 1.0; }, 4.0, 52.0), 60, 1.0, k);
  EXPECT_TRUE(std::isnan(k[kpi_revenue_growth]));
  EXPECT_NEAR(k[kNumFixedKpis + 1], (53.0 + 60.0) * 8 / 2, 1e-9);  // weeks 52..59
  EXPECT_NEAR(k[kpi_revenue_per_am_year], (1.0 + 60) * 60 / 2 / (60.0 / 52.0), 1e-9);
  // nothing decided: no win rate; no wallet: no share; no AMs: no per-AM figures
  compute_kpis(weekly_series(60, [](int) { return 1.0; }, 0.0, 0.0), 60, 0.0, k);
  EXPECT_TRUE(std::isnan(k[kpi_win_rate]));
  EXPECT_TRUE(std::isnan(k[kpi_share_of_wallet]));
  EXPECT_TRUE(std::isnan(k[kpi_revenue_per_am_year]));
  EXPECT_TRUE(std::isnan(k[kpi_contribution_per_am_year]));
  EXPECT_FALSE(std::isnan(k[kpi_revenue]));
  // no revenue in the first year: no growth
  std::vector<double> k2(kpi_names(104).size());
  compute_kpis(weekly_series(104, [](int t) { return t < 52 ? 0.0 : 5.0; }, 1.0, 52.0), 104, 1.0, k2);
  EXPECT_TRUE(std::isnan(k2[kpi_revenue_growth]));
  EXPECT_NEAR(k2[kNumFixedKpis + 1], 260.0, 1e-12);
}

TEST(Kpis, RunKpisFollowFromThePortfolioSeries) {
  const RunResult r = run_json(small_portfolio(), options(6, 10, 2));
  for (std::int64_t rep = 0; rep < 6; ++rep) {
    double revenue = 0.0, wins = 0.0, decided = 0.0, wallet = 0.0, year1 = 0.0;
    for (int t = 0; t < r.horizon_weeks; ++t) {
      revenue += pf(r, rep, t, metric::revenue);
      wins += pf(r, rep, t, metric::wins);
      decided += pf(r, rep, t, metric::decided_deals);
      wallet += pf(r, rep, t, metric::wallet) / 52.0;
      if (t < 52) year1 += pf(r, rep, t, metric::revenue);
    }
    EXPECT_NEAR(fixtures::kpi(r, rep, "revenue"), revenue, rel_tol(revenue, 0, 1e-12));
    EXPECT_NEAR(fixtures::kpi(r, rep, "win_rate"), wins / decided, 1e-12);
    EXPECT_NEAR(fixtures::kpi(r, rep, "share_of_wallet"), revenue / wallet, 1e-12);
    EXPECT_NEAR(fixtures::kpi(r, rep, "revenue_year_1"), year1, rel_tol(year1, 0, 1e-12));
    EXPECT_NEAR(fixtures::kpi(r, rep, "revenue_per_am_year"), revenue / 3.0 / (78.0 / 52.0), rel_tol(revenue, 0, 1e-12));
    EXPECT_TRUE(std::isnan(fixtures::kpi(r, rep, "revenue_growth")));  // 78 weeks < 2 years
  }
}

}  // namespace
}  // namespace cathedral
