// Scenario parsing, validation and serialisation (docs/model.md §2, §3.0, §5, §6, §9).
//
// Every problem is reported as "PATH: RULE", e.g.
// "accounts[3].contacts[0].influence: must be >= 0, got -1". The parser
// collects all problems in one pass and throws a single ScenarioError.
#include "cathedral/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string_view>
#include <tuple>
#include <utility>

namespace cathedral {

using json = nlohmann::json;

namespace {

// Horizons and durations beyond a century are input errors, not plans.
constexpr std::int64_t kMaxWeeks = 5200;

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

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

std::string idx_path(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
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

// "unknown key; did you mean "wallet"?" or "unknown key; valid keys are: a, b".
std::string unknown_message(std::string_view what, std::string_view plural_what,
                            std::string_view name,
                            const std::vector<std::string>& candidates,
                            std::size_t max_listed = std::numeric_limits<std::size_t>::max()) {
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

struct Ctx {
  std::vector<std::string> problems;
  void add(const std::string& path, const std::string& rule) {
    problems.push_back((path.empty() ? std::string("(root)") : path) + ": " + rule);
  }
};

using Keys = std::vector<std::string>;

// Checks that `j` is an object; reports otherwise.
bool expect_object(const json& j, const std::string& path, Ctx& ctx) {
  if (j.is_object()) return true;
  ctx.add(path, "must be an object, got " + show(j));
  return false;
}

bool expect_list(const json& j, const std::string& path, Ctx& ctx) {
  if (j.is_array()) return true;
  ctx.add(path, "must be a list, got " + show(j));
  return false;
}

void check_keys(const json& obj, const std::string& path, const Keys& allowed, Ctx& ctx) {
  for (const auto& item : obj.items()) {
    const std::string& k = item.key();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    ctx.add(key_path(path, k), unknown_message("key", "keys", k, allowed));
  }
}

const json* find(const json& obj, std::string_view key) {
  auto it = obj.find(std::string(key));
  return it == obj.end() ? nullptr : &*it;
}

// ---- scalar readers -------------------------------------------------------

using Check = std::string (*)(double);

std::string check_any(double) { return {}; }
std::string check_unit(double v) { return domain_violation(Domain::unit, v); }
std::string check_market_factor(double v) {
  if (std::string e = domain_violation(Domain::positive, v); !e.empty()) return e;
  return v > 100.0 ? "must be <= 100, got " + format_number(v) : std::string();
}
std::string check_positive(double v) { return domain_violation(Domain::positive, v); }
std::string check_nonneg(double v) { return domain_violation(Domain::nonnegative, v); }
std::string check_gt_minus1(double v) {
  if (!(v > -1.0)) return "must be > -1, got " + format_number(v);
  return {};
}
std::string check_pm1(double v) {
  if (v < -1.0 || v > 1.0) return "must be in [-1, 1], got " + format_number(v);
  return {};
}

// A finite number, then `check`. nullopt (and a problem) when invalid.
std::optional<double> read_number(const json& v, const std::string& path, Ctx& ctx,
                                  Check check = check_any) {
  if (!v.is_number()) {
    ctx.add(path, "must be a number, got " + show(v));
    return std::nullopt;
  }
  const double x = v.get<double>();
  if (!std::isfinite(x)) {
    ctx.add(path, "must be a finite number, got " + format_number(x));
    return std::nullopt;
  }
  if (std::string rule = check(x); !rule.empty()) {
    ctx.add(path, rule);
    return std::nullopt;
  }
  return x;
}

// An integer in [lo, hi]: a JSON integer, or a float with an integral value.
std::optional<std::int64_t> read_integer(const json& v, const std::string& path, Ctx& ctx,
                                         std::int64_t lo, std::int64_t hi) {
  if (!v.is_number()) {
    ctx.add(path, "must be an integer, got " + show(v));
    return std::nullopt;
  }
  if (v.is_number_unsigned()) {
    const std::uint64_t u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(hi)) {
      ctx.add(path, "must be <= " + std::to_string(hi) + ", got " + std::to_string(u));
      return std::nullopt;
    }
    const auto x = static_cast<std::int64_t>(u);
    if (x < lo) {
      ctx.add(path, "must be >= " + std::to_string(lo) + ", got " + std::to_string(x));
      return std::nullopt;
    }
    return x;
  }
  if (v.is_number_integer()) {
    const std::int64_t x = v.get<std::int64_t>();
    if (x < lo) {
      ctx.add(path, "must be >= " + std::to_string(lo) + ", got " + std::to_string(x));
      return std::nullopt;
    }
    if (x > hi) {
      ctx.add(path, "must be <= " + std::to_string(hi) + ", got " + std::to_string(x));
      return std::nullopt;
    }
    return x;
  }
  const double d = v.get<double>();
  if (!std::isfinite(d)) {
    ctx.add(path, "must be a finite number, got " + format_number(d));
    return std::nullopt;
  }
  if (d != std::floor(d)) {
    ctx.add(path, "must be an integer, got " + format_number(d));
    return std::nullopt;
  }
  if (d < static_cast<double>(lo)) {
    ctx.add(path, "must be >= " + std::to_string(lo) + ", got " + format_number(d));
    return std::nullopt;
  }
  if (d > static_cast<double>(hi)) {
    ctx.add(path, "must be <= " + std::to_string(hi) + ", got " + format_number(d));
    return std::nullopt;
  }
  return static_cast<std::int64_t>(d);
}

std::optional<std::uint64_t> read_uint64(const json& v, const std::string& path, Ctx& ctx) {
  if (!v.is_number()) {
    ctx.add(path, "must be an integer, got " + show(v));
    return std::nullopt;
  }
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) {
    const std::int64_t x = v.get<std::int64_t>();
    if (x < 0) {
      ctx.add(path, "must be >= 0, got " + std::to_string(x));
      return std::nullopt;
    }
    return static_cast<std::uint64_t>(x);
  }
  const double d = v.get<double>();
  if (!std::isfinite(d)) {
    ctx.add(path, "must be a finite number, got " + format_number(d));
    return std::nullopt;
  }
  if (d != std::floor(d)) {
    ctx.add(path, "must be an integer, got " + format_number(d));
    return std::nullopt;
  }
  if (d < 0.0) {
    ctx.add(path, "must be >= 0, got " + format_number(d));
    return std::nullopt;
  }
  if (d >= 18446744073709551616.0) {  // 2^64
    ctx.add(path, "must be <= 18446744073709551615, got " + format_number(d));
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(d);
}

std::optional<bool> read_bool(const json& v, const std::string& path, Ctx& ctx) {
  if (!v.is_boolean()) {
    ctx.add(path, "must be true or false, got " + show(v));
    return std::nullopt;
  }
  return v.get<bool>();
}

std::optional<std::string> read_string(const json& v, const std::string& path, Ctx& ctx) {
  if (!v.is_string()) {
    ctx.add(path, "must be a string, got " + show(v));
    return std::nullopt;
  }
  return v.get<std::string>();
}

// ---- field helpers (obj is known to be an object) -------------------------

void number_field(const json& obj, std::string_view key, const std::string& path, Ctx& ctx,
                  double& out, Check check, bool required = false) {
  const json* v = find(obj, key);
  const std::string p = key_path(path, key);
  if (!v) {
    if (required) ctx.add(p, "required");
    return;
  }
  if (auto x = read_number(*v, p, ctx, check)) out = *x;
}

void int_field(const json& obj, std::string_view key, const std::string& path, Ctx& ctx,
               int& out, std::int64_t lo, bool required = false,
               std::int64_t hi = std::numeric_limits<int>::max()) {
  const json* v = find(obj, key);
  const std::string p = key_path(path, key);
  if (!v) {
    if (required) ctx.add(p, "required");
    return;
  }
  if (auto x = read_integer(*v, p, ctx, lo, hi))
    out = static_cast<int>(*x);
}

void bool_field(const json& obj, std::string_view key, const std::string& path, Ctx& ctx,
                bool& out) {
  if (const json* v = find(obj, key))
    if (auto b = read_bool(*v, key_path(path, key), ctx)) out = *b;
}

void string_field(const json& obj, std::string_view key, const std::string& path, Ctx& ctx,
                  std::string& out) {
  if (const json* v = find(obj, key))
    if (auto s = read_string(*v, key_path(path, key), ctx)) out = *s;
}

// ---- accounts -------------------------------------------------------------

const Keys kTopKeys{"name",      "horizon_weeks", "decision_interval_weeks",
                   "seed",      "accounts",      "resources",
                   "costs",     "params",        "tiering",
                   "shocks",    "policy"};
const Keys kAccountKeys{"id",       "name",
                       "wallet",   "wallet_growth",
                       "staff",    "fit",
                       "fit_target", "capability_match",
                       "competitor_strength", "coverage",
                       "satisfaction", "org",
                       "agreement_weeks_left", "jic",
                       "contacts", "pipeline"};
const Keys kContactKeys{"id", "role", "influence", "intimacy", "support", "stance"};
const Keys kDealKeys{"size", "decision_week"};
const Keys kResourceKeys{"account_managers", "am_hours_per_week", "executive_days_per_year",
                         "budget_per_year", "am_cost_per_year"};
const Keys kTieringKeys{"S", "A", "B", "grid"};
const Keys kTierSAKeys{"min_wallet", "min_fit"};
const Keys kTierBKeys{"min_wallet"};
const Keys kGridKeys{"intimacy", "support"};
const Keys kTierNames{"S", "A", "B", "C", "cash_flow"};

std::string roles_list() {
  std::string s;
  for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
    if (i) s += ", ";
    s += kRoleNames[i];
  }
  return s;
}

Contact parse_contact(const json& j, const std::string& path, std::size_t position, Ctx& ctx) {
  Contact c;
  c.id = std::to_string(position);
  if (!expect_object(j, path, ctx)) return c;
  check_keys(j, path, kContactKeys, ctx);
  string_field(j, "id", path, ctx, c.id);
  if (const json* r = find(j, "role")) {
    bool ok = false;
    if (r->is_string()) {
      const auto& name = r->get_ref<const std::string&>();
      for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
        if (name == kRoleNames[i]) {
          c.role = static_cast<Role>(i);
          ok = true;
        }
      }
    }
    if (!ok)
      ctx.add(key_path(path, "role"), "must be one of " + roles_list() + ", got " + show(*r));
  }
  number_field(j, "influence", path, ctx, c.influence, check_nonneg);
  number_field(j, "intimacy", path, ctx, c.intimacy, check_unit);
  number_field(j, "support", path, ctx, c.support, check_pm1);
  number_field(j, "stance", path, ctx, c.stance, check_pm1);
  return c;
}

ListedDeal parse_deal(const json& j, const std::string& path, Ctx& ctx) {
  ListedDeal d;
  if (!expect_object(j, path, ctx)) return d;
  check_keys(j, path, kDealKeys, ctx);
  number_field(j, "size", path, ctx, d.size, check_positive, true);
  int_field(j, "decision_week", path, ctx, d.decision_week, 0, true);
  return d;
}

Account parse_account(const json& j, const std::string& path, Ctx& ctx) {
  Account a;
  if (!expect_object(j, path, ctx)) return a;
  check_keys(j, path, kAccountKeys, ctx);
  if (const json* v = find(j, "id")) {
    if (auto s = read_string(*v, key_path(path, "id"), ctx)) {
      if (s->empty())
        ctx.add(key_path(path, "id"), "must not be empty");
      else
        a.id = *s;
    }
  } else {
    ctx.add(key_path(path, "id"), "required");
  }
  a.name = a.id;
  string_field(j, "name", path, ctx, a.name);
  number_field(j, "wallet", path, ctx, a.wallet, check_positive, true);
  number_field(j, "wallet_growth", path, ctx, a.wallet_growth, check_gt_minus1);
  number_field(j, "staff", path, ctx, a.staff, check_positive);
  number_field(j, "fit", path, ctx, a.fit, check_unit);
  a.fit_target = a.fit;
  number_field(j, "fit_target", path, ctx, a.fit_target, check_unit);
  number_field(j, "capability_match", path, ctx, a.capability_match, check_unit);
  number_field(j, "competitor_strength", path, ctx, a.competitor_strength, check_unit);
  number_field(j, "coverage", path, ctx, a.coverage, check_unit);
  number_field(j, "satisfaction", path, ctx, a.satisfaction, check_unit);
  number_field(j, "org", path, ctx, a.org, check_unit);
  int_field(j, "agreement_weeks_left", path, ctx, a.agreement_weeks_left, 0, false, kMaxWeeks);
  bool_field(j, "jic", path, ctx, a.jic);

  if (const json* cs = find(j, "contacts")) {
    const std::string cpath = key_path(path, "contacts");
    if (expect_list(*cs, cpath, ctx)) {
      std::map<std::string, std::size_t> seen;
      for (std::size_t i = 0; i < cs->size(); ++i) {
        const std::string ipath = idx_path(cpath, i);
        Contact c = parse_contact((*cs)[i], ipath, i, ctx);
        auto [it, inserted] = seen.emplace(c.id, i);
        if (!inserted)
          ctx.add(key_path(ipath, "id"), "duplicate id " + quote(c.id) + " (also " +
                                             idx_path(cpath, it->second) + ")");
        a.contacts.push_back(std::move(c));
      }
    }
  }

  if (const json* ps = find(j, "pipeline"); ps && !ps->is_null()) {
    const std::string ppath = key_path(path, "pipeline");
    if (expect_list(*ps, ppath, ctx)) {
      std::vector<ListedDeal> deals;
      for (std::size_t i = 0; i < ps->size(); ++i)
        deals.push_back(parse_deal((*ps)[i], idx_path(ppath, i), ctx));
      a.pipeline = std::move(deals);
    }
  }
  return a;
}

// ---- resources, params, costs, tiering ------------------------------------

Resources parse_resources(const json& j, const std::string& path, Ctx& ctx) {
  Resources r;
  if (!expect_object(j, path, ctx)) return r;
  check_keys(j, path, kResourceKeys, ctx);
  number_field(j, "account_managers", path, ctx, r.account_managers, check_nonneg, true);
  number_field(j, "am_hours_per_week", path, ctx, r.am_hours_per_week, check_nonneg);
  number_field(j, "executive_days_per_year", path, ctx, r.executive_days_per_year,
               check_nonneg, true);
  number_field(j, "budget_per_year", path, ctx, r.budget_per_year, check_nonneg, true);
  number_field(j, "am_cost_per_year", path, ctx, r.am_cost_per_year, check_nonneg);
  return r;
}

template <class Owner>
void parse_table(const json& j, const std::string& path, Ctx& ctx, Owner& out,
                 std::span<const FieldInfo<Owner>> table) {
  if (!expect_object(j, path, ctx)) return;
  Keys names;
  for (const auto& f : table)
    if (f.member) names.emplace_back(f.name);
  check_keys(j, path, names, ctx);
  for (const auto& f : table) {
    if (!f.member) continue;
    const json* v = find(j, f.name);
    if (!v) continue;
    const std::string p = key_path(path, f.name);
    if (!v->is_number()) {
      ctx.add(p, "must be a number, got " + show(*v));
      continue;
    }
    const double x = v->get<double>();
    if (std::string rule = domain_violation(f.domain, x); !rule.empty()) {
      ctx.add(p, rule);
      continue;
    }
    out.*(f.member) = x;
  }
}

template <class Owner>
json table_to_json(const Owner& in, std::span<const FieldInfo<Owner>> table) {
  json j = json::object();
  for (const auto& f : table) {
    if (!f.member) continue;
    const double v = in.*(f.member);
    // integer parameters stay integers in files (a non-integral value is kept as it is, for validation)
    const bool integral = (f.domain == Domain::integer_ge0 || f.domain == Domain::integer_ge1) &&
                          v == std::floor(v) && std::fabs(v) < 9.0e15;
    if (integral)
      j[std::string(f.name)] = static_cast<std::int64_t>(v);
    else
      j[std::string(f.name)] = v;
  }
  return j;
}

void parse_min_wallet(const json& obj, const std::string& path, Ctx& ctx,
                      std::optional<double>& out) {
  const json* v = find(obj, "min_wallet");
  if (!v || v->is_null()) return;
  const std::string p = key_path(path, "min_wallet");
  if (!v->is_number()) {
    ctx.add(p, "must be a number or null, got " + show(*v));
    return;
  }
  if (auto x = read_number(*v, p, ctx, check_positive)) out = *x;
}

void parse_cuts(const json& obj, std::string_view key, const std::string& path, Ctx& ctx,
                std::array<double, 2>& out, double lo, double hi) {
  const json* v = find(obj, key);
  if (!v) return;
  const std::string p = key_path(path, key);
  if (!v->is_array() || v->size() != 2) {
    ctx.add(p, "must be a list of 2 numbers [low, high], got " + show(*v));
    return;
  }
  std::array<double, 2> cuts = out;
  bool ok = true;
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string ip = idx_path(p, i);
    auto x = read_number((*v)[i], ip, ctx);
    if (!x) {
      ok = false;
      continue;
    }
    if (*x < lo || *x > hi) {
      ctx.add(ip, "must be in [" + format_number(lo) + ", " + format_number(hi) + "], got " +
                      format_number(*x));
      ok = false;
      continue;
    }
    cuts[i] = *x;
  }
  if (!ok) return;
  if (!(cuts[0] < cuts[1])) {
    ctx.add(p, "cuts must be increasing, got [" + format_number(cuts[0]) + ", " +
                   format_number(cuts[1]) + "]");
    return;
  }
  out = cuts;
}

Tiering parse_tiering(const json& j, const std::string& path, Ctx& ctx) {
  Tiering t;
  if (!expect_object(j, path, ctx)) return t;
  check_keys(j, path, kTieringKeys, ctx);
  // S and A: a minimum wallet and a minimum fit
  for (auto [name, min_wallet, min_fit] : {std::tuple{"S", &t.s_min_wallet, &t.s_min_fit},
                                           std::tuple{"A", &t.a_min_wallet, &t.a_min_fit}}) {
    const json* tier = find(j, name);
    if (!tier) continue;
    const std::string p = key_path(path, name);
    if (expect_object(*tier, p, ctx)) {
      check_keys(*tier, p, kTierSAKeys, ctx);
      parse_min_wallet(*tier, p, ctx, *min_wallet);
      number_field(*tier, "min_fit", p, ctx, *min_fit, check_unit);
    }
  }
  if (const json* b = find(j, "B")) {
    const std::string p = key_path(path, "B");
    if (expect_object(*b, p, ctx)) {
      check_keys(*b, p, kTierBKeys, ctx);
      parse_min_wallet(*b, p, ctx, t.b_min_wallet);
    }
  }
  if (const json* g = find(j, "grid")) {
    const std::string p = key_path(path, "grid");
    if (expect_object(*g, p, ctx)) {
      check_keys(*g, p, kGridKeys, ctx);
      parse_cuts(*g, "intimacy", p, ctx, t.intimacy_cuts, 0.0, 1.0);
      parse_cuts(*g, "support", p, ctx, t.support_cuts, -1.0, 1.0);
    }
  }
  return t;
}

json min_wallet_json(const std::optional<double>& w) {
  return w ? json(*w) : json(nullptr);
}

json tiering_to_json(const Tiering& t) {
  json j = json::object();
  j["S"] = {{"min_wallet", min_wallet_json(t.s_min_wallet)}, {"min_fit", t.s_min_fit}};
  j["A"] = {{"min_wallet", min_wallet_json(t.a_min_wallet)}, {"min_fit", t.a_min_fit}};
  j["B"] = {{"min_wallet", min_wallet_json(t.b_min_wallet)}};
  j["grid"] = {{"intimacy", {t.intimacy_cuts[0], t.intimacy_cuts[1]}},
               {"support", {t.support_cuts[0], t.support_cuts[1]}}};
  return j;
}

// ---- policy ---------------------------------------------------------------

Keys entry_keys() {
  Keys k(kAllocFieldNames.begin(), kAllocFieldNames.end());
  k.emplace_back("contact_focus");
  return k;
}

std::map<std::string, double> parse_contact_focus(const json& v, const std::string& path,
                                                  const Account* account, Ctx& ctx) {
  std::map<std::string, double> focus;
  if (v.is_array()) {
    if (account && v.size() != account->contacts.size()) {
      ctx.add(path, "must have one weight per contact of account " + quote(account->id) +
                        " (" + std::to_string(account->contacts.size()) + "), got " +
                        std::to_string(v.size()));
      return focus;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      auto w = read_number(v[i], idx_path(path, i), ctx, check_nonneg);
      if (w && account) focus[account->contacts[i].id] = *w;
    }
    return focus;
  }
  if (v.is_object()) {
    Keys ids;
    if (account)
      for (const auto& c : account->contacts) ids.push_back(c.id);
    for (const auto& item : v.items()) {
      const std::string p = key_path(path, item.key());
      if (account && std::find(ids.begin(), ids.end(), item.key()) == ids.end()) {
        ctx.add(p, unknown_message("contact id", "ids", item.key(), ids));
        continue;
      }
      if (auto w = read_number(item.value(), p, ctx, check_nonneg)) focus[item.key()] = *w;
    }
    return focus;
  }
  ctx.add(path, "must be a list of weights or an object {contact id: weight}, got " + show(v));
  return focus;
}

// `per_account`: the entry sits in policy.accounts (contact_focus allowed);
// `account`: its account when known.
AllocationEntry parse_entry(const json& j, const std::string& path, bool per_account,
                            const Account* account, Ctx& ctx) {
  static const Keys kEntryKeys = entry_keys();
  AllocationEntry e;
  if (!expect_object(j, path, ctx)) return e;
  check_keys(j, path, kEntryKeys, ctx);
  for (int i = 0; i < kNumAllocFields; ++i) {
    const json* v = find(j, kAllocFieldNames[i]);
    if (!v) continue;
    const std::string p = key_path(path, kAllocFieldNames[i]);
    if (i < kNumRateFields) {
      if (auto x = read_number(*v, p, ctx, check_nonneg)) e.fields[i] = *x;
    } else {
      if (auto b = read_bool(*v, p, ctx)) e.fields[i] = *b ? 1.0 : 0.0;
    }
  }
  if (const json* cf = find(j, "contact_focus")) {
    const std::string p = key_path(path, "contact_focus");
    if (!per_account)
      ctx.add(p, "only allowed per account, in the policy's \"accounts\" entries");
    else
      e.contact_focus = parse_contact_focus(*cf, p, account, ctx);
  }
  return e;
}

PolicySpec parse_policy(const json& j, const std::vector<Account>& accounts,
                        const std::string& path, Ctx& ctx) {
  PolicySpec p;
  if (!expect_object(j, path, ctx)) return p;
  const json* type = find(j, "type");
  const std::string tpath = key_path(path, "type");
  if (!type) {
    ctx.add(tpath, "required");
    return p;
  }
  if (type->is_string() && type->get_ref<const std::string&>() == "static") {
    p.type = PolicySpec::Type::static_;
  } else if (type->is_string() && type->get_ref<const std::string&>() == "tiered") {
    p.type = PolicySpec::Type::tiered;
  } else if (type->is_string() && type->get_ref<const std::string&>() == "schedule") {
    p.type = PolicySpec::Type::schedule;
  } else {
    ctx.add(tpath, "must be one of static, tiered, schedule, got " + show(*type));
    return p;
  }

  if (p.type == PolicySpec::Type::schedule) {
    check_keys(j, path, Keys{"type", "phases"}, ctx);
    const std::string pp = key_path(path, "phases");
    const json* phases = find(j, "phases");
    if (!phases) {
      ctx.add(pp, "required");
      return p;
    }
    if (!expect_list(*phases, pp, ctx)) return p;
    if (phases->empty()) ctx.add(pp, "must not be empty");
    for (std::size_t i = 0; i < phases->size(); ++i) {
      const std::string ip = idx_path(pp, i);
      const json& ph = (*phases)[i];
      if (!expect_object(ph, ip, ctx)) continue;
      check_keys(ph, ip, Keys{"from_week", "policy"}, ctx);
      SchedulePhase phase;
      int_field(ph, "from_week", ip, ctx, phase.from_week, 0, true);
      if (const json* sub = find(ph, "policy"))
        phase.policy = parse_policy(*sub, accounts, key_path(ip, "policy"), ctx);
      else
        ctx.add(key_path(ip, "policy"), "required");
      if (i == 0 && phase.from_week != 0)
        ctx.add(key_path(ip, "from_week"), "the first phase must start at week 0, got " + std::to_string(phase.from_week));
      if (i > 0 && !p.phases.empty() && phase.from_week <= p.phases.back().from_week)
        ctx.add(key_path(ip, "from_week"), "must be after the previous phase's " +
                                               std::to_string(p.phases.back().from_week) + ", got " +
                                               std::to_string(phase.from_week));
      p.phases.push_back(std::move(phase));
    }
    return p;
  }

  if (p.type == PolicySpec::Type::static_) {
    check_keys(j, path, Keys{"type", "default", "tiers", "accounts"}, ctx);
    if (const json* d = find(j, "default"))
      p.default_entry = parse_entry(*d, key_path(path, "default"), false, nullptr, ctx);
    if (const json* t = find(j, "tiers")) {
      const std::string tp = key_path(path, "tiers");
      if (expect_object(*t, tp, ctx)) {
        check_keys(*t, tp, kTierNames, ctx);
        for (const auto& name : kTierNames)
          if (const json* e = find(*t, name))
            p.tier_entries[name] = parse_entry(*e, key_path(tp, name), false, nullptr, ctx);
      }
    }
    if (const json* a = find(j, "accounts")) {
      const std::string ap = key_path(path, "accounts");
      if (expect_object(*a, ap, ctx)) {
        Keys ids;
        for (const auto& acc : accounts) ids.push_back(acc.id);
        for (const auto& item : a->items()) {
          const std::string ep = key_path(ap, item.key());
          const Account* account = nullptr;
          for (const auto& acc : accounts)
            if (acc.id == item.key()) {
              account = &acc;
              break;
            }
          if (!account) {
            ctx.add(ep, unknown_message("account id", "ids", item.key(), ids, 20));
            continue;
          }
          p.account_entries[item.key()] = parse_entry(item.value(), ep, true, account, ctx);
        }
      }
    }
  } else {
    check_keys(j, path, Keys{"type", "templates"}, ctx);
    const std::string tp = key_path(path, "templates");
    const json* t = find(j, "templates");
    if (!t) {
      ctx.add(tp, "required");
    } else if (expect_object(*t, tp, ctx)) {
      check_keys(*t, tp, kTierNames, ctx);
      for (const auto& name : kTierNames) {
        const json* e = find(*t, name);
        if (!e) {
          if (name != "cash_flow") ctx.add(key_path(tp, name), "required");
          continue;
        }
        p.templates[name] = parse_entry(*e, key_path(tp, name), false, nullptr, ctx);
      }
    }
  }
  return p;
}

json entry_to_json(const AllocationEntry& e) {
  json j = json::object();
  for (int i = 0; i < kNumAllocFields; ++i) {
    if (!e.fields[i]) continue;
    const double v = *e.fields[i];
    // Booleans as JSON booleans; anything else is written as the number so
    // that parsing it back (validate) reports it.
    if (i >= kNumRateFields && (v == 0.0 || v == 1.0))
      j[kAllocFieldNames[i]] = (v == 1.0);
    else
      j[kAllocFieldNames[i]] = v;
  }
  if (e.contact_focus) {
    json cf = json::object();
    for (const auto& [id, w] : *e.contact_focus) cf[id] = w;
    j["contact_focus"] = std::move(cf);
  }
  return j;
}

json entries_to_json(const std::map<std::string, AllocationEntry>& m) {
  json j = json::object();
  for (const auto& [k, e] : m) j[k] = entry_to_json(e);
  return j;
}

json role_to_json(Role r) {
  const auto i = static_cast<std::size_t>(r);
  if (i < kRoleNames.size()) return kRoleNames[i];
  return static_cast<int>(r);  // invalid; parsing it back reports it
}

// ---- shocks ------------------------------------------------------------------

const Account* find_account(const std::vector<Account>& accounts, const std::string& id) {
  for (const auto& a : accounts)
    if (a.id == id) return &a;
  return nullptr;
}

std::vector<Shock> parse_shocks(const json& j, const std::vector<Account>& accounts, int horizon,
                                const std::string& path, Ctx& ctx) {
  std::vector<Shock> shocks;
  if (!expect_list(j, path, ctx)) return shocks;
  Keys type_names(kShockTypeNames.begin(), kShockTypeNames.end());
  Keys account_ids;
  for (const auto& a : accounts) account_ids.push_back(a.id);
  const std::int64_t last_week = std::max(0, horizon - 1);
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = idx_path(path, i);
    const json& e = j[i];
    if (!expect_object(e, p, ctx)) continue;
    Shock sh;
    const json* type = find(e, "type");
    if (!type) {
      ctx.add(key_path(p, "type"), "required");
      continue;
    }
    int t = -1;
    for (std::size_t k = 0; k < type_names.size(); ++k)
      if (type->is_string() && type->get_ref<const std::string&>() == type_names[k]) t = static_cast<int>(k);
    if (t < 0) {
      ctx.add(key_path(p, "type"), type->is_string()
                                       ? unknown_message("shock type", "types", type->get<std::string>(), type_names)
                                       : "must be one of " + std::string("market, contact_leaves, strategy_shift, competitor") +
                                             ", got " + show(*type));
      continue;
    }
    sh.type = static_cast<Shock::Type>(t);
    auto week_field = [&](std::string_view key, int& out) {
      const json* v = find(e, key);
      const std::string kp = key_path(p, key);
      if (!v) {
        ctx.add(kp, "required");
        return;
      }
      if (auto x = read_integer(*v, kp, ctx, 0, std::numeric_limits<int>::max())) {
        if (*x > last_week)
          ctx.add(kp, "must be < horizon_weeks (" + std::to_string(horizon) + "), got " + std::to_string(*x));
        out = static_cast<int>(*x);
      }
    };
    const Account* account = nullptr;
    auto account_field = [&] {
      string_field(e, "account", p, ctx, sh.account);
      if (!find(e, "account")) {
        ctx.add(key_path(p, "account"), "required");
      } else if (!sh.account.empty()) {
        account = find_account(accounts, sh.account);
        if (!account) ctx.add(key_path(p, "account"), unknown_message("account id", "ids", sh.account, account_ids, 20));
      }
    };
    switch (sh.type) {
      case Shock::Type::market:
        check_keys(e, p, Keys{"type", "from_week", "to_week", "factor"}, ctx);
        week_field("from_week", sh.from_week);
        week_field("to_week", sh.to_week);
        number_field(e, "factor", p, ctx, sh.factor, check_market_factor, true);
        if (find(e, "from_week") && find(e, "to_week") && sh.to_week < sh.from_week)
          ctx.add(key_path(p, "to_week"), "must be >= from_week (" + std::to_string(sh.from_week) + "), got " +
                                              std::to_string(sh.to_week));
        break;
      case Shock::Type::contact_leaves:
        check_keys(e, p, Keys{"type", "account", "contact", "week"}, ctx);
        account_field();
        week_field("week", sh.week);
        string_field(e, "contact", p, ctx, sh.contact);
        if (!find(e, "contact")) {
          ctx.add(key_path(p, "contact"), "required");
        } else if (account) {
          Keys ids;
          for (const auto& c : account->contacts) ids.push_back(c.id);
          if (std::find(ids.begin(), ids.end(), sh.contact) == ids.end())
            ctx.add(key_path(p, "contact"), ids.empty() ? "unknown contact id; account " + quote(account->id) + " has no contacts"
                                                        : unknown_message("contact id", "ids", sh.contact, ids, 20));
        }
        break;
      case Shock::Type::strategy_shift:
        check_keys(e, p, Keys{"type", "account", "week", "fit_target"}, ctx);
        account_field();
        week_field("week", sh.week);
        number_field(e, "fit_target", p, ctx, sh.fit_target, check_unit, true);
        break;
      case Shock::Type::competitor:
        check_keys(e, p, Keys{"type", "account", "from_week", "strength"}, ctx);
        account_field();
        week_field("from_week", sh.from_week);
        number_field(e, "strength", p, ctx, sh.strength, check_unit, true);
        break;
    }
    shocks.push_back(std::move(sh));
  }
  return shocks;
}

json shocks_to_json(const std::vector<Shock>& shocks) {
  json out = json::array();
  for (const auto& sh : shocks) {
    json e = {{"type", kShockTypeNames[static_cast<int>(sh.type)]}};
    switch (sh.type) {
      case Shock::Type::market:
        e["from_week"] = sh.from_week;
        e["to_week"] = sh.to_week;
        e["factor"] = sh.factor;
        break;
      case Shock::Type::contact_leaves:
        e["account"] = sh.account;
        e["contact"] = sh.contact;
        e["week"] = sh.week;
        break;
      case Shock::Type::strategy_shift:
        e["account"] = sh.account;
        e["week"] = sh.week;
        e["fit_target"] = sh.fit_target;
        break;
      case Shock::Type::competitor:
        e["account"] = sh.account;
        e["from_week"] = sh.from_week;
        e["strength"] = sh.strength;
        break;
    }
    out.push_back(std::move(e));
  }
  return out;
}

// Limits that keep a run finite: deal sizes must not underflow to 0, and an
// account must not see more than kMaxDealsPerWeek deals a week on average.
constexpr double kMaxDealsPerWeek = 10000.0;

void check_deal_flow(const Scenario& s, Ctx& ctx) {
  const Params& p = s.params;
  if (!(p.deal_fraction > 0.0) || !(p.dig_deal_fraction > 0.0)) return;  // reported already
  const double per_week = 1.0 / (52.0 * p.deal_fraction) * (1.0 + p.dig_wallet_share / p.dig_deal_fraction);
  if (!(per_week <= kMaxDealsPerWeek))
    ctx.add("params.deal_fraction", "with dig_wallet_share " + format_number(p.dig_wallet_share) +
                                        " and dig_deal_fraction " + format_number(p.dig_deal_fraction) +
                                        " gives up to " + format_number(per_week) +
                                        " deals per account and week; at most 10000 are allowed (raise deal_fraction)");
  for (std::size_t i = 0; i < s.accounts.size(); ++i) {
    const double w = s.accounts[i].wallet;
    if (w > 0.0 && std::isfinite(w) && !(p.deal_fraction * p.dig_deal_fraction * w >= std::numeric_limits<double>::min()))
      ctx.add(idx_path("accounts", i) + ".wallet",
              "too small: the mean deal size (deal_fraction x wallet) underflows, got " + format_number(w));
  }
}

void throw_if_problems(Ctx& ctx) {
  if (!ctx.problems.empty()) throw ScenarioError(std::move(ctx.problems));
}

}  // namespace

ScenarioError::ScenarioError(std::vector<std::string> problems)
    : std::invalid_argument(join_lines(problems)), problems_(std::move(problems)) {}

Scenario scenario_from_json(const json& j) {
  Ctx ctx;
  Scenario s;
  if (!expect_object(j, "", ctx)) throw_if_problems(ctx);
  check_keys(j, "", kTopKeys, ctx);

  string_field(j, "name", "", ctx, s.name);
  int_field(j, "horizon_weeks", "", ctx, s.horizon_weeks, 1, false, kMaxWeeks);
  int_field(j, "decision_interval_weeks", "", ctx, s.decision_interval_weeks, 1, false, kMaxWeeks);
  if (const json* v = find(j, "seed"))
    if (auto seed = read_uint64(*v, "seed", ctx)) s.seed = *seed;

  if (const json* as = find(j, "accounts")) {
    if (expect_list(*as, "accounts", ctx)) {
      if (as->empty()) ctx.add("accounts", "must not be empty");
      std::map<std::string, std::size_t> seen;
      for (std::size_t i = 0; i < as->size(); ++i) {
        const std::string p = idx_path("accounts", i);
        Account a = parse_account((*as)[i], p, ctx);
        if (!a.id.empty()) {
          auto [it, inserted] = seen.emplace(a.id, i);
          if (!inserted)
            ctx.add(key_path(p, "id"), "duplicate id " + quote(a.id) + " (also " +
                                           idx_path("accounts", it->second) + ")");
        }
        s.accounts.push_back(std::move(a));
      }
    }
  } else {
    ctx.add("accounts", "required");
  }

  if (const json* r = find(j, "resources"))
    s.resources = parse_resources(*r, "resources", ctx);
  else
    ctx.add("resources", "required");

  if (const json* c = find(j, "costs")) parse_table(*c, "costs", ctx, s.costs, cost_table());
  if (const json* p = find(j, "params")) parse_table(*p, "params", ctx, s.params, param_table());
  check_deal_flow(s, ctx);
  if (const json* t = find(j, "tiering")) s.tiering = parse_tiering(*t, "tiering", ctx);
  if (const json* sh = find(j, "shocks")) s.shocks = parse_shocks(*sh, s.accounts, s.horizon_weeks, "shocks", ctx);
  if (const json* p = find(j, "policy"); p && !p->is_null())
    s.policy = parse_policy(*p, s.accounts, "policy", ctx);

  throw_if_problems(ctx);
  return s;
}

json scenario_to_json(const Scenario& s) {
  json j = json::object();
  j["name"] = s.name;
  j["horizon_weeks"] = s.horizon_weeks;
  j["decision_interval_weeks"] = s.decision_interval_weeks;
  j["seed"] = s.seed;

  json accounts = json::array();
  for (const auto& a : s.accounts) {
    json ja = json::object();
    ja["id"] = a.id;
    ja["name"] = a.name;
    ja["wallet"] = a.wallet;
    ja["wallet_growth"] = a.wallet_growth;
    ja["staff"] = a.staff;
    ja["fit"] = a.fit;
    ja["fit_target"] = a.fit_target;
    ja["capability_match"] = a.capability_match;
    ja["competitor_strength"] = a.competitor_strength;
    ja["coverage"] = a.coverage;
    ja["satisfaction"] = a.satisfaction;
    ja["org"] = a.org;
    ja["agreement_weeks_left"] = a.agreement_weeks_left;
    ja["jic"] = a.jic;
    json contacts = json::array();
    for (const auto& c : a.contacts) {
      contacts.push_back({{"id", c.id},
                          {"role", role_to_json(c.role)},
                          {"influence", c.influence},
                          {"intimacy", c.intimacy},
                          {"support", c.support},
                          {"stance", c.stance}});
    }
    ja["contacts"] = std::move(contacts);
    if (a.pipeline) {
      json deals = json::array();
      for (const auto& d : *a.pipeline)
        deals.push_back({{"size", d.size}, {"decision_week", d.decision_week}});
      ja["pipeline"] = std::move(deals);
    }
    accounts.push_back(std::move(ja));
  }
  j["accounts"] = std::move(accounts);

  j["resources"] = {{"account_managers", s.resources.account_managers},
                    {"am_hours_per_week", s.resources.am_hours_per_week},
                    {"executive_days_per_year", s.resources.executive_days_per_year},
                    {"budget_per_year", s.resources.budget_per_year},
                    {"am_cost_per_year", s.resources.am_cost_per_year}};
  j["costs"] = table_to_json(s.costs, cost_table());
  j["params"] = table_to_json(s.params, param_table());
  j["tiering"] = tiering_to_json(s.tiering);
  j["shocks"] = shocks_to_json(s.shocks);
  if (s.policy) j["policy"] = policy_to_json(*s.policy);
  return j;
}

PolicySpec policy_from_json(const json& j, const Scenario& s, const std::string& path) {
  Ctx ctx;
  PolicySpec p = parse_policy(j, s.accounts, path, ctx);
  throw_if_problems(ctx);
  return p;
}

json policy_to_json(const PolicySpec& p) {
  json j = json::object();
  if (p.type == PolicySpec::Type::schedule) {
    j["type"] = "schedule";
    json phases = json::array();
    for (const auto& ph : p.phases) phases.push_back({{"from_week", ph.from_week}, {"policy", policy_to_json(ph.policy)}});
    j["phases"] = std::move(phases);
  } else if (p.type == PolicySpec::Type::static_) {
    j["type"] = "static";
    j["default"] = entry_to_json(p.default_entry);
    j["tiers"] = entries_to_json(p.tier_entries);
    j["accounts"] = entries_to_json(p.account_entries);
  } else {
    j["type"] = "tiered";
    j["templates"] = entries_to_json(p.templates);
  }
  return j;
}

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
  const std::string text =
      scenario_to_json(s).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
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
