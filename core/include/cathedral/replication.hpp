// The state of one replication and its weekly step (docs/model.md §3), in the
// order of §3.1–§3.7. The equations themselves live in the model layer
// (cathedral/model/); the kernel (core/src/kernel/, one file per part of the
// week) wires them together over arrays of accounts and contacts.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "cathedral/metrics.hpp"
#include "cathedral/model.hpp"
#include "cathedral/model/org_layer.hpp"
#include "cathedral/pipeline.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/random.hpp"

namespace cathedral {

enum class Mode { monte_carlo, mean_field };

// Nine-grid tallies packed three cells to a 64-bit word (21 bits a cell; word
// w holds the cells of intimacy level w): an account's weekly tally costs
// three additions, not nine. Laid out weeks × kWords × accounts. At most
// kMaxContacts contacts an account are packed; a packed cell holds 2^21 − 1,
// so words are unpacked at least every kMaxReplications replications.
namespace packed_grid {
inline constexpr int kWords = 3;
inline constexpr int kMaxContacts = 127;
inline constexpr int kMaxReplications = 32;  // 32 · 127 < 2^21, with a wide margin
inline constexpr int kBits = 21;
// Adds one contact to its account's three words: the cell of grid_cell
// (tiers.hpp), whose levels count the cuts at or below the value, without
// forming the cell. `mask` is all ones, or 0 for a padding contact.
// Branch-free, in integer masks, for the engine's vector loops.
inline void add_contact(const GridCuts& g, double intimacy, double support, std::uint64_t mask, std::uint64_t& low,
                        std::uint64_t& medium, std::uint64_t& high) {
  constexpr std::uint64_t kAll = ~std::uint64_t{0}, kOne = 1, kMedium = kOne << kBits, kHigh = kOne << (2 * kBits);
  const std::uint64_t s0 = support >= g.support[0] ? kAll : 0, s1 = support >= g.support[1] ? kAll : 0;
  const std::uint64_t i0 = intimacy >= g.intimacy[0] ? kAll : 0, i1 = intimacy >= g.intimacy[1] ? kAll : 0;
  // the support level's field: 1, kMedium (one cut) or kHigh (both)
  const std::uint64_t one = (kOne + ((s0 ^ s1) & (kMedium - kOne)) + (s0 & s1 & (kHigh - kOne))) & mask;
  low += one & ~(i0 | i1);
  medium += one & (i0 ^ i1);
  high += one & i0 & i1;
}
// Adds an account's packed tallies (its words `stride` apart) to its nine counts `grid`.
inline void unpack_add(const std::uint64_t* words, std::size_t stride, std::int32_t* grid) {
  for (int c = 0; c < 9; ++c)
    grid[c] += static_cast<std::int32_t>((words[stride * (c / 3)] >> (kBits * (c % 3))) & ((1ULL << kBits) - 1));
}
}  // namespace packed_grid

// Where a replication writes what it records. Null pointers: not recorded.
struct RecordTargets {
  double* portfolio = nullptr;             // weeks × kNumMetrics
  double* account_totals = nullptr;        // accounts × kNumMetrics (flows summed, states at the end): written by finish()
  std::int32_t* grid_counts = nullptr;     // weeks × accounts × 9, accumulated
  // weeks × packed_grid::kWords × accounts, accumulated: the tallies of
  // accounts with at most kMaxContacts contacts (then not in grid_counts)
  std::uint64_t* grid_packed = nullptr;
  // per kept metric: weeks × accounts
  std::vector<std::pair<int, double*>> trajectories;
};

// How a replication lays out its contacts: automatic picks slot by slot
// where it pays (see Replication); by_account always keeps the Model's
// order. Both give the same bits (tested).
enum class ContactLayout { automatic, by_account };

class Replication {
 public:
  Replication(const Model& model, Mode mode, ContactLayout layout = ContactLayout::automatic);
  bool slot_major() const { return slot_major_; }

  // Reset to the scenario's initial state with the streams of replication `rep`.
  void start(std::int64_t rep, std::uint64_t seed);
  // Fill row `row` of an observation taken at the start of an epoch; with
  // tiers_only, only replication, tier and cash_flow (built-in policies).
  void observe(Observation& obs, int row, bool tiers_only = false) const;
  // Which accounts run a centre now (the resource fit needs it).
  std::span<const std::uint8_t> jic_running() const { return jic_; }
  // Take a fitted allocation (accounts × kNumAllocFields) for the epoch
  // starting at `week`; φ per contact from the policy.
  void begin_epoch(int week, std::span<const double> allocation, const std::vector<double>& focus);
  void run_week(int week, const RecordTargets& out);
  // Add the horizon's flow totals and write the end-of-horizon states into out.account_totals.
  void finish(const RecordTargets& out) const;


 private:
  template <bool kMeanField>
  void step(int week, const RecordTargets& out);
  void draw_exogenous(int week);
  template <org_layer::Events kEvents>
  void account_pass(int week);
  void key_pass();
  void key_drives();
  template <bool kMeanField>
  void turnover_pass(int week);
  void cell_pass();
  void index_pass(int a, double& K, double& Ibar, std::int32_t* grid, std::uint64_t* packed) const;
  void slot_index_pass(std::uint64_t* packed);
  void key_index_pass(bool indices, bool tally);
  void reindex(int a, bool tally);
  void add_week_tallies(std::uint64_t* packed);
  void indices(int week, const RecordTargets& out, bool indices_done);
  void agreement_pass();
  // account a's contacts changed after the fused sweep this week
  void mark_changed(int a, int week) {
    if (changed_at_[static_cast<std::size_t>(a)] != week) {
      changed_at_[static_cast<std::size_t>(a)] = week;
      changed_.push_back(a);
    }
  }
  template <bool kMeanField>
  void rate_pass(double M);
  void check_arrival_rates(int week) const;  // throws ScenarioError for a runaway wallet
  template <bool kMeanField>
  void arrivals(int week);
  std::vector<int> arriving_;  // accounts with arrivals this week (Monte Carlo)
  void first_arrivals(int n, int week);
  void first_arrival_math(int n);
  // per listed account: the first deal's size draw, value and waiting time (a uniform, then −log of it)
  std::vector<double> arrival_z_, arrival_value_, arrival_wait_;
  std::vector<pipeline::Deal> arrival_deal_;
  template <bool kMeanField>
  void decisions(int week);
  void decision_terms();
  std::vector<int> deciding_;  // accounts with deals due this week
  std::vector<double> term_;   // their terms, by position in deciding_
  void accounting_pass(int week);
  void record(int week, const RecordTargets& out);
  void synthesise_pipeline(bool projects);
  void add_arrivals(int a, int week, double project_rate, double dig_rate);
  int draw_arrivals(int a, int week);
  void schedule_departure(int k, std::int64_t week);

  double* flow(int metric) { return flow_.data() + static_cast<std::size_t>(metric) * m_.n_accounts; }

  const Model& m_;
  Mode mode_;
  std::int64_t rep_ = 0;
  int L_, D_;
  double p_turnover_, p_shift_;
  Geometric departure_wait_, shift_wait_;  // weeks to the next departure, strategy shift

  // portfolio
  double market_x_ = 0.0;
  Stream market_stream_;

  // accounts (structure of arrays)
  std::vector<double> fit_, fit_target_, wallet_, coverage_, satisfaction_, org_, support_index_, intimacy_index_;
  std::vector<double> agreement_left_;  // whole weeks
  std::vector<std::uint8_t> jic_;
  std::vector<std::int64_t> next_shift_;
  std::vector<double> residual_projects_, residual_dig_;  // arrival-process budgets
  std::vector<Stream> strategy_stream_, fit_stream_, project_stream_, dig_stream_, size_stream_, decision_stream_;
  pipeline::Pipeline pipeline_;
  std::vector<double> gp_due_;  // (D+1) × accounts: gross profit awaiting payment, a ring over weeks
  std::vector<double> revenue_to_date_, gp_to_date_;
  std::vector<double> competitor_;  // κ: changed by competitor shocks

  // within a week
  std::vector<double> fit_eps_;            // the week's fit noise draws
  std::vector<double> org_start_;          // O at the start of §3.3
  std::vector<double> intimacy_loss_;      // the key layer's intimacy loss from it (key_layer.hpp)
  std::vector<double> contact_loss_;       // the same, per contact (account-major layout)
  std::vector<double> n_benchmarking_, n_exec_visits_;  // events held
  std::vector<double> benchmarking_clock_, exec_visit_clock_;  // §3.2 event clocks, in rate-weeks
  std::vector<double> signed_;             // 1 where an agreement was signed
  std::vector<double> project_rate_, dig_rate_;  // mean field: the week's expected arrivals
  std::vector<double> arrival_rate_;             // λ + μ of the week, both modes (the runaway guard)
  std::vector<int> decided_at_;            // the week of the cached decision terms below
  std::vector<double> p_win_, margin_, p_circle_;
  std::vector<double> flow_;               // kNumFlows × accounts: the week's flows
  std::vector<double> flow_total_;         // kNumFlows × accounts: flows summed over the weeks so far
  std::vector<std::int32_t> cell_;         // nine-grid cell of each contact, end of the week

  // contacts, in the replication's own order: account by account as in the
  // Model, or slot by slot (contact j of account a at j·A + a) when every
  // account has the same number of contacts, so that the per-account sums
  // of the indices run as vector loops over accounts
  bool slot_major_ = false;
  bool counted_accounts_ = false;    // some account has too many contacts for packed tallies
  int slots_ = 0;                    // contacts per account, when slot-major
  std::vector<int> internal_;        // Model's contact index → this order
  std::vector<double> stance_, weight_;
  std::vector<int> account_;
  std::vector<std::uint64_t> real_;  // all ones for a contact, 0 for padding (slot-major)
  std::array<std::vector<std::uint64_t>, 3> week_tally_;  // per account: the week's packed tallies (fused pass)
  std::vector<int> changed_;     // accounts whose contacts turnover changed this week (fused pass)
  std::vector<int> changed_at_;  // the week an account was last listed there
  int contact(int a, int j) const { return slot_major_ ? j * m_.n_accounts + a : m_.contact_begin[a] + j; }
  std::vector<double> intimacy_, support_;
  std::vector<std::vector<int>> departures_;  // by week: the contacts whose drawn departure falls in it
  std::vector<Stream> turnover_stream_;

  // the epoch's plan: responses and fixed costs are constant between decision epochs
  std::vector<double> alloc_;  // accounts × kNumAllocFields
  std::vector<double> intimacy_drive_, support_drive_;  // per contact (key_layer.hpp)
  std::vector<double> focus_;                          // φ per contact, in this order
  std::vector<double> social_hours_, value_hours_;     // per account
  std::vector<double> r_visits_, r_service_, benchmarking_rate_, exec_visit_rate_, centre_, centre_opens_,
      fixed_spend_, fixed_hours_;
  std::vector<double> pursue_agreement_;  // 1 or 0
  bool at_most_two_events_ = true;  // no rate of the epoch can hold more than two events a week
  int epoch_week_ = 0;
};

}  // namespace cathedral
