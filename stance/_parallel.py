"""Labelling chunks of rows in several processes, in order, with bounded memory."""

import signal
from collections import deque
from concurrent.futures import ProcessPoolExecutor

__all__ = ["ordered_map"]

_worker_state = {}


def _initialize(function, context):
    # A Ctrl-C in a terminal reaches every process of the group. The main
    # process handles it (it stops the pool and says so in one line); a
    # worker that died of it would print a traceback, and could break the
    # pipe the main process is writing to.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_state["call"] = (function, context)


def _run(item):
    function, context = _worker_state["call"]
    return function(context, item)


def ordered_map(function, context, items, jobs):
    """Yield ``function(context, item)`` for each item, computed in ``jobs`` processes.

    Results come in the order of ``items``. ``context`` (a model, say) is sent
    to each worker once, not with every item. At most ``2 * jobs`` items are
    in flight, so an iterable larger than memory streams through.
    """
    pool = ProcessPoolExecutor(jobs, initializer=_initialize, initargs=(function, context))
    pending = deque()
    try:
        for item in items:
            pending.append(pool.submit(_run, item))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        # On an error or an interrupt, do not wait for work nobody will read.
        pool.shutdown(wait=not pending, cancel_futures=True)
