"""Issue 14.6: the command line never overwrites without --force, checks its folder before it
simulates, and leaves nothing half-written."""
import os
import time

from conftest import assert_ok, run_case

DEMO = ["demo", "--replications", "8", "--quiet", "--threads", "1"]


def cli(args, **kw):
    return run_case("import sys\nfrom cathedral.cli import main\nsys.exit(main(sys.argv[1:]))", prelude=False,
                    args=[str(a) for a in args], **kw)


def test_a_second_run_into_the_same_folder_is_refused_before_simulating(tmp_path):
    out = tmp_path / "out"
    first = cli(DEMO + ["--out", out])
    assert first.rc == 0, first.err
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    from cathedral.cli import DEMO_FILES

    assert sorted(before) == sorted(DEMO_FILES)
    second = cli(DEMO + ["--out", out, "--replications", "100000"])  # refused before the long run
    assert second.rc == 2 and "--force" in second.err and "kpis.json" in second.err, second.err
    assert second.seconds < 20 and "Comparing" not in second.out
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    forced = cli(DEMO + ["--out", out, "--force", "--seed", "5"])
    assert forced.rc == 0, forced.err
    assert (out / "kpis.json").read_bytes() != before["kpis.json"]
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no temporary left


def test_an_output_path_that_is_a_file_or_unwritable_fails_before_simulating(tmp_path):
    afile = tmp_path / "a-file"
    afile.write_text("x")
    for out in (afile, "/proc/cathedral-out", afile / "below"):
        o = cli(["demo", "--replications", "100000", "--quiet", "--out", out])
        assert o.rc == 2 and "cathedral: error:" in o.err and "Comparing" not in o.out, (out, o.err)
        assert o.seconds < 20
    assert afile.read_text() == "x"


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path):
    out = tmp_path / "out"
    o = run_case(f'''
        import cathedral.plots, cathedral.cli
        def broken(*a, **k):
            raise OSError(28, "No space left on device")
        cathedral.plots.nine_grid_comparison = broken
        rc = cathedral.cli.main(["demo", "--replications", "8", "--quiet", "--threads", "1", "--out", r"{out}"])
        import os
        print("RC", rc, sorted(os.listdir(r"{out}")))
    ''')
    assert_ok(o, "RC 2 []")


def test_schema_out_is_written_atomically(tmp_path):
    target = tmp_path / "schema.json"
    o = cli(["schema", "--out", target])
    assert o.rc == 0, o.err
    assert target.read_text().startswith("{")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schema.json"]


def test_plans_with_duplicate_names_or_bad_utf8_are_refused(tmp_path):
    plans = tmp_path / "plans.json"
    plans.write_text('{"a": {"type": "static", "default": {}}, "a": {"type": "static", "default": {"visits": 1}}}')
    o = cli(["demo", "--plans", plans, "--out", tmp_path / "o1", "--quiet"])
    assert o.rc == 2 and "duplicate key 'a'" in o.err, o.err
    plans.write_bytes(b'{"caf\xe9": {}}')
    o = cli(["demo", "--plans", plans, "--out", tmp_path / "o2", "--quiet"])
    assert o.rc == 2 and "invalid UTF-8 at byte offset 5" in o.err, o.err
