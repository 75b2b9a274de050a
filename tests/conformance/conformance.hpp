// Comparing a kernel run with a reference run bit for bit, reporting the
// first difference by its place: metric, replication, week, account.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "cathedral/metrics.hpp"
#include "cathedral/runner.hpp"

namespace cathedral::conformance {

inline std::vector<int> all_metrics() {
  std::vector<int> v;
  for (int i = 0; i < kNumMetrics; ++i) v.push_back(i);
  return v;
}

// The first index at which two arrays differ in their bits, or -1.
template <class T>
long first_difference(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) return static_cast<long>(i);
  return -1;
}

template <class T>
std::string show(const std::vector<T>& a, long i) {
  std::ostringstream os;
  os.precision(17);
  if (i < static_cast<long>(a.size())) os << +a[static_cast<std::size_t>(i)];
  else os << "(absent)";
  return os.str();
}

// Every output of the kernel's run against the reference's, bit for bit.
inline ::testing::AssertionResult same_bits(const RunResult& kernel, const RunResult& ref) {
  std::ostringstream why;
  const long H = ref.horizon_weeks, A = ref.n_accounts, E = ref.n_epochs;
  auto check = [&](const char* name, const auto& k, const auto& r, auto where) {
    const long i = first_difference(k, r);
    if (i < 0) return;
    if (k.size() != r.size()) why << name << ": sizes " << k.size() << " vs " << r.size() << "\n";
    else why << name << " " << where(i) << ": kernel " << show(k, i) << ", reference " << show(r, i) << "\n";
  };
  if (kernel.replications != ref.replications) why << "replications " << kernel.replications << " vs " << ref.replications << "\n";
  check("portfolio", kernel.portfolio, ref.portfolio, [&](long i) {
    return std::string(kMetricNames[static_cast<std::size_t>(i % kNumMetrics)]) + " replication " +
           std::to_string(i / kNumMetrics / H) + " week " + std::to_string(i / kNumMetrics % H);
  });
  if (kernel.trajectory_metrics != ref.trajectory_metrics) why << "kept trajectories differ\n";
  for (std::size_t m = 0; m < kernel.trajectories.size() && m < ref.trajectories.size(); ++m) {
    const std::string metric = kMetricNames[static_cast<std::size_t>(kernel.trajectory_metrics[m])];
    check("trajectory", kernel.trajectories[m], ref.trajectories[m], [&](long i) {
      return metric + " replication " + std::to_string(i / A / H) + " week " + std::to_string(i / A % H) + " account " +
             std::to_string(i % A);
    });
  }
  auto per_account = [&](long i) {
    return "account " + std::to_string(i / kNumMetrics) + " " + kMetricNames[static_cast<std::size_t>(i % kNumMetrics)];
  };
  check("account_mean", kernel.account_mean, ref.account_mean, per_account);
  check("account_var", kernel.account_var, ref.account_var, per_account);
  check("grid_mean", kernel.grid_mean, ref.grid_mean, [&](long i) {
    return "week " + std::to_string(i / 9 / A) + " account " + std::to_string(i / 9 % A) + " cell " + std::to_string(i % 9);
  });
  auto per_epoch = [&](long i) { return "epoch " + std::to_string(i / 5 / A) + " account " + std::to_string(i / 5 % A); };
  check("tier_share", kernel.tier_share, ref.tier_share, per_epoch);
  check("allocation_mean", kernel.allocation_mean, ref.allocation_mean, [&](long i) {
    return "epoch " + std::to_string(i / kNumAllocFields / A) + " account " + std::to_string(i / kNumAllocFields % A);
  });
  auto per_rep_epoch = [&](long i) { return "replication " + std::to_string(i / E) + " epoch " + std::to_string(i % E); };
  check("scale", kernel.scale, ref.scale, per_rep_epoch);
  check("binding", kernel.binding, ref.binding, per_rep_epoch);
  check("infeasible", kernel.infeasible, ref.infeasible, per_rep_epoch);
  check("kpis", kernel.kpis, ref.kpis, [&](long i) {
    const long n = static_cast<long>(ref.kpi_names.size());
    return ref.kpi_names[static_cast<std::size_t>(i % n)] + " replication " + std::to_string(i / n);
  });
  if (kernel.kpi_names != ref.kpi_names) why << "kpi names differ\n";
  if (why.str().empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << why.str();
}

}  // namespace cathedral::conformance
