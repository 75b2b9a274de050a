// Events of the week (docs/model.md §3.2, version 2): benchmarking meetings
// and executive visits follow an event clock per account and kind.
#pragma once

#include <cmath>

namespace cathedral::events {

// The clock in rate-weeks: c_t = c_{t−1} + b_t, c_{−1} = 0, with b_t the
// fitted yearly rate in force in week t.
inline double advance_clock(double clock, double per_year) { return clock + per_year; }

// Monte Carlo: the events held in the week the clock went from `before` to
// `after`, ⌊after/52⌋ − ⌊before/52⌋. A rate b gives b events a year on
// average; a constant integer b gives exactly b in every 52 weeks.
inline double held(double before, double after) { return std::floor(after / 52.0) - std::floor(before / 52.0); }

// Mean field: the expected count of the week, b/52 (fractional).
inline double expected(double per_year) { return per_year / 52.0; }

// The most events of a kind an allocation may ask for in a year (100 a week):
// a week holds its events one after another (org_layer::times_power), so
// this bounds the work of a week and keeps Ctrl-C prompt.
inline constexpr double kMaxPerYear = 5200.0;

// A bound on the events a week can hold when no rate exceeds `max_per_year`,
// rounding included: at most two while max_per_year <= 52.
inline bool at_most_two(double max_per_year) { return max_per_year <= 52.0; }

}  // namespace cathedral::events
