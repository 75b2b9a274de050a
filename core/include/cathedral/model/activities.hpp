// The activities of an allocation (docs/model.md §3.0, docs/activities.md).
//
// One row per allocation field: its name, layer, unit, kind, response and
// costs. Everything else reads this table: the field names and their order
// (scenario files, policies, Python), the attribution's layers (layer_of),
// the response curves (key_layer.hpp, broad_layer.hpp), the accounting of
// §3.7 and the planned use of §4 (accounting.hpp). Adding an activity means a
// row here, its response where the layer headers use it, its tests and its
// docs.
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "cathedral/params.hpp"

namespace cathedral {

// The allocation fields, in the table's row order: an allocation is laid out
// in this order (accounts × fields), rates first, then flags.
enum class AllocField : int {
  social_hours, value_hours, visits, service_hours, benchmarking, exec_visits, pursue_agreement, jic
};

// The three layers (§3.3); attribution switches each layer's fields as a group.
enum class Layer : int { key = 0, broad = 1, org = 2 };
inline constexpr std::array<const char*, 3> kLayerNames{"key", "broad", "org"};
inline constexpr std::size_t kNumLayers = kLayerNames.size();

// rate: a number >= 0 that fitting (§4) scales; flag: a boolean (0/1), a
// switch or commitment that fitting leaves alone.
enum class ActivityKind : int { rate, flag };
inline constexpr std::array<const char*, 2> kActivityKindNames{"rate", "flag"};

// How a cost is charged each week (§3.7) and planned (§4).
enum class Charge : int {
  none,
  // every week the allocation is in force: per unit of a weekly rate, or while
  // a flag is set. Planned: a rate's per week (hours) and ×52 per year; a
  // flag's as a commitment.
  weekly,
  // per event held of a yearly rate (the event clocks of §3.2). Planned: the
  // rate's events per year (hours per week at rate/52).
  per_event,
  // once, in the first week of an epoch that sets the flag while none ran
  // before. Planned: a commitment of that epoch.
  on_opening,
  // once, in the week an agreement is signed. Not planned.
  on_signing,
};
inline constexpr std::array<const char*, 5> kChargeNames{"none", "weekly", "per_event", "on_opening", "on_signing"};

// An amount of money, AM hours or executive days per unit of an activity:
// none; the activity's own quantity (an hour of social_hours is an AM hour);
// a unit cost of Costs; or a cost per year of running, charged weekly as /52.
struct Amount {
  enum class Form : int { none, own, cost, cost_per_year };
  Form form = Form::none;
  double Costs::*cost = nullptr;
};
inline constexpr std::array<const char*, 4> kAmountFormNames{"none", "own", "cost", "cost_per_year"};

struct Cost {
  Charge charged = Charge::none;
  Amount money, hours, exec_days;
};

// How the activity's level moves the model (§3.3): a hill response
// r = hill(x; half, shape) (§1) — of the contact's share x·φ_k for
// hill_per_contact, with the half-saturation per 100 staff for
// hill_per_100_staff — or a jump of O per event held; none for the flags,
// which act as switches (see `moves`).
enum class ResponseForm : int { none, hill, hill_per_contact, hill_per_100_staff, jump_per_event };
inline constexpr std::array<const char*, 5> kResponseFormNames{"none", "hill", "hill_per_contact",
                                                               "hill_per_100_staff", "jump_per_event"};

struct Response {
  ResponseForm form = ResponseForm::none;
  double Params::*half = nullptr;   // hill forms: the half-saturation
  double Params::*shape = nullptr;  // hill forms: the shape
  double Params::*jump = nullptr;   // jump_per_event: the jump
};

struct Activity {
  AllocField field;
  const char* name;  // the allocation field's name
  Layer layer;
  const char* unit;
  ActivityKind kind;
  Response response;
  std::array<Cost, 2> costs;  // unused entries: Charge::none
  const char* moves;          // what it moves in the model (for the docs)
  const char* doc;            // what the field means (§3.0): scenario docs and schema
};

namespace activity_rows {
using A = Amount::Form;
using P = Params;
using C = Costs;
inline constexpr Amount none{};
inline constexpr Amount own{A::own};
constexpr Amount cost(double Costs::*m) { return {A::cost, m}; }
constexpr Amount cost_per_year(double Costs::*m) { return {A::cost_per_year, m}; }
constexpr Response hill(ResponseForm form, double Params::*half, double Params::*shape) { return {form, half, shape}; }
constexpr Response jump(double Params::*j) { return {ResponseForm::jump_per_event, nullptr, nullptr, j}; }
// The field and its name, spelled once.
#define CATHEDRAL_ACTIVITY(field) AllocField::field, #field
}  // namespace activity_rows

// docs/model.md §3.0 (fields), §3.3 (responses), §3.7 (costs); docs/activities.md.
// The row order is the allocation's; with the sum order of accounting.hpp
// (own quantities first) it gives the sums of §3.7 and §4 as written there.
inline constexpr auto kActivities = [] {
  using namespace activity_rows;
  using R = ResponseForm;
  using Ch = Charge;
  return std::to_array<Activity>({
      {CATHEDRAL_ACTIVITY(social_hours), Layer::key, "hours/week", ActivityKind::rate,
       hill(R::hill_per_contact, &P::social_half_hours, &P::social_shape),
       {{{Ch::weekly, cost(&C::social_money_per_hour), own, none}}},
       "intimacy I of each key contact (§3.3), hours split by contact_focus",
       "AM hours a week with key contacts: meals, events, personal care"},
      {CATHEDRAL_ACTIVITY(value_hours), Layer::key, "hours/week", ActivityKind::rate,
       hill(R::hill_per_contact, &P::value_half_hours, &P::value_shape),
       {{{Ch::weekly, none, own, none}}},
       "support S and intimacy I of each key contact (§3.3), hours split by contact_focus",
       "AM hours a week of value work for key contacts: business advice, solution work"},
      {CATHEDRAL_ACTIVITY(visits), Layer::broad, "visits/week", ActivityKind::rate,
       hill(R::hill_per_100_staff, &P::visit_half_per_100_staff, &P::visit_shape),
       {{{Ch::weekly, cost(&C::visit_money), cost(&C::visit_hours), none}}},
       "coverage C (§3.3) and the small deals dug up (§3.6)",
       "broad visits a week to the account's staff"},
      {CATHEDRAL_ACTIVITY(service_hours), Layer::broad, "hours/week", ActivityKind::rate,
       hill(R::hill, &P::service_half_hours, &P::service_shape),
       {{{Ch::weekly, cost(&C::service_money_per_hour), own, none}}},
       "satisfaction Q (§3.3)",
       "AM hours a week closing the loop on complaints and requests"},
      {CATHEDRAL_ACTIVITY(benchmarking), Layer::org, "meetings/year", ActivityKind::rate, jump(&P::benchmarking_jump),
       {{{Ch::per_event, cost(&C::benchmarking_money), cost(&C::benchmarking_hours),
          cost(&C::benchmarking_exec_days)}}},
       "org O, a jump per meeting held (§3.2, §3.3)",
       "strategic benchmarking meetings a year"},
      {CATHEDRAL_ACTIVITY(exec_visits), Layer::org, "visits/year", ActivityKind::rate, jump(&P::exec_visit_jump),
       {{{Ch::per_event, cost(&C::exec_visit_money), cost(&C::exec_visit_hours), cost(&C::exec_visit_exec_days)}}},
       "org O, a jump per visit held (§3.2, §3.3)",
       "reciprocal executive visits a year"},
      {CATHEDRAL_ACTIVITY(pursue_agreement), Layer::org, "bool", ActivityKind::flag, {},
       {{{Ch::on_signing, cost(&C::agreement_money), cost(&C::agreement_hours), cost(&C::agreement_exec_days)}}},
       "signs a cooperation agreement when O and F allow (§3.5): direct awards and a premium (§3.6)",
       "sign or renew a cooperation agreement when eligible"},
      {CATHEDRAL_ACTIVITY(jic), Layer::org, "bool", ActivityKind::flag, {},
       {{{Ch::weekly, cost_per_year(&C::jic_money_per_year), cost(&C::jic_hours_per_week), none},
         {Ch::on_opening, cost(&C::jic_setup_money), none, none}}},
       "J = 1 while the centre runs: org O (§3.3) and technical lead T (§3.6)",
       "run a joint innovation centre"},
  });
}();
#undef CATHEDRAL_ACTIVITY

inline constexpr int kNumAllocFields = static_cast<int>(kActivities.size());

inline constexpr int kNumRateFields = [] {
  int n = 0;
  for (const Activity& a : kActivities) n += a.kind == ActivityKind::rate;
  return n;
}();

// The field names in row order (scenario files, policies, Python).
inline constexpr std::array<const char*, kNumAllocFields> kAllocFieldNames = [] {
  std::array<const char*, kNumAllocFields> names{};
  for (int i = 0; i < kNumAllocFields; ++i) names[i] = kActivities[i].name;
  return names;
}();

constexpr const Activity& activity(AllocField f) { return kActivities[static_cast<int>(f)]; }

// The field of a name; nullopt when no activity has it.
constexpr std::optional<AllocField> find_field(std::string_view name) {
  for (const Activity& a : kActivities)
    if (name == a.name) return a.field;
  return std::nullopt;
}

// The layer of a field; a field without a row is an error, never a default.
inline Layer layer_of(AllocField f) {
  const int i = static_cast<int>(f);
  if (i < 0 || i >= kNumAllocFields)
    throw std::out_of_range("layer_of: no activity has allocation field number " + std::to_string(i) + " (there are " +
                            std::to_string(kNumAllocFields) + ")");
  return kActivities[i].layer;
}

// The parameters of a hill activity's response: hill(x; half, shape), `staff`
// the account's (used by hill_per_100_staff only).
struct HillParams {
  double half, shape;
};
template <AllocField F>
inline HillParams hill_params(const Params& p, double staff = 100.0) {
  constexpr Response r = activity(F).response;
  static_assert(r.form == ResponseForm::hill || r.form == ResponseForm::hill_per_contact ||
                    r.form == ResponseForm::hill_per_100_staff,
                "not a hill activity");
  if constexpr (r.form == ResponseForm::hill_per_100_staff) return {p.*r.half * staff / 100.0, p.*r.shape};
  else return {p.*r.half, p.*r.shape};
}

// The jump of O per event of a jump_per_event activity.
template <AllocField F>
inline double jump_param(const Params& p) {
  constexpr Response r = activity(F).response;
  static_assert(r.form == ResponseForm::jump_per_event, "not a jump activity");
  return p.*r.jump;
}

// Calls f(std::integral_constant<int, i>{}) for every row i in row order, so
// that f can branch on the row with `if constexpr` (no table lookups at run
// time in the engine's loops).
template <class F>
constexpr void for_each_activity(F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (f(std::integral_constant<int, I>{}), ...);
  }(std::make_integer_sequence<int, kNumAllocFields>{});
}

namespace activity_checks {
constexpr bool rows_in_field_order() {
  for (int i = 0; i < kNumAllocFields; ++i)
    if (static_cast<int>(kActivities[i].field) != i) return false;
  return true;
}
constexpr bool rates_first() {
  for (int i = 0; i < kNumAllocFields; ++i)
    if ((kActivities[i].kind == ActivityKind::rate) != (i < kNumRateFields)) return false;
  return true;
}
constexpr bool amount_ok(const Amount& a) { return (a.form == Amount::Form::cost || a.form == Amount::Form::cost_per_year) == (a.cost != nullptr); }
constexpr bool ends_with(std::string_view s, std::string_view end) { return s.ends_with(end); }
constexpr bool costs_consistent() {
  for (const Activity& a : kActivities)
    for (const Cost& c : a.costs) {
      if (!amount_ok(c.money) || !amount_ok(c.hours) || !amount_ok(c.exec_days)) return false;
      // a cost per year of running is charged weekly (/52)
      for (const Amount* m : {&c.money, &c.hours, &c.exec_days})
        if (m->form == Amount::Form::cost_per_year && c.charged != Charge::weekly) return false;
      // own quantities are AM hours of an hours rate
      if (c.money.form == Amount::Form::own || c.exec_days.form == Amount::Form::own) return false;
      if (c.hours.form == Amount::Form::own && (a.kind != ActivityKind::rate || std::string_view(a.unit) != "hours/week"))
        return false;
      // a rate's costs come per week or per event, a flag's while set or once
      if (c.charged == Charge::none) continue;
      const bool rate_charge = c.charged == Charge::per_event ||
                               (c.charged == Charge::weekly && a.kind == ActivityKind::rate);
      if (a.kind == ActivityKind::rate && !rate_charge) return false;
      // weekly rates are per week, event rates per year
      if (a.kind == ActivityKind::rate && c.charged == Charge::weekly && !ends_with(a.unit, "/week")) return false;
      if (c.charged == Charge::per_event && !ends_with(a.unit, "/year")) return false;
    }
  return true;
}
constexpr bool responses_consistent() {
  for (const Activity& a : kActivities) {
    const Response& r = a.response;
    const bool hill = r.form == ResponseForm::hill || r.form == ResponseForm::hill_per_contact ||
                      r.form == ResponseForm::hill_per_100_staff;
    if (hill != (r.half != nullptr && r.shape != nullptr)) return false;
    if ((r.form == ResponseForm::jump_per_event) != (r.jump != nullptr)) return false;
    if (a.kind == ActivityKind::flag && r.form != ResponseForm::none) return false;
  }
  return true;
}
static_assert(rows_in_field_order(), "kActivities: row i must be AllocField i");
static_assert(rates_first(), "kActivities: the rates come first (kNumRateFields), then the flags");
static_assert(costs_consistent(), "kActivities: a cost's amounts or charge do not fit its activity");
static_assert(responses_consistent(), "kActivities: a response's form and parameters do not agree");
}  // namespace activity_checks

}  // namespace cathedral
