// The field tables of a scenario file, one per object (core/src/schema_scenario.cpp).
// scenario_from_json / scenario_to_json / scenario_schema / scenario_format
// (scenario.hpp) all read these.
#pragma once

#include <map>
#include <string>

#include "cathedral/scenario.hpp"
#include "cathedral/schema/driver.hpp"

namespace cathedral::schema {

const Table<Scenario>& scenario_table();
const Table<Account>& account_table();
const Table<Contact>& contact_table();
const Table<ListedDeal>& deal_table();
const Table<Resources>& resources_table();
const Table<Costs>& costs_table();
const Table<Params>& params_table();
const Table<Tiering>& tiering_table();
const Variants<Shock>& shock_variants();
const Variants<PolicySpec>& policy_variants();
const Table<SchedulePhase>& phase_table();
// Allocation entries: of a static policy's default and tiers and a tiered
// policy's templates, and of a static policy's accounts (with contact_focus).
const Table<AllocationEntry>& allocation_table();
const Table<AllocationEntry>& account_allocation_table();
const Table<std::map<std::string, AllocationEntry>>& tier_entries_table();
const Table<std::map<std::string, AllocationEntry>>& tier_templates_table();

}  // namespace cathedral::schema
