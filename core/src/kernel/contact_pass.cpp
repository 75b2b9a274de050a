// The contact passes (docs/model.md §3.3 key layer, §3.4 turnover) and the
// indices K and Ī with the nine-grid tallies (§3.6, §6), in both contact layouts.
#include "cathedral/replication.hpp"

#include <algorithm>
#include <type_traits>

#include "cathedral/model/deals.hpp"
#include "cathedral/model/key_layer.hpp"
#include "cathedral/simd.hpp"

namespace cathedral {

// Contact k leaves in `week`: kept in that week's list, if within the horizon.
void Replication::schedule_departure(int k, std::int64_t week) {
  if (week < m_.horizon_weeks) departures_[static_cast<std::size_t>(week)].push_back(k);
}

// §3.4: successors start from this week's C and O. Monte Carlo: the contacts
// whose drawn departure week is now, and those a contact_leaves shock removes;
// mean field: every contact mixes its successor in at the departure rate.
template <bool kMeanField>
void Replication::turnover_pass(int t) {
  const Params& p = m_.params;
  const std::size_t n = intimacy_.size();
  double* __restrict I = intimacy_.data();
  double* __restrict S = support_.data();
  const double* __restrict stance = stance_.data();
  const int* __restrict account = account_.data();
  auto successor = [&](int k) { return key_layer::successor(p, stance[k], coverage_[account[k]], org_[account[k]]); };
  auto replace = [&](int k) {  // contact k leaves; its successor takes the place
    const key_layer::ContactState s = successor(k);
    I[k] = s.intimacy;
    S[k] = s.support;
    mark_changed(account[k], t);
  };
  if constexpr (kMeanField) {
    for (std::size_t k = 0; k < n; ++k) {
      const key_layer::ContactState c = key_layer::mix_successor({I[k], S[k]}, successor(static_cast<int>(k)), p_turnover_);
      I[k] = c.intimacy;
      S[k] = c.support;
    }
  } else {
    // contacts are independent here: the order within the week does not matter
    for (const int k : departures_[static_cast<std::size_t>(t)]) {
      replace(k);
      schedule_departure(k, t + 1 + turnover_stream_[k].geometric(departure_wait_));
    }
  }
  for (const Model::WeekShock& sh : m_.shocks_by_week[t])
    if (sh.type == Shock::Type::contact_leaves) replace(internal_[static_cast<std::size_t>(sh.contact)]);
}

// Every contact's nine-grid cell at the end of the week, for accounts whose
// tallies are counted, not packed: one flat vector loop.
CATHEDRAL_VECTOR_CLONES
void Replication::cell_pass() {
  const std::size_t n = intimacy_.size();
  const double* __restrict I = intimacy_.data();
  const double* __restrict S = support_.data();
  std::int32_t* __restrict cell = cell_.data();
  const GridCuts g = m_.grid;
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t k = 0; k < n; ++k) cell[k] = grid_cell(g, I[k], S[k]);
}

// The indices K = Σ w_k S_k and Ī = Σ w_k I_k of account a (summed in
// contact order) and its nine-grid tallies: packed (accounts with at most
// packed_grid::kMaxContacts contacts) or counted.
void Replication::index_pass(int a, double& K_out, double& Ibar_out, std::int32_t* grid, std::uint64_t* packed) const {
  const double* __restrict I = intimacy_.data();
  const double* __restrict S = support_.data();
  const double* __restrict weight = weight_.data();
  const int k0 = m_.contact_begin[a], k1 = m_.contact_begin[a + 1];  // account-major order
  double K = 0.0, Ibar = 0.0;  // locals, not the references: they stay in registers
  if (packed && k1 - k0 <= packed_grid::kMaxContacts) {
    const GridCuts g = m_.grid;
    std::uint64_t low = 0, medium = 0, high = 0;
    for (int k = k0; k < k1; ++k) {
      K += deals::index_term(weight[k], S[k]);
      Ibar += deals::index_term(weight[k], I[k]);
      packed_grid::add_contact(g, I[k], S[k], ~std::uint64_t{0}, low, medium, high);
    }
    const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
    packed[0] += low;
    packed[A] += medium;
    packed[2 * A] += high;
  } else {
    for (int k = k0; k < k1; ++k) {
      K += deals::index_term(weight[k], S[k]);
      Ibar += deals::index_term(weight[k], I[k]);
    }
    if (grid)
      for (int k = k0; k < k1; ++k) ++grid[cell_[k]];
  }
  K_out = K;
  Ibar_out = Ibar;
}

// The same for every account at once when contacts are slot-major: vector
// loops over accounts, slot after slot, so each account's sums still run in
// contact order (the same bits as index_pass). With `packed` (the week's
// words), the contacts' nine-grid cells are tallied in the same loop.
CATHEDRAL_VECTOR_CLONES
void Replication::slot_index_pass(std::uint64_t* __restrict packed) {
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  double* __restrict K = support_index_.data();
  double* __restrict Ibar = intimacy_index_.data();
  const double* __restrict I = intimacy_.data();
  const double* __restrict S = support_.data();
  const double* __restrict weight = weight_.data();
  const std::uint64_t* __restrict real = real_.data();
  std::fill(K, K + A, 0.0);
  std::fill(Ibar, Ibar + A, 0.0);
  const GridCuts g = m_.grid;
  auto sweep = [&](auto tally) {
    for (int j = 0; j < slots_; ++j) {
      const std::size_t base = static_cast<std::size_t>(j) * A;
      CATHEDRAL_INDEPENDENT_ITERATIONS
      for (std::size_t a = 0; a < A; ++a) {
        const std::size_t k = base + a;
        K[a] += deals::index_term(weight[k], S[k]);
        Ibar[a] += deals::index_term(weight[k], I[k]);
        if constexpr (decltype(tally)::value)
          packed_grid::add_contact(g, I[k], S[k], real[k], packed[a], packed[A + a], packed[2 * A + a]);
      }
    }
  };
  if (packed)
    sweep(std::true_type{});
  else
    sweep(std::false_type{});
}

// Slot-major contacts: the key layer, and with `indices` the indices and the
// nine-grid tallies, in one sweep over the contacts (Monte Carlo: departures,
// which are few, come after, and reindex() redoes the accounts they touch).
// Each account's sums run in contact order, as in slot_index_pass: the same
// bits.
CATHEDRAL_VECTOR_CLONES
void Replication::key_index_pass(bool indices, bool tally) {
  const Params p = m_.params;
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  double* __restrict I = intimacy_.data();
  double* __restrict S = support_.data();
  double* __restrict K = support_index_.data();
  double* __restrict Ibar = intimacy_index_.data();
  const double* __restrict stance = stance_.data();
  const double* __restrict weight = weight_.data();
  const double* __restrict drive_I = intimacy_drive_.data();
  const double* __restrict drive_S = support_drive_.data();
  const std::uint64_t* __restrict real = real_.data();
  double* __restrict loss = intimacy_loss_.data();
  const double* __restrict org_start = org_start_.data();
  std::uint64_t* __restrict low = week_tally_[0].data();
  std::uint64_t* __restrict medium = week_tally_[1].data();
  std::uint64_t* __restrict high = week_tally_[2].data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t a = 0; a < A; ++a) {
    loss[a] = key_layer::intimacy_loss(p, org_start[a]);
    if (indices) {  // the same for every account: hoisted out of the loop
      K[a] = 0.0;
      Ibar[a] = 0.0;
      low[a] = medium[a] = high[a] = 0;
    }
  }
  const GridCuts g = m_.grid;
  auto sweep = [&](auto with_indices, auto with_tally) {
    for (int j = 0; j < slots_; ++j) {
      const std::size_t base = static_cast<std::size_t>(j) * A;
      CATHEDRAL_INDEPENDENT_ITERATIONS
      for (std::size_t a = 0; a < A; ++a) {
        const std::size_t k = base + a;
        const key_layer::ContactState c = key_layer::step_with(p, {I[k], S[k]}, stance[k], drive_I[k], drive_S[k], loss[a]);
        I[k] = c.intimacy;
        S[k] = c.support;
        if constexpr (decltype(with_indices)::value) {
          K[a] += deals::index_term(weight[k], c.support);
          Ibar[a] += deals::index_term(weight[k], c.intimacy);
        }
        if constexpr (decltype(with_tally)::value)
          packed_grid::add_contact(g, c.intimacy, c.support, real[k], low[a], medium[a], high[a]);
      }
    }
  };
  if (!indices)
    sweep(std::false_type{}, std::false_type{});
  else if (tally)
    sweep(std::true_type{}, std::true_type{});
  else
    sweep(std::true_type{}, std::false_type{});
}

// §3.3 key layer for every contact of the replication, from I, S and the
// account's O at the start of the step, in branch-free vector loops (mean
// field; Monte Carlo runs key_index_pass where contacts are slot-major).
CATHEDRAL_VECTOR_CLONES
void Replication::key_pass() {
  if (slot_major_) {  // the same sweep, without the indices
    key_index_pass(false, false);
    return;
  }
  const Params p = m_.params;
  double* __restrict I = intimacy_.data();
  double* __restrict S = support_.data();
  const double* __restrict stance = stance_.data();
  const double* __restrict drive_I = intimacy_drive_.data();
  const double* __restrict drive_S = support_drive_.data();
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  double* __restrict loss = intimacy_loss_.data();
  const double* __restrict org_start = org_start_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t a = 0; a < A; ++a) loss[a] = key_layer::intimacy_loss(p, org_start[a]);
  // account by account: each contact's copy of its account's loss keeps this a plain vector loop
  for (int a = 0; a < m_.n_accounts; ++a)
    std::fill(contact_loss_.begin() + m_.contact_begin[a], contact_loss_.begin() + m_.contact_begin[a + 1], loss[a]);
  const std::size_t n = intimacy_.size();
  const double* __restrict contact_loss = contact_loss_.data();
  CATHEDRAL_INDEPENDENT_ITERATIONS
  for (std::size_t k = 0; k < n; ++k) {
    const key_layer::ContactState c = key_layer::step_with(p, {I[k], S[k]}, stance[k], drive_I[k], drive_S[k], contact_loss[k]);
    I[k] = c.intimacy;
    S[k] = c.support;
  }
}

// Account a's indices and week tallies again, from its contacts as they are
// now (after departures): the same operations in the same order as the sweep.
void Replication::reindex(int a, bool tally) {
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  const GridCuts g = m_.grid;
  double K = 0.0, Ibar = 0.0;
  std::uint64_t words[3] = {0, 0, 0};
  for (int j = 0; j < slots_; ++j) {
    const std::size_t k = static_cast<std::size_t>(j) * A + static_cast<std::size_t>(a);
    K += deals::index_term(weight_[k], support_[k]);
    Ibar += deals::index_term(weight_[k], intimacy_[k]);
    if (tally) packed_grid::add_contact(g, intimacy_[k], support_[k], real_[k], words[0], words[1], words[2]);
  }
  support_index_[static_cast<std::size_t>(a)] = K;
  intimacy_index_[static_cast<std::size_t>(a)] = Ibar;
  for (int w = 0; w < 3; ++w) week_tally_[static_cast<std::size_t>(w)][static_cast<std::size_t>(a)] = words[w];
}

// The week's tallies into the week's packed words (word by word).
CATHEDRAL_VECTOR_CLONES
void Replication::add_week_tallies(std::uint64_t* __restrict packed) {
  const std::size_t A = static_cast<std::size_t>(m_.n_accounts);
  for (std::size_t w = 0; w < 3; ++w) {
    const std::uint64_t* __restrict week = week_tally_[w].data();
    CATHEDRAL_INDEPENDENT_ITERATIONS
    for (std::size_t a = 0; a < A; ++a) packed[w * A + a] += week[a];
  }
}

// The week's indices K and Ī per account (§3.6), where the fused sweep did
// not compute them, and the nine-grid tallies that go with them.
void Replication::indices(int t, const RecordTargets& out, bool indices_done) {
  const int A = m_.n_accounts;
  const std::size_t week_row = static_cast<std::size_t>(t) * A;
  if (slot_major_) {
    if (!indices_done) slot_index_pass(out.grid_packed ? out.grid_packed + week_row * packed_grid::kWords : nullptr);
    if (out.grid_counts && !out.grid_packed)
      for (std::size_t i = 0; i < cell_.size(); ++i)
        if (real_[i]) ++out.grid_counts[(week_row + account_[i]) * kGridCells + cell_[i]];
    return;
  }
  for (int a = 0; a < A; ++a) {
    double K, Ibar;
    index_pass(a, K, Ibar, out.grid_counts ? out.grid_counts + (week_row + a) * kGridCells : nullptr,
               out.grid_packed ? out.grid_packed + week_row * packed_grid::kWords + a : nullptr);
    support_index_[a] = K;
    intimacy_index_[a] = Ibar;
  }
}

// The instances step() runs (step lives in replication.cpp).
template void Replication::turnover_pass<false>(int);
template void Replication::turnover_pass<true>(int);

}  // namespace cathedral
