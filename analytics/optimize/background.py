"""The proven optimum after the fast answer: exact solves on a worker thread (:class:`BackgroundSolver`).

HiGHS proves most bench instances in 0.5–2 s and some take longer, and its time limit does not bound latency;
so the page shows ``solve_fast`` at once, submits the exact solve here and polls :meth:`BackgroundSolver.result`
until it arrives. :class:`CancelToken` lets a newer request stop the older run.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from collections.abc import Callable

import numpy as np

from analytics.optimize.highs import solve_exact
from analytics.optimize.problem import Problem

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
    """Runs exact solves (or any job) on one worker thread; the newest request wins.

    Submitting a new key cancels the running job (through its :class:`CancelToken`) and replaces the queued one:
    a dragged slider never queues a backlog. Kinds of work that must not cancel each other (the selection's proof,
    the frontier sweep) each get their own solver. HiGHS releases the GIL while it solves, so the app's other
    threads keep serving. A job that raises leaves its exception as the result.

    Parameters
    ----------
    keep
        How many finished results to remember (the oldest are dropped first).
    """

    def __init__(self, keep: int = 64):
        self._keep = keep
        self._condition = threading.Condition()
        self._results: dict = {}
        self._pending: tuple | None = None
        self._running: tuple | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        _SOLVERS.add(self)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Drop the queued job, cancel the running one and wait for the worker thread to end.

        At exit a process must not end while HiGHS runs on a daemon thread: that aborts it ("terminate called
        without an active exception").
        """
        with self._condition:
            self._closed = True
            self._pending = None
            if self._running is not None:
                self._running[1].cancel()
            thread = self._thread
            self._condition.notify_all()
        if thread is not None:
            thread.join(timeout)

    def submit(self, key, job: Callable[[CancelToken], object]) -> None:
        """Queue ``job(token)`` under ``key``, unless its result is known or it is queued or running.

        The job should stop early when ``token.cancelled`` (``solve_exact`` and ``efficient_frontier`` do, given
        the token).
        """
        with self._condition:
            if key in self._results or self._busy(key):
                return
            if self._running is not None:
                self._running[1].cancel()
            self._pending = (key, job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="quarterdeck-solver", daemon=True)
                self._thread.start()
            self._condition.notify_all()

    def submit_exact(self, key, problem: Problem, start: np.ndarray | None = None, time_limit: float = 60.0) -> None:
        """Queue ``solve_exact(problem, start=start, time_limit=time_limit)`` under ``key``."""
        self.submit(key, lambda token: solve_exact(problem, start=start, time_limit=time_limit, token=token))

    def result(self, key):
        """Return the job's result, or None while it is queued, running, cancelled or unknown."""
        with self._condition:
            return self._results.get(key)

    def wait(self, key, timeout: float):
        """Wait up to ``timeout`` seconds for the job's result; return it or None."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while key not in self._results and self._busy(key):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._condition.wait(remaining)
            return self._results.get(key)

    def _busy(self, key) -> bool:
        return any(slot is not None and slot[0] == key for slot in (self._pending, self._running))

    def _work(self) -> None:
        _run_in_the_background()
        while True:
            with self._condition:
                while self._pending is None:
                    if self._closed:
                        self._thread = None
                        return
                    if not self._condition.wait(timeout=IDLE_THREAD_S) and self._pending is None:
                        self._thread = None
                        return
                key, job = self._pending
                self._pending = None
                token = CancelToken()
                self._running = (key, token)
            try:
                outcome = job(token)
            except Exception as exc:  # noqa: BLE001 - a failed job must not kill the worker; callers see the error
                outcome = exc
            with self._condition:
                self._running = None
                if not token.cancelled:
                    self._results[key] = outcome
                    while len(self._results) > self._keep:
                        self._results.pop(next(iter(self._results)))
                self._condition.notify_all()
