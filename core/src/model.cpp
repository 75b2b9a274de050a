#include "cathedral/model.hpp"

#include <algorithm>

#include "cathedral/random.hpp"

namespace cathedral {

std::vector<double> normalised_weights(const std::vector<double>& raw) {
  double total = 0.0;
  for (double w : raw) total += w;
  std::vector<double> out(raw.size());
  for (std::size_t k = 0; k < raw.size(); ++k)
    out[k] = total > 0.0 ? raw[k] / total : 1.0 / static_cast<double>(raw.size());
  return out;
}

TierRules tier_rules_for(const Tiering& t, const Params& p, const std::vector<double>& wallets) {
  TierRules r{};
  r.s_min_wallet = t.s_min_wallet ? *t.s_min_wallet : percentile_linear(wallets, 90.0);
  r.a_min_wallet = t.a_min_wallet ? *t.a_min_wallet : percentile_linear(wallets, 70.0);
  r.b_min_wallet = t.b_min_wallet ? *t.b_min_wallet : percentile_linear(wallets, 40.0);
  r.s_min_fit = t.s_min_fit;
  r.a_min_fit = t.a_min_fit;
  r.cashflow_fit = p.cashflow_fit;
  return r;
}

int Model::account_index(const std::string& id) const {
  for (int a = 0; a < n_accounts; ++a)
    if (account_ids[a] == id) return a;
  return -1;
}

Model Model::build(const Scenario& s) {
  Model m;
  m.name = s.name;
  m.horizon_weeks = s.horizon_weeks;
  m.decision_interval_weeks = s.decision_interval_weeks;
  m.n_epochs = (s.horizon_weeks + s.decision_interval_weeks - 1) / s.decision_interval_weeks;
  m.seed = s.seed;
  m.params = s.params;
  m.costs = s.costs;
  m.resources = s.resources;

  const int A = static_cast<int>(s.accounts.size());
  m.n_accounts = A;
  std::vector<double> wallets;
  m.contact_begin.push_back(0);
  m.listed_begin.push_back(0);
  for (const Account& acc : s.accounts) {
    m.account_ids.push_back(acc.id);
    m.account_names.push_back(acc.name.empty() ? acc.id : acc.name);
    m.account_hash.push_back(hash_id(acc.id));
    m.wallet.push_back(acc.wallet);
    wallets.push_back(acc.wallet);
    m.wallet_growth.push_back(acc.wallet_growth);
    m.staff.push_back(acc.staff);
    m.fit.push_back(acc.fit);
    m.fit_target.push_back(acc.fit_target);
    m.capability_match.push_back(acc.capability_match);
    m.competitor_strength.push_back(acc.competitor_strength);
    m.coverage.push_back(acc.coverage);
    m.satisfaction.push_back(acc.satisfaction);
    m.org.push_back(acc.org);
    m.agreement_weeks_left.push_back(acc.agreement_weeks_left);
    m.jic.push_back(acc.jic ? 1 : 0);
    m.mean_deal.push_back(s.params.deal_fraction * acc.wallet);

    std::vector<double> influence;
    for (const Contact& c : acc.contacts) {
      m.contact_account.push_back(static_cast<int>(m.account_ids.size()) - 1);
      m.contact_ids.push_back(c.id);
      m.contact_role.push_back(c.role);
      influence.push_back(c.influence);
      m.contact_intimacy.push_back(c.intimacy);
      m.contact_support.push_back(c.support);
      m.contact_stance.push_back(c.stance);
    }
    for (double w : normalised_weights(influence)) m.contact_weight.push_back(w);
    m.contact_begin.push_back(static_cast<int>(m.contact_ids.size()));

    m.has_listed_pipeline.push_back(acc.pipeline.has_value() ? 1 : 0);
    if (acc.pipeline) {
      std::vector<ListedDeal> deals;
      for (const ListedDeal& d : *acc.pipeline)
        if (d.decision_week < s.horizon_weeks) deals.push_back(d);
      std::stable_sort(deals.begin(), deals.end(),
                       [](const ListedDeal& x, const ListedDeal& y) { return x.decision_week < y.decision_week; });
      m.listed_deals.insert(m.listed_deals.end(), deals.begin(), deals.end());
    }
    m.listed_begin.push_back(static_cast<int>(m.listed_deals.size()));
  }

  const Tiering& t = s.tiering;
  m.tier_rules = tier_rules_for(t, s.params, wallets);
  m.market_factor.assign(static_cast<std::size_t>(s.horizon_weeks), 1.0);
  m.shocks_by_week.assign(static_cast<std::size_t>(s.horizon_weeks), {});
  for (const Shock& sh : s.shocks) {
    if (sh.type == Shock::Type::market) {
      for (int w = sh.from_week; w <= sh.to_week && w < s.horizon_weeks; ++w) m.market_factor[w] *= sh.factor;
      continue;
    }
    const int a = m.account_index(sh.account);
    if (a < 0) continue;  // validated before; kept safe for scenarios built in code
    WeekShock ws{sh.type, a, -1, 0.0};
    int week = sh.week;
    if (sh.type == Shock::Type::contact_leaves) {
      for (int k = m.contact_begin[a]; k < m.contact_begin[a + 1]; ++k)
        if (m.contact_ids[k] == sh.contact) ws.contact = k;
      if (ws.contact < 0) continue;
    } else if (sh.type == Shock::Type::strategy_shift) {
      ws.value = sh.fit_target;
    } else {
      ws.value = sh.strength;
      week = sh.from_week;
    }
    if (week >= 0 && week < s.horizon_weeks) m.shocks_by_week[week].push_back(ws);
  }
  m.grid.intimacy = t.intimacy_cuts;
  m.grid.support = t.support_cuts;
  return m;
}

}  // namespace cathedral
