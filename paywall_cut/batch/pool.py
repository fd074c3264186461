"""Where tasks run: a pool of worker processes, or this process for ``--jobs 1``."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .work import Engine, WorkConfig, init_worker, run_files


class InlineExecutor:
    """The executor of ``--jobs 1``: runs each task at once, in this process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        method = self.engine.files if fn is run_files else self.engine.chunk
        try:
            future.set_result(method(*args))
        except Exception as e:
            future.set_exception(e)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def make_pool(jobs: int, config: WorkConfig) -> ProcessPoolExecutor:
    """Worker processes, each building its own detector from the config.

    ``forkserver`` (where available) starts workers from a clean server process, so the
    threads of this one (the progress bar) are never forked.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["paywall_cut.batch.work"])
    return ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=init_worker, initargs=(config,)
    )
