// The field tables of a scenario file (docs/model.md §2, §3.0, §5, §6, §9):
// one table per object, read by the parser, the serialiser, the JSON Schema
// (docs/scenario.schema.json) and the docs (docs/scenario-format.md).
#include "cathedral/schema/scenario_tables.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include "cathedral/model/deals.hpp"
#include "cathedral/model/market.hpp"
#include "cathedral/tiers.hpp"

namespace cathedral::schema {

namespace {

using D = Domain;
using EntryMap = std::map<std::string, AllocationEntry>;

std::vector<std::string> account_ids(const Scenario& s) {
  std::vector<std::string> ids;
  for (const auto& a : s.accounts) ids.push_back(a.id);
  return ids;
}

const Account* find_account(const Scenario& s, const std::string& id) {
  for (const auto& a : s.accounts)
    if (a.id == id) return &a;
  return nullptr;
}

// ---- scenario ---------------------------------------------------------------

// Limits that keep a run finite: deal sizes must not underflow to 0, and an
// account must not see more than deals::kMaxDealsPerWeek deals a week on average.
using deals::kMaxDealsPerWeek;

void check_deal_flow(const Scenario& s, const json&, const std::string&, Reader& r) {
  const Params& p = s.params;
  if (!(p.deal_fraction > 0.0) || !(p.dig_deal_fraction > 0.0)) return;  // reported already
  const double per_week = 1.0 / (52.0 * p.deal_fraction) * (1.0 + p.dig_wallet_share / p.dig_deal_fraction);
  if (!(per_week <= kMaxDealsPerWeek))
    r.add("params.deal_fraction", "with dig_wallet_share " + format_number(p.dig_wallet_share) +
                                      " and dig_deal_fraction " + format_number(p.dig_deal_fraction) + " gives up to " +
                                      format_number(per_week) +
                                      " deals per account and week; at most " + format_number(kMaxDealsPerWeek) +
                                      " are allowed (raise deal_fraction)");
  // The wallet grows by the weekly factor of §3.1 at its fit, which reverts
  // to the fit target: a run whose deal flow would outgrow the runtime limit
  // (deals::kMaxArrivalRate at M = 1) at the larger of the two, every week
  // of the horizon, is refused here (noise and shocks beyond it stop the run).
  const double weeks = std::max(0, s.horizon_weeks - 1);
  for (std::size_t i = 0; per_week <= kMaxDealsPerWeek && i < s.accounts.size(); ++i) {
    const Account& acc = s.accounts[i];
    const double g = acc.wallet_growth;
    if (!(g > -1.0) || !std::isfinite(g) || !std::isfinite(p.wallet_fit_growth)) continue;  // reported already
    const double factor = std::max(market::wallet_weekly_factor(p, g, acc.fit),
                                   market::wallet_weekly_factor(p, g, acc.fit_target));
    const double growth = std::exp(weeks * std::log(factor));
    if (!(per_week * growth <= deals::kMaxArrivalRate))
      r.add(idx_path("accounts", i) + ".wallet_growth",
            "the wallet would grow " + format_number(growth) + "-fold over " + std::to_string(s.horizon_weeks) +
                " weeks (at its fit or fit_target, with params.wallet_fit_growth " +
                format_number(p.wallet_fit_growth) + "), to " +
                format_number(per_week * growth) + " deals a week; at most " + format_number(deals::kMaxArrivalRate) +
                " are allowed (lower wallet_growth or horizon_weeks), got " + format_number(g));
  }
  for (std::size_t i = 0; i < s.accounts.size(); ++i) {
    const double w = s.accounts[i].wallet;
    if (w > 0.0 && std::isfinite(w) && !(p.deal_fraction * p.dig_deal_fraction * w >= std::numeric_limits<double>::min()))
      r.add(idx_path("accounts", i) + ".wallet",
            "too small: the mean deal size (deal_fraction x wallet) underflows, got " + format_number(w));
  }
}

// Amounts of money and resources: far above any real portfolio, and small
// enough that their sums over accounts, weeks and replications (and the
// team's cost, account_managers x am_cost_per_year) stay finite.
constexpr double kMaxAmount = 1e15;

void check_amounts(const Scenario& s, const json&, const std::string&, Reader& r) {
  auto bound = [&](const std::string& path, double v) {
    if (std::isfinite(v) && v > kMaxAmount)
      r.add(path, "must be <= " + format_number(kMaxAmount) + " (sums over accounts, weeks and replications must "
                  "stay finite), got " + format_number(v));
  };
  for (std::size_t i = 0; i < s.accounts.size(); ++i) {
    bound(idx_path("accounts", i) + ".wallet", s.accounts[i].wallet);
    bound(idx_path("accounts", i) + ".staff", s.accounts[i].staff);
  }
  const Resources& res = s.resources;
  bound("resources.account_managers", res.account_managers);
  bound("resources.am_hours_per_week", res.am_hours_per_week);
  bound("resources.executive_days_per_year", res.executive_days_per_year);
  bound("resources.budget_per_year", res.budget_per_year);
  bound("resources.am_cost_per_year", res.am_cost_per_year);
  for (const auto& f : cost_table()) bound("costs." + std::string(f.name), s.costs.*(f.member));
}

// ---- params and costs: the §9 tables of params.cpp ----------------------------

template <class O>
std::vector<Field<O>> fields_of(std::span<const FieldInfo<O>> rows, bool grouped) {
  std::vector<Field<O>> fields;
  for (const auto& row : rows) {
    Field<O> f = number(std::string(row.name), row.member, row.domain, std::string(row.doc));
    if (grouped) f.group = std::string(row.group);
    fields.push_back(std::move(f));
  }
  return fields;
}

// ---- shocks -------------------------------------------------------------------

std::string before_horizon(int week, const Reader& r) {
  if (!r.scenario) return {};
  const int horizon = r.scenario->horizon_weeks;
  if (week > std::max(0, horizon - 1))
    return "must be < horizon_weeks (" + std::to_string(horizon) + "), got " + std::to_string(week);
  return {};
}

Field<Shock> week(std::string name, int Shock::*m, std::string doc) {
  return integer(std::move(name), m, D::nonnegative, std::move(doc))
      .needed()
      .also("< horizon_weeks", [m](const Shock& s, const Reader& r) { return before_horizon(s.*m, r); });
}

Field<Shock> shock_account() {
  return text("account", &Shock::account, D::finite, "id of the account")
      .needed()
      .also("an account id of the scenario", [](const Shock& s, const Reader& r) -> std::string {
        if (s.account.empty() || !r.scenario || find_account(*r.scenario, s.account)) return {};
        return unknown_message("account id", "ids", s.account, account_ids(*r.scenario), 20);
      });
}

const Table<Shock>& market_shock_table() {
  static const Table<Shock> t{
      "shock_market",
      "Market shock",
      "A market downturn (factor < 1) or boom (factor > 1) for the whole portfolio.",
      {tag<Shock>("type", "market", "the kind of shock"),
       week("from_week", &Shock::from_week, "first week of the shock"),
       week("to_week", &Shock::to_week, "last week of the shock (inclusive)"),
       number("factor", &Shock::factor, D::market_factor, "multiplies the market cycle M_t from from_week to to_week")
           .needed()},
      {Rule<Shock>{"", "to_week >= from_week", [](const Shock& s, const json& obj, const std::string& path, Reader& r) {
                     if (find(obj, "from_week") && find(obj, "to_week") && s.to_week < s.from_week)
                       r.add(key_path(path, "to_week"), "must be >= from_week (" + std::to_string(s.from_week) +
                                                            "), got " + std::to_string(s.to_week));
                   }}}};
  return t;
}

const Table<Shock>& contact_leaves_shock_table() {
  static const Table<Shock> t{
      "shock_contact_leaves",
      "Contact-leaves shock",
      "A key contact departs; the successor takes the same position (docs/model.md §3.4).",
      {tag<Shock>("type", "contact_leaves", "the kind of shock"), shock_account(),
       text("contact", &Shock::contact, D::finite, "id of the contact who leaves")
           .needed()
           .also("a contact id of that account",
                 [](const Shock& s, const Reader& r) -> std::string {
                   if (s.account.empty() || !r.scenario) return {};
                   const Account* a = find_account(*r.scenario, s.account);
                   if (!a) return {};
                   std::vector<std::string> ids;
                   for (const auto& c : a->contacts) ids.push_back(c.id);
                   if (std::find(ids.begin(), ids.end(), s.contact) != ids.end()) return {};
                   if (ids.empty()) return "unknown contact id; account " + quote(a->id) + " has no contacts";
                   return unknown_message("contact id", "ids", s.contact, ids, 20);
                 }),
       week("week", &Shock::week, "the week the contact departs")}};
  return t;
}

const Table<Shock>& strategy_shift_shock_table() {
  static const Table<Shock> t{
      "shock_strategy_shift",
      "Strategy-shift shock",
      "The customer's strategy turns: its fit target changes.",
      {tag<Shock>("type", "strategy_shift", "the kind of shock"), shock_account(),
       week("week", &Shock::week, "the week the fit target changes"),
       number("fit_target", &Shock::fit_target, D::unit, "the new fit target").needed()}};
  return t;
}

const Table<Shock>& competitor_shock_table() {
  static const Table<Shock> t{
      "shock_competitor",
      "Competitor shock",
      "A competitor pushes in: the incumbent competitor's hold changes.",
      {tag<Shock>("type", "competitor", "the kind of shock"), shock_account(),
       week("from_week", &Shock::from_week, "the week from which the new strength holds"),
       number("strength", &Shock::strength, D::unit, "the competitor's new hold").needed()}};
  return t;
}

// ---- allocation entries ---------------------------------------------------------


std::map<std::string, double> read_contact_focus(const json& v, const std::string& path, const Account* account,
                                                 Reader& r) {
  std::map<std::string, double> focus;
  if (v.is_array()) {
    if (account && v.size() != account->contacts.size()) {
      r.add(path, "must have one weight per contact of account " + quote(account->id) + " (" +
                      std::to_string(account->contacts.size()) + "), got " + std::to_string(v.size()));
      return focus;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      auto w = read_number(v[i], idx_path(path, i), r, D::nonnegative);
      if (w && account) focus[account->contacts[i].id] = *w;
    }
    return focus;
  }
  if (v.is_object()) {
    std::vector<std::string> ids;
    if (account)
      for (const auto& c : account->contacts) ids.push_back(c.id);
    for (const auto& item : v.items()) {
      const std::string p = key_path(path, item.key());
      if (account && std::find(ids.begin(), ids.end(), item.key()) == ids.end()) {
        r.add(p, unknown_message("contact id", "ids", item.key(), ids));
        continue;
      }
      if (auto w = read_number(item.value(), p, r, D::nonnegative)) focus[item.key()] = *w;
    }
    return focus;
  }
  r.add(path, "must be a list of weights or an object {contact id: weight}, got " + show(v));
  return focus;
}

Field<AllocationEntry> contact_focus_field(bool per_account) {
  Field<AllocationEntry> f;
  f.name = "contact_focus";
  f.type = Type::map;
  f.doc = "weights splitting the key hours over the account's contacts: a list, one per contact in order, or {contact id: weight}";
  f.domain_doc = "weights >= 0";
  f.default_doc = "the contacts' influence";
  // written wherever it is set, so that validate() reports one set in code where it is not allowed
  f.write = [](const AllocationEntry& e) -> std::optional<json> {
    if (!e.contact_focus) return std::nullopt;
    json cf = json::object();
    for (const auto& [id, w] : *e.contact_focus) cf[id] = w;
    return cf;
  };
  if (!per_account) {
    f.forbidden = "only allowed per account, in the policy's \"accounts\" entries";
    return f;
  }
  f.rules = {"a list has one weight per contact of the account; keys are its contact ids"};
  f.read = [](AllocationEntry& e, const json& v, const std::string& p, Reader& r) {
    e.contact_focus = read_contact_focus(v, p, r.account, r);
  };
  f.schema = [](SchemaDefs&) {
    const json weight = number_schema(D::nonnegative);
    return json{{"anyOf", json::array({{{"type", "array"}, {"items", weight}},
                                       {{"type", "object"}, {"additionalProperties", weight}}})}};
  };
  return f;
}

// The allocation fields: the one place that reads kAllocFieldNames.
std::vector<Field<AllocationEntry>> allocation_fields(bool per_account) {
  std::vector<Field<AllocationEntry>> fields;
  for (int i = 0; i < kNumAllocFields; ++i) {
    Field<AllocationEntry> f;
    f.name = kAllocFieldNames[i];
    f.doc = kActivities[static_cast<std::size_t>(i)].doc;  // the activity table
    if (i < kNumRateFields) {
      // events held one after another in a week: their rate is bounded (events.hpp)
      const D domain = kActivities[static_cast<std::size_t>(i)].response.form == ResponseForm::jump_per_event
                           ? D::events_per_year
                           : D::nonnegative;
      f.type = Type::number;
      f.domain = domain;
      f.domain_doc = domain_text(domain);
      f.default_doc = "the entry it overrides, finally 0";
      f.read = [i, domain](AllocationEntry& e, const json& v, const std::string& p, Reader& r) {
        if (auto x = read_number(v, p, r, domain)) e.fields[i] = *x;
      };
      f.write = [i](const AllocationEntry& e) -> std::optional<json> {
        if (!e.fields[i]) return std::nullopt;
        return json(*e.fields[i]);
      };
      f.schema = [domain](SchemaDefs&) { return number_schema(domain); };
    } else {
      f.type = Type::boolean;
      f.domain_doc = "true or false";
      f.default_doc = "the entry it overrides, finally false";
      f.read = [i](AllocationEntry& e, const json& v, const std::string& p, Reader& r) {
        if (auto b = read_bool(v, p, r)) e.fields[i] = *b ? 1.0 : 0.0;
      };
      // Booleans as JSON booleans; anything else is written as the number so
      // that parsing it back (validate) reports it.
      f.write = [i](const AllocationEntry& e) -> std::optional<json> {
        if (!e.fields[i]) return std::nullopt;
        const double v = *e.fields[i];
        if (v == 0.0 || v == 1.0) return json(v == 1.0);
        return json(v);
      };
      f.schema = [](SchemaDefs&) { return json{{"type", "boolean"}}; };
    }
    fields.push_back(std::move(f));
  }
  fields.push_back(contact_focus_field(per_account));
  return fields;
}

// An entry of a map keyed by tier label.
Field<EntryMap> tier_entry(std::string label, std::string doc, bool required) {
  Field<EntryMap> f;
  f.name = label;
  f.type = Type::object;
  f.doc = std::move(doc);
  f.required = required;
  f.default_doc = "none";
  f.read = [label](EntryMap& m, const json& v, const std::string& p, Reader& r) {
    allocation_table().read(m[label], v, p, r, 0);
  };
  f.write = [label](const EntryMap& m) -> std::optional<json> {
    auto it = m.find(label);
    if (it == m.end()) return std::nullopt;
    return allocation_table().write(it->second);
  };
  f.schema = [](SchemaDefs& d) { return allocation_table().schema(d); };
  f.describe = [](Docs& d) {
    allocation_table().describe(d);
    return allocation_table().name();
  };
  return f;
}

std::string tier_label_doc(const char* label, bool templates) {
  const std::string l = label;
  if (l != kTierLabels[kCashFlowLabel]) return "accounts of tier " + l;
  return templates ? "cash-flow accounts (fit below params.cashflow_fit); without it they use their tier's template"
                   : "cash-flow accounts (fit below params.cashflow_fit), over their tier's entry";
}

// A static or tiered policy's per-account entries, keyed by account id; `doc` says what they override.
Field<PolicySpec> account_entries(const char* doc) {
  Field<PolicySpec> f;
  f.name = "accounts";
  f.type = Type::map;
  f.doc = doc;
  f.default_doc = "{}";
  f.rules = {"keys are account ids of the scenario"};
  f.read = [](PolicySpec& p, const json& v, const std::string& path, Reader& r) {
    if (!expect_object(v, path, r)) return;
    const std::vector<std::string> ids = r.scenario ? account_ids(*r.scenario) : std::vector<std::string>{};
    for (const auto& item : v.items()) {
      const std::string ep = key_path(path, item.key());
      const Account* account = r.scenario ? find_account(*r.scenario, item.key()) : nullptr;
      if (!account) {
        r.add(ep, unknown_message("account id", "ids", item.key(), ids, 20));
        continue;
      }
      const Account* outer = r.account;
      r.account = account;
      account_allocation_table().read(p.account_entries[item.key()], item.value(), ep, r, 0);
      r.account = outer;
    }
  };
  f.write = [](const PolicySpec& p) -> std::optional<json> {
    json j = json::object();
    for (const auto& [k, e] : p.account_entries) j[k] = account_allocation_table().write(e);
    return j;
  };
  f.schema = [](SchemaDefs& d) {
    return json{{"type", "object"}, {"additionalProperties", account_allocation_table().schema(d)}};
  };
  f.describe = [](Docs& d) {
    account_allocation_table().describe(d);
    return account_allocation_table().name();
  };
  return f;
}

// ---- policies -----------------------------------------------------------------

const Table<PolicySpec>& static_policy_table() {
  static const Table<PolicySpec> t{
      "policy_static",
      "Static policy",
      "One allocation per account, fixed over time: the default, over it the entry of the account's tier at week 0, "
      "then cash_flow, then the account's own entry; a field an entry leaves out comes from the one below.",
      {tag<PolicySpec>("type", kPolicyTypeNames[0], "the kind of policy"),
       object("default", &PolicySpec::default_entry, allocation_table, "allocation of every account"),
       object("tiers", &PolicySpec::tier_entries, tier_entries_table, "allocation per tier label, over the default"),
       account_entries("allocation per account id, over its tier's and the default")}};
  return t;
}

const Table<PolicySpec>& tiered_policy_table() {
  static const Table<PolicySpec> t{
      "policy_tiered",
      "Tiered policy",
      "An allocation template per tier label; accounts are re-tiered at every decision epoch (docs/model.md §6). "
      "An account's own entry overrides, field by field, the template of whatever tier it has at each epoch.",
      {tag<PolicySpec>("type", kPolicyTypeNames[1], "the kind of policy"),
       object("templates", &PolicySpec::templates, tier_templates_table, "the template of each tier label").needed(),
       account_entries("allocation per account id, over its tier's template at each epoch")}};
  return t;
}

ListRules<SchedulePhase> phase_rules() {
  ListRules<SchedulePhase> rules;
  rules.non_empty = true;
  rules.drop_unread = true;
  rules.item_rule_doc = "the first phase starts at week 0, each later one after the one before";
  rules.item_rule = [](const std::vector<SchedulePhase>& before, const SchedulePhase& ph, std::size_t i,
                       const std::string& ip, Reader& r) {
    if (i == 0 && ph.from_week != 0)
      r.add(key_path(ip, "from_week"), "the first phase must start at week 0, got " + std::to_string(ph.from_week));
    if (i > 0 && !before.empty() && ph.from_week <= before.back().from_week)
      r.add(key_path(ip, "from_week"), "must be after the previous phase's " + std::to_string(before.back().from_week) +
                                           ", got " + std::to_string(ph.from_week));
  };
  return rules;
}

const Table<PolicySpec>& schedule_policy_table() {
  static const Table<PolicySpec> t{
      "policy_schedule",
      "Schedule policy",
      "Policies one after another: a phase takes over at the first decision epoch at or after its from_week.",
      {tag<PolicySpec>("type", kPolicyTypeNames[2], "the kind of policy"),
       list("phases", &PolicySpec::phases, phase_table, "the phases, by increasing from_week", phase_rules()).needed()}};
  return t;
}

}  // namespace

// ---- the tables ---------------------------------------------------------------------

const Table<Scenario>& scenario_table() {
  static const Table<Scenario> t{
      "scenario",
      "Scenario",
      "A portfolio of accounts, the resources to work it and, optionally, the plan (docs/model.md §2).",
      {text("name", &Scenario::name, D::finite, "name of the scenario, shown in reports"),
       integer("horizon_weeks", &Scenario::horizon_weeks, D::integer_ge1, "weeks simulated, H (docs/model.md §1)"),
       integer("decision_interval_weeks", &Scenario::decision_interval_weeks, D::integer_ge1,
               "weeks between decision epochs, when the policy sets a new allocation (§3.0)"),
       integer("seed", &Scenario::seed, "seed of the random numbers: the same seed gives the same results (§10)"),
       text("currency", &Scenario::currency, D::finite,
            "the unit of every money amount (wallets, costs, budget, revenue), e.g. \"k\" or \"kEUR\"; "
            "a label for tables and plots, the model does not read it"),
       list("accounts", &Scenario::accounts, account_table, "the accounts of the portfolio",
            ListRules<Account>{.non_empty = true, .unique = &Account::id, .unique_skips_empty = true}).needed(),
       object("resources", &Scenario::resources, resources_table, "what the team has to spend").needed(),
       object("costs", &Scenario::costs, costs_table, "unit costs of the activities; a key left out keeps its default"),
       object("params", &Scenario::params, params_table, "model parameters; a key left out keeps its default"),
       object("tiering", &Scenario::tiering, tiering_table, "tier thresholds and nine-grid cuts"),
       list("shocks", &Scenario::shocks, shock_variants, "events imposed on the scenario (what-if shocks)",
            ListRules<Shock>{.drop_unread = true}),
       object_or_null("policy", &Scenario::policy, policy_variants,
                      "the plan of effort, a built-in policy; without one, the plan is given when simulating")
           .default_is("none")},
      {Rule<Scenario>{"params",
                      "at most 10000 deals per account and week on average (params.deal_fraction, dig_wallet_share, "
                      "dig_deal_fraction), at most 1000000 with the wallet grown over the horizon at the account's fit or "
                      "fit_target (accounts[i].wallet_growth, params.wallet_fit_growth), and a mean deal size (deal_fraction x "
                      "wallet) that does not underflow",
                      check_deal_flow},
       Rule<Scenario>{"params",
                      "wallets, staff, resources and costs at most 1e15, so that sums over accounts, weeks and "
                      "replications stay finite",
                      check_amounts}}};
  return t;
}

const Table<Account>& account_table() {
  static const Table<Account> t{
      "account",
      "Account",
      "A customer account (docs/model.md §2.1).",
      {text("id", &Account::id, D::non_empty, "unique key of the account").needed(),
       text("name", &Account::name, D::finite, "display name")
           .derived("`id`", [](Account& a, std::size_t) { a.name = a.id; }),
       number("wallet", &Account::wallet, D::positive, "the customer's annual spend on what we sell").needed(),
       number("wallet_growth", &Account::wallet_growth, D::above_minus_one, "annual growth of the wallet"),
       number("staff", &Account::staff, D::positive, "customer staff relevant to broad relationships"),
       number("fit", &Account::fit, D::unit, "strategic fit now, F"),
       number("fit_target", &Account::fit_target, D::unit, "where the customer's strategy is heading")
           .derived("`fit`", [](Account& a, std::size_t) { a.fit_target = a.fit; }),
       number("capability_match", &Account::capability_match, D::unit, "\"match in stature\" of the two companies, m"),
       number("competitor_strength", &Account::competitor_strength, D::unit, "the incumbent competitor's hold"),
       number("coverage", &Account::coverage, D::unit, "broad coverage now, C"),
       number("satisfaction", &Account::satisfaction, D::unit, "satisfaction now, Q"),
       number("org", &Account::org, D::unit, "organisational alignment now, O"),
       integer("agreement_weeks_left", &Account::agreement_weeks_left, D::integer_ge0,
               "weeks left on a signed cooperation agreement"),
       boolean("jic", &Account::jic, "a joint innovation centre already runs"),
       list("contacts", &Account::contacts, contact_table, "key contacts (may be empty)",
            ListRules<Contact>{.unique = &Contact::id}),
       list_or_null("pipeline", &Account::pipeline, deal_table, "open deals; null or left out: none listed")
           .default_is("synthesised from the initial state (§3.6)")}};
  return t;
}

const Table<Contact>& contact_table() {
  static const Table<Contact> t{
      "contact",
      "Contact",
      "A key contact of an account (docs/model.md §2.2). Influence weights are normalised to sum to 1 within the "
      "account; if all are 0, every contact weighs the same.",
      {text("id", &Contact::id, D::finite, "key, unique within the account")
           .derived("the position in the list (\"0\", \"1\", ...)",
                    [](Contact& c, std::size_t position) { c.id = std::to_string(position); }),
       choice("role", &Contact::role, kRoleNames, "the contact's role in the customer's decisions"),
       number("influence", &Contact::influence, D::nonnegative, "weight in the decision"),
       number("intimacy", &Contact::intimacy, D::unit, "intimacy I"),
       number("support", &Contact::support, D::signed_unit, "support S: -1 opposes, 0 neutral, +1 backs us"),
       number("stance", &Contact::stance, D::signed_unit, "where the position's support drifts without our effort")}};
  return t;
}

const Table<ListedDeal>& deal_table() {
  static const Table<ListedDeal> t{
      "deal",
      "Deal",
      "An open deal of an account's pipeline (docs/model.md §3.6); one decided at or after the horizon is dropped.",
      {number("size", &ListedDeal::size, D::positive, "size of the deal (revenue if won)").needed(),
       integer("decision_week", &ListedDeal::decision_week, D::nonnegative, "the week it is decided").needed()}};
  return t;
}

const Table<Resources>& resources_table() {
  static const Table<Resources> t{
      "resources",
      "Resources",
      "What the team has, as rates (docs/model.md §2.3, §4).",
      {number("account_managers", &Resources::account_managers, D::nonnegative, "account managers, in full-time equivalents")
           .needed(),
       number("am_hours_per_week", &Resources::am_hours_per_week, D::nonnegative,
              "customer-facing hours a week per account manager"),
       number("executive_days_per_year", &Resources::executive_days_per_year, D::nonnegative,
              "executive days a year")
           .needed(),
       number("budget_per_year", &Resources::budget_per_year, D::nonnegative, "activity money a year").needed(),
       number("am_cost_per_year", &Resources::am_cost_per_year, D::nonnegative,
              "fully loaded cost of one account manager a year")}};
  return t;
}

const Table<Costs>& costs_table() {
  static const Table<Costs> t{"costs", "Costs",
                              "Unit costs of the activities (docs/model.md §3.7, §9), in the scenario's money, "
                              "AM hours and executive days.",
                              fields_of<Costs>(cost_table(), false)};
  return t;
}

const Table<Params>& params_table() {
  static const Table<Params> t{"params", "Parameters", "The model's parameters (docs/model.md §9), by group.",
                               fields_of<Params>(param_table(), true)};
  return t;
}

namespace {

const Table<Tiering>& tier_s_table() {
  static const Table<Tiering> t{
      "tier_S",
      "Tier S",
      "An account is S if its wallet >= min_wallet and its fit >= min_fit.",
      {number_or_null("min_wallet", &Tiering::s_min_wallet, D::positive, "lowest wallet of an S account")
           .default_is("null: the 90th percentile of the initial wallets"),
       number("min_fit", &Tiering::s_min_fit, D::unit, "lowest fit of an S account")}};
  return t;
}

const Table<Tiering>& tier_a_table() {
  static const Table<Tiering> t{
      "tier_A",
      "Tier A",
      "An account that is not S is A if its wallet >= min_wallet and its fit >= min_fit.",
      {number_or_null("min_wallet", &Tiering::a_min_wallet, D::positive, "lowest wallet of an A account")
           .default_is("null: the 70th percentile of the initial wallets"),
       number("min_fit", &Tiering::a_min_fit, D::unit, "lowest fit of an A account")}};
  return t;
}

const Table<Tiering>& tier_b_table() {
  static const Table<Tiering> t{
      "tier_B",
      "Tier B",
      "An account that is neither S nor A is B if its wallet >= min_wallet, else C.",
      {number_or_null("min_wallet", &Tiering::b_min_wallet, D::positive, "lowest wallet of a B account")
           .default_is("null: the 40th percentile of the initial wallets")}};
  return t;
}

const Table<Tiering>& grid_table() {
  static const Table<Tiering> t{
      "grid",
      "Nine-grid",
      "The cell boundaries of the nine-grid of key contacts.",
      {number_pair("intimacy", &Tiering::intimacy_cuts, D::unit, "intimacy cuts between low, medium and high")
           .default_is("[1/3, 2/3]"),
       number_pair("support", &Tiering::support_cuts, D::signed_unit,
                   "support cuts between opposed, neutral and supportive")
           .default_is("[-1/3, 1/3]")}};
  return t;
}

}  // namespace

const Table<Tiering>& tiering_table() {
  static const Table<Tiering> t{
      "tiering",
      "Tiering",
      "Tier thresholds and the nine-grid (docs/model.md §6). An account with fit below params.cashflow_fit is a "
      "cash-flow customer whatever its tier.",
      {group<Tiering>("S", tier_s_table, "thresholds of tier S"), group<Tiering>("A", tier_a_table, "thresholds of tier A"),
       group<Tiering>("B", tier_b_table, "threshold of tier B"), group<Tiering>("grid", grid_table, "nine-grid cuts")}};
  return t;
}

const Variants<Shock>& shock_variants() {
  static const std::array<const Table<Shock>& (*)(), 4> tables{market_shock_table, contact_leaves_shock_table,
                                                               strategy_shift_shock_table, competitor_shock_table};
  static const Variants<Shock> v{
      "shock",
      "Shock",
      "An event imposed on the scenario (what-if shocks), by its type.",
      "type",
      [] {
        std::vector<Variants<Shock>::Option> options;
        for (std::size_t i = 0; i < kShockTypeNames.size(); ++i) options.push_back({kShockTypeNames[i], tables[i]});
        return options;
      }(),
      [](const Shock& s) { return static_cast<int>(s.type); },
      [](Shock& s, int i) { s.type = static_cast<Shock::Type>(i); },
      true};
  return v;
}

const Variants<PolicySpec>& policy_variants() {
  static const std::array<const Table<PolicySpec>& (*)(), 3> tables{static_policy_table, tiered_policy_table,
                                                                    schedule_policy_table};
  static const Variants<PolicySpec> v{
      "policy",
      "Policy",
      "A built-in policy (docs/model.md §5), by its type.",
      "type",
      [] {
        std::vector<Variants<PolicySpec>::Option> options;
        for (std::size_t i = 0; i < kPolicyTypeNames.size(); ++i) options.push_back({kPolicyTypeNames[i], tables[i]});
        return options;
      }(),
      [](const PolicySpec& p) { return static_cast<int>(p.type); },
      [](PolicySpec& p, int i) { p.type = static_cast<PolicySpec::Type>(i); },
      false};
  return v;
}

const Table<SchedulePhase>& phase_table() {
  static const Table<SchedulePhase> t{
      "phase",
      "Schedule phase",
      "One phase of a schedule policy.",
      {integer("from_week", &SchedulePhase::from_week, D::nonnegative, "the week the phase starts").needed(),
       object("policy", &SchedulePhase::policy, policy_variants, "the policy of the phase").needed()}};
  return t;
}

const Table<AllocationEntry>& allocation_table() {
  static const Table<AllocationEntry> t{
      "allocation",
      "Allocation",
      "A (possibly partial) allocation of effort per account (docs/model.md §3.0); fields left out come from the "
      "entry it overrides. contact_focus is only allowed in a static or tiered policy's account entries.",
      allocation_fields(false)};
  return t;
}

const Table<AllocationEntry>& account_allocation_table() {
  static const Table<AllocationEntry> t{"account_allocation", "Account allocation",
                                        "The allocation of one account, which may also split its key hours over its "
                                        "contacts.",
                                        allocation_fields(true)};
  return t;
}

const Table<EntryMap>& tier_entries_table() {
  static const Table<EntryMap> t{"tier_entries", "Tier entries", "A static policy's allocation per tier label.", [] {
                                   std::vector<Field<EntryMap>> fields;
                                   for (const char* label : kTierLabels)
                                     fields.push_back(tier_entry(label, tier_label_doc(label, false), false));
                                   return fields;
                                 }()};
  return t;
}

const Table<EntryMap>& tier_templates_table() {
  static const Table<EntryMap> t{
      "tier_templates", "Tier templates",
      "A tiered policy's template per tier label; without cash_flow, cash-flow accounts use their tier's.", [] {
        std::vector<Field<EntryMap>> fields;
        for (const char* label : kTierLabels) {
          const bool cash_flow = std::string(label) == kTierLabels[kCashFlowLabel];
          fields.push_back(tier_entry(label, tier_label_doc(label, true), !cash_flow));
        }
        return fields;
      }()};
  return t;
}

}  // namespace cathedral::schema

namespace cathedral {

nlohmann::json scenario_schema() {
  schema::SchemaDefs defs;
  nlohmann::json root = schema::scenario_table().body(defs);
  root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  root["title"] = "Cathedral scenario";
  root["$defs"] = defs.defs;
  return root;
}

nlohmann::json scenario_format() {
  schema::Docs docs;
  schema::scenario_table().describe(docs);
  return docs.to_json();
}

}  // namespace cathedral
