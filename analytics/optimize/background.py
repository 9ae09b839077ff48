"""The proven optimum after the fast answer: exact solves on a worker thread (:class:`BackgroundSolver`).

HiGHS proves most bench instances in 0.5–2 s and some take longer, and its time limit does not bound latency;
so the page shows ``solve_fast`` at once, submits the exact solve here and polls :meth:`BackgroundSolver.result`
until it arrives. One solver serves every session: work is keyed by what it computes and shared, never cancelled
by another request; :class:`CancelToken` stops only a run that nobody waits for any more.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from analytics.optimize.highs import solve_exact
from analytics.optimize.problem import Problem
from analytics.optimize.schedule import ScheduleProblem, solve_schedule_exact

#: Niceness of a background solver thread: proofs and frontier sweeps yield the CPU to the threads drawing pages.
BACKGROUND_NICENESS = 10
#: Seconds an idle worker thread waits for work before it ends (the next submit starts another).
IDLE_THREAD_S = 30.0


class CancelToken:
    """Stops a running exact solve from another thread: HiGHS polls for the interrupt between its steps."""

    def __init__(self):
        self._lock = threading.Lock()
        self._highs = None  # the highspy.Highs instance running, if any
        self.cancelled = False

    def attach(self, h) -> bool:
        """Register the ``highspy.Highs`` instance about to run; return False when the token is already cancelled."""
        with self._lock:
            if self.cancelled:
                return False
            h.HandleUserInterrupt = True
            self._highs = h
            return True

    def detach(self) -> None:
        """Forget the instance once its run has returned."""
        with self._lock:
            self._highs = None

    def cancel(self) -> None:
        """Ask the attached run (and every later one with this token) to stop."""
        with self._lock:
            self.cancelled = True
            if self._highs is not None:
                self._highs.cancelSolve()


def _run_in_the_background() -> None:
    """Lower the calling thread's CPU priority (Linux schedules threads separately, so only this thread yields).

    On a two-core laptop the proof of the last slider move and the frontier sweep would otherwise take both cores
    from the page that is answering the next move. Where thread priorities are not available, nothing changes.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)
    except (AttributeError, OSError):
        return


#: Every BackgroundSolver of the process, shut down at exit.
_SOLVERS: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _shutdown_solvers() -> None:
    for solver in list(_SOLVERS):
        solver.shutdown()


class BackgroundSolver:
    """Runs exact solves (or any job) on a small pool of worker threads, keyed by what they compute.

    Many sessions share one solver, so no request ever cancels another's work: a key already known, queued or
    running is shared (two sessions asking the same question get one solve), and a new key waits in the queue,
    newest first (the latest slider position is the one most likely still on someone's screen). Work is dropped
    only when nobody waits for it any more: every :meth:`submit`, :meth:`result` and :meth:`wait` of a key says
    someone still does, and a queued or running job whose key nobody has asked about for ``forget_after``
    seconds is dropped or cancelled (through its :class:`CancelToken`), so closed browsers leave no CPU burning.
    A dropped job stores no result, and the next :meth:`submit` of its key queues it again. Kinds of work that
    should not wait for each other (the selection's proof, the frontier sweep) each get their own solver. HiGHS
    releases the GIL while it solves, so the app's other threads keep serving. A job that raises leaves its
    exception as the result. Results, the queue and the threads are bounded.

    Parameters
    ----------
    keep
        How many finished results to remember (the least recently asked for are dropped first).
    threads
        How many jobs run at once.
    forget_after
        Seconds without a request for a key after which its queued or running job is dropped.
    queue
        How many jobs may wait; beyond it the least recently asked for is dropped.
    """

    def __init__(self, keep: int = 64, threads: int = 2, forget_after: float = 10.0, queue: int = 32):
        self._keep = keep
        self._threads = max(1, threads)
        self._forget_after = forget_after
        self._queue_size = max(1, queue)
        self._condition = threading.Condition()
        self._results: OrderedDict = OrderedDict()
        self._queued: OrderedDict = OrderedDict()  # key -> job, oldest request first
        self._running: dict = {}  # key -> CancelToken
        self._asked: dict = {}  # key -> monotonic time of the last request, for queued and running keys
        self._workers: set[threading.Thread] = set()
        self._janitor: threading.Thread | None = None
        self._closed = False
        _SOLVERS.add(self)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Drop the queued jobs, cancel the running ones and wait for the worker threads to end.

        At exit a process must not end while HiGHS runs on a daemon thread: that aborts it ("terminate called
        without an active exception").
        """
        with self._condition:
            self._closed = True
            self._queued.clear()
            for token in self._running.values():
                token.cancel()
            threads = [*self._workers, *([self._janitor] if self._janitor else [])]
            self._condition.notify_all()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def submit(self, key, job: Callable[[CancelToken], object]) -> None:
        """Queue ``job(token)`` under ``key``, unless its result is known or it is queued or running.

        Either way this counts as a request for ``key``. The job should stop early when ``token.cancelled``
        (``solve_exact`` and ``efficient_frontier`` do, given the token).
        """
        with self._condition:
            if self._closed:
                return
            if key in self._results:
                self._results.move_to_end(key)
                return
            self._asked[key] = time.monotonic()
            running = self._running.get(key)
            if running is not None and not running.cancelled:
                return
            self._queued[key] = job
            self._queued.move_to_end(key)
            while len(self._queued) > self._queue_size:
                dropped, _ = self._queued.popitem(last=False)
                self._asked.pop(dropped, None)
            if len(self._workers) < min(self._threads, len(self._queued) + len(self._running)):
                worker = threading.Thread(target=self._work, name="quarterdeck-solver", daemon=True)
                self._workers.add(worker)
                worker.start()
            if self._janitor is None:
                self._janitor = threading.Thread(target=self._sweep, name="quarterdeck-solver-janitor", daemon=True)
                self._janitor.start()
            self._condition.notify_all()

    def submit_exact(self, key, problem: Problem, start: np.ndarray | None = None, time_limit: float = 60.0) -> None:
        """Queue ``solve_exact(problem, start=start, time_limit=time_limit)`` under ``key``."""
        self.submit(key, lambda token: solve_exact(problem, start=start, time_limit=time_limit, token=token))

    def submit_schedule(
        self, key, schedule: ScheduleProblem, start: np.ndarray | None = None, time_limit: float = 60.0
    ) -> None:
        """Queue ``solve_schedule_exact(schedule, start=start, time_limit=time_limit)`` under ``key``.

        ``start`` is a schedule (one option or -1 per candidate), e.g. ``solve_schedule_fast``'s ``option``.
        """
        self.submit(key, lambda token: solve_schedule_exact(schedule, start=start, time_limit=time_limit, token=token))

    def result(self, key):
        """Return the job's result, or None while it is queued, running, dropped or unknown.

        Asking for a queued or running key keeps it wanted.
        """
        with self._condition:
            return self._lookup(key)

    def busy(self, key) -> bool:
        """Whether ``key`` is queued or running."""
        with self._condition:
            return key in self._queued or key in self._running

    def wait(self, key, timeout: float):
        """Wait up to ``timeout`` seconds for the job's result; return it or None."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while key not in self._results and (key in self._queued or key in self._running):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._condition.wait(remaining)
            return self._lookup(key)

    def _lookup(self, key):
        if key in self._results:
            self._results.move_to_end(key)
            return self._results[key]
        if key in self._queued or key in self._running:
            self._asked[key] = time.monotonic()
        return None

    def _sweep(self) -> None:
        """Drop queued jobs and cancel running ones that nobody has asked about for ``forget_after`` seconds."""
        with self._condition:
            while not self._closed and (self._queued or self._running):
                self._condition.wait(max(0.05, self._forget_after / 4))
                stale = time.monotonic() - self._forget_after
                for key in [k for k in self._queued if self._asked.get(k, 0.0) < stale]:
                    del self._queued[key]
                    self._asked.pop(key, None)
                for key, token in self._running.items():
                    if self._asked.get(key, 0.0) < stale:
                        token.cancel()
            self._janitor = None

    def _work(self) -> None:
        _run_in_the_background()
        me = threading.current_thread()
        while True:
            with self._condition:
                deadline = time.monotonic() + IDLE_THREAD_S
                while not self._queued:
                    remaining = deadline - time.monotonic()
                    if self._closed or remaining <= 0:
                        self._workers.discard(me)
                        return
                    self._condition.wait(remaining)
                key, job = self._queued.popitem(last=True)  # the newest request first
                token = CancelToken()
                self._running[key] = token
            try:
                outcome = job(token)
            except Exception as exc:  # noqa: BLE001 - a failed job must not kill the worker; callers see the error
                outcome = exc
            with self._condition:
                if self._running.get(key) is token:
                    del self._running[key]
                    if key not in self._queued:
                        self._asked.pop(key, None)
                if not token.cancelled:
                    self._results[key] = outcome
                    while len(self._results) > self._keep:
                        self._results.popitem(last=False)
                self._condition.notify_all()
