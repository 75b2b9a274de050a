// The non-template part of the field-table driver (cathedral/schema/driver.hpp):
// messages, readers of scalar values, JSON Schema pieces and the docs model.
#include "cathedral/schema/driver.hpp"

#include <algorithm>
#include <cmath>

namespace cathedral::schema {

namespace {

// A JSON value as shown in a message: a compact, bounded rendering (never a
// full dump: a huge or deeply nested value must not cost time or stack).
void render(const json& v, std::string& out, int depth, std::size_t limit) {
  if (out.size() > limit) return;
  if (v.is_object() || v.is_array()) {
    if (depth >= 3) {
      out += v.is_object() ? "{...}" : "[...]";
      return;
    }
    out += v.is_object() ? '{' : '[';
    bool first = true;
    for (auto it = v.begin(); it != v.end() && out.size() <= limit; ++it) {
      if (!first) out += ',';
      first = false;
      if (v.is_object()) out += json(it.key()).dump(-1, ' ', false, json::error_handler_t::replace) + ':';
      render(*it, out, depth + 1, limit);
    }
    out += v.is_object() ? '}' : ']';
  } else if (v.is_number_float()) {
    out += format_number(v.get<double>());
  } else if (v.is_string() && v.get_ref<const std::string&>().size() > limit) {
    out += json(v.get_ref<const std::string&>().substr(0, limit)).dump(-1, ' ', false, json::error_handler_t::replace);
  } else {
    out += v.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

std::size_t levenshtein(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string show(const json& v) {
  constexpr std::size_t kMax = 60;
  std::string s;
  render(v, s, 0, kMax);
  if (s.size() > kMax) {
    std::size_t cut = kMax - 3;
    // do not split a UTF-8 sequence
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut) + "...";
  }
  return s;
}

std::string quote(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string key_path(const std::string& base, std::string_view key) {
  if (base.empty()) return std::string(key);
  return base + "." + std::string(key);
}

std::string idx_path(const std::string& base, std::size_t i) { return base + "[" + std::to_string(i) + "]"; }

std::string unknown_message(std::string_view what, std::string_view plural_what, std::string_view name,
                            const std::vector<std::string>& candidates, std::size_t max_listed) {
  std::string msg = "unknown " + std::string(what);
  if (candidates.empty()) return msg + "; none are defined";
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  std::size_t best = std::numeric_limits<std::size_t>::max();
  const std::string* best_name = nullptr;
  for (const auto& c : candidates) {
    const std::size_t d = levenshtein(name, c);
    if (d < best) {
      best = d;
      best_name = &c;
    }
  }
  if (best_name && best <= limit) return msg + "; did you mean " + quote(*best_name) + "?";
  msg += "; valid " + std::string(plural_what) + " are: ";
  const std::size_t n = std::min(candidates.size(), max_listed);
  for (std::size_t i = 0; i < n; ++i) {
    if (i) msg += ", ";
    msg += candidates[i];
  }
  if (n < candidates.size()) msg += ", ... (" + std::to_string(candidates.size() - n) + " more)";
  return msg;
}

void Reader::add(const std::string& path, const std::string& rule) {
  problems.push_back((path.empty() ? std::string("(root)") : path) + ": " + rule);
}

bool expect_object(const json& j, const std::string& path, Reader& r) {
  if (j.is_object()) return true;
  r.add(path, "must be an object, got " + show(j));
  return false;
}

bool expect_list(const json& j, const std::string& path, Reader& r) {
  if (j.is_array()) return true;
  r.add(path, "must be a list, got " + show(j));
  return false;
}

void check_keys(const json& obj, const std::string& path, const std::vector<std::string>& allowed, Reader& r) {
  for (const auto& item : obj.items()) {
    const std::string& k = item.key();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    r.add(key_path(path, k), unknown_message("key", "keys", k, allowed));
  }
}

const json* find(const json& obj, std::string_view key) {
  auto it = obj.find(std::string(key));
  return it == obj.end() ? nullptr : &*it;
}

std::optional<double> read_number(const json& v, const std::string& path, Reader& r, Domain d) {
  if (!v.is_number()) {
    r.add(path, "must be a number, got " + show(v));
    return std::nullopt;
  }
  const double x = v.get<double>();
  if (std::string rule = domain_violation(d, x); !rule.empty()) {  // non-finite numbers first
    r.add(path, rule);
    return std::nullopt;
  }
  return x;
}

std::optional<std::int64_t> read_integer(const json& v, const std::string& path, Reader& r, std::int64_t lo,
                                         std::int64_t hi) {
  if (!v.is_number()) {
    r.add(path, "must be an integer, got " + show(v));
    return std::nullopt;
  }
  if (v.is_number_unsigned()) {
    const std::uint64_t u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(hi)) {
      r.add(path, "must be <= " + std::to_string(hi) + ", got " + std::to_string(u));
      return std::nullopt;
    }
    const auto x = static_cast<std::int64_t>(u);
    if (x < lo) {
      r.add(path, "must be >= " + std::to_string(lo) + ", got " + std::to_string(x));
      return std::nullopt;
    }
    return x;
  }
  if (v.is_number_integer()) {
    const std::int64_t x = v.get<std::int64_t>();
    if (x < lo) {
      r.add(path, "must be >= " + std::to_string(lo) + ", got " + std::to_string(x));
      return std::nullopt;
    }
    if (x > hi) {
      r.add(path, "must be <= " + std::to_string(hi) + ", got " + std::to_string(x));
      return std::nullopt;
    }
    return x;
  }
  const double d = v.get<double>();
  if (!std::isfinite(d)) {
    r.add(path, "must be a finite number, got " + format_number(d));
    return std::nullopt;
  }
  if (d != std::floor(d)) {
    r.add(path, "must be an integer, got " + format_number(d));
    return std::nullopt;
  }
  if (d < static_cast<double>(lo)) {
    r.add(path, "must be >= " + std::to_string(lo) + ", got " + format_number(d));
    return std::nullopt;
  }
  if (d > static_cast<double>(hi)) {
    r.add(path, "must be <= " + std::to_string(hi) + ", got " + format_number(d));
    return std::nullopt;
  }
  return static_cast<std::int64_t>(d);
}

std::optional<std::uint64_t> read_uint64(const json& v, const std::string& path, Reader& r) {
  if (!v.is_number()) {
    r.add(path, "must be an integer, got " + show(v));
    return std::nullopt;
  }
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) {
    const std::int64_t x = v.get<std::int64_t>();
    if (x < 0) {
      r.add(path, "must be >= 0, got " + std::to_string(x));
      return std::nullopt;
    }
    return static_cast<std::uint64_t>(x);
  }
  const double d = v.get<double>();
  if (!std::isfinite(d)) {
    r.add(path, "must be a finite number, got " + format_number(d));
    return std::nullopt;
  }
  if (d != std::floor(d)) {
    r.add(path, "must be an integer, got " + format_number(d));
    return std::nullopt;
  }
  if (d < 0.0) {
    r.add(path, "must be >= 0, got " + format_number(d));
    return std::nullopt;
  }
  if (d >= 18446744073709551616.0) {  // 2^64
    r.add(path, "must be <= 18446744073709551615, got " + format_number(d));
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(d);
}

std::optional<bool> read_bool(const json& v, const std::string& path, Reader& r) {
  if (!v.is_boolean()) {
    r.add(path, "must be true or false, got " + show(v));
    return std::nullopt;
  }
  return v.get<bool>();
}

std::optional<std::string> read_string(const json& v, const std::string& path, Reader& r, Domain d) {
  if (!v.is_string()) {
    r.add(path, "must be a string, got " + show(v));
    return std::nullopt;
  }
  if (d == Domain::non_empty && v.get_ref<const std::string&>().empty()) {
    r.add(path, "must not be empty");
    return std::nullopt;
  }
  return v.get<std::string>();
}

std::pair<std::int64_t, std::int64_t> integer_range(Domain d, std::int64_t min, std::int64_t max) {
  const Bounds b = domain_bounds(d);
  std::int64_t lo = min, hi = max;
  if (std::isfinite(b.lo)) lo = std::max(lo, static_cast<std::int64_t>(b.lo_open ? std::floor(b.lo) + 1 : std::ceil(b.lo)));
  if (std::isfinite(b.hi)) hi = std::min(hi, static_cast<std::int64_t>(b.hi_open ? std::ceil(b.hi) - 1 : std::floor(b.hi)));
  return {lo, hi};
}

json SchemaDefs::ref(const std::string& name, const std::function<json(SchemaDefs&)>& build) {
  if (!defs.contains(name)) {
    defs[name] = json::object();  // placeholder: a definition may refer to itself (schedules)
    json body = build(*this);
    defs[name] = std::move(body);
  }
  return json{{"$ref", "#/$defs/" + name}};
}

json number_schema(Domain d) {
  const Bounds b = domain_bounds(d);
  json s{{"type", b.integer ? "integer" : "number"}};
  if (std::isfinite(b.lo)) s[b.lo_open ? "exclusiveMinimum" : "minimum"] = number_json(b.lo, d);
  if (std::isfinite(b.hi)) s[b.hi_open ? "exclusiveMaximum" : "maximum"] = number_json(b.hi, d);
  return s;
}

json integer_schema(std::int64_t lo, std::int64_t hi) {
  return json{{"type", "integer"}, {"minimum", lo}, {"maximum", hi}};
}

json number_json(double v, Domain d) {
  // integers stay integers in files (a non-integral value is kept as it is, for validation)
  if (domain_bounds(d).integer && v == std::floor(v) && std::fabs(v) < 9.0e15) return static_cast<std::int64_t>(v);
  return v;
}

std::optional<std::size_t> Docs::begin(const std::string& name) {
  for (const auto& s : sections)
    if (s.name == name) return std::nullopt;
  sections.push_back(SectionDoc{name, {}, {}, {}, {}, {}});
  return sections.size() - 1;
}

json Docs::to_json() const {
  json out = json::array();
  for (const auto& s : sections) {
    json fields = json::array();
    for (const auto& f : s.fields)
      fields.push_back({{"name", f.name}, {"type", f.type}, {"ref", f.ref}, {"domain", f.domain},
                        {"default", f.default_value}, {"required", f.required}, {"doc", f.doc}, {"group", f.group}});
    json variants = json::array();
    for (const auto& [value, ref] : s.variants) variants.push_back({{"value", value}, {"ref", ref}});
    out.push_back({{"name", s.name}, {"title", s.title}, {"doc", s.doc}, {"fields", std::move(fields)},
                   {"rules", s.rules}, {"variants", std::move(variants)}});
  }
  return out;
}

std::string default_text(const json& v) {
  if (v.is_number_float()) return format_number(v.get<double>());
  if (v.is_null()) return "null";
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string sentence(std::string text, bool capital) {
  if (text.empty()) return text;
  if (capital && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  if (text.back() != '.') text += '.';
  return text;
}

std::string_view type_name(Type t) {
  switch (t) {
    case Type::number: return "number";
    case Type::integer: return "integer";
    case Type::boolean: return "bool";
    case Type::string: return "string";
    case Type::choice: return "enum";
    case Type::list: return "list";
    case Type::object: return "object";
    case Type::map: return "map";
  }
  return "";
}

}  // namespace cathedral::schema
