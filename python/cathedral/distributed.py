"""One run spread over a Dask cluster: `simulate(..., client=client)`.

The replications are cut into ranges of blocks (32 replications a block, as the engine's threads
share them); each worker runs its ranges and returns the per-replication series and the sums of
each block; the blocks are added in block order, as run() adds them, so the Results are the same
bit for bit as a local run. A run whose policy has Python code in it (it may see every
replication at once) or a mean-field run goes to one worker whole.
"""
from __future__ import annotations

import math

from . import _core
from .policies import as_tree

BLOCK = 32  # core: kBlockReplications


def _blocks_task(scenario, tree, replications, seed, mode, keep, strict, first_block, n_blocks):
    from .experiments._run import _worker_threads

    return _core.run_blocks(scenario._core, tree, replications, seed, mode, _worker_threads(), keep, strict,
                            first_block, n_blocks, None)


def _whole_task(scenario, policy, replications, seed, mode, keep, strict):
    from .experiments._run import _worker_threads
    from .simulation import simulate

    threads = _worker_threads() or None
    return simulate(scenario, policy, replications=replications, seed=seed, mode=mode, threads=threads, keep=keep,
                    strict=strict, progress=False)._raw


def simulate_on(client, scenario, policy, *, replications: int, seed: int, mode: str, keep: list[str],
                strict: bool, monitor=None) -> dict:
    """The raw results of simulate() computed on the client's workers."""
    tree = as_tree(policy, scenario)
    if isinstance(tree, dict):
        _core.batch_check_plan(scenario._core, tree, "policy")  # a bad plan fails here, before any task
    n_blocks = 1 if mode == "mean_field" else math.ceil(replications / BLOCK)
    splittable = tree is None or isinstance(tree, dict)
    if not splittable or n_blocks == 1:
        future = client.submit(_whole_task, scenario, policy, replications, seed, mode, keep, strict, pure=False)
        try:
            return future.result()
        finally:
            client.cancel([future])
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    groups = min(n_blocks, 4 * workers)
    per = math.ceil(n_blocks / groups)
    shared = client.scatter(scenario, broadcast=True, hash=False)
    futures = [client.submit(_blocks_task, shared, tree, replications, seed, mode, keep, strict, b,
                             min(per, n_blocks - b), pure=False) for b in range(0, n_blocks, per)]
    parts = gather_parts(client, futures, shared, monitor)
    return _core.combine_blocks(scenario._core, replications, seed, mode, keep, parts)


def gather_parts(client, futures, shared, monitor=None) -> list:
    """The futures' results in the order they finish (each part says which points or blocks it
    holds, so order does not matter), reporting progress; cancels what is left, and the shared
    data, on the way out (also on Ctrl-C or an error)."""
    from distributed import as_completed

    parts = []
    try:
        for done, (_, part) in enumerate(as_completed(futures, with_results=True), start=1):
            parts.append(part)
            if monitor is not None:
                monitor(done / len(futures))
    finally:
        client.cancel(futures + [shared])
    return parts
