// Scenario types (docs/model.md §2), their validation, and JSON load/save.
//
// A Scenario is what a user writes; Model (model.hpp) is the immutable,
// array-laid-out form the runner uses.
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cathedral/model/activities.hpp"  // AllocField, kAllocFieldNames
#include "cathedral/params.hpp"

namespace cathedral {

// Every input error: the message names the field by its path and the rule,
// one line per problem, e.g.
// "accounts[3].contacts[0].influence: must be >= 0, got -1".
class ScenarioError : public std::invalid_argument {
 public:
  explicit ScenarioError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// docs/model.md §2.2
enum class Role { decision_maker, technical, procurement, user, influencer, coach, other };
inline constexpr std::array<const char*, 7> kRoleNames{
    "decision_maker", "technical", "procurement", "user", "influencer", "coach", "other"};

struct Contact {
  std::string id;
  Role role = Role::other;
  double influence = 1.0;
  double intimacy = 0.0;
  double support = 0.0;
  double stance = 0.0;
};

// A listed open deal (docs/model.md §2.1 `pipeline`).
struct ListedDeal {
  double size = 0.0;
  int decision_week = 0;
};

// docs/model.md §2.1
struct Account {
  std::string id;
  std::string name;  // defaults to id
  double wallet = 0.0;
  double wallet_growth = 0.0;
  double staff = 100.0;
  double fit = 0.5;
  double fit_target = 0.5;  // defaults to fit
  double capability_match = 1.0;
  double competitor_strength = 0.5;
  double coverage = 0.0;
  double satisfaction = 0.5;
  double org = 0.0;
  int agreement_weeks_left = 0;
  bool jic = false;
  std::vector<Contact> contacts;
  // nullopt: synthesised from the initial state (docs/model.md §3.6).
  std::optional<std::vector<ListedDeal>> pipeline;
};

// docs/model.md §2.3
struct Resources {
  double account_managers = 0.0;
  double am_hours_per_week = 30.0;
  double executive_days_per_year = 0.0;
  double budget_per_year = 0.0;
  double am_cost_per_year = 150.0;
};

// docs/model.md §6. A min_wallet left unset is the 90th/70th/40th percentile of
// the initial wallets.
struct Tiering {
  std::optional<double> s_min_wallet, a_min_wallet, b_min_wallet;
  double s_min_fit = 0.7;
  double a_min_fit = 0.5;
  // nine-grid cell boundaries
  std::array<double, 2> intimacy_cuts{1.0 / 3.0, 2.0 / 3.0};
  std::array<double, 2> support_cuts{-1.0 / 3.0, 1.0 / 3.0};
};

// A (possibly partial) allocation as written in a policy: unset fields come
// from the entry it overrides, finally 0 / false.
struct AllocationEntry {
  std::array<std::optional<double>, kNumAllocFields> fields;  // bools as 0/1
  // per-contact weights, keyed by contact id (per-account entries only)
  std::optional<std::map<std::string, double>> contact_focus;
};

struct SchedulePhase;

// docs/model.md §5: the built-in policies, and a schedule of them over time.
struct PolicySpec {
  enum class Type { static_, tiered, schedule };
  Type type = Type::static_;
  // static
  AllocationEntry default_entry;
  std::map<std::string, AllocationEntry> tier_entries;     // S, A, B, C, cash_flow
  std::map<std::string, AllocationEntry> account_entries;  // by account id
  // tiered: templates by S, A, B, C (required) and cash_flow (optional)
  std::map<std::string, AllocationEntry> templates;
  // schedule: phases by increasing from_week, the first at week 0; a phase
  // takes over at the first decision epoch at or after its from_week.
  std::vector<SchedulePhase> phases;
};

inline constexpr std::array<const char*, 3> kPolicyTypeNames{"static", "tiered", "schedule"};  // by PolicySpec::Type

struct SchedulePhase {
  int from_week = 0;
  PolicySpec policy;
};

// Events imposed on a scenario (what-if shocks).
struct Shock {
  enum class Type { market, contact_leaves, strategy_shift, competitor };
  Type type = Type::market;
  // market: M_t is multiplied by `factor` for from_week <= t <= to_week
  int from_week = 0, to_week = 0;
  double factor = 1.0;
  // contact_leaves: the contact departs in `week` (a successor takes over, §3.4)
  // strategy_shift: F̄ becomes `fit_target` in `week`
  // competitor: κ becomes `strength` from `from_week` on
  std::string account, contact;
  int week = 0;
  double fit_target = 0.0;
  double strength = 0.0;
};
inline constexpr std::array<const char*, 4> kShockTypeNames{"market", "contact_leaves", "strategy_shift", "competitor"};

struct Scenario {
  std::string name = "scenario";
  // the unit of money amounts (wallets, costs, budget, revenue), a label for tables and plots only
  std::string currency = "k";
  int horizon_weeks = 156;
  int decision_interval_weeks = 13;
  std::uint64_t seed = 0;
  std::vector<Account> accounts;
  Resources resources;
  Costs costs;
  Params params;
  Tiering tiering;
  std::vector<Shock> shocks;
  std::optional<PolicySpec> policy;
};

// Parse and validate. Throws ScenarioError listing every problem found.
Scenario scenario_from_json(const nlohmann::json& j);
// Full form: every field written, defaults included, so a round trip
// through JSON loses nothing.
nlohmann::json scenario_to_json(const Scenario& s);

// Policy specs are parsed against the scenario (account and contact ids);
// `path` prefixes error paths ("policy" in a scenario file).
PolicySpec policy_from_json(const nlohmann::json& j, const Scenario& s,
                            const std::string& path = "policy");
nlohmann::json policy_to_json(const PolicySpec& p);

// The JSON Schema (draft 2020-12) of a scenario file, from the field tables
// the parser reads (docs/scenario.schema.json).
nlohmann::json scenario_schema();
// Every object of a scenario file: its fields (name, type, domain, default,
// meaning) and the rules the JSON Schema cannot express; the source of
// docs/scenario-format.md.
nlohmann::json scenario_format();

// The JSON text of a scenario file: a duplicate key or invalid JSON or UTF-8
// throws ScenarioError naming the key's path or the byte offset, after `where`.
nlohmann::json parse_scenario_text(std::istream& in, const std::string& where = "");

// A path containing NUL throws ScenarioError (it would be cut there); save
// writes a temporary file and renames it over the target.
Scenario load_scenario(const std::string& file_path);
void save_scenario(const Scenario& s, const std::string& file_path);

// Re-check a Scenario built or edited in code (e.g. from C++ tests).
void validate(const Scenario& s);

}  // namespace cathedral
