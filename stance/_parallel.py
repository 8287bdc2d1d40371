"""Labelling chunks of rows in several processes, in order, with bounded memory.

However the main process stops (an error, Ctrl-C, SIGTERM, SIGHUP, a closed
pipe), its workers stop with it: they are terminated when the main process
leaves :func:`ordered_map` early, and each worker also watches its parent
and exits when the parent is gone (even after a SIGKILL, which no clean-up
can follow).

Why not joblib's ordered generator (``Parallel(return_as="generator")``,
joblib 1.3 and later): it dispatches a new task whenever one finishes, not
when the caller takes a result, so with a slow reader (a slow disk or pipe)
it reads the whole input ahead and holds every result (checked with joblib
1.6: one result taken, all 200 items of the input read); it also sends the
model with every chunk instead of once per worker, and its reusable workers
outlive the call. The window of ``2 * jobs`` chunks below is the memory bound.
"""

import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor

__all__ = ["ordered_map", "available_cores"]

_worker_state = {}

#: How often (seconds) a worker checks that its parent process is alive.
PARENT_CHECK_SECONDS = 0.5


def available_cores():
    """Return the number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _watch_parent(parent):
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent:
            os._exit(1)  # the parent is gone: nobody will read the results


def _initialize(function, context, parent):
    # A Ctrl-C in a terminal reaches every process of the group. The main
    # process handles it (it stops the pool and says so in one line); a
    # worker that died of it would print a traceback, and could break the
    # pipe the main process is writing to. SIGTERM and SIGHUP end a worker
    # at once (the main process's handlers, inherited by fork, are for it).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP", "SIGPIPE"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    _worker_state["call"] = (function, context)


def _run(item):
    function, context = _worker_state["call"]
    return function(context, item)


def ordered_map(function, context, items, jobs):
    """Yield ``function(context, item)`` for each item, computed in ``jobs`` processes.

    Results come in the order of ``items``. ``context`` (a model, say) is sent
    to each worker once, not with every item. At most ``2 * jobs`` items are
    in flight, so an iterable larger than memory streams through. ``jobs`` is
    capped at :func:`available_cores`: more processes than cores only cost
    memory.
    """
    jobs = max(1, min(jobs, available_cores()))
    pool = ProcessPoolExecutor(jobs, initializer=_initialize, initargs=(function, context, os.getpid()))
    pending = deque()
    finished = False
    try:
        for item in items:
            pending.append(pool.submit(_run, item))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop(pool)


def _stop(pool):
    """Stop a pool at once: nobody will read the work in flight (an error, an interrupt, a closed pipe)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except (OSError, ValueError, AttributeError):
            pass
    for process in processes:
        try:
            process.join(timeout=5)
        except (OSError, ValueError, AttributeError, AssertionError):
            pass
    # The pool's own thread closes its wake-up pipe when it sees the workers
    # gone; if that races with the wake-up the interpreter sends at exit,
    # Python 3.11 prints an "Exception ignored ... Bad file descriptor"
    # traceback after "stance: stopped by SIGTERM". Let it finish first.
    if manager is not None:
        try:
            manager.join(timeout=5)
        except RuntimeError:
            pass
