"""Issue 14.4: duplicate keys, NUL in paths, invalid UTF-8."""
from conftest import assert_ok, run_case


def test_duplicate_keys_are_refused_with_their_path(tmp_path):
    o = run_case(f'''
        import pathlib
        text = json.dumps(small())
        cases = {{
            "horizon_weeks": text.replace('"horizon_weeks": 26', '"horizon_weeks": 26, "horizon_weeks": 52'),
            "accounts": text[:-1] + ', "accounts": []}}',
            "accounts[1].contacts[0].influence": text.replace('"id": "c0", ', '"id": "c0", "influence": 1, ', 2),
        }}
        for path, doc in cases.items():
            f = pathlib.Path(r"{tmp_path}") / "dup.json"
            f.write_text(doc)
            try:
                cathedral.Scenario.load(f)
            except cathedral.ScenarioError as e:
                print("ERR", e)
        ''')
    assert_ok(o)
    lines = [l for l in o.out.splitlines() if l.startswith("ERR")]
    assert len(lines) == 3, o.out
    assert "horizon_weeks: duplicate key" in lines[0]
    assert "accounts: duplicate key" in lines[1]
    assert "accounts[0].contacts[0].influence: duplicate key" in lines[2]  # the first account has it first


def test_paths_with_nul_raise_on_load_and_save(tmp_path):
    o = run_case(f'''
        sc = cathedral.Scenario.from_dict(small())
        base = r"{tmp_path}"
        for what, call in (("load", lambda p: cathedral.Scenario.load(p)), ("save", lambda p: sc.save(p))):
            try:
                call(base + "/a.json\\x00.txt")
                print("NO ERROR", what)
            except ValueError as e:
                print("OK", what, e)
        import os
        print("LEFT", sorted(os.listdir(base)))
        ''')
    assert_ok(o, "OK load path: must not contain a NUL", "OK save path: must not contain a NUL", "LEFT []")


def test_invalid_utf8_names_the_byte_offset(tmp_path):
    o = run_case(f'''
        import pathlib
        f = pathlib.Path(r"{tmp_path}") / "bad.json"
        f.write_bytes(b'{{"name": "caf\\xe9", "horizon_weeks": 26}}')
        try:
            cathedral.Scenario.load(f)
        except cathedral.ScenarioError as e:
            print("ERR", e)
        ''')
    assert_ok(o, "invalid UTF-8 at byte offset ")
    msg = o.out.split("ERR", 1)[1]
    assert "byte offset 13 (line 1" in msg, msg  # 0-based: the byte after "caf


def test_save_is_atomic_and_keeps_the_old_file_when_refused(tmp_path):
    o = run_case(f'''
        import pathlib, os
        f = pathlib.Path(r"{tmp_path}") / "s.json"
        sc = cathedral.Scenario.from_dict(small())
        sc.save(f)
        before = f.read_bytes()
        sc.with_settings(name="again").save(f)
        assert cathedral.Scenario.load(f).name == "again"
        print("OK", sorted(os.listdir(f.parent)))
        ''')
    assert_ok(o, "OK ['s.json']")
