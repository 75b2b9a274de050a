"""Issue 14.3: every parameter at the edges of its domain, in both modes: a named error at load,
or a run whose outputs are all finite. Never NaN, never inf, never a crash."""
import pytest

import textwrap

from conftest import assert_ok, run_case

EDGES = r'''
import math, re
MAX = 1.7976931348623157e308
TINY = 5e-324

def edges(domain, integer):
    """The values at the edges of a domain in words ("[0, 1]", "> 0", ">= 0", "(0, 100]", ...)."""
    m = re.fullmatch(r"([\[(])(-?[0-9.e+]+), (-?[0-9.e+]+)([\])])", domain)
    if m:
        lo, hi = float(m.group(2)), float(m.group(3))
        lo = lo if m.group(1) == "[" else math.nextafter(lo, math.inf)
        hi = hi if m.group(4) == "]" else math.nextafter(hi, -math.inf)
        vals = [lo, hi]
    elif domain.startswith(">= "):
        lo = float(domain[3:])
        vals = [lo, 1e300, MAX]
    elif domain.startswith("> "):
        lo = float(domain[2:])
        vals = [math.nextafter(lo, math.inf), 1e-300, 1e300, MAX]
    elif domain == "any finite number":
        vals = [-MAX, -1e300, 1e300, MAX]
    else:
        return []
    if integer:
        vals = sorted({int(min(max(v, -2**31), 5200 if v > 0 else v)) for v in vals if math.isfinite(v)})
        vals = [v for v in vals if v == v]
    return vals

def field_domains(defs, name):
    out = {}
    for field, prop in defs[name]["properties"].items():
        t = prop.get("type")
        if t not in ("number", "integer"):
            continue
        lo = prop.get("exclusiveMinimum", prop.get("minimum"))
        hi = prop.get("exclusiveMaximum", prop.get("maximum"))
        text = None
        if lo is not None and hi is not None:
            text = ("(" if "exclusiveMinimum" in prop else "[") + repr(float(lo)) + ", " + repr(float(hi)) + \
                   (")" if "exclusiveMaximum" in prop else "]")
        elif lo is not None:
            text = ("> " if "exclusiveMinimum" in prop else ">= ") + repr(float(lo))
        elif hi is None:
            text = "any finite number"
        if text:
            out[field] = edges(text, t == "integer")
    return out

def cases():
    defs = _core.scenario_schema()["$defs"]
    for row in _core.param_table():
        for v in edges(row["domain"], row["integer"]):
            yield f"params.{row['name']}", lambda d, n=row["name"], v=v: d.setdefault("params", {}).__setitem__(n, v)
    for row in _core.cost_table():
        for v in edges(row["domain"], row["integer"]):
            yield f"costs.{row['name']}", lambda d, n=row["name"], v=v: d.setdefault("costs", {}).__setitem__(n, v)
    for field, vals in field_domains(defs, "account").items():
        for v in vals:
            yield f"accounts[0].{field}", lambda d, f=field, v=v: d["accounts"][0].__setitem__(f, v)
    for field, vals in field_domains(defs, "contact").items():
        for v in vals:
            yield f"accounts[0].contacts[0].{field}", lambda d, f=field, v=v: d["accounts"][0]["contacts"][0].__setitem__(f, v)
    for field, vals in field_domains(defs, "resources").items():
        for v in vals:
            yield f"resources.{field}", lambda d, f=field, v=v: d["resources"].__setitem__(f, v)
    for field, vals in field_domains(defs, "allocation").items():
        for v in vals:
            yield f"policy.default.{field}", lambda d, f=field, v=v: d["policy"]["default"].__setitem__(f, v)
    for v in (1, 5200):
        yield "horizon_weeks", lambda d, v=v: d.update(horizon_weeks=v, decision_interval_weeks=min(v, 52))
'''


@pytest.mark.parametrize("mode", ["monte_carlo", "mean_field"])
def test_every_field_at_the_edges_of_its_domain(mode, figure):
    o = run_case(EDGES + textwrap.dedent(f'''
        mode = "{mode}"
        tried = errors = bad = 0
        steep = {{"social_shape": 500.0, "value_shape": 1000.0, "visit_shape": 500.0, "service_shape": 700.0}}
        all_cases = list(cases()) + [(f"params.{{k}}", lambda d, k=k, v=v: d.setdefault("params", {{}}).__setitem__(k, v))
                                     for k, v in steep.items()]
        for label, edit in all_cases:
            d = small(accounts=2, weeks=26, interval=13, contacts=2)
            edit(d)
            tried += 1
            try:
                sc = cathedral.Scenario.from_dict(d)
            except cathedral.ScenarioError as e:
                errors += 1
                assert label.split(".")[-1] in str(e) or "horizon" in str(e) or "deal" in str(e), (label, str(e))
                continue
            try:
                res = cathedral.simulate(sc, replications=3, seed=1, threads=1, mode=mode, progress=False,
                                         keep=["revenue", "wallet", "support"])
                finite_outputs(res)
            except cathedral.ScenarioError as e:  # a run stopped with a named error (a runaway)
                errors += 1
                print("STOPPED", label, str(e)[:200])
            except AssertionError as e:
                bad += 1
                print("NONFINITE", label, d.get("params"), e)
            except Exception as e:
                bad += 1
                print("FAILED", label, type(e).__name__, str(e)[:300])
        print("TRIED", tried, "REFUSED", errors, "BAD", bad)
    '''), timeout=300)
    assert_ok(o, "TRIED")
    tried = int(o.out.split("TRIED ")[1].split()[0])
    bad = int(o.out.split("BAD ")[1].split()[0])
    figure["inputs"] += tried
    figure["nan"] += bad
    assert bad == 0, o.out
