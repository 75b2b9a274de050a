"""Issue 14.2: runs that would not fit are refused before they start, with the numbers."""
from conftest import assert_ok, run_case

LIMIT_MB = 3000  # RLIMIT_AS of the child: the interpreter, numpy and pandas take about 1 GiB of it


def test_accounts_times_weeks_is_refused_up_front_under_the_address_space_limit():
    # 3,000 accounts × 5,200 weeks: the nine-grid means alone are 1.1 GB, the tallies as much
    o = run_case('''
        d = small(accounts=3000, weeks=5200, interval=52, contacts=1)
        for a in d["accounts"]:
            a["wallet_growth"] = 0.0
        sc = cathedral.Scenario.from_dict(d)
        t0 = time.perf_counter()
        try:
            cathedral.simulate(sc, replications=1, threads=1, progress=False)
            print("NOT REFUSED")
        except MemoryError as e:
            assert isinstance(e, ValueError)  # also a ValueError, as before
            print("OK", round(time.perf_counter() - t0, 2), e)
    ''', memory_mb=LIMIT_MB, timeout=120)
    assert_ok(o, "OK", "nine-grid", "RLIMIT_AS")
    assert float(o.out.split("OK ")[1].split()[0]) < 5


def test_wallet_growth_that_would_run_away_is_refused_at_load():
    o = run_case('''
        for growth, weeks in ((1e308, 26), (0.3, 5200)):
            d = small(weeks=weeks, interval=52)
            d["accounts"][1]["wallet_growth"] = growth
            try:
                cathedral.Scenario.from_dict(d)
                print("NOT REFUSED", growth)
            except cathedral.ScenarioError as e:
                print("OK", e)
    ''', memory_mb=LIMIT_MB)
    assert_ok(o, "OK accounts[1].wallet_growth: the wallet would grow")
    assert o.out.count("OK accounts[1].wallet_growth") == 2, o.out


def test_a_market_that_runs_away_stops_the_run_naming_the_account_and_week():
    # a market cycle of huge variance passes validation; M then explodes within the run
    o = run_case('''
        d = small()
        d["params"] = {"macro_sd": 50.0}
        sc = cathedral.Scenario.from_dict(d)
        try:
            cathedral.simulate(sc, replications=4, threads=1, progress=False)
            print("NOT STOPPED")
        except cathedral.ScenarioError as e:
            assert "at week" in str(e) and "accounts[" in str(e), e
            print("OK stopped", e)
    ''', memory_mb=LIMIT_MB)
    assert_ok(o, "OK stopped accounts[")


def test_compare_is_refused_as_a_whole():
    o = run_case('''
        from cathedral.simulation import _check_memory, _memory_limit
        sc = cathedral.Scenario.from_dict(small(weeks=520, interval=52))
        limit, _ = _memory_limit()
        per_plan = 520 * (len(cathedral.simulation.METRICS) + 40) * 8
        reps = int(0.4 * limit / per_plan)
        _check_memory(sc, None, reps, [], 1)  # one plan fits
        plans = {f"p{i}": sc.policy for i in range(5)}
        t0 = time.perf_counter()
        try:
            cathedral.compare(sc, plans, replications=reps, threads=1, progress=False)
            print("NOT REFUSED")
        except MemoryError as e:
            print("OK", round(time.perf_counter() - t0, 2), e)
    ''', memory_mb=LIMIT_MB)
    assert_ok(o, "OK", "5 plans")
    assert float(o.out.split("OK ")[1].split()[0]) < 5


def test_a_python_policy_keeps_every_replication_and_is_refused_with_that_reason():
    o = run_case('''
        sc = cathedral.Scenario.from_dict(small(accounts=200, weeks=52))
        try:
            cathedral.simulate(sc, cathedral.policies.python(lambda obs: {}), replications=10**6, progress=False)
            print("NOT REFUSED")
        except MemoryError as e:
            print("OK", e)
    ''', memory_mb=LIMIT_MB)
    assert_ok(o, "OK", "a Python policy")


def test_the_guard_lets_an_ordinary_run_through_under_the_limit():
    o = run_case('''
        res = cathedral.simulate(cathedral.Scenario.demo(), replications=64, threads=2, progress=False,
                                 keep=["revenue"])
        finite_outputs(res)
        print("OK", res.replications)
    ''', memory_mb=LIMIT_MB)
    assert_ok(o, "OK 64")


def test_the_cgroup_memory_max_bounds_the_guard(tmp_path):
    # a cgroup v2 tree as a container has it: 512 MiB allowed, 100 MiB in use
    o = run_case(f'''
        import pathlib
        from cathedral.simulation import _memory_limit
        root = pathlib.Path(r"{tmp_path}")
        (root / "proc").mkdir()
        (root / "proc" / "cgroup").write_text("0::/jupyter/kernel-1\\n")
        group = root / "sys" / "jupyter" / "kernel-1"
        group.mkdir(parents=True)
        (group / "memory.max").write_text(str(512 * 2**20) + "\\n")
        (group / "memory.current").write_text(str(100 * 2**20) + "\\n")
        limit, source = _memory_limit(str(root / "proc" / "cgroup"), str(root / "sys"))
        assert limit == 412 * 2**20, limit
        assert "memory.max" in source, source
        (group / "memory.max").write_text("max\\n")  # no limit: the other bounds apply
        limit, source = _memory_limit(str(root / "proc" / "cgroup"), str(root / "sys"))
        assert "memory.max" not in source, source
        print("OK", source)
    ''')
    assert_ok(o, "OK")
