// The fast kernel (replication.cpp, runner.cpp) against the reference step
// (model/reference_step.hpp) on generated scenarios: every output, bit for
// bit, per replication, week and account, in both modes, both contact
// layouts and at 1 and 2 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "cathedral/model/reference_step.hpp"
#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/replication.hpp"
#include "cathedral/resources.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/scenario.hpp"
#include "conformance.hpp"
#include "generator.hpp"

namespace cathedral::conformance {
namespace {

constexpr std::int64_t kReplications = 70;  // three blocks of 32, the last one partial

struct Case {
  Shape shape;
  bool slot_major;  // where the automatic layout lays contacts out slot by slot
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.shape.name; }

std::vector<Case> cases() {
  std::vector<Case> v;
  auto add = [&](Shape s, bool slot_major) { v.push_back({std::move(s), slot_major}); };
  {  // three contacts each: slot by slot without padding; synthesised pipelines
    Shape s{.name = "uniform", .seed = 11, .contacts = {3}, .accounts = 6};
    add(s, true);
  }
  {  // ragged counts with an account without contacts: slot by slot with padding; tiered
    Shape s{.name = "ragged", .seed = 12, .contacts = {0, 3, 2, 3, 1, 3, 3}, .accounts = 7, .policy = PolicyKind::tiered};
    add(s, true);
  }
  {  // one wide account: the automatic layout keeps the account order; a schedule
    Shape s{.name = "wide", .seed = 13, .contacts = {1, 1, 9, 0, 2}, .accounts = 5, .policy = PolicyKind::schedule};
    add(s, false);
  }
  {  // listed pipelines (one empty, deals in week 0 and beyond the horizon) next to synthesised ones
    Shape s{.name = "listed", .seed = 14, .contacts = {2, 1, 3}, .accounts = 8, .listed_every = 2};
    add(s, true);
  }
  {  // centres opened, closed and opened again; agreements at the start and signed; payment on delivery
    Shape s{.name = "centres_agreements", .seed = 15, .contacts = {2, 4}, .accounts = 6, .centres = true,
            .agreements = true, .policy = PolicyKind::schedule};
    s.params = {{"payment_delay_weeks", 0}};
    add(s, true);
  }
  {  // non-integer event rates, changing at epochs, some above 52 a year (more than two events a week)
    Shape s{.name = "event_rates", .seed = 16, .contacts = {2, 2, 3}, .accounts = 6, .max_event_rate = 160.0,
            .policy = PolicyKind::schedule};
    add(s, true);
  }
  {  // resources that bind, and an epoch whose centres alone exceed the budget
    Shape s{.name = "binding", .seed = 17, .contacts = {2, 3}, .accounts = 6, .centres = true, .binding = true,
            .infeasible = true, .policy = PolicyKind::tiered};
    add(s, true);
  }
  {  // executive days that bind, the other resources not
    Shape s{.name = "binding_days", .seed = 24, .contacts = {1, 2}, .accounts = 5, .binding = true,
            .policy = PolicyKind::schedule};
    s.resources = {{"account_managers", 40}, {"budget_per_year", 1e8}, {"executive_days_per_year", 2.5}};
    add(s, true);
  }
  {  // every kind of shock
    Shape s{.name = "shocks", .seed = 18, .contacts = {3, 1, 2}, .accounts = 6, .shocks = true,
            .policy = PolicyKind::schedule};
    add(s, true);
  }
  {  // response shapes other than 1; no market or fit noise, no turnover, no strategy shifts (no such draws)
    Shape s{.name = "shapes_quiet", .seed = 19, .contacts = {2, 3, 0}, .accounts = 6};
    s.params = {{"social_shape", 2.0}, {"value_shape", 0.7}, {"visit_shape", 1.5}, {"service_shape", 3.0},
                {"macro_sd", 0.0}, {"fit_noise", 0.0}, {"turnover_per_year", 0.0}, {"strategy_shifts_per_year", 0.0}};
    add(s, true);
  }
  {  // much happening: frequent departures and strategy shifts, many small deals, short cycles
    Shape s{.name = "busy", .seed = 20, .contacts = {4, 2}, .accounts = 5, .centres = true, .agreements = true,
            .policy = PolicyKind::tiered};
    s.params = {{"turnover_per_year", 5.0}, {"strategy_shifts_per_year", 8.0}, {"deal_fraction", 0.01},
                {"sales_cycle_weeks", 5}, {"payment_delay_weeks", 3}, {"macro_sd", 0.1}, {"fit_noise", 0.05}};
    add(s, true);
  }
  {  // many accounts (37: the ordered sums' tails), a horizon that ends inside an epoch
    Shape s{.name = "many_accounts", .seed = 21, .contacts = {1, 2}, .accounts = 37, .horizon_weeks = 60,
            .decision_interval_weeks = 13, .listed_every = 5, .policy = PolicyKind::tiered};
    add(s, true);
  }
  {  // an account with more contacts than the packed nine-grid tallies hold
    Shape s{.name = "crowded", .seed = 22, .contacts = {130, 2, 2}, .accounts = 3, .horizon_weeks = 40};
    s.params = {{"turnover_per_year", 2.0}};
    add(s, false);
  }
  {  // a sales cycle longer than the horizon (the synthesised pipeline partly dropped), a short odd horizon
    Shape s{.name = "long_cycle", .seed = 23, .contacts = {2, 1}, .accounts = 4, .horizon_weeks = 20,
            .decision_interval_weeks = 7, .listed_every = 3};
    s.params = {{"sales_cycle_weeks", 12}, {"payment_delay_weeks", 25}};
    add(s, true);
  }
  return v;
}

class Conformance : public ::testing::TestWithParam<Case> {};

TEST_P(Conformance, KernelGivesTheReferenceBits) {
  const Case& c = GetParam();
  const Scenario scenario = scenario_from_json(generate(c.shape));
  const Model model = Model::build(scenario);
  const std::shared_ptr<const Policy> policy = make_policy(*scenario.policy, model);
  ASSERT_EQ(Replication(model, Mode::monte_carlo).slot_major(), c.slot_major) << "the case's layout";
  for (Mode mode : {Mode::monte_carlo, Mode::mean_field}) {
    RunOptions o;
    o.replications = kReplications;
    o.seed = c.shape.seed * 7 + 1;
    o.mode = mode;
    o.keep_trajectories = all_metrics();
    const RunResult ref = reference::reference_run(model, *policy, o);
    for (ContactLayout layout : {ContactLayout::automatic, ContactLayout::by_account})
      for (int threads : {1, 2}) {
        o.contact_layout = layout;
        o.threads = threads;
        EXPECT_TRUE(same_bits(run(model, *policy, o), ref))
            << (mode == Mode::monte_carlo ? "monte_carlo" : "mean_field") << ", "
            << (layout == ContactLayout::automatic ? "automatic" : "by_account") << " layout, " << threads << " threads";
      }
  }
}

INSTANTIATE_TEST_SUITE_P(Generated, Conformance, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.shape.name; });

// The cases reach what they are there for (so a pass means something).
TEST(ConformanceCases, ExerciseWhatTheyAreFor) {
  auto reference = [](const std::string& name, Mode mode) {
    for (const Case& c : cases())
      if (c.shape.name == name) {
        const Scenario s = scenario_from_json(generate(c.shape));
        const Model m = Model::build(s);
        RunOptions o;
        o.replications = kReplications;
        o.seed = c.shape.seed * 7 + 1;
        o.mode = mode;
        return reference::reference_run(m, *make_policy(*s.policy, m), o);
      }
    ADD_FAILURE() << "no case " << name;
    return RunResult{};
  };
  auto total = [](const RunResult& r, int metric) {
    double sum = 0.0;
    for (std::size_t i = static_cast<std::size_t>(metric); i < r.portfolio.size(); i += kNumMetrics) sum += r.portfolio[i];
    return sum;
  };
  for (const Case& c : cases()) {
    const RunResult r = reference(c.shape.name, Mode::monte_carlo);
    EXPECT_GT(total(r, metric::seen_deals), 0.0) << c.shape.name;
    EXPECT_GT(total(r, metric::wins), 0.0) << c.shape.name;
  }
  const RunResult agreements = reference("centres_agreements", Mode::monte_carlo);
  EXPECT_GT(total(agreements, metric::direct_awards), 0.0);
  EXPECT_GT(total(agreements, metric::jic), 0.0);
  const RunResult binding = reference("binding", Mode::monte_carlo);
  EXPECT_TRUE(std::any_of(binding.scale.begin(), binding.scale.end(), [](double f) { return f > 0.0 && f < 1.0; }));
  EXPECT_TRUE(std::any_of(binding.infeasible.begin(), binding.infeasible.end(), [](std::uint8_t x) { return x != 0; }));
  auto binds = [](const RunResult& r, Resource resource) {
    return std::any_of(r.binding.begin(), r.binding.end(), [&](std::int8_t b) { return b == static_cast<std::int8_t>(resource); });
  };
  EXPECT_TRUE(binds(binding, Resource::am_hours));
  EXPECT_TRUE(binds(binding, Resource::budget));
  EXPECT_TRUE(binds(reference("binding_days", Mode::monte_carlo), Resource::executive_days));
  // more than two events of a kind in a week somewhere: the events' general path in the kernel
  for (const Case& c : cases()) {
    if (c.shape.name != "event_rates") continue;
    const Scenario s = scenario_from_json(generate(c.shape));
    const Model m = Model::build(s);
    const auto policy = make_policy(*s.policy, m);
    reference::ReferenceReplication rep(m, Mode::monte_carlo, 0, 1);
    Observation obs;
    obs.resize(1, m.n_accounts);
    std::vector<double> alloc(static_cast<std::size_t>(m.n_accounts) * kNumAllocFields);
    double most = 0.0;
    for (int e = 0; e < m.n_epochs; ++e) {
      obs.epoch = e;
      obs.week = m.epoch_start(e);
      rep.observe(obs, 0);
      policy->decide(obs, alloc);
      fit_to_resources(m, alloc, rep.jic_running(), false, e);
      rep.begin_epoch(m.epoch_start(e), alloc, policy->contact_focus(m.epoch_start(e)));
      for (int t = m.epoch_start(e); t < m.epoch_end(e); ++t) {
        rep.step(t);
        for (const reference::Account& acc : rep.accounts()) most = std::max({most, acc.n_benchmarking, acc.n_exec_visits});
      }
    }
    EXPECT_GE(most, 3.0);
  }
}

// A policy that sees every replication at once and gives each replication
// its own allocation from what it observes (what a Python policy may do):
// the runner's synchronised path against the reference.
class StateDependentPolicy final : public Policy {
 public:
  explicit StateDependentPolicy(const Model& m) : focus_(m.contact_weight) {}
  bool needs_all_replications() const override { return true; }
  void decide(const Observation& obs, std::span<double> out) const override {
    for (int r = 0; r < obs.n_replications; ++r)
      for (int a = 0; a < obs.n_accounts; ++a) {
        const std::size_t i = obs.at(r, a);
        double* x = out.data() + i * kNumAllocFields;
        const double rep = static_cast<double>(obs.replication[static_cast<std::size_t>(r)] % 5);
        x[static_cast<int>(AllocField::social_hours)] = 0.5 + rep * (1.0 - obs.coverage[i]);
        x[static_cast<int>(AllocField::value_hours)] = 3.0 * (1.0 + obs.support[i]) + obs.grid[i * kGridCells + kTargetCell];
        x[static_cast<int>(AllocField::visits)] = obs.tier[i] == 0 ? 4.0 : 1.0 + 0.1 * obs.epoch;
        x[static_cast<int>(AllocField::service_hours)] = obs.satisfaction[i] < 0.5 ? 2.0 : 0.5;
        x[static_cast<int>(AllocField::benchmarking)] = 1.3 + obs.org[i] + rep * 0.01;
        x[static_cast<int>(AllocField::exec_visits)] = obs.pipeline_value[i] > 200.0 ? 2.2 : 0.7;
        x[static_cast<int>(AllocField::pursue_agreement)] = obs.fit[i] > 0.5 ? 1.0 : 0.0;
        x[static_cast<int>(AllocField::jic)] = (obs.jic[i] != 0.0) != (obs.revenue_to_date[i] > 300.0 * (rep + 1)) ? 1.0 : 0.0;
      }
  }
  const std::vector<double>& contact_focus(int) const override { return focus_; }

 private:
  std::vector<double> focus_;
};

TEST(ConformancePolicies, WholeBatchPolicyWithReplicationDependentAllocations) {
  Shape s{.name = "batch", .seed = 31, .contacts = {2, 0, 3}, .accounts = 6, .centres = true, .agreements = true,
          .shocks = true, .binding = true};
  const Scenario scenario = scenario_from_json(generate(s));
  const Model model = Model::build(scenario);
  const StateDependentPolicy policy(model);
  for (Mode mode : {Mode::monte_carlo, Mode::mean_field}) {
    RunOptions o;
    o.replications = kReplications;
    o.seed = 5;
    o.mode = mode;
    o.keep_trajectories = all_metrics();
    const RunResult ref = reference::reference_run(model, policy, o);
    for (ContactLayout layout : {ContactLayout::automatic, ContactLayout::by_account})
      for (int threads : {1, 2}) {
        o.contact_layout = layout;
        o.threads = threads;
        EXPECT_TRUE(same_bits(run(model, policy, o), ref)) << static_cast<int>(mode) << " " << threads;
      }
    // the allocations do differ between replications
    if (mode == Mode::monte_carlo) {
      const std::size_t E = static_cast<std::size_t>(ref.n_epochs);
      EXPECT_FALSE(std::equal(ref.scale.begin(), ref.scale.begin() + static_cast<long>(E), ref.scale.begin() + static_cast<long>(E)));
    }
  }
}

// A layer mix (attribution) of two built-in policies.
TEST(ConformancePolicies, LayerMix) {
  Shape s{.name = "mix", .seed = 32, .contacts = {2, 3}, .accounts = 5, .centres = true, .policy = PolicyKind::tiered};
  const Scenario scenario = scenario_from_json(generate(s));
  const Model model = Model::build(scenario);
  Shape other = s;
  other.policy = PolicyKind::static_;
  other.seed = 33;
  // the other plan's policy, against this scenario's accounts
  json with_json = generate(other)["policy"];
  with_json.erase("accounts");
  const auto base = make_policy(*scenario.policy, model);
  const auto with = make_policy(policy_from_json(with_json, scenario), model);
  const LayerMixPolicy mix(base, with, {true, false, true});
  RunOptions o;
  o.replications = 40;
  o.seed = 8;
  o.threads = 2;
  o.keep_trajectories = all_metrics();
  EXPECT_TRUE(same_bits(run(model, mix, o), reference::reference_run(model, mix, o)));
}

// Strict mode: both raise the same error for centres over the budget.
TEST(ConformancePolicies, StrictModeRaisesTheSameError) {
  Shape s{.name = "strict", .seed = 34, .contacts = {2}, .accounts = 4, .centres = true, .binding = true,
          .infeasible = true};
  const Scenario scenario = scenario_from_json(generate(s));
  const Model model = Model::build(scenario);
  const auto policy = make_policy(*scenario.policy, model);
  RunOptions o;
  o.replications = 3;
  o.strict = true;
  std::string kernel_error, reference_error;
  try {
    run(model, *policy, o);
  } catch (const InfeasibleAllocation& e) {
    kernel_error = e.what();
  }
  try {
    reference::reference_run(model, *policy, o);
  } catch (const InfeasibleAllocation& e) {
    reference_error = e.what();
  }
  EXPECT_NE(kernel_error, "");
  EXPECT_EQ(kernel_error, reference_error);
}

}  // namespace
}  // namespace cathedral::conformance
