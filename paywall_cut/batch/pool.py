"""Where tasks run: a pool of worker processes, or this process for ``--jobs 1``."""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .work import Engine, WorkConfig, inherit_engine, init_worker, run_files


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


def make_pool(jobs: int, config: WorkConfig, engine: Engine) -> ProcessPoolExecutor:
    """``jobs`` worker processes, each with its own engine and detector.

    On Linux the workers are forked and inherit ``engine`` (rules compiled, hyperscan
    database loaded: nothing to rebuild, nothing pickled). They are started here, at
    once, so the caller creates the pool before it starts any thread (the progress bar):
    forking a process with threads is unsafe. In a process that already has threads, and
    elsewhere than Linux, they are started by ``forkserver`` or ``spawn`` and build their
    engine from ``config``.
    """
    methods = multiprocessing.get_all_start_methods()
    alone = threading.active_count() == 1  # no thread to be caught mid-lock by a fork
    if sys.platform.startswith("linux") and "fork" in methods and alone:
        inherit_engine(engine)
        for stream in (sys.stdout, sys.stderr):  # or a child flushes a copy of the buffer
            stream.flush()
        pool = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("fork"),
            initializer=init_worker,
            initargs=(None,),
        )
        pool.submit(run_files, []).result()  # fork every worker now
        return pool
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["paywall_cut.batch.work"])
    return ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=init_worker, initargs=(config,)
    )
