// The generic driver behind every object of a scenario file.
//
// A Table lists the fields of one object: name, type, domain, default, a
// one-line doc and an accessor. The driver reads a table to
//   - parse: type and domain checks, "required", unknown keys with
//     did-you-mean, every problem as "PATH: RULE", e.g.
//     "accounts[3].contacts[0].influence: must be >= 0, got -1";
//   - fill defaults: a field left out keeps the value a default-constructed
//     owner holds (the struct's initialiser, or the §9 table for Params and
//     Costs), or one derived from a field read before it (name = id);
//   - serialise: every field written, so a round trip loses nothing;
//   - describe: the JSON Schema (docs/scenario.schema.json) and the field
//     tables of docs/scenario-format.md.
// Variants picks one of several tables by a "type" key (shocks, policies).
//
// Rules across fields (unique ids, references to accounts and contacts,
// weeks within the horizon) are written as checks next to the fields they
// concern; their text goes into the docs as what the JSON Schema cannot say.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cathedral/params.hpp"

namespace cathedral {
struct Scenario;
struct Account;
}  // namespace cathedral

namespace cathedral::schema {

using json = nlohmann::json;

// ---- messages ---------------------------------------------------------------

// A JSON value as a message shows it: compact and bounded in length and depth.
std::string show(const json& v);
// A string in double quotes, JSON-escaped.
std::string quote(std::string_view s);
std::string key_path(const std::string& base, std::string_view key);
std::string idx_path(const std::string& base, std::size_t i);
// "unknown key; did you mean "wallet"?" or "unknown key; valid keys are: a, b".
std::string unknown_message(std::string_view what, std::string_view plural_what, std::string_view name,
                            const std::vector<std::string>& candidates,
                            std::size_t max_listed = std::numeric_limits<std::size_t>::max());

// ---- reading ----------------------------------------------------------------

// Collects the problems of one parse, and what references resolve against.
struct Reader {
  std::vector<std::string> problems;
  const Scenario* scenario = nullptr;  // the scenario being read (accounts, horizon_weeks)
  const Account* account = nullptr;    // the account of the policy entry being read
  void add(const std::string& path, const std::string& rule);
};

bool expect_object(const json& j, const std::string& path, Reader& r);
bool expect_list(const json& j, const std::string& path, Reader& r);
void check_keys(const json& obj, const std::string& path, const std::vector<std::string>& allowed, Reader& r);
const json* find(const json& obj, std::string_view key);

// Each reports a problem and returns nullopt when `v` is invalid.
std::optional<double> read_number(const json& v, const std::string& path, Reader& r, Domain d = Domain::finite);
// An integer in [lo, hi]: a JSON integer, or a float with an integral value.
std::optional<std::int64_t> read_integer(const json& v, const std::string& path, Reader& r, std::int64_t lo,
                                         std::int64_t hi);
std::optional<std::uint64_t> read_uint64(const json& v, const std::string& path, Reader& r);
std::optional<bool> read_bool(const json& v, const std::string& path, Reader& r);
std::optional<std::string> read_string(const json& v, const std::string& path, Reader& r,
                                       Domain d = Domain::finite);

// The integers of `d` that a storage type of range [min, max] holds.
std::pair<std::int64_t, std::int64_t> integer_range(Domain d, std::int64_t min, std::int64_t max);

// ---- describing: JSON Schema and docs ---------------------------------------

// Definitions shared by reference ("#/$defs/NAME"); each is built once.
class SchemaDefs {
 public:
  json ref(const std::string& name, const std::function<json(SchemaDefs&)>& build);
  json defs = json::object();
};

json number_schema(Domain d);
json integer_schema(std::int64_t lo, std::int64_t hi);

// One row of a field table in the docs.
struct FieldDoc {
  std::string name, type, ref, domain, default_value, doc, group;
  bool required = false;
};

// One object (a section of docs/scenario-format.md).
struct SectionDoc {
  std::string name, title, doc;
  std::vector<FieldDoc> fields;
  std::vector<std::string> rules;                            // rules the JSON Schema cannot express
  std::vector<std::pair<std::string, std::string>> variants; // type value, section
};

class Docs {
 public:
  // Adds an empty section NAME and returns its index; nullopt when it is there already.
  std::optional<std::size_t> begin(const std::string& name);
  json to_json() const;
  std::vector<SectionDoc> sections;
};

// A default as the docs show it: 0.5, "scenario", false, [], null.
std::string default_text(const json& v);
// `text` ending in a full stop (and starting with a capital when `capital`).
std::string sentence(std::string text, bool capital = true);

// ---- fields and tables ------------------------------------------------------

enum class Type { number, integer, boolean, string, choice, list, object, map };
std::string_view type_name(Type t);  // "number", "integer", "bool", "string", "enum", "list", "object", "map"

// How a value of type T is read, written and described: a Table, or Variants.
template <class T>
class Shape {
 public:
  virtual ~Shape() = default;
  // False when `j` is not such a value at all (not an object, no known
  // type); a list can leave such items out.
  virtual bool read(T& out, const json& j, const std::string& path, Reader& r, std::size_t position) const = 0;
  virtual json write(const T& in) const = 0;
  virtual json schema(SchemaDefs& defs) const = 0;  // a reference to its definition
  virtual void describe(Docs& docs) const = 0;
  virtual const std::string& name() const = 0;
};

template <class O>
struct Field {
  std::string name;
  Type type = Type::number;
  Domain domain = Domain::finite;  // numbers and integers (and list items of numbers)
  std::string doc;
  bool required = false;
  std::string domain_doc;   // the domain in words (the builders fill it)
  std::string default_doc;  // the default in words, where no JSON value states it
  std::string forbidden;    // a known key refused here with this rule (left out of the schema; written if set)
  std::string group;        // a heading within the table (params)
  std::vector<std::string> rules;  // rules the JSON Schema cannot express, in words

  // A default taken from what was read before (name = id); applied before the key is read.
  std::function<void(O&, std::size_t position)> derive;
  std::function<void(O&, const json&, const std::string& path, Reader&)> read;
  std::function<std::optional<json>(const O&)> write;  // nullopt: not written
  std::function<json(SchemaDefs&)> schema;
  std::function<std::string(Docs&)> describe;  // adds nested sections; returns the one the field refers to
  // A rule across fields, checked after the key is read (a problem when non-empty).
  std::function<std::string(const O&, const Reader&)> check;

  Field&& needed() && {
    required = true;
    return std::move(*this);
  }
  Field&& default_is(std::string text) && {
    default_doc = std::move(text);
    return std::move(*this);
  }
  Field&& derived(std::string text, std::function<void(O&, std::size_t)> fn) && {
    default_doc = std::move(text);
    derive = std::move(fn);
    return std::move(*this);
  }
  Field&& also(std::string text, std::function<std::string(const O&, const Reader&)> fn) && {
    rules.push_back(std::move(text));
    check = std::move(fn);
    return std::move(*this);
  }
  Field&& in_group(std::string g) && {
    group = std::move(g);
    return std::move(*this);
  }
};

// A rule across the fields of an object, checked once the field `after` is
// read (after all fields when empty).
template <class O>
struct Rule {
  std::string after;
  std::string doc;
  std::function<void(const O&, const json& obj, const std::string& path, Reader&)> check;
};

template <class O>
class Table final : public Shape<O> {
 public:
  Table(std::string name, std::string title, std::string doc, std::vector<Field<O>> fields,
        std::vector<Rule<O>> rules = {})
      : name_(std::move(name)), title_(std::move(title)), doc_(std::move(doc)), fields_(std::move(fields)),
        rules_(std::move(rules)) {
    for (const auto& f : fields_) keys_.push_back(f.name);
  }

  bool read(O& out, const json& j, const std::string& path, Reader& r, std::size_t position) const override {
    if (!j.is_object()) {
      for (const auto& f : fields_)
        if (f.derive) f.derive(out, position);
      expect_object(j, path, r);
      return false;
    }
    check_keys(j, path, keys_, r);
    for (const auto& f : fields_) {
      if (f.derive) f.derive(out, position);
      const std::string p = key_path(path, f.name);
      if (const json* v = find(j, f.name)) {
        if (!f.forbidden.empty()) {
          r.add(p, f.forbidden);
        } else {
          f.read(out, *v, p, r);
          if (f.check)
            if (std::string rule = f.check(out, r); !rule.empty()) r.add(p, rule);
        }
      } else if (f.required) {
        r.add(p, "required");
      }
      for (const auto& rule : rules_)
        if (rule.after == f.name) rule.check(out, j, path, r);
    }
    for (const auto& rule : rules_)
      if (rule.after.empty()) rule.check(out, j, path, r);
    return true;
  }

  json write(const O& in) const override {
    json j = json::object();
    for (const auto& f : fields_)
      if (f.write)
        if (auto v = f.write(in)) j[f.name] = std::move(*v);
    return j;
  }

  json schema(SchemaDefs& defs) const override {
    return defs.ref(name_, [this](SchemaDefs& d) { return body(d); });
  }

  // The object's own schema: its properties, the required ones, no others.
  json body(SchemaDefs& defs) const {
    const O blank{};
    json props = json::object();
    json required = json::array();
    for (const auto& f : fields_) {
      if (!f.forbidden.empty()) continue;
      json s = f.schema(defs);
      std::string description = sentence(f.doc);
      if (!f.default_doc.empty() && !f.required) description += " Default: " + sentence(f.default_doc, false);
      for (const auto& rule : f.rules) description += " Not checked by this schema: " + sentence(rule, false);
      s["description"] = description;
      if (!f.required && !f.derive)
        if (auto v = f.write(blank); v && !v->is_object()) s["default"] = *v;
      props[f.name] = std::move(s);
      if (f.required) required.push_back(f.name);
    }
    std::string description = sentence(doc_);
    for (const auto& rule : rules_) description += " Not checked by this schema: " + sentence(rule.doc, false);
    json out = {{"title", title_}, {"description", description}, {"type", "object"},
                {"properties", std::move(props)}, {"additionalProperties", false}};
    if (!required.empty()) out["required"] = std::move(required);
    return out;
  }

  void describe(Docs& docs) const override {
    const auto index = docs.begin(name_);
    if (!index) return;
    const O blank{};
    SectionDoc s{name_, title_, doc_, {}, {}, {}};
    for (const auto& f : fields_) {
      if (!f.forbidden.empty()) continue;
      FieldDoc row;
      row.name = f.name;
      row.type = std::string(type_name(f.type));
      row.domain = f.domain_doc;
      row.doc = f.doc;
      row.group = f.group;
      row.required = f.required;
      if (f.describe) row.ref = f.describe(docs);
      if (f.required)
        row.default_value = "required";
      else if (!f.default_doc.empty())
        row.default_value = f.default_doc;
      else if (auto v = f.write(blank); v && !v->is_object())
        row.default_value = default_text(*v);
      s.fields.push_back(std::move(row));
      for (const auto& rule : f.rules) s.rules.push_back("`" + f.name + "`: " + rule);
    }
    for (const auto& rule : rules_) s.rules.push_back(rule.doc);
    docs.sections[*index] = std::move(s);
  }

  const std::string& name() const override { return name_; }
  const std::vector<Field<O>>& fields() const { return fields_; }
  const std::vector<Rule<O>>& rules() const { return rules_; }

 private:
  std::string name_, title_, doc_;
  std::vector<Field<O>> fields_;
  std::vector<Rule<O>> rules_;
  std::vector<std::string> keys_;
};

// One of several tables, picked by the value of `key` (e.g. "type"). Each
// table has a `tag` field for the key.
template <class O>
class Variants final : public Shape<O> {
 public:
  struct Option {
    std::string value;
    const Table<O>& (*table)();
  };
  Variants(std::string name, std::string title, std::string doc, std::string key, std::vector<Option> options,
           std::function<int(const O&)> which, std::function<void(O&, int)> pick, bool hint_unknown)
      : name_(std::move(name)), title_(std::move(title)), doc_(std::move(doc)), key_(std::move(key)),
        options_(std::move(options)), which_(std::move(which)), pick_(std::move(pick)), hint_unknown_(hint_unknown) {}

  bool read(O& out, const json& j, const std::string& path, Reader& r, std::size_t position) const override {
    if (!expect_object(j, path, r)) return false;
    const std::string kp = key_path(path, key_);
    const json* type = find(j, key_);
    if (!type) {
      r.add(kp, "required");
      return false;
    }
    for (std::size_t i = 0; i < options_.size(); ++i) {
      if (type->is_string() && type->template get_ref<const std::string&>() == options_[i].value) {
        pick_(out, static_cast<int>(i));
        options_[i].table().read(out, j, path, r, position);
        return true;
      }
    }
    std::vector<std::string> values;
    for (const auto& o : options_) values.push_back(o.value);
    if (hint_unknown_ && type->is_string()) {
      r.add(kp, unknown_message(name_ + " " + key_, key_ + "s", type->template get_ref<const std::string&>(), values));
    } else {
      std::string list;
      for (std::size_t i = 0; i < values.size(); ++i) list += (i ? ", " : "") + values[i];
      r.add(kp, "must be one of " + list + ", got " + show(*type));
    }
    return false;
  }

  json write(const O& in) const override {
    const int i = which_(in);
    if (i < 0 || static_cast<std::size_t>(i) >= options_.size()) return json::object();
    return options_[static_cast<std::size_t>(i)].table().write(in);
  }

  json schema(SchemaDefs& defs) const override {
    return defs.ref(name_, [this](SchemaDefs& d) {
      json one_of = json::array();
      for (const auto& o : options_) one_of.push_back(o.table().schema(d));
      return json{{"title", title_}, {"description", doc_}, {"oneOf", std::move(one_of)}};
    });
  }

  void describe(Docs& docs) const override {
    const auto index = docs.begin(name_);
    if (!index) return;
    SectionDoc s{name_, title_, doc_, {}, {}, {}};
    for (const auto& o : options_) {
      o.table().describe(docs);
      s.variants.emplace_back(o.value, o.table().name());
    }
    docs.sections[*index] = std::move(s);
  }

  const std::string& name() const override { return name_; }

 private:
  std::string name_, title_, doc_, key_;
  std::vector<Option> options_;
  std::function<int(const O&)> which_;
  std::function<void(O&, int)> pick_;
  bool hint_unknown_;  // did-you-mean for an unknown value, rather than the list of values
};

// ---- builders: one per kind of field ------------------------------------------

json number_json(double v, Domain d);  // integral domains keep integers as integers

template <class O>
Field<O> number(std::string name, double O::*m, Domain d, std::string doc) {
  Field<O> f;
  f.name = std::move(name);
  f.type = domain_bounds(d).integer ? Type::integer : Type::number;
  f.domain = d;
  f.doc = std::move(doc);
  f.domain_doc = domain_text(d);
  f.read = [m, d](O& o, const json& v, const std::string& p, Reader& r) {
    if (auto x = read_number(v, p, r, d)) o.*m = *x;
  };
  f.write = [m, d](const O& o) -> std::optional<json> { return number_json(o.*m, d); };
  f.schema = [d](SchemaDefs&) { return number_schema(d); };
  return f;
}

// A number, or null for "not set" (e.g. a threshold computed when left out).
template <class O>
Field<O> number_or_null(std::string name, std::optional<double> O::*m, Domain d, std::string doc) {
  Field<O> f = number<O>(std::move(name), nullptr, d, std::move(doc));
  f.domain_doc += " or null";
  f.read = [m, d](O& o, const json& v, const std::string& p, Reader& r) {
    if (v.is_null()) return;
    if (!v.is_number()) {
      r.add(p, "must be a number or null, got " + show(v));
      return;
    }
    if (auto x = read_number(v, p, r, d)) o.*m = *x;
  };
  f.write = [m](const O& o) -> std::optional<json> { return o.*m ? json(*(o.*m)) : json(nullptr); };
  f.schema = [d](SchemaDefs&) {
    json s = number_schema(d);
    s["type"] = json::array({s["type"], "null"});
    return s;
  };
  return f;
}

// [low, high] within domain `d`, low < high.
template <class O>
Field<O> number_pair(std::string name, std::array<double, 2> O::*m, Domain d, std::string doc) {
  Field<O> f;
  f.name = std::move(name);
  f.type = Type::list;
  f.domain = d;
  f.doc = std::move(doc);
  f.domain_doc = "2 numbers in " + domain_text(d);
  f.rules.push_back("low < high");
  f.read = [m, d](O& o, const json& v, const std::string& p, Reader& r) {
    if (!v.is_array() || v.size() != 2) {
      r.add(p, "must be a list of 2 numbers [low, high], got " + show(v));
      return;
    }
    std::array<double, 2> pair = o.*m;
    bool ok = true;
    for (std::size_t i = 0; i < 2; ++i) {
      if (auto x = read_number(v[i], idx_path(p, i), r, d))
        pair[i] = *x;
      else
        ok = false;
    }
    if (!ok) return;
    if (!(pair[0] < pair[1])) {
      r.add(p, "cuts must be increasing, got [" + format_number(pair[0]) + ", " + format_number(pair[1]) + "]");
      return;
    }
    o.*m = pair;
  };
  f.write = [m](const O& o) -> std::optional<json> { return json::array({(o.*m)[0], (o.*m)[1]}); };
  f.schema = [d](SchemaDefs&) {
    return json{{"type", "array"}, {"items", number_schema(d)}, {"minItems", 2}, {"maxItems", 2}};
  };
  return f;
}

template <class O>
Field<O> integer(std::string name, int O::*m, Domain d, std::string doc) {
  const auto [lo, hi] = integer_range(d, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
  Field<O> f;
  f.name = std::move(name);
  f.type = Type::integer;
  f.domain = d;
  f.doc = std::move(doc);
  f.domain_doc = hi == std::numeric_limits<int>::max() ? ">= " + std::to_string(lo)
                                                       : "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  f.read = [m, lo = lo, hi = hi](O& o, const json& v, const std::string& p, Reader& r) {
    if (auto x = read_integer(v, p, r, lo, hi)) o.*m = static_cast<int>(*x);
  };
  f.write = [m](const O& o) -> std::optional<json> { return json(o.*m); };
  f.schema = [lo = lo, hi = hi](SchemaDefs&) { return integer_schema(lo, hi); };
  return f;
}

// Any integer in [0, 2^64 - 1] (seeds).
template <class O>
Field<O> integer(std::string name, std::uint64_t O::*m, std::string doc) {
  Field<O> f;
  f.name = std::move(name);
  f.type = Type::integer;
  f.domain = Domain::nonnegative;
  f.doc = std::move(doc);
  f.domain_doc = "[0, 2^64 - 1]";
  f.read = [m](O& o, const json& v, const std::string& p, Reader& r) {
    if (auto x = read_uint64(v, p, r)) o.*m = *x;
  };
  f.write = [m](const O& o) -> std::optional<json> { return json(o.*m); };
  f.schema = [](SchemaDefs&) {
    return json{{"type", "integer"}, {"minimum", 0}, {"maximum", std::numeric_limits<std::uint64_t>::max()}};
  };
  return f;
}

template <class O>
Field<O> boolean(std::string name, bool O::*m, std::string doc) {
  Field<O> f;
  f.name = std::move(name);
  f.type = Type::boolean;
  f.doc = std::move(doc);
  f.domain_doc = "true or false";
  f.read = [m](O& o, const json& v, const std::string& p, Reader& r) {
    if (auto b = read_bool(v, p, r)) o.*m = *b;
  };
  f.write = [m](const O& o) -> std::optional<json> { return json(o.*m); };
  f.schema = [](SchemaDefs&) { return json{{"type", "boolean"}}; };
  return f;
}

template <class O>
Field<O> text(std::string name, std::string O::*m, Domain d, std::string doc) {
  Field<O> f;
  f.name = std::move(name);
  f.type = Type::string;
  f.domain = d;
  f.doc = std::move(doc);
  f.domain_doc = d == Domain::non_empty ? "non-empty" : "";
  f.read = [m, d](O& o, const json& v, const std::string& p, Reader& r) {
    if (auto s = read_string(v, p, r, d)) o.*m = std::move(*s);
  };
  f.write = [m](const O& o) -> std::optional<json> { return json(o.*m); };
  f.schema = [d](SchemaDefs&) {
    json s{{"type", "string"}};
    if (d == Domain::non_empty) s["minLength"] = 1;
    return s;
  };
  return f;
}

// One of `names`, stored as the enumerator of the same position.
template <class O, class E, std::size_t N>
Field<O> choice(std::string name, E O::*m, const std::array<const char*, N>& names, std::string doc) {
  std::string list;
  for (std::size_t i = 0; i < N; ++i) list += std::string(i ? ", " : "") + names[i];
  Field<O> f;
  f.name = std::move(name);
  f.type = Type::choice;
  f.doc = std::move(doc);
  f.domain_doc = list;
  const auto* all = &names;  // a constant table of names, e.g. kRoleNames
  f.read = [m, all, list](O& o, const json& v, const std::string& p, Reader& r) {
    if (v.is_string())
      for (std::size_t i = 0; i < N; ++i)
        if (v.get_ref<const std::string&>() == (*all)[i]) {
          o.*m = static_cast<E>(i);
          return;
        }
    r.add(p, "must be one of " + list + ", got " + show(v));
  };
  f.write = [m, all](const O& o) -> std::optional<json> {
    const auto i = static_cast<std::size_t>(o.*m);
    if (i < N) return json((*all)[i]);
    return json(static_cast<int>(o.*m));  // invalid; parsing it back reports it
  };
  f.schema = [all](SchemaDefs&) {
    json values = json::array();
    for (const char* n : *all) values.push_back(n);
    return json{{"enum", std::move(values)}};
  };
  return f;
}

// The key of a Variants table: always `value` (already read by Variants).
template <class O>
Field<O> tag(std::string name, std::string value, std::string doc) {
  Field<O> f;
  f.name = std::move(name);
  f.type = Type::choice;
  f.doc = std::move(doc);
  f.domain_doc = quote(value);
  f.required = true;
  f.read = [](O&, const json&, const std::string&, Reader&) {};
  f.write = [value](const O&) -> std::optional<json> { return json(value); };
  f.schema = [value](SchemaDefs&) { return json{{"const", value}}; };
  return f;
}

// A nested object held in member `m`, read with `shape` (a function
// returning a Table or Variants).
template <class O, class T, class Get>
Field<O> object(std::string name, T O::*m, Get shape, std::string doc) {
  Field<O> f;
  f.name = std::move(name);
  f.type = Type::object;
  f.doc = std::move(doc);
  f.read = [m, shape](O& o, const json& v, const std::string& p, Reader& r) { shape().read(o.*m, v, p, r, 0); };
  f.write = [m, shape](const O& o) -> std::optional<json> { return shape().write(o.*m); };
  f.schema = [shape](SchemaDefs& d) { return shape().schema(d); };
  f.describe = [shape](Docs& d) {
    shape().describe(d);
    return shape().name();
  };
  return f;
}

// A nested JSON object whose fields live in the owner itself.
template <class O, class Get>
Field<O> group(std::string name, Get table, std::string doc) {
  Field<O> f;
  f.name = std::move(name);
  f.type = Type::object;
  f.doc = std::move(doc);
  f.read = [table](O& o, const json& v, const std::string& p, Reader& r) { table().read(o, v, p, r, 0); };
  f.write = [table](const O& o) -> std::optional<json> { return table().write(o); };
  f.schema = [table](SchemaDefs& d) { return table().schema(d); };
  f.describe = [table](Docs& d) {
    table().describe(d);
    return table().name();
  };
  return f;
}

// An optional object: null or left out is "none".
template <class O, class T, class Get>
Field<O> object_or_null(std::string name, std::optional<T> O::*m, Get shape, std::string doc) {
  Field<O> f = object<O, T>(std::move(name), nullptr, shape, std::move(doc));
  f.read = [m, shape](O& o, const json& v, const std::string& p, Reader& r) {
    if (v.is_null()) return;
    T t{};
    shape().read(t, v, p, r, 0);
    o.*m = std::move(t);
  };
  f.write = [m, shape](const O& o) -> std::optional<json> {
    if (!(o.*m)) return std::nullopt;
    return shape().write(*(o.*m));
  };
  f.schema = [shape](SchemaDefs& d) { return json{{"anyOf", json::array({shape().schema(d), {{"type", "null"}}})}}; };
  return f;
}

template <class T>
struct ListRules {
  bool non_empty = false;          // "must not be empty"
  bool drop_unread = false;        // items that are not objects (or of no known type) are left out
  std::string T::*unique = nullptr;  // a string field unique within the list
  const char* unique_key = "id";
  bool unique_skips_empty = false;   // an empty (invalid) id is not compared
  std::string item_rule_doc{};
  // A rule between an item and those before it; `position` is its index in the JSON list.
  std::function<void(const std::vector<T>& before, const T& item, std::size_t position, const std::string& path,
                     Reader&)>
      item_rule{};
};

template <class T, class Get>
void read_list(std::vector<T>& out, const json& v, const std::string& p, Reader& r, Get shape,
               const ListRules<T>& rules) {
  if (!expect_list(v, p, r)) return;
  if (rules.non_empty && v.empty()) r.add(p, "must not be empty");
  std::vector<T> items;
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string ip = idx_path(p, i);
    T item{};
    if (!shape().read(item, v[i], ip, r, i) && rules.drop_unread) continue;
    if (rules.unique) {
      const std::string& id = item.*(rules.unique);
      if (!(rules.unique_skips_empty && id.empty())) {
        auto [it, inserted] = seen.emplace(id, i);
        if (!inserted)
          r.add(key_path(ip, rules.unique_key),
                "duplicate " + std::string(rules.unique_key) + " " + quote(id) + " (also " + idx_path(p, it->second) + ")");
      }
    }
    if (rules.item_rule) rules.item_rule(items, item, i, ip, r);
    items.push_back(std::move(item));
  }
  out = std::move(items);
}

template <class T, class Get>
json write_list(const std::vector<T>& items, Get shape) {
  json out = json::array();
  for (const auto& item : items) out.push_back(shape().write(item));
  return out;
}

template <class O, class T, class Get>
Field<O> list(std::string name, std::vector<T> O::*m, Get shape, std::string doc, ListRules<T> rules = {}) {
  Field<O> f;
  f.name = std::move(name);
  f.type = Type::list;
  f.doc = std::move(doc);
  if (rules.non_empty) f.domain_doc = "non-empty";
  if (rules.unique) f.rules.push_back(std::string(rules.unique_key) + "s are unique within the list");
  if (!rules.item_rule_doc.empty()) f.rules.push_back(rules.item_rule_doc);
  f.read = [m, shape, rules](O& o, const json& v, const std::string& p, Reader& r) {
    read_list(o.*m, v, p, r, shape, rules);
  };
  f.write = [m, shape](const O& o) -> std::optional<json> { return write_list(o.*m, shape); };
  f.schema = [shape, non_empty = rules.non_empty](SchemaDefs& d) {
    json s{{"type", "array"}, {"items", shape().schema(d)}};
    if (non_empty) s["minItems"] = 1;
    return s;
  };
  f.describe = [shape](Docs& d) {
    shape().describe(d);
    return shape().name();
  };
  return f;
}

// An optional list: null or left out is "none" (not the same as empty).
template <class O, class T, class Get>
Field<O> list_or_null(std::string name, std::optional<std::vector<T>> O::*m, Get shape, std::string doc,
                      ListRules<T> rules = {}) {
  Field<O> f = list<O, T>(std::move(name), nullptr, shape, std::move(doc), rules);
  f.read = [m, shape, rules](O& o, const json& v, const std::string& p, Reader& r) {
    if (v.is_null()) return;
    if (!v.is_array()) {
      expect_list(v, p, r);
      return;
    }
    std::vector<T> items;
    read_list(items, v, p, r, shape, rules);
    o.*m = std::move(items);
  };
  f.write = [m, shape](const O& o) -> std::optional<json> {
    if (!(o.*m)) return std::nullopt;
    return write_list(*(o.*m), shape);
  };
  f.schema = [shape](SchemaDefs& d) { return json{{"type", json::array({"array", "null"})}, {"items", shape().schema(d)}}; };
  return f;
}

}  // namespace cathedral::schema
