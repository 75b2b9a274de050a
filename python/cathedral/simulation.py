"""simulate(): run a scenario under a policy (docs/model.md §3–§8)."""
from __future__ import annotations

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
    if isinstance(keep, str):
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


def _check_memory(scenario, policy, replications: int, keep: list[str]) -> None:
    """Refuse a run whose outputs would not fit in memory, before it starts: running out of
    memory would kill the Python process (a Jupyter kernel) instead of raising."""
    from .policies import PythonPolicy, SchedulePolicy, _LayerMix

    weeks, accounts = scenario.horizon_weeks, scenario.n_accounts
    need = replications * weeks * (len(METRICS) + 20) * 8  # portfolio series and KPIs
    need += replications * weeks * accounts * len(keep) * 8  # kept trajectories
    parts = [f"{replications:,} replications × {weeks} weeks"]
    if keep:
        parts.append(f"{len(keep)} kept metrics × {accounts} accounts")

    def python_inside(p) -> bool:
        if isinstance(p, PythonPolicy):
            return True
        if isinstance(p, SchedulePolicy):
            return any(python_inside(q) for _, q in p.phases)
        if isinstance(p, _LayerMix):
            return python_inside(p.base) or python_inside(p.with_)
        return False

    if python_inside(policy):
        # every replication's state is held between decision epochs, with its
        # observation and allocation (measured: about 2.1 KB per account of 8
        # contacts and replication; padding can double the contacts' share)
        contacts = sum(len(a["contacts"]) for a in scenario.to_dict()["accounts"])
        need += replications * (accounts * 1600 + contacts * 200)
        parts.append("the state of every replication (a Python policy)")
    limit = _physical_memory() // 2
    if need > limit:
        raise ValueError(
            f"this run would need about {need / 2**30:.1f} GiB ({', '.join(parts)}), more than half of this "
            f"machine's memory ({limit * 2 / 2**30:.1f} GiB); use fewer replications"
            + (", or keep fewer metrics (keep=[...]) or keep=\"summary\"" if keep else ""))


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
    _check_memory(scenario, policy, replications if mode == "monte_carlo" else 1, keep_names)

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
