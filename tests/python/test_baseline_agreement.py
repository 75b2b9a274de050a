"""The engine against the independent numpy baseline (bench/baselines/numpy_model.py): the
same model written a second time, vectorised over replications, with its own random streams.

A short form of bench/compare_baselines.py. Fixed seeds, so each check either always passes
or always fails. Random totals: the means agree within Monte Carlo error,
|mean_engine − mean_numpy| < 4 · sqrt(se_engine² + se_numpy²); totals that are deterministic
in both (spend, hours and executive days when no agreement can be signed) and the resource
scale factor f agree to 1e-12.
"""
import copy
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import cathedral
from cathedral.resources import planned_use

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from baselines import numpy_model  # noqa: E402
from baselines.common import OUTPUTS  # noqa: E402

REPLICATIONS = 2000  # about 12 s in all on two cores; detects a 10 % change of coverage_gain
Z_LIMIT = 4.0
EXACT_RTOL = 1e-12
PLAN = {"social_hours": 2.0, "value_hours": 3.0, "visits": 2.0, "service_hours": 2.0,
        "benchmarking": 1.0, "exec_visits": 1.0, "pursue_agreement": True, "jic": False}


def _portfolio(weeks=104):
    base = cathedral.generate_portfolio(24, contacts=(2, 6), seed=4, horizon_weeks=weeks)
    base.pop("policy")
    for acc in base["accounts"][3:9]:  # aligned and fitting well: agreements are signed (at random weeks)
        acc.update(org=0.55, fit=max(acc["fit"], 0.65), agreement_weeks_left=0)
        acc["fit_target"] = acc["fit"]
    deal_fraction = cathedral.Scenario.defaults()["params"]["deal_fraction"]
    for i, acc in enumerate(base["accounts"][:3]):  # listed pipelines: one empty, two with deals
        d_bar = deal_fraction * acc["wallet"]
        acc["pipeline"] = [] if i == 2 else [
            {"size": round(d_bar * (0.5 + 0.25 * j), 3), "decision_week": w} for j, w in enumerate((0, 3, 20, weeks + 4))]
    return base


def _variant(name):
    scenario = _portfolio()
    plan = dict(PLAN)
    am_hours = cathedral.Scenario.defaults()["resources"]["am_hours_per_week"]
    if name == "binding":  # AM hours at 70 % of the plan: f = 0.7; no agreements, so costs are deterministic
        plan["pursue_agreement"] = False
        need = planned_use(scenario, [plan] * len(scenario["accounts"])).total()["am_hours"]
        scenario["resources"] = {"account_managers": 0.7 * need / am_hours, "executive_days_per_year": 1e6,
                                 "budget_per_year": 1e8}
    else:  # resources far above the plan; agreements are signed at random
        need = planned_use(scenario, [plan] * len(scenario["accounts"])).total()["am_hours"]
        scenario["resources"] = {"account_managers": math.ceil(2 * need / am_hours), "executive_days_per_year": 1e6,
                                 "budget_per_year": 1e8}
    return scenario, {"type": "static", "default": plan}


def _stats(x):
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def _deterministic(x):
    x = np.asarray(x, dtype=float)
    return float(np.ptp(x)) <= 1e-12 * max(1.0, abs(float(x.mean())))


@pytest.mark.parametrize("name", ["ample", "binding"])
def test_engine_and_numpy_baseline_agree(name):
    scenario, policy = _variant(name)
    res = cathedral.simulate(cathedral.Scenario.from_dict(copy.deepcopy(scenario)), policy,
                             replications=REPLICATIONS, seed=1, progress=False)
    base = numpy_model.simulate(copy.deepcopy(scenario), policy, replications=REPLICATIONS, seed=2)

    # the scale factor f of epoch 0 and of the later epochs
    f_engine = res.scale_factors()["scale_factor"].to_numpy()
    f_base = base["scale"]
    assert f_engine[0] == pytest.approx(f_base[0], rel=EXACT_RTOL, abs=0)
    np.testing.assert_allclose(f_engine[1:], f_base[1], rtol=EXACT_RTOL, atol=0)
    if name == "binding":
        assert f_engine[0] == pytest.approx(0.7, rel=1e-9)

    failures = []
    exact = {"spend", "hours", "exec_days"} if name == "binding" else set()
    for metric in OUTPUTS:
        a = np.asarray(res.totals(metric), dtype=float)
        b = np.asarray(base[metric], dtype=float)
        assert a.shape == b.shape == (REPLICATIONS,)
        if metric in exact:
            assert _deterministic(a) and _deterministic(b), metric
        if _deterministic(a) and _deterministic(b):
            ma, mb = float(a.mean()), float(b.mean())
            if abs(ma - mb) > EXACT_RTOL * max(abs(ma), abs(mb)):
                failures.append(f"{metric}: {ma!r} (engine) != {mb!r} (numpy)")
            continue
        (ma, sa), (mb, sb) = _stats(a), _stats(b)
        z = (ma - mb) / math.hypot(sa, sb)
        if not abs(z) < Z_LIMIT:
            failures.append(f"{metric}: engine {ma:.6g} ± {sa:.2g}, numpy {mb:.6g} ± {sb:.2g}, z = {z:+.2f}")
    assert not failures, "\n".join(failures)
