#include "cathedral/policy.hpp"

#include <array>
#include <optional>
#include <stdexcept>

namespace cathedral {

void Observation::resize(int reps, int accounts) {
  n_replications = reps;
  n_accounts = accounts;
  const std::size_t n = static_cast<std::size_t>(reps) * static_cast<std::size_t>(accounts);
  replication.assign(static_cast<std::size_t>(reps), 0);
  tier.assign(n, 0);
  cash_flow.assign(n, 0);
  for (auto* v : {&wallet, &fit, &coverage, &satisfaction, &org, &support, &intimacy,
                  &agreement_weeks_left, &jic, &revenue_to_date, &gross_profit_to_date, &pipeline_value})
    v->assign(n, 0.0);
  grid.assign(n * 9, 0);
}

std::vector<double> resolve_entries(std::initializer_list<const AllocationEntry*> chain) {
  std::vector<double> row(kNumAllocFields, 0.0);
  for (const AllocationEntry* e : chain) {
    if (!e) continue;
    for (int f = 0; f < kNumAllocFields; ++f)
      if (e->fields[f]) row[f] = *e->fields[f];
  }
  return row;
}

namespace {

// φ per contact: the account entry's contact_focus if any, else the influence weights.
std::vector<double> build_focus(const PolicySpec& spec, const Model& m) {
  std::vector<double> focus = m.contact_weight;
  for (int a = 0; a < m.n_accounts; ++a) {
    auto it = spec.account_entries.find(m.account_ids[a]);
    if (it == spec.account_entries.end() || !it->second.contact_focus) continue;
    std::vector<double> raw;
    for (int k = m.contact_begin[a]; k < m.contact_begin[a + 1]; ++k) {
      auto w = it->second.contact_focus->find(m.contact_ids[k]);
      raw.push_back(w == it->second.contact_focus->end() ? 0.0 : w->second);
    }
    const std::vector<double> norm = normalised_weights(raw);
    for (std::size_t i = 0; i < norm.size(); ++i) focus[m.contact_begin[a] + i] = norm[i];
  }
  return focus;
}

const AllocationEntry* find_entry(const std::map<std::string, AllocationEntry>& entries, const std::string& key) {
  auto it = entries.find(key);
  return it == entries.end() ? nullptr : &it->second;
}

// One allocation per account, fixed over time; per-tier entries use the
// tiers at week 0 (docs/model.md §5 `static`).
class StaticPolicy final : public Policy {
 public:
  StaticPolicy(const PolicySpec& spec, const Model& m) : focus_(build_focus(spec, m)), n_accounts_(m.n_accounts) {
    rows_.reserve(static_cast<std::size_t>(m.n_accounts) * kNumAllocFields);
    for (int a = 0; a < m.n_accounts; ++a) {
      const int label = tier_label(m.tier_rules, m.wallet[a], m.fit[a]);
      const std::string letter = kTierNames[static_cast<int>(tier_of(m.tier_rules, m.wallet[a], m.fit[a]))];
      // default < tier letter < cash_flow < account
      const AllocationEntry* cash = label == kCashFlowLabel ? find_entry(spec.tier_entries, "cash_flow") : nullptr;
      const std::vector<double> row =
          resolve_entries({&spec.default_entry, find_entry(spec.tier_entries, letter), cash,
                           find_entry(spec.account_entries, m.account_ids[a])});
      rows_.insert(rows_.end(), row.begin(), row.end());
    }
  }
  void decide(const Observation& obs, std::span<double> out) const override {
    for (int r = 0; r < obs.n_replications; ++r)
      std::copy(rows_.begin(), rows_.end(), out.begin() + static_cast<long>(r) * n_accounts_ * kNumAllocFields);
  }
  const std::vector<double>& contact_focus(int) const override { return focus_; }

 private:
  std::vector<double> rows_;  // accounts × fields
  std::vector<double> focus_;
  int n_accounts_;
};

// A template per tier label, re-tiered at every epoch (docs/model.md §5 `tiered`);
// an account's own entry overrides its template field by field.
class TieredPolicy final : public Policy {
 public:
  TieredPolicy(const PolicySpec& spec, const Model& m) : focus_(build_focus(spec, m)) {
    for (int label = 0; label < 5; ++label) {
      const AllocationEntry* e = find_entry(spec.templates, kTierLabels[label]);
      if (!e && label == kCashFlowLabel) continue;  // cash-flow accounts then use their letter tier
      if (!e) throw ScenarioError({std::string("policy.templates.") + kTierLabels[label] + ": required"});
      const std::vector<double> row = resolve_entries({e});
      std::copy(row.begin(), row.end(), templates_[label].begin());
      has_cash_flow_ |= label == kCashFlowLabel;
    }
    for (int a = 0; a < m.n_accounts; ++a)
      if (const AllocationEntry* e = find_entry(spec.account_entries, m.account_ids[a])) {
        if (overrides_.empty()) overrides_.resize(static_cast<std::size_t>(m.n_accounts));
        overrides_[static_cast<std::size_t>(a)] = e->fields;
      }
  }
  void decide(const Observation& obs, std::span<double> out) const override {
    for (int r = 0; r < obs.n_replications; ++r)
      for (int a = 0; a < obs.n_accounts; ++a) {
        const std::size_t i = obs.at(r, a);
        const int label = obs.cash_flow[i] && has_cash_flow_ ? kCashFlowLabel : obs.tier[i];
        const auto row = out.begin() + static_cast<long>(i) * kNumAllocFields;
        std::copy(templates_[label].begin(), templates_[label].end(), row);
        if (overrides_.empty()) continue;
        const auto& own = overrides_[static_cast<std::size_t>(a)];
        for (int f = 0; f < kNumAllocFields; ++f)
          if (own[f]) row[f] = *own[f];
      }
  }
  const std::vector<double>& contact_focus(int) const override { return focus_; }

 private:
  std::array<std::array<double, kNumAllocFields>, 5> templates_{};
  bool has_cash_flow_ = false;
  // per account, the fields its own entry sets (empty when no account has one)
  std::vector<std::array<std::optional<double>, kNumAllocFields>> overrides_;
  std::vector<double> focus_;
};

}  // namespace

LayerMixPolicy::LayerMixPolicy(std::shared_ptr<const Policy> base, std::shared_ptr<const Policy> with,
                               std::array<bool, kNumLayers> use_with)
    : base_(std::move(base)), with_(std::move(with)), use_with_(use_with) {}

bool LayerMixPolicy::needs_all_replications() const {
  return base_->needs_all_replications() || with_->needs_all_replications();
}

void LayerMixPolicy::decide(const Observation& obs, std::span<double> out) const {
  std::vector<double> other(out.size());
  base_->decide(obs, out);
  with_->decide(obs, other);
  std::array<bool, kNumAllocFields> take{};
  for (int f = 0; f < kNumAllocFields; ++f) take[f] = use_with_[static_cast<int>(layer_of(static_cast<AllocField>(f)))];
  for (std::size_t i = 0; i < out.size(); ++i)
    if (take[i % kNumAllocFields]) out[i] = other[i];
}

const std::vector<double>& LayerMixPolicy::contact_focus(int week) const {
  return use_with_[static_cast<int>(Layer::key)] ? with_->contact_focus(week) : base_->contact_focus(week);
}

SchedulePolicy::SchedulePolicy(std::vector<std::pair<int, std::shared_ptr<const Policy>>> phases)
    : phases_(std::move(phases)) {
  if (phases_.empty() || phases_.front().first != 0)
    throw std::invalid_argument("schedule: the first phase must start at week 0");
  for (std::size_t i = 1; i < phases_.size(); ++i)
    if (phases_[i].first <= phases_[i - 1].first)
      throw std::invalid_argument("schedule: phases must start at increasing weeks");
}

bool SchedulePolicy::needs_all_replications() const {
  for (const auto& [week, p] : phases_)
    if (p->needs_all_replications()) return true;
  return false;
}

const Policy& SchedulePolicy::at(int week) const {
  const Policy* chosen = phases_.front().second.get();
  for (const auto& [from, p] : phases_)
    if (from <= week) chosen = p.get();
  return *chosen;
}

void SchedulePolicy::decide(const Observation& obs, std::span<double> out) const { at(obs.week).decide(obs, out); }

const std::vector<double>& SchedulePolicy::contact_focus(int week) const { return at(week).contact_focus(week); }

std::shared_ptr<const Policy> make_policy(const PolicySpec& spec, const Model& model) {
  if (spec.type == PolicySpec::Type::schedule) {
    std::vector<std::pair<int, std::shared_ptr<const Policy>>> phases;
    for (const SchedulePhase& ph : spec.phases) phases.emplace_back(ph.from_week, make_policy(ph.policy, model));
    return std::make_shared<SchedulePolicy>(std::move(phases));
  }
  if (spec.type == PolicySpec::Type::tiered) return std::make_shared<TieredPolicy>(spec, model);
  return std::make_shared<StaticPolicy>(spec, model);
}

}  // namespace cathedral
