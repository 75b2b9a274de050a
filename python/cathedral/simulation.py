"""simulate(): run a scenario under a policy (docs/model.md §3–§8)."""
from __future__ import annotations

import math
import numbers
import os
import time
from typing import Callable, Iterable

from . import _core
from .demand import check_fit, check_settings
from .policies import as_tree
from .results import Results
from .scenario import Scenario

METRICS = tuple(_core.METRICS)
FLOWS = METRICS[: _core.N_FLOWS]
STATES = METRICS[_core.N_FLOWS:]
MODES = ("monte_carlo", "mean_field")


def _keep_list(keep) -> list[str]:
    if keep == "summary":
        return []
    if keep == "trajectories":
        return list(METRICS)
    if isinstance(keep, str) or not isinstance(keep, Iterable):
        raise ValueError(f'keep: must be "summary", "trajectories" or a list of metric names, got {keep!r}')
    names = list(keep)
    for name in names:
        if name not in METRICS:
            import difflib

            hint = difflib.get_close_matches(str(name), METRICS, n=1)
            raise ValueError(f"keep: unknown metric {name!r}" + (f'; did you mean "{hint[0]}"?' if hint else ""))
    return names


def _count(value, name: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {value}")
    if value > maximum:
        raise ValueError(f"{name}: must be <= {maximum}, got {value}")
    return int(value)


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def _read_int(path: str) -> int | None:
    try:
        text = open(path, encoding="ascii").read().strip()
    except (OSError, ValueError):
        return None
    return int(text) if text.isdigit() else None


def _memory_limit(proc_cgroup: str = "/proc/self/cgroup", cgroup_root: str = "/sys/fs/cgroup") -> tuple[int, str]:
    """The memory this process may still take, and where the bound comes from: half of the
    machine's memory, what the address-space limit (RLIMIT_AS) leaves, what the cgroup's
    memory.max leaves (cgroup v2); the least of them."""
    limits = [(_physical_memory() // 2, f"half of this machine's memory ({_physical_memory() / 2**30:.1f} GiB)")]
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            status = open("/proc/self/status", encoding="ascii").read()
            in_use = next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmSize:")), 0)
            limits.append((soft - in_use, f"what the address-space limit RLIMIT_AS ({soft / 2**30:.1f} GiB) leaves "
                                          f"beside the {in_use / 2**30:.1f} GiB in use"))
    except (ImportError, OSError, ValueError):
        pass
    try:
        for line in open(proc_cgroup, encoding="ascii").read().splitlines():
            if line.startswith("0::"):
                folder = cgroup_root + line[3:].rstrip("/")
                high, used = _read_int(folder + "/memory.max"), _read_int(folder + "/memory.current")
                if high is not None:
                    limits.append((high - (used or 0), f"what the cgroup's memory.max ({high / 2**30:.1f} GiB) "
                                                       f"leaves beside the {(used or 0) / 2**30:.1f} GiB in use"))
    except (OSError, ValueError):
        pass
    return min(limits)


def _python_inside(p) -> bool:
    from .policies import PythonPolicy, SchedulePolicy, _LayerMix

    if isinstance(p, PythonPolicy):
        return True
    if isinstance(p, SchedulePolicy):
        return any(_python_inside(q) for _, q in p.phases)
    if isinstance(p, _LayerMix):
        return _python_inside(p.base) or _python_inside(p.with_)
    return False


def _memory_need(scenario, policy, replications: int, keep: list[str], threads: int,
                 mode: str = "monte_carlo") -> tuple[int, int, list[str]]:
    """Bytes a run needs: (what its Results keep, what the engine holds only while it runs), and
    the parts in words. Everything that grows with replications, weeks, accounts and threads,
    and the pipeline of open deals, which grows with the wallets (docs/limits.md)."""
    facts = scenario._core.memory_facts()
    weeks, accounts = scenario.horizon_weeks, scenario.n_accounts
    epochs = -(-weeks // scenario.decision_interval_weeks)
    contacts = facts["n_contacts"]
    alloc_fields = len(_core.ALLOCATION_FIELDS)
    blocks = -(-replications // 32)
    threads = min(threads or os.cpu_count() or 1, blocks)
    parts = []

    def part(nbytes: int, words: str) -> int:
        if nbytes >= 2**20:
            parts.append(f"{words} {nbytes / 2**30:.2f} GiB")
        return nbytes

    kept = part(replications * weeks * (len(METRICS) + 40) * 8, f"{replications:,} replications × {weeks} weeks")
    kept += part(replications * weeks * accounts * len(keep) * 8,
                 f"{len(keep)} kept metrics × {accounts:,} accounts × {weeks} weeks × {replications:,} replications")
    kept += part(weeks * accounts * 9 * 8, f"the nine-grid means ({weeks} weeks × {accounts:,} accounts × 9)")
    kept += part(epochs * accounts * (5 + alloc_fields) * 8 + accounts * len(METRICS) * 16,
                 f"tier shares and allocations ({epochs} epochs × {accounts:,} accounts)")
    # per thread: nine-grid tallies (int32 counts and packed words) and tier tallies
    running = part(threads * (weeks * accounts * (9 * 4 + 3 * 8) + epochs * accounts * 5 * 4),
                   f"the nine-grid tallies of {threads} threads")
    python = _python_inside(policy)
    states = replications if python else threads
    # open deals (40 bytes, vectors up to twice that) at the peak of the wallet's growth (§3.1),
    # the wallet growing at the account's fit or fit target, whichever is higher
    params = facts["params"]
    per_week = 1.0 / (52.0 * params["deal_fraction"]) * (1.0 + params["dig_wallet_share"] / params["dig_deal_fraction"])
    wfg = params["wallet_fit_growth"]
    deals = 0.0
    for g, fit, target in zip(facts["wallet_growth"], facts["fit"], facts["fit_target"]):
        factor = max(max(g + wfg * (f - 0.5), -0.99) for f in (fit, target))  # fit reverts to its target
        deals += per_week * math.exp(min(700.0, max(weeks - 1, 0) / 52.0 * math.log1p(factor)))
    # each decision week's list keeps its storage through the run: the deals of the whole
    # horizon, at the peak rate (mean field: one expected deal per account and week)
    pipeline = (deals if mode == "monte_carlo" else accounts) * weeks * 60
    running += part(int(min(states * pipeline, 2.0**62)), f"the open deals of {states:,} replications at their peak")
    # a replication's state: about 1.6 KB an account and 200 bytes a contact
    running += part(states * (accounts * 1600 + contacts * 200),
                    f"the state of {states:,} replications" + (" (a Python policy sees them all)" if python else ""))
    return kept, running, parts


class MemoryLimitError(MemoryError, ValueError):
    """A run refused before it starts: it would need more memory than this process may take."""


# A margin for allocator slack and buffers alive at once while the results are gathered
# (measured: 600 accounts × 5,200 weeks × 64 replications peaked at 1.14 GiB; estimated 1.58 GiB).
_PEAK_FACTOR = 1.25


def _refuse_if_too_big(need: int, parts: list[str], advice: str) -> None:
    need = int(need * _PEAK_FACTOR)
    limit, source = _memory_limit()
    if need > limit:
        raise MemoryLimitError(
            f"this run would need about {need / 2**30:.2f} GiB ({'; '.join(parts) or 'outputs'}), more than "
            f"{max(limit, 0) / 2**30:.2f} GiB, {source}; {advice}")


def _check_memory(scenario, policy, replications: int, keep: list[str], threads: int = 0,
                  mode: str = "monte_carlo") -> None:
    """Refuse a run whose outputs and working memory would not fit, before it starts: running out
    of memory would kill the Python process (a Jupyter kernel) instead of raising."""
    kept, running, parts = _memory_need(scenario, policy, replications, keep, threads, mode)
    _refuse_if_too_big(kept + running, parts, "use fewer replications or threads, fewer accounts or weeks"
                       + (", or keep fewer metrics (keep=[...]) or keep=\"summary\"" if keep else ""))


def _check_memory_of_plans(scenario, policies: list, replications: int, threads: int = 0,
                           mode: str = "monte_carlo") -> None:
    """compare(): every plan's Results are kept together; one run's working memory at a time."""
    needs = [_memory_need(scenario, p, replications, [], threads, mode) for p in policies]
    total = sum(k for k, _, _ in needs) + max(r for _, r, _ in needs)
    parts = [f"{len(policies)} plans"] + needs[0][2]
    _refuse_if_too_big(total, parts, "use fewer replications or plans")


class _Progress:
    """A tqdm bar that appears only once a run has taken about two seconds. It counts
    replications ("rep"), from the engine's fraction done."""

    def __init__(self, total_label: str, replications: int, delay: float = 2.0):
        self.start = time.monotonic()
        self.delay = delay
        self.label = total_label
        self.total = max(int(replications), 1)
        self.bar = None

    def __call__(self, fraction: float) -> None:
        if self.bar is None:
            if time.monotonic() - self.start < self.delay or fraction >= 1.0:
                return
            try:
                from tqdm.auto import tqdm
            except ImportError:  # no progress bar without tqdm
                self.start = float("inf")
                return
            self.bar = tqdm(total=self.total, desc=self.label, unit="rep", unit_scale=self.total >= 10_000,
                            leave=False)
        self.bar.n = min(self.total, int(round(fraction * self.total)))
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def simulate(scenario: Scenario, policy=None, *, replications: int = 1000, seed: int | None = None,
             mode: str = "monte_carlo", threads: int | None = None, keep="summary", strict: bool = False,
             progress: bool | Callable[[float], None] | None = None, client=None) -> Results:
    """Simulate `scenario` under `policy` and return Results.

    policy        a cathedral.policies.Policy or a policy dict; None uses the scenario's `policy`
    replications  Monte Carlo replications (mean_field runs one deterministic path)
    seed          None takes the scenario's seed; the seed used is `Results.seed`
    mode          "monte_carlo" or "mean_field" (docs/model.md §7)
    threads       worker threads, None for all cores; results are identical at any count.
                  Threads share replications in blocks of 32, so a run of 32 replications
                  or fewer (and mean_field) uses one thread
    keep          "summary", "trajectories" (every metric per replication, week and account),
                  or a list of metric names whose trajectories to keep
    strict        raise ResourceError when running joint innovation centres alone exceed a resource
    progress      None: a progress bar for runs longer than ~2 s; False: none; or a callable(fraction)
    client        a dask.distributed.Client: the replications run on its workers, blocks of 32
                  at a time, with results identical bit for bit (cathedral.distributed); each
                  worker runs as many engine threads as it has (`threads` is for local runs)

    The GIL is released while the engine runs; Ctrl-C stops it with KeyboardInterrupt.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: must be a cathedral.Scenario, got {type(scenario).__name__}")
    if mode not in MODES:
        raise ValueError(f'mode: must be "monte_carlo" or "mean_field", got {mode!r}')
    replications = _count(replications, "replications", 1, 10**9)
    if seed is None:
        seed = scenario.seed
    if isinstance(seed, numbers.Integral) and seed >= 2**64:
        raise ValueError(f"seed: must be < 2**64, got {seed}")
    seed = _count(seed, "seed", 0, 2**64 - 1)
    threads = 0 if threads is None else _count(threads, "threads", 1, 65536)
    keep_names = _keep_list(keep)
    check_settings(scenario)  # ScenarioWarning: no account managers, or a horizon under one interval
    if not isinstance(strict, bool):
        raise ValueError(f"strict: must be True or False, got {strict!r}")
    _check_memory(scenario, policy, replications if mode == "monte_carlo" else 1, keep_names, threads, mode)

    monitor = None
    runs = replications if mode == "monte_carlo" else 1
    if progress is None:
        monitor = _Progress(f"simulate {scenario.name}", runs)
    elif callable(progress):
        monitor = progress
    elif progress is not False and progress is not True:
        raise ValueError(f"progress: must be None, True, False or a callable, got {progress!r}")
    elif progress is True:
        monitor = _Progress(f"simulate {scenario.name}", runs, delay=0.0)
    try:
        if client is not None:
            from .distributed import simulate_on

            raw = simulate_on(client, scenario, policy, replications=replications, seed=seed, mode=mode,
                              keep=keep_names, strict=bool(strict), monitor=monitor)
        else:
            raw = _core.simulate(scenario._core, as_tree(policy, scenario), replications, seed, mode, threads,
                                 keep_names, bool(strict), monitor)
    finally:
        if isinstance(monitor, _Progress):
            monitor.close()
    results = Results(raw, scenario, policy)
    check_fit(results)  # FitWarning when fitting cut the plan below 0.9 (cathedral.demand)
    return results
