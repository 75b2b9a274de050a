// libFuzzer harness: random and mutated scenario files must only ever raise
// ScenarioError (or parse), never crash, and a run of a scenario that parses
// must give finite outputs. It goes through the entry points Python reaches:
// the file text (parse_scenario_text: duplicate keys, UTF-8), the scenario
// (scenario_from_json, the to_json round trip), a policy given apart from the
// scenario (policy_from_json), and a short run in both modes (run).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/scenario.hpp"

namespace {

void check_finite(const std::vector<double>& values, const char* what) {
  for (double v : values)
    if (!std::isfinite(v)) {
      std::fprintf(stderr, "non-finite %s output: %g\n", what, v);
      std::abort();  // a finding, like a crash
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cathedral;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  nlohmann::json j;
  try {
    j = parse_scenario_text(in);
  } catch (const ScenarioError& e) {
    if (std::string(e.what()).empty()) std::abort();  // every refusal says why
    return 0;
  }
  Scenario s;
  try {
    s = scenario_from_json(j);
  } catch (const ScenarioError&) {
    return 0;  // the expected outcome for bad input
  }
  // what Scenario.to_dict / from_dict do: the round trip must give the same scenario
  if (scenario_to_json(scenario_from_json(scenario_to_json(s))) != scenario_to_json(s)) std::abort();
  // a policy passed apart from the scenario (simulate(scenario, policy_dict)): the file's "policy"
  if (j.is_object() && j.contains("policy")) {
    try {
      (void)policy_from_json(j["policy"], s);
    } catch (const ScenarioError&) {
    }
  }
  // Keep the run small: the fuzzer looks for crashes, not long runs.
  if (s.horizon_weeks > 60 || s.accounts.size() > 20) return 0;
  std::size_t contacts = 0;
  for (const auto& a : s.accounts) contacts += a.contacts.size();
  if (contacts > 200) return 0;
  for (const auto& a : s.accounts)
    if (a.pipeline && a.pipeline->size() > 1000) return 0;
  const Model m = Model::build(s);
  PolicySpec spec;
  spec.type = PolicySpec::Type::static_;
  spec.default_entry.fields[static_cast<int>(AllocField::visits)] = 2.0;
  spec.default_entry.fields[static_cast<int>(AllocField::value_hours)] = 3.0;
  const auto policy = make_policy(s.policy ? *s.policy : spec, m);
  RunOptions o;
  o.replications = 2;
  o.threads = 1;
  for (Mode mode : {Mode::monte_carlo, Mode::mean_field}) {
    o.mode = mode;
    try {
      const RunResult r = run(m, *policy, o);
      check_finite(r.portfolio, "portfolio");
      check_finite(r.account_mean, "account_mean");
      check_finite(r.allocation_mean, "allocation_mean");
      check_finite(r.grid_mean, "grid_mean");
    } catch (const InfeasibleAllocation&) {
    } catch (const ScenarioError&) {  // a runaway wallet or market stops the run, named
    } catch (const std::invalid_argument&) {  // an allocation beyond the event bound
    }
  }
  return 0;
}
