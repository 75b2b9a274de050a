// Scenario parsing, validation and serialisation (docs/model.md §2, §3.0, §5, §6, §9).
//
// The field tables of core/src/schema_scenario.cpp say what each object
// holds; the driver (cathedral/schema/driver.hpp) reads them. Every problem is
// reported as "PATH: RULE", e.g. "accounts[3].contacts[0].influence: must be
// >= 0, got -1"; the parser collects all problems in one pass and throws a
// single ScenarioError.
#include "cathedral/scenario.hpp"

#include <filesystem>
#include <fstream>

#include "cathedral/schema/scenario_tables.hpp"

namespace cathedral {

using json = nlohmann::json;

namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

void throw_if_problems(schema::Reader& r) {
  if (!r.problems.empty()) throw ScenarioError(std::move(r.problems));
}

}  // namespace

ScenarioError::ScenarioError(std::vector<std::string> problems)
    : std::invalid_argument(join_lines(problems)), problems_(std::move(problems)) {}

Scenario scenario_from_json(const json& j) {
  Scenario s;
  schema::Reader r;
  r.scenario = &s;  // shocks and the policy refer to the accounts read before them
  schema::scenario_table().read(s, j, "", r, 0);
  throw_if_problems(r);
  return s;
}

json scenario_to_json(const Scenario& s) { return schema::scenario_table().write(s); }

PolicySpec policy_from_json(const json& j, const Scenario& s, const std::string& path) {
  PolicySpec p;
  schema::Reader r;
  r.scenario = &s;
  schema::policy_variants().read(p, j, path, r, 0);
  throw_if_problems(r);
  return p;
}

json policy_to_json(const PolicySpec& p) { return schema::policy_variants().write(p); }

Scenario load_scenario(const std::string& file_path) {
  std::error_code ec;
  if (std::filesystem::is_directory(file_path, ec))
    throw ScenarioError({file_path + ": is a folder, not a scenario file"});
  std::ifstream in(file_path, std::ios::binary);
  if (!in) throw ScenarioError({file_path + ": cannot open file"});
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw ScenarioError({file_path + ": invalid JSON: " + e.what()});
  } catch (const std::exception& e) {  // e.g. a read error
    throw ScenarioError({file_path + ": cannot read: " + e.what()});
  }
  return scenario_from_json(j);
}

void save_scenario(const Scenario& s, const std::string& file_path) {
  validate(s);  // never write a file that cannot be loaded back
  const std::string text = scenario_to_json(s).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  std::ofstream out(file_path, std::ios::binary | std::ios::trunc);
  if (!out) throw ScenarioError({file_path + ": cannot open file for writing"});
  out << text;
  out.flush();
  if (!out) throw ScenarioError({file_path + ": write failed"});
}

void validate(const Scenario& s) {
  // scenario_to_json keeps every value (NaN and infinities included: the
  // json object is never turned into text here), so parsing it back applies
  // exactly the checks, paths and messages of a scenario file.
  (void)scenario_from_json(scenario_to_json(s));
}

}  // namespace cathedral
