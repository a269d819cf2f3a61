"""Time limits of the evaluator: SIGALRM-based limits for one call, and the per-input and
per-phase limits derived from the ground-truth times.

Imported by bench_runner.py, bench_worker.py, bench_groundtruth.py and bench_plan.py; no JSON
input or output of its own. A process that uses `call_limited` installs `on_alarm` as its
SIGALRM handler first.
"""

from __future__ import annotations

import signal
from typing import Any, Callable, Dict, List, Sequence

# EvalPlus gives each untrusted process min(60 s, sum of its time limits) + 1 s, and joins
# it with one more second: a phase that takes longer than that times out as a whole.
PHASE_GRACE = 2.0
# How long after its last deadline a sample's process is killed (C code ignoring SIGALRM).
KILL_GRACE = 2.0
# A timer that fired into a sample that swallowed it fires again this often.
REFIRE_SECONDS = 0.05


class TimeLimitExceeded(BaseException):
    """Raised by SIGALRM. A BaseException, so that `except Exception` in a sample keeps it."""


# Whether a time limit is running. The timer re-fires until disarmed (a sample may swallow
# the first exception); a late signal after disarming must not raise into our own code.
_armed = [False]


def on_alarm(_signum: int, _frame: Any) -> None:
    if _armed[0]:
        raise TimeLimitExceeded()


def _arm(seconds: float) -> None:
    _armed[0] = True
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001), REFIRE_SECONDS)


def _disarm() -> None:
    _armed[0] = False
    signal.setitimer(signal.ITIMER_REAL, 0)


def call_limited(seconds: float, fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args) under a time limit; raises TimeLimitExceeded, never leaves the timer armed."""
    try:
        _arm(seconds)
        try:
            return fn(*args)
        finally:
            _disarm()
    except TimeLimitExceeded:
        _disarm()  # the signal can land inside the finally above, before it disarmed
        raise


def time_limits(times: Sequence[float], settings: Dict[str, float]) -> List[float]:
    """Per input: `max(minTimeLimit, timeLimitFactor x the canonical solution's time)`."""
    return [max(settings["minTimeLimit"], settings["timeLimitFactor"] * t) for t in times]


def phase_budget(limits: Sequence[float], settings: Dict[str, float]) -> float:
    """A sample's time on one input set (loading included for the base inputs)."""
    return min(settings["maxPhaseSeconds"], sum(limits)) + PHASE_GRACE
