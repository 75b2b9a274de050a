// Batch runs: many scenario variants × plans in one call, and one run a range
// of blocks at a time (batch.hpp). A replication runs exactly as run() runs it
// for a built-in policy (runner.cpp, run_independent); the tests compare both
// bit for bit.
#include "cathedral/batch.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>

#include "cathedral/metrics.hpp"
#include "cathedral/model/outputs.hpp"
#include "cathedral/parallel.hpp"
#include "cathedral/policy.hpp"
#include "cathedral/replication.hpp"
#include "cathedral/resources.hpp"
#include "cathedral/run_parts.hpp"
#include "cathedral/schema/scenario_tables.hpp"
#include "cathedral/tiers.hpp"

namespace cathedral::batch {

namespace {

using schema::Field;
using schema::Table;
using schema::Type;
using json = nlohmann::json;

int hardware_threads(int wanted) {
  return wanted > 0 ? wanted : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// The fields a point may change: numbers and integers (not names, flags or lists).
template <class O>
std::vector<std::string> numeric_fields(const Table<O>& t) {
  std::vector<std::string> names;
  for (const auto& f : t.fields())
    if ((f.type == Type::number || f.type == Type::integer) && f.forbidden.empty()) names.push_back(f.name);
  return names;
}

template <class O>
const Field<O>* find_numeric(const Table<O>& t, const std::string& name) {
  for (const auto& f : t.fields())
    if (f.name == name && (f.type == Type::number || f.type == Type::integer) && f.forbidden.empty()) return &f;
  return nullptr;
}

template <class O>
const Field<O>& field_of(const Table<O>& t, const std::string& name) {
  const Field<O>* f = find_numeric(t, name);
  if (!f) throw std::logic_error("batch: no field " + name);
  return *f;
}

double value_of(const json& v) { return v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>(); }

// Calls fn(table, owners, element path prefix) for the objects an edit touches.
template <class Fn>
void visit(const Edit& e, Scenario& s, Fn&& fn) {
  switch (e.target) {
    case Edit::Target::params: fn(schema::params_table(), &s.params, 1, std::string("params")); break;
    case Edit::Target::costs: fn(schema::costs_table(), &s.costs, 1, std::string("costs")); break;
    case Edit::Target::resources: fn(schema::resources_table(), &s.resources, 1, std::string("resources")); break;
    case Edit::Target::accounts: fn(schema::account_table(), s.accounts.data(), s.accounts.size(), std::string("accounts")); break;
    case Edit::Target::account:
      fn(schema::account_table(), s.accounts.data() + e.account, 1, "accounts[" + std::to_string(e.account) + "]");
      break;
  }
}

// Intersects [lo, hi] with another interval (an open end wins a tie).
void intersect(Bounds& b, double lo, bool lo_open, double hi, bool hi_open) {
  if (lo > b.lo || (lo == b.lo && lo_open)) {
    b.lo = lo;
    b.lo_open = lo_open;
  }
  if (hi < b.hi || (hi == b.hi && hi_open)) {
    b.hi = hi;
    b.hi_open = hi_open;
  }
}

}  // namespace

Edit resolve(const Scenario& s, const std::string& path, const std::string& how) {
  Edit e;
  e.path = path;
  if (how == "set")
    e.how = Edit::How::set;
  else if (how == "scale")
    e.how = Edit::How::scale;
  else if (how == "shift")
    e.how = Edit::How::shift;
  else
    throw std::invalid_argument(path + ": how must be \"set\", \"scale\" or \"shift\", got " + schema::quote(how));

  const auto dot = path.find('.');
  std::string section = path.substr(0, std::min(dot, path.find('[')));
  const std::vector<std::string> sections{"params", "costs", "resources", "accounts"};
  if (std::find(sections.begin(), sections.end(), section) == sections.end())
    throw std::invalid_argument(path + ": " +
                                schema::unknown_message("section", "sections", section,
                                                        {"params", "costs", "resources", "accounts"}) +
                                " (paths are params.<name>, costs.<name>, resources.<name>, accounts.<field> or "
                                "accounts[<id>].<field>)");
  std::string rest = path.substr(section.size());
  if (section == "accounts" && !rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) throw std::invalid_argument(path + ": no closing ] after the account id");
    std::string id = rest.substr(1, close - 1);
    if (id.size() >= 2 && (id.front() == '"' || id.front() == '\'') && id.back() == id.front())
      id = id.substr(1, id.size() - 2);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < s.accounts.size(); ++i) {
      ids.push_back(s.accounts[i].id);
      if (s.accounts[i].id == id) e.account = static_cast<int>(i);
    }
    if (e.account < 0) throw std::invalid_argument(path + ": " + schema::unknown_message("account id", "account ids", id, ids, 10));
    e.target = Edit::Target::account;
    rest = rest.substr(close + 1);
  } else {
    e.target = section == "params"      ? Edit::Target::params
               : section == "costs"     ? Edit::Target::costs
               : section == "resources" ? Edit::Target::resources
                                        : Edit::Target::accounts;
  }
  if (rest.size() < 2 || rest[0] != '.')
    throw std::invalid_argument(path + ": name the field after a dot, e.g. " + section + ".<field>");
  e.field = rest.substr(1);

  auto check = [&](const auto& table, const char* what) {
    const auto* f = find_numeric(table, e.field);
    if (!f) {
      throw std::invalid_argument(path + ": " + schema::unknown_message(what, std::string(what) + "s", e.field,
                                                                        numeric_fields(table)));
    }
    if (f->type == Type::integer && e.how == Edit::How::scale)
      throw std::invalid_argument(path + ": how=\"scale\" needs a field of real numbers; " + e.field +
                                  " holds whole numbers (use \"set\" or \"shift\")");
  };
  switch (e.target) {
    case Edit::Target::params: check(schema::params_table(), "parameter"); break;
    case Edit::Target::costs: check(schema::costs_table(), "cost"); break;
    case Edit::Target::resources: check(schema::resources_table(), "resource"); break;
    default: check(schema::account_table(), "account field"); break;
  }
  return e;
}

Bounds value_bounds(const Scenario& s, const Edit& e) {
  Bounds out{};
  Scenario& mutable_s = const_cast<Scenario&>(s);  // visit() only reads here
  visit(e, mutable_s, [&](const auto& table, auto* owners, std::size_t n, const std::string&) {
    const auto& f = field_of(table, e.field);
    const Bounds d = domain_bounds(f.domain);
    out = d;
    if (e.how == Edit::How::set) return;
    const double inf = std::numeric_limits<double>::infinity();
    out = Bounds{-inf, inf, false, false, d.integer, true};
    for (std::size_t i = 0; i < n; ++i) {
      const double x = value_of(*f.write(owners[i]));
      if (e.how == Edit::How::shift) {
        intersect(out, d.lo - x, d.lo_open, d.hi - x, d.hi_open);
      } else if (x > 0) {
        intersect(out, d.lo / x, d.lo_open, d.hi / x, d.hi_open);
      } else if (x < 0) {
        intersect(out, d.hi / x, d.hi_open, d.lo / x, d.lo_open);
      } else if (domain_violation(f.domain, 0.0).size()) {  // 0 stays 0: outside the domain whatever the factor
        out.lo = inf;
        out.hi = -inf;
      }
    }
  });
  return out;
}

void apply(Scenario& s, const std::vector<Edit>& edits, std::span<const double> values) {
  if (values.size() != edits.size()) throw std::invalid_argument("batch: one value per edit is needed");
  schema::Reader r;
  r.scenario = &s;
  for (std::size_t k = 0; k < edits.size(); ++k) {
    const double v = values[k];
    if (std::isnan(v)) continue;
    const Edit& e = edits[k];
    visit(e, s, [&](const auto& table, auto* owners, std::size_t n, const std::string& prefix) {
      const auto& f = field_of(table, e.field);
      for (std::size_t i = 0; i < n; ++i) {
        double x = v;
        if (e.how != Edit::How::set) {
          const double now = value_of(*f.write(owners[i]));
          x = e.how == Edit::How::scale ? now * v : now + v;
        }
        const std::string element = e.target == Edit::Target::accounts ? prefix + "[" + std::to_string(i) + "]" : prefix;
        const std::size_t before = r.problems.size();
        const std::string field_path = schema::key_path(element, f.name);
        f.read(owners[i], json(x), field_path, r);
        if (r.problems.size() == before && f.check)
          if (std::string rule = f.check(owners[i], r); !rule.empty()) r.add(field_path, rule);
        if (r.problems.size() > before && e.how != Edit::How::set)
          r.problems.back() += " (" + e.path + (e.how == Edit::How::scale ? " scaled by " : " shifted by ") +
                               format_number(v) + ")";
      }
    });
  }
  if (!r.problems.empty()) throw ScenarioError(std::move(r.problems));
}

Scenario point_scenario(const Scenario& base, const std::vector<Edit>& edits, std::span<const double> values) {
  Scenario s = base;
  apply(s, edits, values);  // each field's domain and own rules
  // The rules across the scenario's fields (e.g. the deal flow of §9's parameters) read the
  // Scenario; the rest of the file is the valid base scenario's, so nothing else can fail.
  schema::Reader r;
  r.scenario = &s;
  const json no_object = json::object();
  for (const auto& rule : schema::scenario_table().rules()) rule.check(s, no_object, "", r);
  if (!r.problems.empty()) throw ScenarioError(std::move(r.problems));
  return s;
}

namespace {

void check_outcomes(const PointsOptions& o, int horizon) {
  if (o.outcomes.empty()) throw std::invalid_argument("outcomes: at least one is needed");
  if (o.period_ends.empty() || o.period_ends.back() != horizon)
    throw std::invalid_argument("batch: the periods must end at the horizon");
  for (std::size_t p = 0; p < o.period_ends.size(); ++p)
    if (o.period_ends[p] <= (p ? o.period_ends[p - 1] : 0)) throw std::invalid_argument("batch: empty period");
  const int n_kpis = static_cast<int>(kpi_names(horizon).size());
  for (const Outcome& out : o.outcomes) {
    if (out.kind == Outcome::Kind::metric && (out.index < 0 || out.index >= kNumMetrics))
      throw std::invalid_argument("batch: no metric " + std::to_string(out.index));
    if (out.kind == Outcome::Kind::kpi && (out.index < 0 || out.index >= n_kpis))
      throw std::invalid_argument("batch: no KPI " + std::to_string(out.index));
    if (out.kind == Outcome::Kind::kpi && o.period_ends.size() != 1)
      throw std::invalid_argument("batch: a KPI is measured over the horizon only");
  }
}

// The outcomes of one replication from its weekly portfolio series: outcomes × periods.
void measure(const PointsOptions& o, const std::vector<double>& weekly, int horizon, double account_managers,
             std::vector<double>& kpis, double* out) {
  const std::size_t P = o.period_ends.size();
  bool kpis_done = false;
  for (std::size_t k = 0; k < o.outcomes.size(); ++k) {
    const Outcome& oc = o.outcomes[k];
    if (oc.kind == Outcome::Kind::kpi) {
      if (!kpis_done) {
        compute_kpis(weekly, horizon, account_managers, kpis);
        kpis_done = true;
      }
      out[k * P] = kpis[static_cast<std::size_t>(oc.index)];
      continue;
    }
    int t = 0;
    for (std::size_t p = 0; p < P; ++p) {
      const int end = o.period_ends[p];
      if (is_flow(oc.index)) {
        double s = 0.0;  // in week order
        for (; t < end; ++t) s += weekly[static_cast<std::size_t>(t) * kNumMetrics + oc.index];
        out[k * P + p] = s;
      } else {
        t = end;
        out[k * P + p] = weekly[static_cast<std::size_t>(end - 1) * kNumMetrics + oc.index];
      }
    }
  }
}

}  // namespace

PointsResult run_points(const Scenario& base, const std::vector<Edit>& edits, std::span<const double> values,
                        std::int64_t n_points, const std::vector<PolicySpec>& plans, const PointsOptions& o,
                        const RunMonitor& monitor) {
  if (n_points < 1) throw std::invalid_argument("design: it has no points");
  if (values.size() != static_cast<std::size_t>(n_points) * edits.size())
    throw std::invalid_argument("batch: values must be points × edits");
  if (plans.empty()) throw std::invalid_argument("plans: at least one is needed");
  if (o.replications < 1) throw std::invalid_argument("replications: must be >= 1, got " + std::to_string(o.replications));
  check_outcomes(o, base.horizon_weeks);
  const std::int64_t R = o.mode == Mode::mean_field ? 1 : o.replications;
  const std::int64_t all_blocks = (R + kBlockReplications - 1) / kBlockReplications;
  const std::int64_t b0 = o.first_block;
  const std::int64_t nb = o.n_blocks < 0 ? all_blocks - b0 : o.n_blocks;
  if (b0 < 0 || nb < 1 || b0 + nb > all_blocks)
    throw std::invalid_argument("batch: blocks [" + std::to_string(b0) + ", " + std::to_string(b0 + nb) +
                                ") are not within the run's " + std::to_string(all_blocks));
  const std::int64_t r_begin = b0 * kBlockReplications, r_end = std::min(R, (b0 + nb) * kBlockReplications);
  const std::size_t K = o.outcomes.size(), P = o.period_ends.size(), D = edits.size();
  const std::size_t n_plans = plans.size();
  const int threads = hardware_threads(o.threads);

  // Every point is checked before anything runs.
  {
    std::atomic<std::int64_t> progress{0};
    const RunMonitor no_monitor;
    ParallelRun check(threads, no_monitor, progress, 1);
    std::vector<std::string> first_problem(static_cast<std::size_t>(threads));
    std::vector<std::int64_t> first_point(static_cast<std::size_t>(threads), -1);
    check(n_points, [&](std::int64_t p, int thread) {
      try {
        (void)point_scenario(base, edits, values.subspan(static_cast<std::size_t>(p) * D, D));
      } catch (const ScenarioError& err) {
        auto& at = first_point[static_cast<std::size_t>(thread)];
        if (at < 0 || p < at) {
          at = p;
          first_problem[static_cast<std::size_t>(thread)] = err.what();
        }
      }
    });
    std::int64_t worst = -1;
    std::string message;
    for (std::size_t t = 0; t < first_point.size(); ++t)
      if (first_point[t] >= 0 && (worst < 0 || first_point[t] < worst)) {
        worst = first_point[t];
        message = first_problem[t];
      }
    if (worst >= 0) throw ScenarioError({"point " + std::to_string(worst) + ": " + message});
  }

  PointsResult res;
  res.points = n_points;
  res.plans = static_cast<std::int64_t>(n_plans);
  res.blocks = nb;
  res.replications = r_end - r_begin;
  res.outcomes = static_cast<std::int64_t>(K);
  res.periods = static_cast<std::int64_t>(P);
  const std::size_t cell = K * P;
  res.sum.assign(static_cast<std::size_t>(n_points) * n_plans * static_cast<std::size_t>(nb) * cell, 0.0);
  res.sum_sq.assign(res.sum.size(), 0.0);
  res.count.assign(res.sum.size(), 0);
  if (o.keep_replications)
    res.values.assign(static_cast<std::size_t>(n_points) * n_plans * static_cast<std::size_t>(res.replications) * cell, 0.0);

  // A task is one point's blocks under every plan (one scenario and model built per task).
  std::atomic<std::int64_t> progress{0};
  ParallelRun parallel(threads, monitor, progress, n_points);
  const int H = base.horizon_weeks;
  parallel(n_points, [&](std::int64_t p, int) {
    Scenario s = base;
    apply(s, edits, values.subspan(static_cast<std::size_t>(p) * D, D));
    const Model m = Model::build(s);
    Replication rep(m, o.mode);
    Observation obs;
    obs.resize(1, m.n_accounts);
    fill_resources(m, obs);
    std::vector<double> alloc(static_cast<std::size_t>(m.n_accounts) * kNumAllocFields);
    std::vector<double> weekly(static_cast<std::size_t>(H) * kNumMetrics);
    std::vector<double> kpis(kpi_names(H).size());
    std::vector<double> measured(cell);
    RecordTargets out;
    out.portfolio = weekly.data();
    for (std::size_t plan = 0; plan < n_plans; ++plan) {
      const auto policy = make_policy(plans[plan], m);
      const std::size_t row = static_cast<std::size_t>(p) * n_plans + plan;
      for (std::int64_t r = r_begin; r < r_end; ++r) {
        std::fill(weekly.begin(), weekly.end(), 0.0);
        run_replication(m, *policy, rep, obs, alloc, r, o.seed, false, out, parallel,
                        [](int, const ResourceFit&, const Observation&) {});
        if (parallel.cancelled()) return;
        measure(o, weekly, H, m.resources.account_managers, kpis, measured.data());
        const std::size_t block = static_cast<std::size_t>(r / kBlockReplications - b0);
        const std::size_t at = (row * static_cast<std::size_t>(nb) + block) * cell;
        for (std::size_t i = 0; i < cell; ++i) {
          const double x = measured[i];
          if (std::isnan(x)) continue;
          outputs::accumulate(res.sum[at + i], res.sum_sq[at + i], x);
          ++res.count[at + i];
        }
        if (o.keep_replications)
          std::copy(measured.begin(), measured.end(),
                    res.values.begin() + static_cast<std::ptrdiff_t>(
                                             (row * static_cast<std::size_t>(res.replications) +
                                              static_cast<std::size_t>(r - r_begin)) * cell));
      }
    }
    progress.fetch_add(1, std::memory_order_relaxed);
  });
  return res;
}

// ---- one run in blocks ---------------------------------------------------------------

BlockPart run_blocks(const Model& m, const Policy& policy, const RunOptions& o, std::int64_t first_block,
                     std::int64_t n_blocks, const RunMonitor& monitor) {
  o.validate();
  if (policy.needs_all_replications())
    throw std::invalid_argument("run_blocks: a policy that sees every replication at once cannot run in parts");
  const std::int64_t R = o.mode == Mode::mean_field ? 1 : o.replications;
  const std::int64_t all_blocks = (R + kBlockReplications - 1) / kBlockReplications;
  if (first_block < 0 || n_blocks < 1 || first_block + n_blocks > all_blocks)
    throw std::invalid_argument("run_blocks: blocks [" + std::to_string(first_block) + ", " +
                                std::to_string(first_block + n_blocks) + ") are not within the run's " +
                                std::to_string(all_blocks));
  const int H = m.horizon_weeks, A = m.n_accounts, E = m.n_epochs;
  const std::size_t Hs = static_cast<std::size_t>(H), As = static_cast<std::size_t>(A), Es = static_cast<std::size_t>(E);
  BlockPart part;
  part.first_block = first_block;
  part.n_blocks = n_blocks;
  part.first_replication = first_block * kBlockReplications;
  const std::int64_t r_end = std::min(R, (first_block + n_blocks) * kBlockReplications);
  part.replications = r_end - part.first_replication;
  const std::size_t n = static_cast<std::size_t>(part.replications);
  part.portfolio.assign(n * Hs * kNumMetrics, 0.0);
  part.scale.assign(n * Es, 1.0);
  part.binding.assign(n * Es, 0);
  part.infeasible.assign(n * Es, 0);
  for (std::size_t i = 0; i < o.keep_trajectories.size(); ++i) part.trajectories.emplace_back(n * Hs * As, 0.0);
  const std::size_t account_size = As * kNumMetrics, allocation_size = Es * As * kNumAllocFields;
  part.account_sum.assign(static_cast<std::size_t>(n_blocks) * account_size, 0.0);
  part.account_sq.assign(part.account_sum.size(), 0.0);
  part.allocation_sum.assign(static_cast<std::size_t>(n_blocks) * allocation_size, 0.0);

  const int threads = static_cast<int>(std::min<std::int64_t>(hardware_threads(o.threads), n_blocks));
  struct Tallies {
    std::vector<std::int32_t> grid, tiers;
    std::vector<std::uint64_t> packed;
    std::unique_ptr<Replication> rep;
  };
  std::vector<Tallies> tallies(static_cast<std::size_t>(threads));
  for (auto& t : tallies) {
    t.grid.assign(Hs * As * kGridCells, 0);
    t.packed.assign(Hs * As * packed_grid::kWords, 0);
    t.tiers.assign(Es * As * 5, 0);
  }
  std::atomic<std::int64_t> progress{0};
  ParallelRun parallel(threads, monitor, progress, static_cast<std::int64_t>(n) * E);
  parallel(n_blocks, [&](std::int64_t b, int thread) {
    Tallies& tally = tallies[static_cast<std::size_t>(thread)];
    if (!tally.rep) tally.rep = std::make_unique<Replication>(m, o.mode, o.contact_layout);
    Observation obs;
    obs.resize(1, A);
    fill_resources(m, obs);
    std::vector<double> alloc(As * kNumAllocFields);
    std::vector<double> totals(account_size);
    double* account_sum = part.account_sum.data() + static_cast<std::size_t>(b) * account_size;
    double* account_sq = part.account_sq.data() + static_cast<std::size_t>(b) * account_size;
    double* allocation_sum = part.allocation_sum.data() + static_cast<std::size_t>(b) * allocation_size;
    const std::int64_t block = first_block + b;
    const std::int64_t r_stop = std::min(R, (block + 1) * kBlockReplications);
    for (std::int64_t r = block * kBlockReplications; r < r_stop; ++r) {
      const std::size_t i = static_cast<std::size_t>(r - part.first_replication);
      std::fill(totals.begin(), totals.end(), 0.0);
      RecordTargets out;
      out.portfolio = part.portfolio.data() + i * Hs * kNumMetrics;
      out.account_totals = totals.data();
      out.grid_counts = tally.grid.data();
      out.grid_packed = tally.packed.data();
      for (std::size_t k = 0; k < o.keep_trajectories.size(); ++k)
        out.trajectories.emplace_back(o.keep_trajectories[k], part.trajectories[k].data() + i * Hs * As);
      run_replication(m, policy, *tally.rep, obs, alloc, r, o.seed, o.strict, out, parallel,
                      [&](int e, const ResourceFit& fit, const Observation& seen) {
                        tally_tiers(seen, 0, e, tally.tiers.data());
                        const std::size_t at = i * Es + static_cast<std::size_t>(e);
                        part.scale[at] = fit.scale;
                        part.binding[at] = static_cast<std::int8_t>(fit.binding);
                        part.infeasible[at] = fit.infeasible ? 1 : 0;
                        double* dst = allocation_sum + static_cast<std::size_t>(e) * alloc.size();
                        for (std::size_t k = 0; k < alloc.size(); ++k) dst[k] += alloc[k];
                        progress.fetch_add(1, std::memory_order_relaxed);
                      });
      if (parallel.cancelled()) return;
      for (std::size_t k = 0; k < totals.size(); ++k) outputs::accumulate(account_sum[k], account_sq[k], totals[k]);
    }
    // the packed nine-grid tallies into counts (at most one block of replications in them)
    for (std::size_t t = 0; t < Hs; ++t) {
      std::uint64_t* week = tally.packed.data() + t * packed_grid::kWords * As;
      for (std::size_t a = 0; a < As; ++a) packed_grid::unpack_add(week + a, As, tally.grid.data() + (t * As + a) * kGridCells);
      std::fill(week, week + packed_grid::kWords * As, 0);
    }
  });
  part.grid.assign(Hs * As * kGridCells, 0);
  part.tiers.assign(Es * As * 5, 0);
  for (const auto& t : tallies) {
    for (std::size_t i = 0; i < t.grid.size(); ++i) part.grid[i] += t.grid[i];
    for (std::size_t i = 0; i < t.tiers.size(); ++i) part.tiers[i] += t.tiers[i];
  }
  return part;
}

RunResult combine_blocks(const Model& m, const RunOptions& o, std::vector<BlockPart>&& parts) {
  const std::int64_t R = o.mode == Mode::mean_field ? 1 : o.replications;
  const std::int64_t all_blocks = (R + kBlockReplications - 1) / kBlockReplications;
  std::sort(parts.begin(), parts.end(), [](const BlockPart& a, const BlockPart& b) { return a.first_block < b.first_block; });
  std::int64_t next = 0;
  for (const BlockPart& p : parts) {
    if (p.first_block != next) throw std::invalid_argument("combine_blocks: the parts must cover every block once");
    next += p.n_blocks;
  }
  if (next != all_blocks) throw std::invalid_argument("combine_blocks: the parts must cover every block once");
  const int H = m.horizon_weeks, A = m.n_accounts, E = m.n_epochs;
  const std::size_t Hs = static_cast<std::size_t>(H), As = static_cast<std::size_t>(A), Es = static_cast<std::size_t>(E);
  RunResult res = empty_result(m, o, R);
  res.trajectories.resize(o.keep_trajectories.size());
  const std::size_t account_size = As * kNumMetrics, allocation_size = Es * As * kNumAllocFields;
  std::vector<double> account_sum(account_size, 0.0), account_sq(account_size, 0.0), allocation_sum(allocation_size, 0.0);
  std::vector<std::int64_t> grid(Hs * As * kGridCells, 0), tiers(Es * As * 5, 0);
  for (BlockPart& p : parts) {
    auto append = [](auto& dst, const auto& src) { dst.insert(dst.end(), src.begin(), src.end()); };
    append(res.portfolio, p.portfolio);
    append(res.scale, p.scale);
    append(res.binding, p.binding);
    append(res.infeasible, p.infeasible);
    for (std::size_t k = 0; k < p.trajectories.size() && k < res.trajectories.size(); ++k)
      append(res.trajectories[k], p.trajectories[k]);
    for (std::int64_t b = 0; b < p.n_blocks; ++b) {  // block order, as run() adds them
      const std::size_t off = static_cast<std::size_t>(b);
      for (std::size_t i = 0; i < account_size; ++i) {
        account_sum[i] += p.account_sum[off * account_size + i];
        account_sq[i] += p.account_sq[off * account_size + i];
      }
      for (std::size_t i = 0; i < allocation_size; ++i) allocation_sum[i] += p.allocation_sum[off * allocation_size + i];
    }
    for (std::size_t i = 0; i < grid.size(); ++i) grid[i] += p.grid[i];
    for (std::size_t i = 0; i < tiers.size(); ++i) tiers[i] += p.tiers[i];
    p = BlockPart{};  // free as we go
  }
  finish_result(res, m, account_sum, account_sq, allocation_sum, grid, tiers);
  return res;
}

}  // namespace cathedral::batch
