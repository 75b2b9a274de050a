"""Issue 14.1: a thread that cannot start must not abort the interpreter."""
from conftest import assert_ok, run_case


def test_threads_1000_under_an_address_space_limit_run_on_fewer_threads_with_the_same_results():
    # 32,000 replications make 1,000 blocks, so threads=1000 asks for 1,000 threads; their
    # stacks alone (8 MiB each) exceed the limit, so most cannot start
    o = run_case('''
        import resource
        sc = cathedral.Scenario.from_dict(small(accounts=1, weeks=4, interval=4, contacts=1))
        one = cathedral.simulate(sc, replications=32000, threads=1, progress=False)
        status = open("/proc/self/status").read()
        vm = next(int(l.split()[1]) * 1024 for l in status.splitlines() if l.startswith("VmSize:"))
        limit = vm + 400 * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        many = cathedral.simulate(sc, replications=32000, threads=1000, progress=False)
        assert np.array_equal(one._raw["portfolio"], many._raw["portfolio"])
        assert np.array_equal(one._raw["kpis"], many._raw["kpis"], equal_nan=True)
        print("OK same results")
    ''', timeout=120)
    assert_ok(o, "OK same results")


def test_no_thread_at_all_gives_a_named_error_not_an_abort():
    # a limit so tight that not one thread starts (its stack cannot be mapped)
    o = run_case('''
        import resource
        sc = cathedral.Scenario.from_dict(small(accounts=1, weeks=4, interval=4, contacts=1))
        cathedral.simulate(sc, replications=64, threads=2, progress=False)  # warm: everything loaded
        status = open("/proc/self/status").read()
        vm = next(int(l.split()[1]) * 1024 for l in status.splitlines() if l.startswith("VmSize:"))
        limit = vm + 4 * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            cathedral.simulate(sc, replications=64, threads=2, progress=False)
            print("OK ran")
        except (RuntimeError, MemoryError) as e:
            print("OK named error", type(e).__name__, e)
    ''', timeout=60)
    assert_ok(o, "OK")
