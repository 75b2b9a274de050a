// Policies (docs/model.md §5): the interface, the observation a policy sees, and
// the built-in `static` and `tiered` policies.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "cathedral/model.hpp"
#include "cathedral/scenario.hpp"

namespace cathedral {

// What a policy sees at a decision epoch, for a batch of replications.
// Per-account arrays are replications × accounts, row-major.
struct Observation {
  int n_replications = 0;
  int n_accounts = 0;
  int epoch = 0;
  int week = 0;
  std::vector<std::int64_t> replication;  // the replication number of each row
  std::vector<std::int8_t> tier;          // 0..3 = S, A, B, C
  std::vector<std::uint8_t> cash_flow;
  std::vector<double> wallet, fit, coverage, satisfaction, org, support, intimacy,
      agreement_weeks_left, jic, revenue_to_date, gross_profit_to_date, pipeline_value;
  std::vector<std::int32_t> grid;  // replications × accounts × 9 (nine-grid counts)
  // Resources: capacity, and what running centres already commit.
  double am_hours_per_week = 0, executive_days_per_year = 0, budget_per_year = 0;

  void resize(int reps, int accounts);
  std::size_t at(int rep, int account) const {
    return static_cast<std::size_t>(rep) * static_cast<std::size_t>(n_accounts) + static_cast<std::size_t>(account);
  }
};

class Policy {
 public:
  virtual ~Policy() = default;
  // True when decide() must see all replications at once (a Python policy):
  // the runner then advances every replication to the next epoch before
  // calling it. Built-in policies decide each replication independently and
  // read only the tiers of the observation (replication, tier, cash_flow):
  // the runner fills nothing else for them.
  virtual bool needs_all_replications() const { return false; }
  // Write the allocation of every row of `obs` into `out`, laid out
  // replications × accounts × kNumAllocFields (fields in AllocField order,
  // bools as 0/1). Must be safe to call from several threads at once unless
  // needs_all_replications() is true.
  virtual void decide(const Observation& obs, std::span<double> out) const = 0;
  // φ_k for the epoch starting at `week`: the share of an account's key hours
  // each contact gets, flattened like Model's contacts; normalised per account.
  virtual const std::vector<double>& contact_focus(int week) const = 0;
};

// Takes each layer's fields (layer_of: the activity table) from `with` where
// `use_with[layer]`, else from `base`; the contact focus goes with the key layer.
class LayerMixPolicy final : public Policy {
 public:
  LayerMixPolicy(std::shared_ptr<const Policy> base, std::shared_ptr<const Policy> with, std::array<bool, kNumLayers> use_with);
  bool needs_all_replications() const override;
  void decide(const Observation& obs, std::span<double> out) const override;
  const std::vector<double>& contact_focus(int week) const override;

 private:
  std::shared_ptr<const Policy> base_, with_;
  std::array<bool, kNumLayers> use_with_;
};

// Switches between policies at given weeks: the phase with the latest
// from_week at or before the epoch's week decides.
class SchedulePolicy final : public Policy {
 public:
  explicit SchedulePolicy(std::vector<std::pair<int, std::shared_ptr<const Policy>>> phases);
  bool needs_all_replications() const override;
  void decide(const Observation& obs, std::span<double> out) const override;
  const std::vector<double>& contact_focus(int week) const override;

 private:
  const Policy& at(int week) const;
  std::vector<std::pair<int, std::shared_ptr<const Policy>>> phases_;
};

// Merge a chain of entries (later ones override earlier ones) into a full
// allocation row of kNumAllocFields values.
std::vector<double> resolve_entries(std::initializer_list<const AllocationEntry*> chain);

std::shared_ptr<const Policy> make_policy(const PolicySpec& spec, const Model& model);

}  // namespace cathedral
