// The immutable, array-laid-out form of a Scenario that the runner uses.
//
// Accounts are a structure of arrays; contacts of all accounts are flattened,
// account a owning contacts [contact_begin[a], contact_begin[a+1]).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cathedral/params.hpp"
#include "cathedral/pipeline.hpp"
#include "cathedral/scenario.hpp"
#include "cathedral/tiers.hpp"

namespace cathedral {

struct Model {
  std::string name;
  int horizon_weeks = 0;
  int decision_interval_weeks = 0;
  int n_epochs = 0;
  std::uint64_t seed = 0;
  Params params;
  Costs costs;
  Resources resources;
  TierRules tier_rules{};
  GridCuts grid{};

  // accounts
  int n_accounts = 0;
  std::vector<std::string> account_ids, account_names;
  std::vector<std::uint64_t> account_hash;  // hash of the id: keys the random streams
  std::vector<double> wallet, wallet_growth, staff, fit, fit_target, capability_match,
      competitor_strength, coverage, satisfaction, org;
  std::vector<int> agreement_weeks_left;
  std::vector<std::uint8_t> jic;
  std::vector<double> mean_deal;  // d̄ = deal_fraction · wallet

  // contacts
  std::vector<int> contact_begin;    // n_accounts + 1
  std::vector<int> contact_account;  // the account of each contact
  std::vector<std::string> contact_ids;
  std::vector<Role> contact_role;
  std::vector<double> contact_weight;  // w_k, normalised within the account
  std::vector<double> contact_intimacy, contact_support, contact_stance;

  // listed pipelines (decision week < horizon), sorted by decision week
  std::vector<std::uint8_t> has_listed_pipeline;
  std::vector<int> listed_begin;  // n_accounts + 1
  std::vector<ListedDeal> listed_deals;

  // shocks, by week
  struct WeekShock {
    Shock::Type type;
    int account;     // index
    int contact;     // flattened contact index (contact_leaves)
    double value;    // fit_target or strength
  };
  std::vector<double> market_factor;                 // horizon: multiplies M_t
  std::vector<std::vector<WeekShock>> shocks_by_week;  // horizon

  int contacts_of(int a) const { return contact_begin[a + 1] - contact_begin[a]; }
  int account_index(const std::string& id) const;  // -1 when absent
  int epoch_start(int epoch) const { return epoch * decision_interval_weeks; }
  int epoch_end(int epoch) const {
    const int e = (epoch + 1) * decision_interval_weeks;
    return e < horizon_weeks ? e : horizon_weeks;
  }

  static Model build(const Scenario& s);
};

// docs/model.md §6: the tier thresholds for a portfolio with these wallets. A
// min_wallet left unset in `tiering` is the 90th/70th/40th percentile of the
// wallets (percentile_linear); the cash-flow threshold is params.cashflow_fit.
TierRules tier_rules_for(const Tiering& tiering, const Params& params, const std::vector<double>& wallets);

// Influence weights normalised to sum to 1; equal shares when all are 0.
std::vector<double> normalised_weights(const std::vector<double>& raw);

}  // namespace cathedral
