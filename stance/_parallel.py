"""Labelling chunks of rows in several processes, in order, with bounded memory.

However the main process stops (an error, Ctrl-C, SIGTERM, SIGHUP, a closed
pipe), its workers stop with it: they are terminated when the main process
leaves :func:`ordered_map` early, and each worker also watches its parent
and exits when the parent is gone (even after a SIGKILL, which no clean-up
can follow).

The pool is stance's own: a process per job, each with a pipe for its items
and a pipe for its results, both written and read by the main process's
main thread alone. concurrent.futures' ProcessPoolExecutor has a thread
that feeds the items to the workers and one that collects the results, and
joins them when the interpreter exits; a worker terminated while it writes
a result, or while an item is being written to it, leaves one of those
threads blocked for ever on a pipe nobody reads, and the command hung at
exit after "stance: interrupted" (1 run in 30 of ``stance predict --jobs
2`` stopped by SIGINT or SIGHUP). Here no thread and no exit handler waits
on a worker: stopping is terminate, join with a timeout, kill.

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

from ._errors import StanceError

__all__ = ["ordered_map", "available_cores", "WorkerLost"]

#: How often (seconds) a worker checks that its parent process is alive.
PARENT_CHECK_SECONDS = 0.5
#: How long (seconds) a worker may take to end once asked or terminated, before it is killed.
STOP_SECONDS = 5


class WorkerLost(StanceError):
    """A worker process ended without being asked to (killed, out of memory)."""


class _WorkerTraceback(Exception):
    """Where an error raised in a worker happened: its traceback, as text (``stance --traceback`` shows it)."""


def available_cores():
    """Return the number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _handled_signals():
    """The signals this process handles in Python (Ctrl-C, and the command line's SIGTERM, SIGHUP...)."""
    return {number for number in signal.valid_signals() if callable(signal.getsignal(number))}


def _watch_parent(parent):
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent:
            os._exit(1)  # the parent is gone: nobody will read the results


def _serve(tasks, results, function, context, parent, handled):
    """A worker: apply ``function(context, item)`` to each item received, in order, sending back each result.

    A Ctrl-C in a terminal reaches every process of the group. The main
    process handles it (it stops the workers and says so in one line); a
    worker that died of it would print a traceback. Every other signal the
    main process handles (SIGTERM, SIGHUP...) ends a worker at once, and so
    does a closed pipe (SIGPIPE). They arrive blocked by the main process
    until the handlers are set, so that none can reach a worker half set up.
    """
    import queue
    import traceback

    for number in handled | {signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE}:
        signal.signal(number, signal.SIG_IGN if number == signal.SIGINT else signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, handled)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    inbox = queue.SimpleQueue()

    def receive():
        # Items are taken as they come, so that the main process never
        # waits to send one while this worker waits to send a result.
        try:
            while True:
                message = tasks.recv()
                inbox.put(message)
                if message[0] == "stop":
                    return
        except (EOFError, OSError):
            inbox.put(("stop",))  # the main process is gone

    threading.Thread(target=receive, daemon=True).start()
    while (message := inbox.get())[0] != "stop":
        try:
            reply = ("result", function(context, message[1]))
        except Exception as error:
            reply = ("error", error, traceback.format_exc())
        try:
            results.send(reply)
        except OSError:
            return  # the main process is gone
        except Exception as error:  # a result or an error that does not pickle
            results.send(("error", RuntimeError(f"{type(error).__name__}: {error}"), traceback.format_exc()))


class _Pool:
    """Worker processes started on demand, each with its own pipes, fed and read in turn by the caller."""

    def __init__(self, function, context):
        import multiprocessing

        self._context = multiprocessing.get_context()
        self._start = (function, context)
        self.processes, self._tasks, self._results = [], [], []

    def send(self, worker, item):
        """Give ``item`` to worker number ``worker`` (started if need be)."""
        if worker == len(self.processes):
            self._spawn()
        try:
            self._tasks[worker].send(("item", item))
        except OSError:
            raise self._lost(worker) from None

    def receive(self, worker):
        """The next result of worker number ``worker``; its error is raised here."""
        try:
            reply = self._results[worker].recv()
        except (EOFError, OSError):
            raise self._lost(worker) from None
        if reply[0] == "error":
            raise reply[1] from _WorkerTraceback(reply[2])
        return reply[1]

    def _spawn(self):
        tasks_out, tasks_in = self._context.Pipe(duplex=False)
        results_out, results_in = self._context.Pipe(duplex=False)
        handled = _handled_signals()
        process = self._context.Process(
            target=_serve, args=(tasks_out, results_in, *self._start, os.getpid(), handled), daemon=True
        )
        # Known before it starts: an interrupt raised at any point from here
        # on finds it in the list of workers to stop.
        self.processes.append(process)
        self._tasks.append(tasks_in)
        self._results.append(results_out)
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, handled)
        try:
            process.start()
        finally:
            tasks_out.close()  # the worker's ends: a later worker must not hold them
            results_in.close()
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a signal that waited is handled now

    def _lost(self, worker):
        process = self.processes[worker]
        process.join(timeout=1)
        code = process.exitcode
        how = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"status {code}"
        hint = ", perhaps for lack of memory" if code == -signal.SIGKILL else ""
        return WorkerLost(f"a labelling process ended unexpectedly ({how}{hint}); try again with fewer jobs")

    def close(self, finished):
        """End the workers: asked to when ``finished``, else at once; killed if they do not end in time."""
        for process, tasks in zip(self.processes, self._tasks):
            try:
                if finished:
                    tasks.send(("stop",))
                else:
                    process.terminate()
            except (OSError, ValueError, AttributeError):  # AttributeError: never started
                pass
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes:
            try:
                process.join(timeout=max(0.0, deadline - time.monotonic()))
                if process.is_alive():
                    process.kill()
                    process.join(timeout=1)
            except (OSError, ValueError, AttributeError, AssertionError):
                pass
        for connection in self._tasks + self._results:
            connection.close()


def ordered_map(function, context, items, jobs):
    """Yield ``function(context, item)`` for each item, computed in ``jobs`` processes.

    Results come in the order of ``items``. ``context`` (a model, say) is sent
    to each worker once, not with every item. At most ``2 * jobs`` items are
    in flight, so an iterable larger than memory streams through. ``jobs`` is
    capped at :func:`available_cores`: more processes than cores only cost
    memory. An error raised by ``function`` is raised here, with the
    worker's traceback as its cause; a worker that dies raises
    :class:`WorkerLost`.

    Examples
    --------
    >>> list(ordered_map(divmod, 7, [1, 2, 3], jobs=2))
    [(7, 0), (3, 1), (2, 1)]
    """
    jobs = max(1, min(jobs, available_cores()))
    pool = _Pool(function, context)
    in_flight = deque()  # the worker of each item sent, in the order of the items
    finished = False
    try:
        for number, item in enumerate(items):
            if len(in_flight) == 2 * jobs:
                yield pool.receive(in_flight.popleft())
            pool.send(number % jobs, item)
            in_flight.append(number % jobs)
        while in_flight:
            yield pool.receive(in_flight.popleft())
        finished = True
    finally:
        pool.close(finished)
