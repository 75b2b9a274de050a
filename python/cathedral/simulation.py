"""simulate(): run a scenario under a policy (MODEL.md §3–§8)."""
from __future__ import annotations

import numbers
import os
import time
from typing import Callable, Iterable

from . import _core
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


class _Progress:
    """A tqdm bar that appears only once a run has taken about two seconds."""

    def __init__(self, total_label: str, delay: float = 2.0):
        self.start = time.monotonic()
        self.delay = delay
        self.label = total_label
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
            self.bar = tqdm(total=1000, desc=self.label, leave=False)
        self.bar.n = int(fraction * 1000)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def simulate(scenario: Scenario, policy=None, *, replications: int = 1000, seed: int | None = None,
             mode: str = "monte_carlo", threads: int | None = None, keep="summary", strict: bool = False,
             progress: bool | Callable[[float], None] | None = None) -> Results:
    """Simulate `scenario` under `policy` and return Results.

    policy        a cathedral.policies.Policy or a policy dict; None uses the scenario's `policy`
    replications  Monte Carlo replications (mean_field runs one deterministic path)
    seed          None takes the scenario's seed; the seed used is `Results.seed`
    mode          "monte_carlo" or "mean_field" (MODEL.md §7)
    threads       worker threads, None for all cores; results are identical at any count
    keep          "summary", "trajectories" (every metric per replication, week and account),
                  or a list of metric names whose trajectories to keep
    strict        raise ResourceError when running joint innovation centres alone exceed a resource
    progress      None: a progress bar for runs longer than ~2 s; False: none; or a callable(fraction)

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

    monitor = None
    if progress is None:
        monitor = _Progress(f"simulate {scenario.name}")
    elif callable(progress):
        monitor = progress
    elif progress is not False and progress is not True:
        raise ValueError(f"progress: must be None, True, False or a callable, got {progress!r}")
    elif progress is True:
        monitor = _Progress(f"simulate {scenario.name}", delay=0.0)
    try:
        raw = _core.simulate(scenario._core, as_tree(policy, scenario), replications, seed, mode, threads,
                             keep_names, bool(strict), monitor)
    finally:
        if isinstance(monitor, _Progress):
            monitor.close()
    return Results(raw, scenario, policy if policy is not None else scenario.policy)
