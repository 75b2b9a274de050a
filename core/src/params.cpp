#include "cathedral/params.hpp"

#include "cathedral/model/events.hpp"

#include <array>
#include <cmath>
#include <charconv>
#include <limits>

namespace cathedral {
namespace {

using D = Domain;
using P = Params;
using C = Costs;

// docs/model.md §9: name, group, member, default, valid domain, meaning.
constexpr std::array<FieldInfo<Params>, 61> kParams{{
    {"intimacy_gain", "key", &P::intimacy_gain, 0.08, D::unit, "rate at which social and value hours raise a contact's intimacy I (§3.3)"},
    {"social_half_hours", "key", &P::social_half_hours, 2.0, D::positive, "social hours a week at which their effect on intimacy is half its maximum"},
    {"social_shape", "key", &P::social_shape, 1.0, D::positive, "shape of the response to social hours: 1 concave, > 1 S-shaped"},
    {"value_to_intimacy", "key", &P::value_to_intimacy, 0.5, D::unit, "weight of value hours in the intimacy gain, relative to social hours"},
    {"intimacy_decay", "key", &P::intimacy_decay, 0.012, D::unit, "weekly decay of intimacy without effort"},
    {"org_shelter", "key", &P::org_shelter, 0.5, D::unit, "how much organisational alignment O slows the decay of intimacy"},
    {"support_gain", "key", &P::support_gain, 0.06, D::unit, "rate at which value hours raise a contact's support S"},
    {"value_half_hours", "key", &P::value_half_hours, 3.0, D::positive, "value hours a week at which their effect is half its maximum"},
    {"value_shape", "key", &P::value_shape, 1.0, D::positive, "shape of the response to value hours"},
    {"support_relax", "key", &P::support_relax, 0.01, D::unit, "weekly pull of support S towards where it drifts without effort"},
    {"affinity", "key", &P::affinity, 0.3, D::unit, "how far intimacy moves that drift from the contact's stance towards +1"},
    {"turnover_per_year", "key", &P::turnover_per_year, 0.12, D::nonnegative, "rate at which key contacts leave, per year (§3.4)"},
    {"successor_intimacy_base", "key", &P::successor_intimacy_base, 0.1, D::unit, "a successor's intimacy at the start"},
    {"successor_intimacy_from_coverage", "key", &P::successor_intimacy_from_coverage, 0.4, D::unit, "extra starting intimacy of a successor per unit of coverage C"},
    {"successor_support_from_org", "key", &P::successor_support_from_org, 0.6, D::unit, "how far a successor's support starts from the stance towards +1, per unit of O"},
    {"coverage_gain", "broad", &P::coverage_gain, 0.05, D::unit, "rate at which broad visits raise coverage C"},
    {"coverage_decay", "broad", &P::coverage_decay, 0.015, D::unit, "weekly decay of coverage"},
    {"visit_half_per_100_staff", "broad", &P::visit_half_per_100_staff, 1.0, D::positive, "visits a week per 100 customer staff at which their effect is half its maximum"},
    {"visit_shape", "broad", &P::visit_shape, 1.0, D::positive, "shape of the response to visits"},
    {"satisfaction_rate", "broad", &P::satisfaction_rate, 0.05, D::unit, "weekly speed at which satisfaction Q moves towards its target"},
    {"satisfaction_floor", "broad", &P::satisfaction_floor, 0.3, D::unit, "satisfaction target without coverage or service"},
    {"satisfaction_weight_coverage", "broad", &P::satisfaction_weight_coverage, 0.4, D::unit, "weight of coverage (against service) in the satisfaction target"},
    {"service_half_hours", "broad", &P::service_half_hours, 2.0, D::positive, "service hours a week at which their effect is half its maximum"},
    {"service_shape", "broad", &P::service_shape, 1.0, D::positive, "shape of the response to service hours"},
    {"discovery_base", "broad", &P::discovery_base, 0.4, D::unit, "share of the customer's projects we see without coverage or intimacy (§3.6)"},
    {"discovery_from_intimacy", "broad", &P::discovery_from_intimacy, 0.5, D::unit, "how much key intimacy adds to discovery"},
    {"tech_from_coverage", "broad", &P::tech_from_coverage, 0.6, D::unit, "technical lead T per unit of coverage"},
    {"tech_from_jic", "broad", &P::tech_from_jic, 0.4, D::unit, "technical lead T from a running joint innovation centre"},
    {"dig_wallet_share", "broad", &P::dig_wallet_share, 0.15, D::unit, "share of the wallet in small local deals that only broad visits find"},
    {"dig_deal_fraction", "broad", &P::dig_deal_fraction, 0.25, D::positive, "size of such a dug-up deal relative to the mean deal size"},
    {"org_from_coverage", "org", &P::org_from_coverage, 0.004, D::unit, "weekly gain of organisational alignment O per unit of coverage"},
    {"org_from_jic", "org", &P::org_from_jic, 0.01, D::unit, "weekly gain of O from a running joint innovation centre, times fit"},
    {"org_decay", "org", &P::org_decay, 0.005, D::unit, "weekly decay of O"},
    {"benchmarking_jump", "org", &P::benchmarking_jump, 0.12, D::unit, "share of the gap to 1 that one benchmarking meeting closes in O, times fit and match"},
    {"exec_visit_jump", "org", &P::exec_visit_jump, 0.06, D::unit, "share of the gap to 1 that one executive visit closes in O, times fit and match"},
    {"agreement_min_org", "org", &P::agreement_min_org, 0.5, D::unit, "organisational alignment needed to sign a cooperation agreement (§3.5)"},
    {"agreement_min_fit", "org", &P::agreement_min_fit, 0.6, D::unit, "fit needed to sign a cooperation agreement"},
    {"agreement_weeks", "org", &P::agreement_weeks, 104, D::integer_ge1, "length of a cooperation agreement, in weeks"},
    {"agreement_circled", "org", &P::agreement_circled, 0.5, D::unit, "probability that a deal under a running agreement is awarded without a tender"},
    {"fit_reversion", "fit", &P::fit_reversion, 0.02, D::unit, "weekly pull of fit F towards the fit target (§3.1)"},
    {"fit_noise", "fit", &P::fit_noise, 0.01, D::nonnegative, "standard deviation of the weekly noise on fit"},
    {"strategy_shifts_per_year", "fit", &P::strategy_shifts_per_year, 0.2, D::nonnegative, "rate of strategy shifts that move the fit target, per year"},
    {"strategy_shift_sd", "fit", &P::strategy_shift_sd, 0.3, D::nonnegative, "standard deviation of a strategy shift's move of the fit target"},
    {"cashflow_fit", "fit", &P::cashflow_fit, 0.35, D::unit, "fit below which an account is a cash-flow customer (§6)"},
    {"wallet_fit_growth", "fit", &P::wallet_fit_growth, 0.2, D::finite, "extra annual wallet growth per unit of fit above 0.5"},
    {"deal_fraction", "deals", &P::deal_fraction, 0.08, D::positive, "mean deal size as a share of the wallet (§3.6)"},
    {"deal_size_sigma", "deals", &P::deal_size_sigma, 0.6, D::nonnegative, "sigma of the log-normal deal size"},
    {"sales_cycle_weeks", "deals", &P::sales_cycle_weeks, 16, D::integer_ge1, "weeks from seeing a deal to its decision"},
    {"payment_delay_weeks", "deals", &P::payment_delay_weeks, 13, D::integer_ge0, "weeks from winning a deal to collecting its gross profit"},
    {"win_intercept", "deals", &P::win_intercept, -0.5, D::logit_weight, "intercept of the logit of the tender win probability"},
    {"win_support", "deals", &P::win_support, 2.5, D::logit_weight, "logit weight of key support K"},
    {"win_tech", "deals", &P::win_tech, 1.0, D::logit_weight, "logit weight of the technical lead T"},
    {"win_org", "deals", &P::win_org, 1.0, D::logit_weight, "logit weight of organisational alignment O"},
    {"win_fit", "deals", &P::win_fit, 0.5, D::logit_weight, "logit weight of fit, F - 0.5"},
    {"win_satisfaction", "deals", &P::win_satisfaction, 1.0, D::logit_weight, "logit weight of satisfaction, Q - 0.5"},
    {"win_competitor", "deals", &P::win_competitor, 1.0, D::logit_weight, "logit weight of the competitor's strength (subtracted)"},
    {"base_margin", "deals", &P::base_margin, 0.25, D::unit, "gross margin of a won deal"},
    {"tech_premium", "deals", &P::tech_premium, 0.10, D::unit, "extra margin per unit of technical lead"},
    {"agreement_premium", "deals", &P::agreement_premium, 0.05, D::unit, "extra margin of a directly awarded deal"},
    {"macro_persistence", "market", &P::macro_persistence, 0.98, D::persistence, "persistence of the portfolio-wide market cycle (§3.1)"},
    {"macro_sd", "market", &P::macro_sd, 0.03, D::nonnegative, "standard deviation of the weekly market shock"},
}};

constexpr std::array<FieldInfo<Costs>, 16> kCosts{{
    {"social_money_per_hour", "costs", &C::social_money_per_hour, 0.3, D::nonnegative, "money per social hour (§3.7)"},
    {"visit_hours", "costs", &C::visit_hours, 2.0, D::nonnegative, "AM hours per broad visit"},
    {"visit_money", "costs", &C::visit_money, 0.05, D::nonnegative, "money per broad visit"},
    {"service_money_per_hour", "costs", &C::service_money_per_hour, 0.0, D::nonnegative, "money per service hour"},
    {"benchmarking_exec_days", "costs", &C::benchmarking_exec_days, 1, D::nonnegative, "executive days per benchmarking meeting"},
    {"benchmarking_hours", "costs", &C::benchmarking_hours, 16, D::nonnegative, "AM hours per benchmarking meeting"},
    {"benchmarking_money", "costs", &C::benchmarking_money, 5, D::nonnegative, "money per benchmarking meeting"},
    {"exec_visit_exec_days", "costs", &C::exec_visit_exec_days, 2, D::nonnegative, "executive days per executive visit"},
    {"exec_visit_hours", "costs", &C::exec_visit_hours, 8, D::nonnegative, "AM hours per executive visit"},
    {"exec_visit_money", "costs", &C::exec_visit_money, 20, D::nonnegative, "money per executive visit"},
    {"agreement_exec_days", "costs", &C::agreement_exec_days, 2, D::nonnegative, "executive days to sign a cooperation agreement"},
    {"agreement_hours", "costs", &C::agreement_hours, 40, D::nonnegative, "AM hours to sign a cooperation agreement"},
    {"agreement_money", "costs", &C::agreement_money, 10, D::nonnegative, "money to sign a cooperation agreement"},
    {"jic_setup_money", "costs", &C::jic_setup_money, 500, D::nonnegative, "money to open a joint innovation centre"},
    {"jic_money_per_year", "costs", &C::jic_money_per_year, 300, D::nonnegative, "money a year of a running centre"},
    {"jic_hours_per_week", "costs", &C::jic_hours_per_week, 4, D::nonnegative, "AM hours a week of a running centre"},
}};


// Every double of Params and Costs has a row in its table.
static_assert(sizeof(Params) == kParams.size() * sizeof(double));
static_assert(sizeof(Costs) == kCosts.size() * sizeof(double));

}  // namespace

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Whole numbers as integers; otherwise the shortest text that reads back as
  // the same double: 0.8, not 0.80000000000000004.
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) return std::to_string(static_cast<long long>(v));
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

Bounds domain_bounds(Domain domain) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  // lo, hi, lo_open, hi_open, integer, interval
  switch (domain) {
    case D::unit: return {0.0, 1.0, false, false, false, true};
    case D::positive: return {0.0, inf, true, false, false, false};
    case D::nonnegative: return {0.0, inf, false, false, false, false};
    case D::finite: return {-inf, inf, false, false, false, false};
    case D::persistence: return {0.0, 1.0, false, true, false, true};
    // durations in weeks: at most a century
    case D::integer_ge1: return {1.0, 5200.0, false, false, true, false};
    case D::integer_ge0: return {0.0, 5200.0, false, false, true, false};
    case D::above_minus_one: return {-1.0, inf, true, false, false, false};
    case D::signed_unit: return {-1.0, 1.0, false, false, false, true};
    case D::market_factor: return {0.0, 100.0, true, false, false, false};
    case D::non_empty: return {-inf, inf, false, false, false, false};
    case D::events_per_year: return {0.0, events::kMaxPerYear, false, false, false, false};
    case D::logit_weight: return {-1000.0, 1000.0, false, false, false, true};
  }
  return {-inf, inf, false, false, false, false};
}

std::string domain_text(Domain domain) {
  if (domain == D::non_empty) return "non-empty";
  const Bounds b = domain_bounds(domain);
  const bool has_lo = std::isfinite(b.lo), has_hi = std::isfinite(b.hi);
  if (has_lo && has_hi)
    return std::string(b.lo_open ? "(" : "[") + format_number(b.lo) + ", " + format_number(b.hi) + (b.hi_open ? ")" : "]");
  if (has_lo) return std::string(b.lo_open ? "> " : ">= ") + format_number(b.lo);
  if (has_hi) return std::string(b.hi_open ? "< " : "<= ") + format_number(b.hi);
  return "any finite number";
}

std::string domain_violation(Domain domain, double v) {
  if (!std::isfinite(v)) return "must be a finite number, got " + format_number(v);
  const Bounds b = domain_bounds(domain);
  const bool below = b.lo_open ? !(v > b.lo) : v < b.lo;
  const bool above = b.hi_open ? !(v < b.hi) : v > b.hi;
  std::string rule;
  if (b.integer && v != std::floor(v))
    rule = "must be an integer";
  else if (b.interval && (below || above))
    rule = "must be in " + domain_text(domain);
  else if (below)
    rule = std::string(b.lo_open ? "must be > " : "must be >= ") + format_number(b.lo);
  else if (above)
    rule = std::string(b.hi_open ? "must be < " : "must be <= ") + format_number(b.hi);
  return rule.empty() ? rule : rule + ", got " + format_number(v);
}

Params::Params() {
  for (const auto& f : kParams) this->*(f.member) = f.default_value;
}

Costs::Costs() {
  for (const auto& f : kCosts) this->*(f.member) = f.default_value;
}

std::span<const FieldInfo<Params>> param_table() { return kParams; }
std::span<const FieldInfo<Costs>> cost_table() { return kCosts; }

}  // namespace cathedral
