// Issue 14: forms that cannot overflow, runaway wallets, events beyond their
// bound, duplicate keys and invalid UTF-8 in scenario files.
#include <cmath>
#include <limits>
#include <sstream>

#include "cathedral/model/deals.hpp"
#include "cathedral/model/units.hpp"
#include "scenario_fixtures.hpp"

namespace cathedral {
namespace {

using fixtures::json;

TEST(Hardening, HillIsTheStableFormOnlyWhereThePlainOneOverflows) {
  // ordinary inputs: the plain form's exact bits
  for (double x : {0.01, 0.5, 1.0, 3.0, 40.0})
    for (double c : {0.5, 2.0, 3.7}) {
      const double xc = elementary::pow_positive(x, c);
      EXPECT_TRUE(fixtures::same_bits(hill(x, 2.0, c), xc / (xc + elementary::pow_positive(2.0, c)))) << x << " " << c;
    }
  // steep shapes and extreme x: limits, never NaN
  EXPECT_EQ(hill(1e300, 1.0, 500.0), 1.0);
  EXPECT_EQ(hill(3.0, 2.0, 1000.0), 1.0);
  EXPECT_EQ(hill(1.0, 2.0, 2000.0), 0.0);
  EXPECT_EQ(hill(1e-300, 1e-300, 1e6), 0.5);
  EXPECT_EQ(hill(1.7976931348623157e308, 1.7976931348623157e308, 1.0), 0.5);
  for (double x : {5e-324, 1e-300, 1.0, 1e300, 1.7976931348623157e308})
    for (double h : {5e-324, 1.0, 1.7976931348623157e308})
      for (double c : {5e-324, 1e-3, 1.0, 500.0, 1e300, 1.7976931348623157e308}) {
        const double r = hill(x, h, c);
        EXPECT_TRUE(r >= 0.0 && r <= 1.0) << x << " " << h << " " << c << " -> " << r;
      }
}

TEST(Hardening, DealSizeFactorNeverNaN) {
  Params p;
  const double plain = std::exp(-0.5 * 0.6 * 0.6 + 0.6 * 1.3);
  p.deal_size_sigma = 0.6;
  EXPECT_NEAR(deals::size_factor(p, 1.3), plain, 1e-15);
  for (double s : {1e154, 1e200, 1e308, 1.7976931348623157e308}) {
    p.deal_size_sigma = s;
    for (double z : {-8.0, -1.0, 0.0, 1.0, 8.0}) {
      const double f = deals::size_factor(p, z);
      EXPECT_TRUE(std::isfinite(f) && f >= 0.0) << s << " " << z << " -> " << f;
    }
  }
}

TEST(Hardening, DuplicateKeysNameTheirPath) {
  auto error_of = [](const std::string& text) {
    std::istringstream in(text);
    try {
      (void)parse_scenario_text(in, "f.json: ");
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error_of(R"({"horizon_weeks": 1, "horizon_weeks": 2})"),
            "f.json: horizon_weeks: duplicate key (a JSON object may name a key once)");
  EXPECT_EQ(error_of(R"({"accounts": [{"id": "a"}, {"id": "b", "contacts": [{}, {"x": 1, "x": 2}]}]})"),
            "f.json: accounts[1].contacts[1].x: duplicate key (a JSON object may name a key once)");
  EXPECT_EQ(error_of(R"({"a": {"b": 1}, "c": {"b": 1}, "d": [[1, 2], {"e": 1}]})"), "");  // same names, other objects
  EXPECT_EQ(error_of("{\"name\": \"caf\xe9\"}"), "f.json: invalid UTF-8 at byte offset 13 (line 1, byte 14 of the line)");
  EXPECT_EQ(error_of("{\"name\": \"\xc0\xaf\"}"), "f.json: invalid UTF-8 at byte offset 10 (line 1, byte 11 of the line)");
  EXPECT_EQ(error_of("{\"name\": \"\xe2\x82\xac\"}"), "");  // the euro sign is fine
  EXPECT_NE(error_of("{\"a\": }").find("invalid JSON: "), std::string::npos);
  EXPECT_NE(error_of("{\"a\": }").find("(byte offset 6)"), std::string::npos);
  // found by the fuzzer: a number beyond the doubles is not a parse_error
  EXPECT_NE(error_of("{\"horizon_weeks\": 1e380}").find("f.json: invalid JSON: "), std::string::npos);
  EXPECT_NE(error_of("{\"horizon_weeks\": 1e380}").find("number overflow"), std::string::npos);
}

TEST(Hardening, PathsWithNulAreRefused) {
  const Scenario s = scenario_from_json(fixtures::small_portfolio());
  EXPECT_THROW(save_scenario(s, std::string("/tmp/a\0b.json", 13)), ScenarioError);
  EXPECT_THROW((void)load_scenario(std::string("/tmp/a\0b.json", 13)), ScenarioError);
}

TEST(Hardening, ARunawayMarketStopsTheRunNamingTheAccountAndWeek) {
  json j = fixtures::small_portfolio();
  j["params"]["macro_sd"] = 50.0;
  try {
    (void)fixtures::run_json(j, fixtures::options(2, 1));
    FAIL() << "a market cycle of sd 50 runs away within 78 weeks";
  } catch (const ScenarioError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("at week"), std::string::npos) << what;
    EXPECT_NE(what.find("expected deals a week"), std::string::npos) << what;
  }
}

TEST(Hardening, RunawayWalletGrowthIsRefusedAtLoad) {
  json j = fixtures::small_portfolio();
  j["accounts"][2]["wallet_growth"] = 1e308;
  try {
    (void)scenario_from_json(j);
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("accounts[2].wallet_growth: the wallet would grow"), std::string::npos)
        << e.what();
  }
}

TEST(Hardening, EventRatesBeyondTheBoundAreRefused) {
  json j = fixtures::small_portfolio();
  j["policy"]["default"]["benchmarking"] = 1e9;
  EXPECT_THROW((void)scenario_from_json(j), ScenarioError);
  j["policy"]["default"]["benchmarking"] = 5200;
  EXPECT_NO_THROW((void)scenario_from_json(j));
}

}  // namespace
}  // namespace cathedral
