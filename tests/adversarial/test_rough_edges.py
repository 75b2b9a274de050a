"""Issue 14.8: named errors for API mistakes that used to crash or pass silently."""
from conftest import assert_ok, run_case


def test_core_scenario_new_is_refused_not_a_segfault():
    o = run_case('''
        try:
            s = _core.Scenario.__new__(_core.Scenario)
            print("MADE", s.name)
        except TypeError as e:
            print("OK", e)
        # the engine's own instances still work
        print("NAME", cathedral.Scenario.from_dict(small())._core.name)
    ''')
    assert_ok(o, "OK cathedral._core.Scenario cannot be created directly", "NAME small")


def test_simulate_arguments_get_named_errors():
    o = run_case('''
        sc = cathedral.Scenario.from_dict(small())
        for kwargs in ({"keep": None}, {"strict": "no"}, {"keep": 3}):
            try:
                cathedral.simulate(sc, replications=2, progress=False, **kwargs)
                print("NO ERROR", kwargs)
            except ValueError as e:
                print("OK", e)
        res = cathedral.simulate(sc, replications=2, progress=False)
        for week in (1.5, "3", True):
            try:
                res.nine_grid(week=week)
                print("NO ERROR", week)
            except ValueError as e:
                print("OK", e)
    ''')
    assert_ok(o, "OK keep: must be", "OK strict: must be True or False, got 'no'", "OK week: must be an integer, got 1.5")
    assert "NO ERROR" not in o.out


def test_layers_check_their_inputs():
    o = run_case('''
        from cathedral import layers
        sc = cathedral.Scenario.from_dict(small())
        calls = [
            ("hill", lambda: layers.hill(float("nan"), 1.0, 2.0)),
            ("hill", lambda: layers.hill(1.0, 0.0, 2.0)),
            ("hill", lambda: layers.hill(-1.0, 1.0, 2.0)),
            ("key_step", lambda: layers.key_step(sc, 1.5, 0.0, 0.0, 0.5, 0.5, 0.5)),
            ("org_step", lambda: layers.org_step(sc, 0.5, 0.5, 0, 0.5, 0.5, 1e15, 0)),
            ("org_step", lambda: layers.org_step(sc, 0.5, 0.5, 0, 0.5, 0.5, 1.5, 0)),
            ("visit_response", lambda: layers.visit_response(sc, 1.0, 0.0)),
            ("coverage_step", lambda: layers.coverage_step("not a scenario", 0.5, 0.5)),
            ("social_response", lambda: layers.social_response(sc, "many")),
        ]
        for name, call in calls:
            try:
                call()
                print("NO ERROR", name)
            except (ValueError, TypeError) as e:
                assert f"layers.{name}" in str(e), e
                print("OK", e)
        # right values still come through, bit for bit the engine's
        assert layers.hill(2.0, 2.0, 3.0) == 0.5
        assert float(layers.hill(1e300, 1.0, 500.0)) == 1.0  # steep and far: the stable form
        print("DONE")
    ''')
    assert_ok(o, "DONE")
    assert "NO ERROR" not in o.out, o.out


def test_crm_values_that_would_fail_later_are_reported_at_load(tmp_path):
    o = run_case(f'''
        import pathlib
        from cathedral import crm
        from cathedral.crm import synthetic
        folder = synthetic.write_export(pathlib.Path(r"{tmp_path}") / "crm", seed=3, n_accounts=6)
        folder = pathlib.Path(folder) if not isinstance(folder, pathlib.Path) else folder
        folder = pathlib.Path(r"{tmp_path}") / "crm"
        acts = (folder / "activities.csv").read_text().splitlines()
        head = acts[0].split(",")
        row = acts[1].split(",")
        row[head.index("hours")] = "1e308"
        acts[1] = ",".join(row)
        (folder / "activities.csv").write_text("\\n".join(acts) + "\\n")
        accs = (folder / "accounts.csv").read_text().splitlines()
        head = accs[0].split(",")
        row = accs[2].split(",")
        row[head.index("wallet")] = "1e-320"
        accs[2] = ",".join(row)
        (folder / "accounts.csv").write_text("\\n".join(accs) + "\\n")
        data = crm.load(folder)
        q = data.quality
        for _, r in q[q["column"].isin(["hours", "wallet"])].iterrows():
            print("FOUND", r["file"], r["line"], r["column"], r["problem"])
        for strict_file in ("activities.csv",):
            pass
        try:
            crm.load(folder, strict=True)
        except crm.CRMError as e:
            print("STRICT", e)
        # and what loads evaluates without NaN
        tables = crm.evaluate(data)
        print("EVALUATED", len(tables))
    ''', timeout=120)
    assert_ok(o, "FOUND activities.csv 2 hours out of range 1e308", "FOUND accounts.csv 3 wallet too small",
              "STRICT", "EVALUATED")
