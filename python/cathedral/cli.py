"""The command line: `cathedral demo`, `compare`, `optimize`, `evaluate`, `schema` (also `python -m cathedral ...`)."""
from __future__ import annotations

import argparse
import json
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


DEMO_FILES = ("revenue_fan.png", "nine_grid.png", "kpis.json", "paired_differences.png", "demo.xlsx")
COMPARE_FILES = ("comparison.csv", "kpi_distributions.png", "revenue_fan.png", "comparison.xlsx")
OPTIMIZE_FILES = ("plan.json", "allocation.csv", "usage.csv", "marginal_values.csv", "history.csv", "heatmap.png")

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
    if isinstance(plans, dict) and "accounts" in plans and "resources" in plans:
        raise ValueError(f"{path} is a scenario file (it has accounts and resources), not a plans file; "
                         f"a plans file is a JSON object {{\"plan name\": {{...policy...}}, ...}} "
                         f"(e.g. examples/demo_plans.json), passed after the scenario")
    if not isinstance(plans, dict) or not plans:
        raise ValueError(f"{path}: must hold a JSON object of named policies, {{\"name\": {{...policy...}}, ...}}")
    return plans


def _check_plans(scenario, plans: dict, path) -> None:
    """Validate every plan against the scenario before anything is simulated; one message
    lists every problem of every plan, each named by its plan: `plans["key only"].templates.S...`."""
    from cathedral import ScenarioError

    problems = []
    for name, spec in plans.items():
        where = f"plans[{json.dumps(name, ensure_ascii=False)}]"
        if not isinstance(spec, dict):
            problems.append(f"{where}: must be a policy object, got {type(spec).__name__}")
            continue
        try:
            scenario.with_policy(spec)
        except ScenarioError as e:
            for line in str(e).splitlines():
                line = line.strip()
                if line.startswith("policy"):
                    line = where + line[len("policy"):]
                elif line:
                    line = f"{where}: {line}"
                if line:
                    problems.append(line)
    if problems:
        raise ValueError(f"{path}: {len(problems)} problem{'s' if len(problems) > 1 else ''} in the plans; "
                         "nothing was simulated\n  " + "\n  ".join(problems))


def _load_scenario(path):
    """Scenario.load, with a hint when the file is a plans file instead."""
    import cathedral

    try:
        return cathedral.Scenario.load(path)
    except cathedral.ScenarioError:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict) and data and all(isinstance(v, dict) and "type" in v for v in data.values()):
            raise ValueError(f"{path} looks like a plans file ({{plan name: policy}}), not a scenario file; "
                             "the scenario comes first: cathedral compare SCENARIO PLANS") from None
        raise


def _check_kpis(scenario, plan, kpis) -> None:
    """Unknown --kpis names, before the long run: the names from one mean-field path."""
    import difflib

    import cathedral

    known = [str(k) for k in cathedral.simulate(scenario, plan, mode="mean_field", progress=False).kpi_values().kpi.values]
    for k in kpis:
        if k not in known:
            close = difflib.get_close_matches(k, known, n=1)
            raise ValueError(f"--kpis: unknown KPI {k!r}" + (f'; did you mean "{close[0]}"?' if close else "")
                             + f"; KPIs are: {', '.join(known)}")


def _check_counts(args) -> None:
    """--replications and --threads: integers >= 1, checked before anything is printed or written."""
    for flag in ("replications", "threads"):
        text = getattr(args, flag, None)
        if text is None:
            continue
        try:
            value = int(text)
        except (TypeError, ValueError):
            raise ValueError(f"--{flag}: must be an integer, got {text!r}") from None
        if value < 1:
            raise ValueError(f"--{flag}: must be >= 1, got {value}")
        setattr(args, flag, value)


# Plans whose planned use differs by no more than this share of the capacity count as sized to
# the same resources.
SAME_RESOURCES_TOLERANCE = 0.05
_RESOURCE_LABELS = {"am_hours": "AM hours/week", "executive_days": "exec days/year", "budget": "budget/year"}


def _format_demand(scenario, plans: dict, judged=None) -> str:
    """Each plan's planned use of each resource before fitting (docs/model.md §4, cathedral.demand),
    averaged over the decision epochs, against the capacity, and whether the plans ask for the
    same resources. A plan that uses none of a resource (no activity needs it) is named, not
    counted against the others."""
    from cathedral.demand import demand

    use = {name: demand(scenario, spec)["use"].groupby(level="resource", sort=False).mean()
           for name, spec in plans.items()}
    cap = demand(scenario, next(iter(plans.values()))).xs(0, level="epoch")["capacity"]
    resources = list(cap.index)
    width = max(24, *(len(n) + 2 for n in plans))
    lines = ["Planned use before fitting to the resources, mean over the decision epochs (share of what is available):",
             "  " + "plan".ljust(width) + "".join(_RESOURCE_LABELS.get(r, r).rjust(22) for r in resources)]
    for name, u in use.items():
        lines.append("  " + name.ljust(width) + "".join(f"{u[r]:,.0f} ({u[r] / cap[r]:.0%})".rjust(22) for r in resources))
    lines.append("  " + "available".ljust(width) + "".join(f"{cap[r]:,.0f}".rjust(22) for r in resources))
    judged = list(plans) if judged is None else list(judged)  # the plans whose sizes are compared
    if len(judged) < 2:
        return "\n".join(lines)
    apart, unused = [], []
    for r in resources:
        users = {n: use[n][r] / cap[r] for n in judged if use[n][r] > 0}
        unused += [f"{n} uses no {_RESOURCE_LABELS.get(r, r)}" for n in judged if use[n][r] <= 0 and users]
        if users and max(users.values()) - min(users.values()) > SAME_RESOURCES_TOLERANCE:
            apart.append(f"{_RESOURCE_LABELS.get(r, r)} {min(users.values()):.0%} to {max(users.values()):.0%}")
    if not apart:
        lines.append(f"The plans are sized to the same resources (within {SAME_RESOURCES_TOLERANCE:.0%} of each "
                     "capacity): they differ in how they spend them, not in how much."
                     + (f" ({'; '.join(unused)}: none of its activities needs them.)" if unused else ""))
    else:
        lines.append(f"Note: the plans ask for different resources ({', '.join(apart)} of the capacity); "
                     "a plan that uses more may win because it spends more.")
    return "\n".join(lines)


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

    scenario = _load_scenario(args.scenario) if args.scenario else cathedral.Scenario.demo()
    plans_path = args.plans or bundled_file("demo_plans.json")
    plans = _load_plans(plans_path)
    _check_plans(scenario, plans, plans_path)
    out = Path(args.out)
    outputs = Outputs(out, DEMO_FILES, force=args.force)  # checked before simulating
    print(f"{scenario!r}")
    if not args.no_optimise:
        plans["optimised"] = _optimised_plan(cathedral, scenario, plans, args.threads)
    seed = args.seed if args.seed is not None else scenario.seed
    print(f"Comparing {len(plans)} plans, {args.replications} replications each, seed {seed} "
          f"(common random numbers: the plans share their luck)\n")
    # the hand plans are sized alike; the optimised one is fitted to the resources by construction
    print(_format_demand(scenario, plans, judged=[n for n in plans if n != "optimised"]) + "\n")
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
    # the plans ran with one seed, so they pair replication by replication (the first is the baseline)
    comparison = cathedral.Comparison(results, baseline=next(iter(results)), confidence=0.95)
    with outputs:
        fan = fan_chart(results, metric="revenue")
        fan.savefig(outputs.path("revenue_fan.png"), dpi=110)
        grid = nine_grid_comparison(results)
        grid.savefig(outputs.path("nine_grid.png"), dpi=110)
        summary = {name: t.to_dict(orient="index") for name, t in tables.items()}
        outputs.path("kpis.json").write_text(json.dumps(_finite(summary), indent=2, allow_nan=False))
        comparison.plot(["revenue", "contribution"]).savefig(outputs.path("paired_differences.png"), dpi=110)
        comparison.to_excel(outputs.path("demo.xlsx"))
    print(f"\nWrote {out / 'revenue_fan.png'}, {out / 'nine_grid.png'}, {out / 'paired_differences.png'}, "
          f"{out / 'kpis.json'} and {out / 'demo.xlsx'}")
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

    scenario = _load_scenario(args.scenario)
    plans = _load_plans(args.plans)
    _check_plans(scenario, plans, args.plans)
    if args.baseline is not None and args.baseline not in plans:
        raise ValueError(f"baseline: {args.baseline!r} is not one of the plans: {', '.join(plans)}")
    kpis = args.kpis.split(",") if args.kpis else ["revenue", "gross_profit", "contribution", "cash_flow",
                                                   "win_rate", "share_of_wallet"]
    _check_kpis(scenario, next(iter(plans.values())), kpis)
    out = Path(args.out)
    outputs = Outputs(out, COMPARE_FILES, force=args.force)  # checked before simulating
    comparison = cathedral.compare(scenario, plans, baseline=args.baseline, replications=args.replications,
                                   seed=args.seed, threads=args.threads,
                                   progress=False if args.quiet else None)
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
        comparison.to_excel(outputs.path("comparison.xlsx"))
    print(f"\nWrote {out / 'comparison.csv'}, {out / 'comparison.xlsx'}, {out / 'kpi_distributions.png'} "
          f"(paired differences above the distributions) and {out / 'revenue_fan.png'}")
    return 0


def _number(v: float) -> str:
    """Tables of the optimiser: thousands separated, three digits below 100, round-off (|v| < 1e-6) as 0."""
    if abs(v) < 1e-6:
        return "0"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def _am_worth(opt) -> str:
    """One more account manager, from the shadow price of an AM hour (docs/optimize.md)."""
    from cathedral.optimizer import _team_cost

    pb = opt._pb
    r = opt.scenario.to_dict()["resources"]
    value = float(opt.shadow_prices()["am_hours"]) * float(r["am_hours_per_week"])
    one_more = opt.scenario.with_resources(account_managers=float(r["account_managers"]) + 1.0)
    cost = _team_cost(one_more, opt.objective_name, pb.weights) - pb.team_cost  # 0 unless the objective carries it
    if cost:
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
    outputs = Outputs(args.out, OPTIMIZE_FILES, force=args.force)  # checked before optimising
    opt = cathedral.optimize(scenario, args.objective, per=args.per, phases=args.phases,
                             horizon_weeks=args.horizon_weeks, threads=args.threads)
    out = Path(args.out)
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
    with outputs:
        outputs.path("plan.json").write_text(json.dumps(opt.policy.to_dict(), indent=2, allow_nan=False) + "\n")
        for name, table in (("allocation", opt.allocation()), ("usage", usage), ("marginal_values", marginal),
                            ("history", opt.history)):
            table.to_csv(outputs.path(f"{name}.csv"), index=name != "history")
        opt.plot().savefig(outputs.path("heatmap.png"), dpi=110)
    written = [out / name for name in OPTIMIZE_FILES]
    print(f"\nWrote {', '.join(str(p) for p in written[:-1])} and {written[-1]}")
    print("plan.json is a policy as a scenario's \"policy\" field holds it; under a name in a PLANS.json "
          "it can be compared with other plans by `cathedral compare`")
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
    d = sub.add_parser("demo", help="compare the hand plans and an optimised one on the bundled demo portfolio")
    d.add_argument("--out", default="cathedral-demo", help="output folder for plots and tables (default: %(default)s)")
    d.add_argument("--replications", default=1000)
    d.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    d.add_argument("--threads", default=None)
    d.add_argument("--scenario", help="a scenario JSON instead of the demo portfolio")
    d.add_argument("--plans", help="a JSON object of named policies instead of the demo plans")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.add_argument("--no-optimise", dest="no_optimise", action="store_true",
                   help="leave out the fourth plan, \"optimised\" (cathedral.optimize over the scenario)")
    d.add_argument("--force", action="store_true", help="replace files already in the output folder")
    c = sub.add_parser("compare", help="compare named plans on a scenario with paired differences")
    c.add_argument("scenario", help="scenario JSON file")
    c.add_argument("plans", help="JSON object {plan name: policy}")
    c.add_argument("--baseline", help="the plan to compare against (default: the first)")
    c.add_argument("--out", default="cathedral-compare", help="output folder (default: %(default)s)")
    c.add_argument("--replications", default=1000)
    c.add_argument("--seed", type=int, default=None)
    c.add_argument("--threads", default=None)
    c.add_argument("--kpis", help="comma-separated KPI names")
    c.add_argument("--quiet", action="store_true")
    c.add_argument("--force", action="store_true", help="replace files already in the output folder")
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
    o.add_argument("--force", action="store_true", help="replace files already in the output folder")
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
        _check_counts(args)
        with _console_warnings():
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


class _console_warnings:
    """Print Cathedral's warnings (a plan cut by fitting, a missing CRM file or column, an
    evaluation date after the data) once each as `cathedral: warning: ...` lines; other
    warnings as Python shows them."""

    def __enter__(self):
        import warnings

        from cathedral.crm import CRMWarning
        from cathedral.demand import FitWarning

        self.ours = (FitWarning, CRMWarning)
        self.context = warnings.catch_warnings(record=True)
        self.caught = self.context.__enter__()
        for category in self.ours:
            warnings.simplefilter("always", category)
        return self

    def __exit__(self, *exc):
        import warnings

        self.context.__exit__(*exc)
        seen = set()
        for w in self.caught:
            if not issubclass(w.category, self.ours):
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
            elif str(w.message) not in seen:
                seen.add(str(w.message))
                print(f"cathedral: warning: {w.message}", file=sys.stderr)
        return False


if __name__ == "__main__":
    sys.exit(main())
