// The kernel's order book of open deals (pipeline.hpp, docs/model.md §3.6): deals
// wait in their decision week in the order seen. (The rules for deals: test_model_deals.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "cathedral/pipeline.hpp"

namespace cathedral {
namespace {

pipeline::Deal deal(double value, int account) { return {value, 1.0, 0.0, 0.0, account}; }

std::vector<double> values(const std::vector<pipeline::Deal>& deals) {
  std::vector<double> out;
  for (const pipeline::Deal& d : deals) out.push_back(d.value);
  return out;
}

std::vector<double> open_value(const pipeline::Pipeline& p, int accounts) {
  std::vector<double> v(static_cast<std::size_t>(accounts), 0.0);
  p.add_open_value(v);
  return v;
}

TEST(PipelineBook, DealsWaitInTheirWeekInOrderSeen) {
  pipeline::Pipeline p;
  p.reset(10);
  p.add(5, deal(5, 0));
  p.add(3, deal(3, 1));
  p.add(7, deal(7, 0));
  p.add(3, deal(3.5, 0));  // same week as an earlier one: after it
  p.add(1, deal(1, 1));
  EXPECT_EQ(open_value(p, 2), (std::vector<double>{5 + 7 + 3.5, 3 + 1}));
  EXPECT_TRUE(p.due(0).empty());
  EXPECT_EQ(values(p.due(1)), (std::vector<double>{1}));
  EXPECT_EQ(values(p.due(3)), (std::vector<double>{3, 3.5}));
  EXPECT_EQ(p.due(3)[0].account, 1);
  EXPECT_EQ(p.due(3)[1].account, 0);
  p.close(1);
  p.close(3);
  EXPECT_EQ(open_value(p, 2), (std::vector<double>{12.0, 0.0}));
  EXPECT_TRUE(p.due(3).empty());
  // deals can still be added to a week after others were closed
  p.add(3, deal(4, 1));
  EXPECT_EQ(values(p.due(3)), (std::vector<double>{4}));
}

TEST(PipelineBook, ResetEmptiesAndResizes) {
  pipeline::Pipeline p;
  p.reset(4);
  p.add(2, deal(1, 0));
  p.reset(4);
  EXPECT_EQ(open_value(p, 1), (std::vector<double>{0.0}));
  EXPECT_TRUE(p.due(2).empty());
  p.reset(8);
  p.add(7, deal(2, 0));
  EXPECT_EQ(values(p.due(7)), (std::vector<double>{2}));
}

TEST(PipelineBook, ManyDealsComeOutInTheirWeek) {
  // Add weeks in a scrambled order, decide week by week: every deal comes out
  // exactly in its week, in the order added, and the open value is the rest.
  pipeline::Pipeline p;
  p.reset(100);
  std::vector<int> weeks;
  for (int i = 0; i < 300; ++i) weeks.push_back((i * 37) % 100);
  double open = 0.0;
  for (int i = 0; i < 300; ++i) {
    p.add(weeks[i], deal(1000.0 + i, i % 3));
    open += 1000.0 + i;
  }
  for (int t = 0; t < 100; ++t) {
    if (t < 60) {  // interleave newly seen deals due later, as the engine does
      p.add(t + 16, deal(0.5, 0));
      open += 0.5;
    }
    std::vector<double> expected;
    for (int i = 0; i < 300; ++i)
      if (weeks[i] == t) expected.push_back(1000.0 + i);
    std::vector<double> got;
    for (const pipeline::Deal& d : p.due(t)) {
      if (d.value != 0.5) got.push_back(d.value);
      open -= d.value;
    }
    p.close(t);
    EXPECT_EQ(got, expected) << "week " << t;
    const std::vector<double> v = open_value(p, 3);
    EXPECT_NEAR(v[0] + v[1] + v[2], open, 1e-9) << "week " << t;
  }
}

}  // namespace
}  // namespace cathedral
