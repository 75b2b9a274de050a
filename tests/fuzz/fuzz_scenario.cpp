// libFuzzer harness: random and mutated scenario JSON must only ever raise
// ScenarioError (or parse), never crash. A scenario that parses is also built
// into a Model and simulated briefly, so odd but valid inputs reach the kernel.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "cathedral/model.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/runner.hpp"
#include "cathedral/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cathedral;
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  Scenario s;
  try {
    s = scenario_from_json(j);
  } catch (const ScenarioError&) {
    return 0;  // the expected outcome for bad input
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
      (void)run(m, *policy, o);
    } catch (const InfeasibleAllocation&) {
    }
  }
  return 0;
}
