"""The command line: `cathedral demo` (also `python -m cathedral demo`)."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from ._outputs import Outputs


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


DEMO_FILES = ("revenue_fan.png", "nine_grid.png", "kpis.json")
COMPARE_FILES = ("comparison.csv", "kpi_distributions.png", "revenue_fan.png")

DEMO_KPIS = ["revenue", "revenue_year_1", "revenue_year_3", "gross_profit", "contribution", "cash_flow",
             "spend", "revenue_per_am_year", "contribution_per_am_year", "revenue_growth", "win_rate",
             "share_of_wallet", "direct_awards"]


def _no_duplicate_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r} (a JSON object may name a key once)")
        seen[key] = value
    return seen


def _load_plans(path) -> dict:
    try:
        data = Path(path).read_bytes()
        plans = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: invalid UTF-8 at byte offset {e.start}") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: invalid JSON: {e}") from None
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
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
    outputs = Outputs(out, DEMO_FILES, force=args.force)  # checked before simulating
    print(f"{scenario!r}")
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

    with outputs:
        fan = fan_chart(results, metric="revenue")
        fan.savefig(outputs.path("revenue_fan.png"), dpi=110)
        grid = nine_grid_comparison(results)
        grid.savefig(outputs.path("nine_grid.png"), dpi=110)
        summary = {name: t.to_dict(orient="index") for name, t in tables.items()}
        outputs.path("kpis.json").write_text(json.dumps(_finite(summary), indent=2, allow_nan=False))
    print(f"\nWrote {out / 'revenue_fan.png'}, {out / 'nine_grid.png'} and {out / 'kpis.json'}")
    print(f"Simulated {len(plans)} × {args.replications} replications in {elapsed:.1f} s")
    return 0


def compare_command(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import cathedral
    from cathedral.plots import fan_chart

    scenario = cathedral.Scenario.load(args.scenario)
    plans = _load_plans(args.plans)
    out = Path(args.out)
    outputs = Outputs(out, COMPARE_FILES, force=args.force)  # checked before simulating
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
    with outputs:
        table.to_csv(outputs.path("comparison.csv"))
        comparison.plot(kpis[:3]).savefig(outputs.path("kpi_distributions.png"), dpi=110)
        fan_chart(comparison.results, metric="revenue").savefig(outputs.path("revenue_fan.png"), dpi=110)
    print(f"\nWrote {out / 'comparison.csv'}, {out / 'kpi_distributions.png'} and {out / 'revenue_fan.png'}")
    return 0


def evaluate_command(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from cathedral import crm
    from cathedral.crm.report import format_scorecard

    outputs = Outputs(args.out, ["report.html"], force=args.force)  # checked before evaluating
    data = crm.load(args.crm_dir)
    tables = crm.evaluate(data, as_of=args.as_of)
    as_of = tables["portfolio_scorecard"].attrs["as_of"]
    print(f"{data!r}\nPortfolio scorecard as of {as_of}\n")
    print(format_scorecard(tables["portfolio_scorecard"]))
    with outputs:
        written = crm.write_report(tables, outputs.staging, title=f"Portfolio evaluation: {args.crm_dir}")
    path = Path(args.out) / written.name
    print(f"\nWrote {path} and {len(tables)} CSV files to {Path(args.out)}")
    return 0


def schema_command(args) -> int:
    from cathedral import scenario_docs

    text = scenario_docs.format_markdown() if args.markdown else scenario_docs.schema_text()
    if args.out:
        target = Path(args.out)
        outputs = Outputs(target.parent if str(target.parent) else ".", [target.name], force=True)
        with outputs:
            outputs.path(target.name).write_text(text, encoding="utf-8")
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
    d = sub.add_parser("demo", help="compare three plans on the bundled demo portfolio")
    d.add_argument("--out", default="cathedral-demo", help="output folder for plots and tables (default: %(default)s)")
    d.add_argument("--replications", type=int, default=1000)
    d.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    d.add_argument("--threads", type=int, default=None)
    d.add_argument("--scenario", help="a scenario JSON instead of the demo portfolio")
    d.add_argument("--plans", help="a JSON object of named policies instead of the demo plans")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.add_argument("--force", action="store_true", help="replace files already in the output folder")
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
    c.add_argument("--force", action="store_true", help="replace files already in the output folder")
    e = sub.add_parser("evaluate", help="evaluate a CRM export: scorecard, tiers, state estimate, HTML report")
    e.add_argument("crm_dir", help="folder of the CRM export (accounts.csv, contacts.csv, ...)")
    e.add_argument("--as-of", dest="as_of", help="evaluation date YYYY-MM-DD (default: the latest activity)")
    e.add_argument("--out", default="cathedral-evaluate", help="output folder (default: %(default)s)")
    e.add_argument("--force", action="store_true", help="replace files already in the output folder")
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
