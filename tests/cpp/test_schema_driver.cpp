// The field-table driver (cathedral/schema/driver.hpp) on a small table of its
// own, and the scenario tables it reads (core/src/schema_scenario.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "cathedral/scenario.hpp"
#include "cathedral/schema/driver.hpp"
#include "cathedral/schema/scenario_tables.hpp"

namespace cathedral::schema {
namespace {

// ---- a toy object: every kind of field -------------------------------------

struct Part {
  std::string id;
  double weight = 2.0;
};

enum class Colour { red, green };
inline constexpr std::array<const char*, 2> kColours{"red", "green"};

struct Toy {
  std::string id;
  std::string label;  // defaults to id
  double size = 0.5;
  int count = 3;
  std::uint64_t seed = 0;
  bool on = false;
  Colour colour = Colour::green;
  std::optional<double> limit;
  std::array<double, 2> cuts{0.25, 0.75};
  std::vector<Part> parts;
  std::optional<std::vector<Part>> spares;
};

const Table<Part>& part_table() {
  static const Table<Part> t{"part", "Part", "A part.",
                             {text("id", &Part::id, Domain::finite, "name of the part")
                                  .derived("position", [](Part& p, std::size_t i) { p.id = std::to_string(i); }),
                              number("weight", &Part::weight, Domain::positive, "weight of the part")}};
  return t;
}

const Table<Toy>& toy_table() {
  static const Table<Toy> t{
      "toy",
      "Toy",
      "A toy with every kind of field.",
      {text("id", &Toy::id, Domain::non_empty, "key").needed(),
       text("label", &Toy::label, Domain::finite, "label").derived("`id`", [](Toy& o, std::size_t) { o.label = o.id; }),
       number("size", &Toy::size, Domain::unit, "size"),
       integer("count", &Toy::count, Domain::integer_ge1, "count")
           // a rule on a field read before it
           .also("<= 10 when size > 0.5", [](const Toy& o, const Reader&) -> std::string {
             return o.size > 0.5 && o.count > 10 ? "must be <= 10 when size > 0.5, got " + std::to_string(o.count) : "";
           }),
       integer("seed", &Toy::seed, "seed"),
       boolean("on", &Toy::on, "switched on"),
       choice("colour", &Toy::colour, kColours, "colour"),
       number_or_null("limit", &Toy::limit, Domain::positive, "limit").default_is("null: none"),
       number_pair("cuts", &Toy::cuts, Domain::unit, "cuts"),
       list("parts", &Toy::parts, part_table, "parts", ListRules<Part>{.unique = &Part::id}),
       list_or_null("spares", &Toy::spares, part_table, "spare parts")},
      {Rule<Toy>{"", "size < 1 when off", [](const Toy& o, const json&, const std::string& path, Reader& r) {
                   if (!o.on && o.size >= 1.0) r.add(key_path(path, "size"), "must be < 1 when off");
                 }}}};
  return t;
}

std::vector<std::string> problems_of(const json& j, Toy* out = nullptr) {
  Toy toy;
  Reader r;
  toy_table().read(toy, j, "toys[0]", r, 0);
  if (out) *out = toy;
  return r.problems;
}

json valid_toy() { return json{{"id", "t1"}, {"size", 0.25}}; }

TEST(SchemaDriver, ReadsFieldsAndFillsDefaults) {
  Toy toy;
  EXPECT_TRUE(problems_of(valid_toy(), &toy).empty());
  EXPECT_EQ(toy.id, "t1");
  EXPECT_EQ(toy.label, "t1");  // derived from id
  EXPECT_EQ(toy.size, 0.25);
  EXPECT_EQ(toy.count, 3);  // the struct's default
  EXPECT_EQ(toy.colour, Colour::green);
  EXPECT_FALSE(toy.limit);
  EXPECT_FALSE(toy.spares);

  json j = valid_toy();
  j.update(json::parse(R"({"label": "L", "count": 4.0, "seed": 18446744073709551615, "on": true, "colour": "red",
                           "limit": 2, "cuts": [0.1, 0.2], "parts": [{"id": "a"}, {"weight": 3}], "spares": []})"));
  EXPECT_TRUE(problems_of(j, &toy).empty());
  EXPECT_EQ(toy.label, "L");
  EXPECT_EQ(toy.count, 4);
  EXPECT_EQ(toy.seed, std::numeric_limits<std::uint64_t>::max());
  EXPECT_TRUE(toy.on);
  EXPECT_EQ(toy.colour, Colour::red);
  EXPECT_EQ(*toy.limit, 2.0);
  EXPECT_EQ(toy.cuts[1], 0.2);
  ASSERT_EQ(toy.parts.size(), 2u);
  EXPECT_EQ(toy.parts[1].id, "1");  // derived from the position
  EXPECT_EQ(toy.parts[1].weight, 3.0);
  EXPECT_EQ(toy.parts[0].weight, 2.0);
  ASSERT_TRUE(toy.spares);
  EXPECT_TRUE(toy.spares->empty());
}

TEST(SchemaDriver, ProblemsNameTheFieldByPath) {
  json j = json::parse(R"({"size": 2, "count": 0, "seed": -1, "on": 1, "colour": "blue", "limit": "x",
                           "cuts": [0.9, 0.1], "parts": [{"id": "a", "weight": -1}, {"id": "a"}, 7],
                           "spares": {}, "sise": 1})");
  const std::vector<std::string> expected{
      "toys[0].sise: unknown key; did you mean \"size\"?",
      "toys[0].id: required",
      "toys[0].size: must be in [0, 1], got 2",
      "toys[0].count: must be >= 1, got 0",
      "toys[0].seed: must be >= 0, got -1",
      "toys[0].on: must be true or false, got 1",
      "toys[0].colour: must be one of red, green, got \"blue\"",
      "toys[0].limit: must be a number or null, got \"x\"",
      "toys[0].cuts: cuts must be increasing, got [0.9, 0.1]",
      "toys[0].parts[0].weight: must be > 0, got -1",
      "toys[0].parts[1].id: duplicate id \"a\" (also toys[0].parts[0])",
      "toys[0].parts[2]: must be an object, got 7",
      "toys[0].spares: must be a list, got {}",
  };
  EXPECT_EQ(problems_of(j), expected);
}

TEST(SchemaDriver, UnknownKeyWithoutACloseNameListsTheKeys) {
  json j = valid_toy();
  j["zzzzzzzzzzzz"] = 1;
  EXPECT_EQ(problems_of(j), std::vector<std::string>{
                                "toys[0].zzzzzzzzzzzz: unknown key; valid keys are: id, label, size, count, seed, on, "
                                "colour, limit, cuts, parts, spares"});
}

TEST(SchemaDriver, NotAnObject) {
  EXPECT_EQ(problems_of(json::array({1})), std::vector<std::string>{"toys[0]: must be an object, got [1]"});
  Reader r;
  Toy toy;
  EXPECT_FALSE(toy_table().read(toy, json(5), "", r, 0));
  EXPECT_EQ(r.problems, std::vector<std::string>{"(root): must be an object, got 5"});
}

TEST(SchemaDriver, RulesAcrossFields) {
  json j = valid_toy();
  j["size"] = 1;
  EXPECT_EQ(problems_of(j), std::vector<std::string>{"toys[0].size: must be < 1 when off"});
  j["on"] = true;
  EXPECT_TRUE(problems_of(j).empty());
  j["count"] = 11;
  EXPECT_EQ(problems_of(j), std::vector<std::string>{"toys[0].count: must be <= 10 when size > 0.5, got 11"});
  j["size"] = 0.5;
  EXPECT_TRUE(problems_of(j).empty());
}

TEST(SchemaDriver, WritesEveryFieldAndReadsItBack) {
  json j = valid_toy();
  j.update(json::parse(R"({"count": 7, "seed": 12, "on": true, "colour": "red", "cuts": [0.1, 0.2],
                           "parts": [{"id": "a", "weight": 0.5}]})"));
  Toy toy;
  ASSERT_TRUE(problems_of(j, &toy).empty());
  const json out = toy_table().write(toy);
  EXPECT_EQ(out.size(), 10u);  // every field but spares, which is not set
  EXPECT_FALSE(out.contains("spares"));
  EXPECT_TRUE(out["limit"].is_null());
  EXPECT_EQ(out["label"], "t1");
  EXPECT_EQ(out["colour"], "red");
  EXPECT_EQ(out["parts"], json::parse(R"([{"id": "a", "weight": 0.5}])"));
  Toy back;
  ASSERT_TRUE(problems_of(out, &back).empty());
  EXPECT_EQ(toy_table().write(back), out);
}

TEST(SchemaDriver, SchemaFromTheTable) {
  SchemaDefs defs;
  const json s = toy_table().body(defs);
  EXPECT_EQ(s["type"], "object");
  EXPECT_EQ(s["additionalProperties"], false);
  EXPECT_EQ(s["required"], json::array({"id"}));
  const json& p = s["properties"];
  EXPECT_EQ(p.size(), 11u);
  EXPECT_EQ(p["id"]["minLength"], 1);
  EXPECT_FALSE(p["id"].contains("default"));
  EXPECT_FALSE(p["label"].contains("default"));  // derived: no fixed default
  EXPECT_EQ(p["label"]["description"], "Label. Default: `id`.");
  EXPECT_EQ(p["size"]["minimum"], 0);
  EXPECT_EQ(p["size"]["maximum"], 1);
  EXPECT_EQ(p["size"]["default"], 0.5);
  EXPECT_EQ(p["count"]["type"], "integer");
  EXPECT_EQ(p["count"]["minimum"], 1);
  EXPECT_EQ(p["count"]["maximum"], 5200);
  EXPECT_EQ(p["count"]["default"], 3);
  EXPECT_EQ(p["count"]["description"], "Count. Not checked by this schema: <= 10 when size > 0.5.");
  EXPECT_EQ(p["seed"]["maximum"], std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(p["on"]["type"], "boolean");
  EXPECT_EQ(p["colour"]["enum"], json::array({"red", "green"}));
  EXPECT_EQ(p["colour"]["default"], "green");
  EXPECT_EQ(p["limit"]["type"], json::array({"number", "null"}));
  EXPECT_EQ(p["limit"]["exclusiveMinimum"], 0);
  EXPECT_TRUE(p["limit"]["default"].is_null());
  EXPECT_EQ(p["cuts"]["minItems"], 2);
  EXPECT_EQ(p["cuts"]["maxItems"], 2);
  EXPECT_EQ(p["parts"]["items"]["$ref"], "#/$defs/part");
  EXPECT_EQ(p["spares"]["type"], json::array({"array", "null"}));
  EXPECT_TRUE(defs.defs.contains("part"));
  EXPECT_EQ(defs.defs["part"]["properties"]["weight"]["exclusiveMinimum"], 0);
  EXPECT_NE(s["description"].get<std::string>().find("Not checked by this schema: size < 1 when off."),
            std::string::npos);
}

TEST(SchemaDriver, DocsFromTheTable) {
  Docs docs;
  toy_table().describe(docs);
  ASSERT_EQ(docs.sections.size(), 2u);  // the toy, then the part it refers to
  const SectionDoc& toy = docs.sections[0];
  EXPECT_EQ(toy.name, "toy");
  ASSERT_EQ(toy.fields.size(), 11u);
  EXPECT_EQ(toy.fields[0].default_value, "required");
  EXPECT_EQ(toy.fields[1].default_value, "`id`");
  EXPECT_EQ(toy.fields[2].domain, "[0, 1]");
  EXPECT_EQ(toy.fields[2].default_value, "0.5");
  EXPECT_EQ(toy.fields[3].type, "integer");
  EXPECT_EQ(toy.fields[3].domain, "[1, 5200]");
  EXPECT_EQ(toy.fields[6].type, "enum");
  EXPECT_EQ(toy.fields[6].default_value, "\"green\"");
  EXPECT_EQ(toy.fields[9].type, "list");
  EXPECT_EQ(toy.fields[9].ref, "part");
  EXPECT_EQ(toy.fields[9].default_value, "[]");
  const std::vector<std::string> rules{"`count`: <= 10 when size > 0.5", "`cuts`: low < high",
                                       "`parts`: ids are unique within the list", "size < 1 when off"};
  EXPECT_EQ(toy.rules, rules);
  EXPECT_EQ(docs.sections[1].name, "part");
}

// ---- domains ----------------------------------------------------------------

TEST(SchemaDomains, BoundsChecksAndTextAgree) {
  // At each bound and just beyond it, domain_violation agrees with the bounds the schema is made of.
  for (Domain d : {Domain::unit, Domain::positive, Domain::nonnegative, Domain::finite, Domain::persistence,
                   Domain::integer_ge1, Domain::integer_ge0, Domain::above_minus_one, Domain::signed_unit,
                   Domain::market_factor}) {
    const Bounds b = domain_bounds(d);
    SCOPED_TRACE(domain_text(d));
    for (double edge : {b.lo, b.hi}) {
      if (!std::isfinite(edge)) continue;
      const bool open = edge == b.lo ? b.lo_open : b.hi_open;
      EXPECT_EQ(domain_violation(d, edge).empty(), !open);
      const double beyond = edge == b.lo ? edge - 0.5 : edge + 0.5;
      EXPECT_FALSE(domain_violation(d, beyond).empty());
    }
    EXPECT_FALSE(domain_violation(d, std::numeric_limits<double>::quiet_NaN()).empty());
    if (b.integer) {
      EXPECT_EQ(domain_violation(d, 2.5), "must be an integer, got 2.5");
    }
  }
  EXPECT_EQ(domain_text(Domain::market_factor), "(0, 100]");
  EXPECT_EQ(domain_violation(Domain::market_factor, 101), "must be <= 100, got 101");
  EXPECT_EQ(domain_text(Domain::persistence), "[0, 1)");
  EXPECT_EQ(domain_text(Domain::above_minus_one), "> -1");
  EXPECT_EQ(number_schema(Domain::persistence), json::parse(R"({"type": "number", "minimum": 0.0, "exclusiveMaximum": 1.0})"));
  EXPECT_EQ(number_schema(Domain::integer_ge0), json::parse(R"({"type": "integer", "minimum": 0, "maximum": 5200})"));
}

// ---- the scenario tables ------------------------------------------------------

template <class O>
std::vector<std::string> names(const Table<O>& t) {
  std::vector<std::string> out;
  for (const auto& f : t.fields()) out.push_back(f.name);
  return out;
}

TEST(ScenarioTables, AllocationFieldsComeFromTheAllocationList) {
  std::vector<std::string> expected(kAllocFieldNames.begin(), kAllocFieldNames.end());
  expected.emplace_back("contact_focus");
  EXPECT_EQ(names(allocation_table()), expected);
  EXPECT_EQ(names(account_allocation_table()), expected);
  const json s = scenario_schema();
  EXPECT_FALSE(s["$defs"]["allocation"]["properties"].contains("contact_focus"));  // refused there
  EXPECT_TRUE(s["$defs"]["account_allocation"]["properties"].contains("contact_focus"));
  for (int i = 0; i < kNumAllocFields; ++i)
    EXPECT_EQ(s["$defs"]["allocation"]["properties"][kAllocFieldNames[i]]["type"], i < kNumRateFields ? "number" : "boolean");
}

TEST(ScenarioTables, ParamsAndCostsComeFromTheParameterTables) {
  ASSERT_EQ(params_table().fields().size(), param_table().size());
  for (std::size_t i = 0; i < param_table().size(); ++i) {
    EXPECT_EQ(params_table().fields()[i].name, param_table()[i].name);
    EXPECT_EQ(params_table().fields()[i].group, param_table()[i].group);
    EXPECT_FALSE(param_table()[i].doc.empty()) << param_table()[i].name;
  }
  ASSERT_EQ(costs_table().fields().size(), cost_table().size());
  for (const auto& f : cost_table()) EXPECT_FALSE(f.doc.empty()) << f.name;
}

TEST(ScenarioTables, SchemaDefaultsAreTheParsedDefaults) {
  // What a minimal scenario parses to, written back, holds every default the schema states.
  const Scenario s = scenario_from_json(json::parse(R"({
    "accounts": [{"id": "a", "wallet": 1, "contacts": [{}]}],
    "resources": {"account_managers": 1, "executive_days_per_year": 1, "budget_per_year": 1}})"));
  const json full = scenario_to_json(s);
  const json schema = scenario_schema();
  const json& defs = schema["$defs"];
  int checked = 0;
  auto check = [&](const json& object_schema, const json& value, std::vector<std::string> given) {
    for (const auto& [name, sub] : object_schema["properties"].items()) {
      if (!sub.contains("default") || std::find(given.begin(), given.end(), name) != given.end()) continue;
      EXPECT_EQ(value[name], sub["default"]) << name;
      ++checked;
    }
  };
  check(schema, full, {"accounts", "resources"});
  check(defs["account"], full["accounts"][0], {"id", "wallet", "contacts"});
  check(defs["contact"], full["accounts"][0]["contacts"][0], {});
  check(defs["resources"], full["resources"], {"account_managers", "executive_days_per_year", "budget_per_year"});
  check(defs["params"], full["params"], {});
  check(defs["costs"], full["costs"], {});
  check(defs["grid"], full["tiering"]["grid"], {});
  EXPECT_GT(checked, 90);
}

TEST(ScenarioTables, FormatListsEverySection) {
  const json format = scenario_format();
  std::vector<std::string> sections;
  for (const auto& s : format) sections.push_back(s["name"]);
  EXPECT_EQ(sections.front(), "scenario");
  const json schema = scenario_schema();
  for (const auto& [name, body] : schema["$defs"].items())
    EXPECT_NE(std::find(sections.begin(), sections.end(), name), sections.end()) << name;
  EXPECT_EQ(sections.size(), schema["$defs"].size() + 1);  // and the scenario, the schema's root
}

}  // namespace
}  // namespace cathedral::schema
