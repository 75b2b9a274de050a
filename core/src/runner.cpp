#include "cathedral/runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "cathedral/model/outputs.hpp"
#include "cathedral/parallel.hpp"
#include "cathedral/run_parts.hpp"

namespace cathedral {

void RunOptions::validate() const {
  if (replications < 1) throw std::invalid_argument("replications: must be >= 1, got " + std::to_string(replications));
  if (threads < 0) throw std::invalid_argument("threads: must be >= 1, got " + std::to_string(threads));
  for (int m : keep_trajectories)
    if (m < 0 || m >= kNumMetrics) throw std::invalid_argument("keep: unknown metric index " + std::to_string(m));
}

namespace {

// Sums over one block of replications, in replication order.
struct BlockSums {
  std::vector<double> account_sum, account_sq, allocation_sum;
  BlockSums(std::size_t accounts_metrics, std::size_t allocation_size)
      : account_sum(accounts_metrics, 0.0), account_sq(accounts_metrics, 0.0), allocation_sum(allocation_size, 0.0) {}
};

// Integer tallies: exact in any order, so each thread keeps its own.
struct ThreadTallies {
  std::vector<std::int32_t> grid;   // weeks × accounts × 9
  std::vector<std::uint64_t> grid_packed;  // weeks × packed_grid::kWords × accounts, unpacked into grid after each task
  std::vector<std::int32_t> tiers;  // epochs × accounts × 5
};

class Runner {
 public:
  Runner(const Model& m, const Policy& policy, const RunOptions& o)
      : m_(m), policy_(policy), o_(o) {
    R_ = o.mode == Mode::mean_field ? 1 : o.replications;
    H_ = m.horizon_weeks;
    A_ = m.n_accounts;
    E_ = m.n_epochs;
    n_blocks_ = (R_ + kBlockReplications - 1) / kBlockReplications;
    // No more threads than blocks: each thread keeps its own tallies.
    threads_ = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads_ = static_cast<int>(std::min<std::int64_t>(threads_, n_blocks_));

    res_ = empty_result(m, o, R_);
    res_.portfolio.assign(static_cast<std::size_t>(R_) * H_ * kNumMetrics, 0.0);
    res_.scale.assign(static_cast<std::size_t>(R_) * E_, 1.0);
    res_.binding.assign(static_cast<std::size_t>(R_) * E_, 0);
    res_.infeasible.assign(static_cast<std::size_t>(R_) * E_, 0);
    for (std::size_t i = 0; i < o.keep_trajectories.size(); ++i)
      res_.trajectories.emplace_back(static_cast<std::size_t>(R_) * H_ * A_, 0.0);
    account_sum_.assign(static_cast<std::size_t>(A_) * kNumMetrics, 0.0);
    account_sq_.assign(account_sum_.size(), 0.0);
    allocation_sum_.assign(static_cast<std::size_t>(E_) * A_ * kNumAllocFields, 0.0);
    tallies_.resize(static_cast<std::size_t>(threads_));
    for (auto& t : tallies_) {
      t.grid.assign(static_cast<std::size_t>(H_) * A_ * kGridCells, 0);
      t.grid_packed.assign(static_cast<std::size_t>(H_) * A_ * packed_grid::kWords, 0);
      t.tiers.assign(static_cast<std::size_t>(E_) * A_ * 5, 0);
    }
  }

  RunResult run(const RunMonitor& monitor) {
    std::atomic<std::int64_t> progress{0};
    ParallelRun parallel(threads_, monitor, progress, R_ * E_);
    if (policy_.needs_all_replications())
      run_synchronised(parallel, progress);
    else
      run_independent(parallel, progress);
    finalise();
    return std::move(res_);
  }

 private:
  RecordTargets targets_for(std::int64_t r, double* account_totals, int thread) {
    RecordTargets t;
    t.portfolio = res_.portfolio.data() + static_cast<std::size_t>(r) * H_ * kNumMetrics;
    t.account_totals = account_totals;
    t.grid_counts = tallies_[static_cast<std::size_t>(thread)].grid.data();
    t.grid_packed = tallies_[static_cast<std::size_t>(thread)].grid_packed.data();
    for (std::size_t i = 0; i < res_.trajectory_metrics.size(); ++i)
      t.trajectories.emplace_back(res_.trajectory_metrics[i],
                                  res_.trajectories[i].data() + static_cast<std::size_t>(r) * H_ * A_);
    return t;
  }

  // Tiers seen at the epoch, then the policy's allocation fitted to the resources.
  void decide_and_fit(std::int64_t r, int epoch, const Observation& obs, int row, std::span<double> alloc,
                      std::span<const std::uint8_t> jic_running, int thread) {
    record_fit(r, epoch, obs, row, fit_to_resources(m_, alloc, jic_running, o_.strict, epoch), thread);
  }
  void record_fit(std::int64_t r, int epoch, const Observation& obs, int row, const ResourceFit& fit, int thread) {
    tally_tiers(obs, row, epoch, tallies_[static_cast<std::size_t>(thread)].tiers.data());
    const std::size_t at = static_cast<std::size_t>(r) * E_ + epoch;
    res_.scale[at] = fit.scale;
    res_.binding[at] = static_cast<std::int8_t>(fit.binding);
    res_.infeasible[at] = fit.infeasible ? 1 : 0;
  }

  // Adds a thread's packed nine-grid tallies of weeks [t0, t1) to its counts
  // and clears them; called after every task (at most one block of replications).
  void unpack_grid(int thread, int t0, int t1) {
    static_assert(kBlockReplications <= packed_grid::kMaxReplications);
    ThreadTallies& tally = tallies_[static_cast<std::size_t>(thread)];
    const std::size_t A = static_cast<std::size_t>(A_);
    for (std::size_t t = static_cast<std::size_t>(t0); t < static_cast<std::size_t>(t1); ++t) {
      std::uint64_t* week = tally.grid_packed.data() + t * packed_grid::kWords * A;
      for (std::size_t a = 0; a < A; ++a) packed_grid::unpack_add(week + a, A, tally.grid.data() + (t * A + a) * kGridCells);
      std::fill(week, week + packed_grid::kWords * A, 0);
    }
  }

  static void add_allocation(BlockSums& sums, int epoch, std::span<const double> alloc) {
    double* dst = sums.allocation_sum.data() + static_cast<std::size_t>(epoch) * alloc.size();
    for (std::size_t i = 0; i < alloc.size(); ++i) dst[i] += alloc[i];
  }

  static void add_account_totals(BlockSums& sums, const std::vector<double>& totals) {
    for (std::size_t i = 0; i < totals.size(); ++i) outputs::accumulate(sums.account_sum[i], sums.account_sq[i], totals[i]);
  }

  // Blocks finish in any order; they are added in block order.
  void submit(std::int64_t block, std::unique_ptr<BlockSums> sums) {
    std::lock_guard<std::mutex> lock(merge_mu_);
    pending_[block] = std::move(sums);
    for (auto it = pending_.find(next_block_); it != pending_.end(); it = pending_.find(next_block_)) {
      const BlockSums& s = *it->second;
      for (std::size_t i = 0; i < account_sum_.size(); ++i) {
        account_sum_[i] += s.account_sum[i];
        account_sq_[i] += s.account_sq[i];
      }
      for (std::size_t i = 0; i < allocation_sum_.size(); ++i) allocation_sum_[i] += s.allocation_sum[i];
      pending_.erase(it);
      ++next_block_;
    }
  }

  std::unique_ptr<BlockSums> new_block_sums() const {
    return std::make_unique<BlockSums>(account_sum_.size(), allocation_sum_.size());
  }

  // Built-in policies: each thread runs whole blocks, a replication at a time
  // through every epoch, so memory stays one replication per thread.
  void run_independent(ParallelRun& parallel, std::atomic<std::int64_t>& progress) {
    std::vector<std::unique_ptr<Replication>> reps(static_cast<std::size_t>(threads_));
    parallel(n_blocks_, [&](std::int64_t block, int thread) {
      auto& rep_ptr = reps[static_cast<std::size_t>(thread)];
      if (!rep_ptr) rep_ptr = std::make_unique<Replication>(m_, o_.mode, o_.contact_layout);
      Replication& rep = *rep_ptr;
      Observation obs;
      obs.resize(1, A_);
      fill_resources(m_, obs);
      std::vector<double> alloc(static_cast<std::size_t>(A_) * kNumAllocFields);
      std::vector<double> totals(static_cast<std::size_t>(A_) * kNumMetrics);
      auto sums = new_block_sums();
      const std::int64_t r_end = std::min(R_, (block + 1) * kBlockReplications);
      for (std::int64_t r = block * kBlockReplications; r < r_end; ++r) {
        std::fill(totals.begin(), totals.end(), 0.0);
        const RecordTargets out = targets_for(r, totals.data(), thread);
        const bool done = run_replication(m_, policy_, rep, obs, alloc, r, o_.seed, o_.strict, out, parallel,
                                          [&](int e, const ResourceFit& fit, const Observation& seen) {
                                            record_fit(r, e, seen, 0, fit, thread);
                                            add_allocation(*sums, e, alloc);
                                            progress.fetch_add(1, std::memory_order_relaxed);
                                          });
        if (!done) return;
        add_account_totals(*sums, totals);
      }
      unpack_grid(thread, 0, H_);
      submit(block, std::move(sums));
    });
  }

  // A policy that sees every replication at once: all replications advance
  // to the next epoch (threads share the blocks), then it is called once.
  void run_synchronised(ParallelRun& parallel, std::atomic<std::int64_t>& progress) {
    std::vector<std::unique_ptr<Replication>> reps(static_cast<std::size_t>(R_));
    std::vector<std::unique_ptr<BlockSums>> sums(static_cast<std::size_t>(n_blocks_));
    Observation obs;
    obs.resize(static_cast<int>(R_), A_);
    fill_resources(m_, obs);
    std::vector<double> alloc(static_cast<std::size_t>(R_) * A_ * kNumAllocFields);
    const std::size_t row_size = static_cast<std::size_t>(A_) * kNumAllocFields;
    auto block_range = [&](std::int64_t block) {
      return std::pair{block * kBlockReplications, std::min(R_, (block + 1) * kBlockReplications)};
    };
    parallel(n_blocks_, [&](std::int64_t block, int) {
      sums[static_cast<std::size_t>(block)] = new_block_sums();
      for (auto [r, end] = block_range(block); r < end; ++r) {
        reps[static_cast<std::size_t>(r)] = std::make_unique<Replication>(m_, o_.mode, o_.contact_layout);
        reps[static_cast<std::size_t>(r)]->start(r, o_.seed);
      }
    });
    for (int e = 0; e < E_; ++e) {
      const int t0 = m_.epoch_start(e);
      obs.epoch = e;
      obs.week = t0;
      parallel(n_blocks_, [&](std::int64_t block, int) {
        for (auto [r, end] = block_range(block); r < end; ++r)
          reps[static_cast<std::size_t>(r)]->observe(obs, static_cast<int>(r));
      });
      policy_.decide(obs, alloc);
      parallel(n_blocks_, [&](std::int64_t block, int thread) {
        BlockSums& s = *sums[static_cast<std::size_t>(block)];
        for (auto [r, end] = block_range(block); r < end; ++r) {
          Replication& rep = *reps[static_cast<std::size_t>(r)];
          const std::span<double> row(alloc.data() + static_cast<std::size_t>(r) * row_size, row_size);
          decide_and_fit(r, e, obs, static_cast<int>(r), row, rep.jic_running(), thread);
          add_allocation(s, e, row);
          rep.begin_epoch(t0, row, policy_.contact_focus(t0));
          // per-account totals come from finish(): the replication sums its flows itself
          const RecordTargets out = targets_for(r, nullptr, thread);
          for (int t = t0; t < m_.epoch_end(e); ++t) {
            if (parallel.cancelled()) return;
            rep.run_week(t, out);
          }
          progress.fetch_add(1, std::memory_order_relaxed);
        }
        unpack_grid(thread, t0, m_.epoch_end(e));
      });
    }
    parallel(n_blocks_, [&](std::int64_t block, int thread) {
      std::vector<double> totals(static_cast<std::size_t>(A_) * kNumMetrics);
      for (auto [r, end] = block_range(block); r < end; ++r) {
        std::fill(totals.begin(), totals.end(), 0.0);
        reps[static_cast<std::size_t>(r)]->finish(targets_for(r, totals.data(), thread));
        add_account_totals(*sums[static_cast<std::size_t>(block)], totals);
        reps[static_cast<std::size_t>(r)].reset();
      }
      submit(block, std::move(sums[static_cast<std::size_t>(block)]));
    });
  }

  void finalise() {
    // the threads' integer tallies, then every sum into its mean (run_parts.hpp)
    std::vector<std::int64_t> grid(static_cast<std::size_t>(H_) * A_ * kGridCells, 0);
    std::vector<std::int64_t> tiers(static_cast<std::size_t>(E_) * A_ * 5, 0);
    for (const auto& t : tallies_) {
      for (std::size_t i = 0; i < t.grid.size(); ++i) grid[i] += t.grid[i];
      for (std::size_t i = 0; i < t.tiers.size(); ++i) tiers[i] += t.tiers[i];
    }
    finish_result(res_, m_, account_sum_, account_sq_, allocation_sum_, grid, tiers);
  }

  const Model& m_;
  const Policy& policy_;
  const RunOptions& o_;
  std::int64_t R_ = 0, n_blocks_ = 0;
  int H_ = 0, A_ = 0, E_ = 0, threads_ = 1;
  RunResult res_;
  std::vector<double> account_sum_, account_sq_, allocation_sum_;
  std::vector<ThreadTallies> tallies_;
  std::mutex merge_mu_;
  std::map<std::int64_t, std::unique_ptr<BlockSums>> pending_;
  std::int64_t next_block_ = 0;
};

}  // namespace

RunResult empty_result(const Model& m, const RunOptions& o, std::int64_t replications) {
  RunResult res;
  res.replications = replications;
  res.horizon_weeks = m.horizon_weeks;
  res.n_accounts = m.n_accounts;
  res.n_epochs = m.n_epochs;
  res.decision_interval_weeks = m.decision_interval_weeks;
  res.seed = o.seed;
  res.mode = o.mode;
  res.trajectory_metrics = o.keep_trajectories;
  return res;
}

RunResult run(const Model& model, const Policy& policy, const RunOptions& options, const RunMonitor& monitor) {
  options.validate();
  Runner runner(model, policy, options);
  return runner.run(monitor);
}

}  // namespace cathedral
