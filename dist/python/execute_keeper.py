"""The keeper: the supervisor's parent, there to clean up when the supervisor is killed.

execute_tests.py forks itself once at start-up: the child is the supervisor (it serves the
requests on stdin/stdout); the parent, this keeper, is a child subreaper that only waits.
When the supervisor dies (a test that found its pid and killed it), its workers die with it
(PDEATHSIG), and what the tests started in new sessions is reparented here instead of to
init: the keeper kills all of it, then exits with the supervisor's status, so the executor
(src/execute/supervisor.ts) sees the death and can rerun what did not finish.
No JSON input or output of its own.
"""

from __future__ import annotations

import os
import signal
import sys

from sandbox_process import _mirror, _reap_until, fork_tied
from sandbox_tree import reap_all, send_signal


def fork_keeper() -> None:
    """Returns in the supervisor; the keeper (this process so far) never returns."""
    supervisor = fork_tied(1)  # dies with the keeper
    if supervisor == 0:
        return
    # The protocol is the supervisor's: without our copies, its death closes the pipes.
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    os.close(devnull)
    # Stopping the keeper stops the supervisor (and, through it, every worker).
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda number, _: send_signal(supervisor, number))
    status = _reap_until(supervisor)  # and every orphan reparented here meanwhile
    reap_all()  # kills and reaps what is left
    sys.stderr.flush()
    _mirror(status)

