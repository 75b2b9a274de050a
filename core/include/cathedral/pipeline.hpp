// The open deals of a replication (docs/model.md §3.6), the kernel's data
// structure; the rules for deals are in model/deals.hpp.
#pragma once

#include <span>
#include <vector>


namespace cathedral::pipeline {

// A deal in the pipeline. Monte Carlo: count = 1 and value = size; its two
// decision draws are made when it is seen, so a deal keeps its luck whatever
// happens to the others (common random numbers). Mean field: count and value
// are expectations.
struct Deal {
  double value;
  double count;
  double u_award;  // direct-award draw
  double u_win;    // tender draw
  int account;     // index of the account
};

// The open deals of all accounts of a replication, by decision week: every
// deal waits in the list of its week, in the order it was seen. Deciding a
// week reads one contiguous list, whatever the number of accounts.
class Pipeline {
 public:
  // Empty, for decision weeks 0 … horizon_weeks − 1 (storage is kept).
  void reset(int horizon_weeks) {
    if (static_cast<int>(due_.size()) != horizon_weeks) due_.resize(static_cast<std::size_t>(horizon_weeks));
    for (auto& week : due_) week.clear();
  }
  // A deal decided in `week`, which must be in [0, horizon_weeks).
  void add(int week, const Deal& d) { due_[static_cast<std::size_t>(week)].push_back(d); }
  // The deals decided in `week`, in the order they were added.
  const std::vector<Deal>& due(int week) const { return due_[static_cast<std::size_t>(week)]; }
  // Forget the deals of a decided week.
  void close(int week) { due_[static_cast<std::size_t>(week)].clear(); }
  // Adds the value of every open deal to value[account], in decision-week order.
  void add_open_value(std::span<double> value) const {
    for (const auto& week : due_)
      for (const Deal& d : week) value[static_cast<std::size_t>(d.account)] += d.value;
  }

 private:
  std::vector<std::vector<Deal>> due_;
};

}  // namespace cathedral::pipeline
