#include "cathedral/policy.hpp"

#include <array>
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
// tiers at week 0 (MODEL.md §5 `static`).
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
  const std::vector<double>& contact_focus() const override { return focus_; }

 private:
  std::vector<double> rows_;  // accounts × fields
  std::vector<double> focus_;
  int n_accounts_;
};

// A template per tier label, re-tiered at every epoch (MODEL.md §5 `tiered`).
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
  }
  void decide(const Observation& obs, std::span<double> out) const override {
    for (int r = 0; r < obs.n_replications; ++r)
      for (int a = 0; a < obs.n_accounts; ++a) {
        const std::size_t i = obs.at(r, a);
        const int label = obs.cash_flow[i] && has_cash_flow_ ? kCashFlowLabel : obs.tier[i];
        std::copy(templates_[label].begin(), templates_[label].end(), out.begin() + static_cast<long>(i) * kNumAllocFields);
      }
  }
  const std::vector<double>& contact_focus() const override { return focus_; }

 private:
  std::array<std::array<double, kNumAllocFields>, 5> templates_{};
  bool has_cash_flow_ = false;
  std::vector<double> focus_;
};

}  // namespace

std::unique_ptr<Policy> make_policy(const PolicySpec& spec, const Model& model) {
  if (spec.type == PolicySpec::Type::tiered) return std::make_unique<TieredPolicy>(spec, model);
  return std::make_unique<StaticPolicy>(spec, model);
}

}  // namespace cathedral
