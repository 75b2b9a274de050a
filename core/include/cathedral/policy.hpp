// Policies (MODEL.md §5): the interface, the observation a policy sees, and
// the built-in `static` and `tiered` policies.
#pragma once

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
  // calling it. Built-in policies decide each replication independently.
  virtual bool needs_all_replications() const { return false; }
  // Write the allocation of every row of `obs` into `out`, laid out
  // replications × accounts × kNumAllocFields (fields in AllocField order,
  // bools as 0/1). Must be safe to call from several threads at once unless
  // needs_all_replications() is true.
  virtual void decide(const Observation& obs, std::span<double> out) const = 0;
  // φ_k: the share of an account's key hours each contact gets, flattened
  // like Model's contacts; normalised within each account.
  virtual const std::vector<double>& contact_focus() const = 0;
};

// Merge a chain of entries (later ones override earlier ones) into a full
// allocation row of kNumAllocFields values.
std::vector<double> resolve_entries(std::initializer_list<const AllocationEntry*> chain);

std::unique_ptr<Policy> make_policy(const PolicySpec& spec, const Model& model);

}  // namespace cathedral
