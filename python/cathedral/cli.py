"""The command line: `cathedral demo`, `compare`, `optimize`, `evaluate`, `schema` (also `python -m cathedral ...`)."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np


def _format_kpis(tables: dict, kpis: list[str]) -> str:
    """A text table: one row per KPI, one column per plan, `mean ± half-width` of the 95 % CI."""
    names = list(tables)
    width = max(28, *(len(n) + 2 for n in names))
    lines = ["KPI".ljust(26) + "".join(n.rjust(width) for n in names)]
    for k in kpis:
        cells = []
        for n in names:
            row = tables[n].loc[k]
            half = (row["ci_high"] - row["ci_low"]) / 2
            cells.append(_fmt(row["mean"], half).rjust(width))
        lines.append(k.ljust(26) + "".join(cells))
    return "\n".join(lines)


def _fmt(mean: float, half: float) -> str:
    if not np.isfinite(mean):
        return "n/a"
    if abs(mean) >= 100:
        return f"{mean:,.0f} ± {half:,.0f}"
    return f"{mean:.3f} ± {half:.3f}"


DEMO_KPIS = ["revenue", "revenue_year_1", "revenue_year_3", "gross_profit", "contribution", "cash_flow",
             "spend", "revenue_per_am_year", "contribution_per_am_year", "revenue_growth", "win_rate",
             "share_of_wallet", "direct_awards"]


def _load_plans(path) -> dict:
    try:
        plans = json.loads(Path(path).read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: invalid JSON: {e}") from None
    if not isinstance(plans, dict) or not plans:
        raise ValueError(f"{path}: must hold a JSON object of named policies, {{\"name\": {{...policy...}}, ...}}")
    return plans


def _finite(value):
    """JSON has no NaN: undefined statistics (e.g. a standard error of one replication) become null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, (np.floating, np.integer)):
        return _finite(value.item())
    return value


def demo(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import cathedral
    from cathedral.plots import fan_chart, nine_grid_comparison
    from cathedral.scenario import bundled_file

    scenario = cathedral.Scenario.load(args.scenario) if args.scenario else cathedral.Scenario.demo()
    plans = _load_plans(args.plans or bundled_file("demo_plans.json"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"{scenario!r}")
    if not args.no_optimise:
        plans["optimised"] = _optimised_plan(cathedral, scenario, plans, args.threads)
    seed = args.seed if args.seed is not None else scenario.seed
    print(f"Comparing {len(plans)} plans, {args.replications} replications each, seed {seed} "
          f"(common random numbers: the plans share their luck)\n")
    results, tables = {}, {}
    started = time.perf_counter()
    for name, spec in plans.items():
        t0 = time.perf_counter()
        res = cathedral.simulate(scenario, spec, replications=args.replications, seed=args.seed,
                                 threads=args.threads, progress=False if args.quiet else None)
        results[name] = res
        tables[name] = res.kpi_table()
        scale = res.scale_factors()
        print(f"  {name:<24} {time.perf_counter() - t0:5.2f} s   resource scale factor "
              f"{scale['scale_factor'].mean():.2f} (binding: {scale['binding_resource'].mode().iat[0]})")
    elapsed = time.perf_counter() - started
    print(f"\nKPIs over {scenario.horizon_weeks} weeks: mean ± half-width of the 95 % confidence interval\n")
    print(_format_kpis(tables, DEMO_KPIS))

    if "optimised" in results and len(results) > 1:
        print(_optimised_against_hand_plans(results))
    fan = fan_chart(results, metric="revenue")
    fan.savefig(out / "revenue_fan.png", dpi=110)
    grid = nine_grid_comparison(results)
    grid.savefig(out / "nine_grid.png", dpi=110)
    summary = {name: t.to_dict(orient="index") for name, t in tables.items()}
    (out / "kpis.json").write_text(json.dumps(_finite(summary), indent=2, allow_nan=False))
    print(f"\nWrote {out / 'revenue_fan.png'}, {out / 'nine_grid.png'} and {out / 'kpis.json'}")
    print(f"Simulated {len(plans)} × {args.replications} replications in {elapsed:.1f} s")
    return 0


def _optimised_plan(cathedral, scenario, plans, threads):
    """The demo's fourth plan: cathedral.optimize over the scenario, from its own plan (else the first)."""
    start = None if scenario.policy is not None else next(iter(plans.values()))
    opt = cathedral.optimize(scenario, start=start, threads=threads)
    than = "the scenario's plan" if start is None else repr(next(iter(plans)))
    print(f"Optimised plan (cathedral.optimize, {opt.time_s:.1f} s): {opt.objective_name} {opt.objective:,.0f} in mean "
          f"field, {opt.gain:+.1%} over {than}; shadow prices: "
          + ", ".join(f"{k} {v:,.3g}" for k, v in opt.shadow_prices().items()))
    return opt.policy


def _optimised_against_hand_plans(results, kpi: str = "contribution") -> str:
    """The optimised plan against each hand plan, replication by replication (the runs share their
    seed, so this is the paired comparison of cathedral.compare)."""
    from cathedral.compare import Comparison

    lines = [f"\noptimised against each hand plan, {kpi} (paired differences, 95 % interval)"]
    for name in results:
        if name == "optimised":
            continue
        table = Comparison({name: results[name], "optimised": results["optimised"]}, name, 0.95).table([kpi])
        row, base = table.loc[(kpi, "optimised")], table.loc[(kpi, name), "mean"]
        rel = f" ({row['diff'] / abs(base):+.1%})" if abs(base) > 1e-12 else ""
        interval = (f" [{row['diff_ci_low']:+,.0f}, {row['diff_ci_high']:+,.0f}]"
                    if np.isfinite(row["diff_ci_low"]) else "")  # none from one replication
        lines.append(f"  vs {name:<24} {row['diff']:+,.0f}{interval}{rel}   P(beats) {row['p_beats_baseline']:.2f}")
    return "\n".join(lines)


def compare_command(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import cathedral
    from cathedral.plots import fan_chart

    scenario = cathedral.Scenario.load(args.scenario)
    plans = _load_plans(args.plans)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    comparison = cathedral.compare(scenario, plans, baseline=args.baseline, replications=args.replications,
                                   seed=args.seed, threads=args.threads,
                                   progress=False if args.quiet else None)
    kpis = args.kpis.split(",") if args.kpis else ["revenue", "gross_profit", "contribution", "cash_flow",
                                                   "win_rate", "share_of_wallet"]
    table = comparison.table(kpis)
    print(f"{scenario!r}\n{args.replications} replications per plan, seed {args.seed if args.seed is not None else scenario.seed}; "
          f"baseline {comparison.baseline!r}; differences are paired (common random numbers), 95 % intervals\n")
    with pd_options():
        print(table[["mean", "diff", "diff_ci_low", "diff_ci_high", "p_beats_baseline"]].to_string(
            float_format=lambda v: f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"))
    table.to_csv(out / "comparison.csv")
    comparison.plot(kpis[:3]).savefig(out / "kpi_distributions.png", dpi=110)
    fan_chart(comparison.results, metric="revenue").savefig(out / "revenue_fan.png", dpi=110)
    print(f"\nWrote {out / 'comparison.csv'}, {out / 'kpi_distributions.png'} and {out / 'revenue_fan.png'}")
    return 0


def _number(v: float) -> str:
    """Tables of the optimiser: thousands separated, three digits below 100, round-off (|v| < 1e-6) as 0."""
    if abs(v) < 1e-6:
        return "0"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def _am_worth(opt) -> str:
    """One more account manager, from the shadow price of an AM hour (docs/optimize.md)."""
    pb = opt._pb
    r = opt.scenario.to_dict()["resources"]
    value = float(opt.shadow_prices()["am_hours"]) * float(r["am_hours_per_week"])
    if opt.objective_name in ("contribution", "cash_flow"):  # these carry the team's cost
        cost = float(r["am_cost_per_year"]) / 52.0 * float(np.sum(pb.weights))
        return (f"one more account manager: {value - cost:+,.0f} ({value:,.0f} from his or her "
                f"{float(r['am_hours_per_week']):g} hours a week, less {cost:,.0f} cost)")
    return f"one more account manager: {value:+,.0f} from his or her {float(r['am_hours_per_week']):g} hours a week"


def optimize_command(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import cathedral
    from cathedral.plots_optimize import objective_label

    if args.top < 0:
        raise ValueError(f"--top: must be >= 0, got {args.top}")
    scenario = cathedral.Scenario.load(args.scenario)
    opt = cathedral.optimize(scenario, args.objective, per=args.per, phases=args.phases,
                             horizon_weeks=args.horizon_weeks, threads=args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)  # only once there is a plan to write
    print(f"{scenario!r}")
    print(f"Optimised {objective_label(opt)} per {opt.per}"
          + (f", {len(opt.phase_weeks)} phases" if len(opt.phase_weeks) > 1 else "")
          + f" ({opt.evaluations:,} mean-field runs in {opt.time_s:.1f} s)\n")
    print(f"{opt.objective_name.replace('_', ' ')}: {opt.objective:,.0f} against {opt.start_objective:,.0f} "
          f"for the start plan: gain {opt.objective - opt.start_objective:+,.0f} ({opt.gain:+.1%})\n")
    usage = opt.usage()
    print("Resources (use in the tightest epoch; shadow price: objective per extra unit of capacity)")
    with pd_options():
        print(usage.to_string(float_format=_number))
    print(f"\n{_am_worth(opt)}")
    marginal = opt.marginal_values()
    top = marginal.sort_values("net", ascending=False).head(args.top)
    print(f"\nTop {len(top)} marginal values after paying for the resources they use (net, objective per unit "
          f"of the lever; about 0 inside the bounds, > 0 at an upper bound)")
    with pd_options():
        print(top[["tier", "value", "unit", "marginal", "per_resource_unit", "resource", "net"]].to_string(
            float_format=_number))
    plan = out / "plan.json"
    plan.write_text(json.dumps(opt.policy.to_dict(), indent=2, allow_nan=False) + "\n")
    written = [plan]
    for name, table in (("allocation", opt.allocation()), ("usage", usage), ("marginal_values", marginal),
                        ("history", opt.history)):
        path = out / f"{name}.csv"
        table.to_csv(path, index=name != "history")
        written.append(path)
    heatmap = out / "heatmap.png"
    opt.plot().savefig(heatmap, dpi=110)
    written.append(heatmap)
    print(f"\nWrote {', '.join(str(p) for p in written[:-1])} and {written[-1]}")
    print("plan.json is a policy as a scenario's \"policy\" field holds it; under a name in a PLANS.json "
          "it can be compared with other plans by `cathedral compare`")
    return 0


def evaluate_command(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from cathedral import crm
    from cathedral.crm.report import format_scorecard

    data = crm.load(args.crm_dir)
    tables = crm.evaluate(data, as_of=args.as_of)
    as_of = tables["portfolio_scorecard"].attrs["as_of"]
    print(f"{data!r}\nPortfolio scorecard as of {as_of}\n")
    print(format_scorecard(tables["portfolio_scorecard"]))
    path = crm.write_report(tables, args.out, title=f"Portfolio evaluation: {args.crm_dir}")
    print(f"\nWrote {path} and {len(tables)} CSV files to {Path(args.out)}")
    return 0


def schema_command(args) -> int:
    from cathedral import scenario_docs

    text = scenario_docs.format_markdown() if args.markdown else scenario_docs.schema_text()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def pd_options():
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_columns", 20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cathedral", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="compare the hand plans and an optimised one on the bundled demo portfolio")
    d.add_argument("--out", default="cathedral-demo", help="output folder for plots and tables (default: %(default)s)")
    d.add_argument("--replications", type=int, default=1000)
    d.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    d.add_argument("--threads", type=int, default=None)
    d.add_argument("--scenario", help="a scenario JSON instead of the demo portfolio")
    d.add_argument("--plans", help="a JSON object of named policies instead of the demo plans")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.add_argument("--no-optimise", dest="no_optimise", action="store_true",
                   help="leave out the fourth plan, \"optimised\" (cathedral.optimize over the scenario)")
    c = sub.add_parser("compare", help="compare named plans on a scenario with paired differences")
    c.add_argument("scenario", help="scenario JSON file")
    c.add_argument("plans", help="JSON object {plan name: policy}")
    c.add_argument("--baseline", help="the plan to compare against (default: the first)")
    c.add_argument("--out", default="cathedral-compare", help="output folder (default: %(default)s)")
    c.add_argument("--replications", type=int, default=1000)
    c.add_argument("--seed", type=int, default=None)
    c.add_argument("--threads", type=int, default=None)
    c.add_argument("--kpis", help="comma-separated KPI names")
    c.add_argument("--quiet", action="store_true")
    o = sub.add_parser("optimize", help="the allocation that makes the most of the resources (docs/optimize.md)")
    o.add_argument("scenario", help="scenario JSON file (its policy is the start plan)")
    o.add_argument("--objective", default="contribution",
                   choices=["contribution", "gross_profit", "revenue", "cash_flow"],
                   help="the horizon total to maximise (default: %(default)s)")
    o.add_argument("--per", default="account", choices=["account", "tier"],
                   help="one allocation per account, or one template per tier (default: %(default)s)")
    o.add_argument("--phases", type=int, default=None, help="a time-phased plan of N equal phases")
    o.add_argument("--horizon-weeks", dest="horizon_weeks", type=int, default=None,
                   help="count the objective over the first N weeks only (default: the whole horizon)")
    o.add_argument("--top", type=int, default=10, help="how many marginal values to print (default: %(default)s)")
    o.add_argument("--out", default="cathedral-optimize", help="output folder (default: %(default)s)")
    o.add_argument("--threads", type=int, default=None)
    e = sub.add_parser("evaluate", help="evaluate a CRM export: scorecard, tiers, state estimate, HTML report")
    e.add_argument("crm_dir", help="folder of the CRM export (accounts.csv, contacts.csv, ...)")
    e.add_argument("--as-of", dest="as_of", help="evaluation date YYYY-MM-DD (default: the latest activity)")
    e.add_argument("--out", default="cathedral-evaluate", help="output folder (default: %(default)s)")
    s = sub.add_parser("schema", help="the JSON Schema of scenario files, or (--markdown) their format in words")
    s.add_argument("--markdown", action="store_true",
                   help="docs/scenario-format.md instead of docs/scenario.schema.json")
    s.add_argument("--out", help="write to this file (default: standard output)")
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            return demo(args)
        if args.command == "compare":
            return compare_command(args)
        if args.command == "optimize":
            return optimize_command(args)
        if args.command == "evaluate":
            return evaluate_command(args)
        if args.command == "schema":
            return schema_command(args)
    except (ValueError, OSError) as e:
        print(f"cathedral: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cathedral: interrupted", file=sys.stderr)
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
