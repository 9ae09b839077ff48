"""Quarterdeck's performance harness: `make bench` (python -m benchmarks) writes benchmarks/results.md."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measured:
    """What a case may return: what it measured of its run itself.

    ``seconds``: the run's time, instead of the wall time the harness takes (a case that must prepare something
    untimed in the same call). ``server_side_s``: seconds the server spent on the run (for a browser case, read from
    its websocket frames); the harness records it as a case of its own, named after the case with ", server-side".
    ``server_cpu_s``: the server process's CPU-seconds over the run, recorded as the case with ", server CPU-seconds".
    """

    seconds: float | None = None
    server_side_s: float | None = None
    server_cpu_s: float | None = None
