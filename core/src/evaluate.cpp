#include "cathedral/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "cathedral/parallel.hpp"

namespace cathedral {

void EvaluateOptions::validate(const Model& m) const {
  if (replications < 1) throw std::invalid_argument("replications: must be >= 1, got " + std::to_string(replications));
  if (threads < 0) throw std::invalid_argument("threads: must be >= 1, got " + std::to_string(threads));
  if (metric < 0 || !is_flow(metric))
    throw std::invalid_argument("objective: must be a flow metric, got index " + std::to_string(metric));
  if (static_cast<int>(week_weights.size()) != m.horizon_weeks)
    throw std::invalid_argument("week_weights: must hold one weight per week (" + std::to_string(m.horizon_weeks) +
                                "), got " + std::to_string(week_weights.size()));
  for (std::size_t t = 0; t < week_weights.size(); ++t)
    if (!std::isfinite(week_weights[t]))
      throw std::invalid_argument("week_weights[" + std::to_string(t) + "]: must be finite");
}

EvaluateResult evaluate(const Model& m, std::span<const double> allocations, std::int64_t candidates,
                        const std::vector<double>& focus, const EvaluateOptions& o, const RunMonitor& monitor) {
  o.validate(m);
  const int A = m.n_accounts, H = m.horizon_weeks, E = m.n_epochs;
  const std::size_t epoch_size = static_cast<std::size_t>(A) * kNumAllocFields;
  const std::size_t candidate_size = static_cast<std::size_t>(E) * epoch_size;
  if (candidates < 1) throw std::invalid_argument("candidates: must be >= 1");
  if (allocations.size() != static_cast<std::size_t>(candidates) * candidate_size)
    throw std::invalid_argument("allocations: must be candidates × epochs × accounts × fields (" +
                                std::to_string(static_cast<std::size_t>(candidates) * candidate_size) +
                                " values), got " + std::to_string(allocations.size()));
  if (!focus.empty() && focus.size() != m.contact_weight.size())
    throw std::invalid_argument("focus: must hold one weight per contact");
  const std::vector<double>& phi = focus.empty() ? m.contact_weight : focus;

  const std::int64_t R = o.mode == Mode::mean_field ? 1 : o.replications;
  const std::int64_t blocks = (R + kBlockReplications - 1) / kBlockReplications;
  int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<std::int64_t>(threads, candidates * blocks));

  EvaluateResult res;
  res.candidates = candidates;
  res.replications = R;
  res.n_accounts = A;
  res.replication_objective.assign(static_cast<std::size_t>(candidates * R), 0.0);
  // per candidate and block: the accounts' sums over the block's replications, in replication order
  std::vector<double> block_sums(static_cast<std::size_t>(candidates * blocks) * A, 0.0);

  struct Scratch {
    std::unique_ptr<Replication> rep;
    std::vector<double> flows;  // weeks × accounts of the objective's metric
  };
  std::vector<Scratch> scratch(static_cast<std::size_t>(threads));
  std::atomic<std::int64_t> progress{0};
  ParallelRun parallel(threads, monitor, progress, candidates * R * E);
  parallel(candidates * blocks, [&](std::int64_t task, int thread) {
    const std::int64_t c = task / blocks, block = task % blocks;
    Scratch& s = scratch[static_cast<std::size_t>(thread)];
    if (!s.rep) {
      s.rep = std::make_unique<Replication>(m, o.mode);
      s.flows.assign(static_cast<std::size_t>(H) * A, 0.0);
    }
    RecordTargets out;
    out.trajectories.emplace_back(o.metric, s.flows.data());
    const double* plan = allocations.data() + static_cast<std::size_t>(c) * candidate_size;
    double* sums = block_sums.data() + static_cast<std::size_t>(task) * A;
    for (std::int64_t r = block * kBlockReplications; r < std::min(R, (block + 1) * kBlockReplications); ++r) {
      s.rep->start(r, o.seed);
      for (int e = 0; e < E; ++e) {
        if (parallel.cancelled()) return;
        s.rep->begin_epoch(m.epoch_start(e), {plan + static_cast<std::size_t>(e) * epoch_size, epoch_size}, phi);
        for (int t = m.epoch_start(e); t < m.epoch_end(e); ++t) s.rep->run_week(t, out);
        progress.fetch_add(1, std::memory_order_relaxed);
      }
      // weighted over the weeks per account (week order), then summed over the accounts (account order)
      double total = 0.0;
      for (int a = 0; a < A; ++a) {
        double v = 0.0;
        for (int t = 0; t < H; ++t) v += o.week_weights[static_cast<std::size_t>(t)] * s.flows[static_cast<std::size_t>(t) * A + a];
        sums[a] += v;
        total += v;
      }
      res.replication_objective[static_cast<std::size_t>(c * R + r)] = total;
    }
  });
  res.account_objective.assign(static_cast<std::size_t>(candidates) * A, 0.0);
  for (std::int64_t c = 0; c < candidates; ++c)
    for (int a = 0; a < A; ++a) {
      double v = 0.0;
      for (std::int64_t b = 0; b < blocks; ++b) v += block_sums[static_cast<std::size_t>(c * blocks + b) * A + a];
      res.account_objective[static_cast<std::size_t>(c) * A + a] = v / static_cast<double>(R);
    }
  return res;
}

}  // namespace cathedral
