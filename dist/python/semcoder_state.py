"""What a test may break in the worker's own process, and how the worker puts it back.

Used inside the pytest worker (semcoder_worker.py); no JSON input or output of its own.
  ProcessState          snapshot of cwd, builtins, os.environ, sys.path, the recursion
                        limit, signal handlers, timers and key os/sys/socket/time functions,
                        restored after every test run;
  install_death_notes   os._exit, os.kill/killpg on itself or its parent (whose death takes
                        it down) and os.abort leave a note with the stack before the
                        interpreter goes down, so the supervisor can tell whether the test
                        or the code under test did it;
  arm_faulthandler      crash dumps (segfaults, aborts) and dumps on request (DUMP_SIGNAL,
                        sent by the supervisor to a test out of time) go to the fault file.
The module name is prefixed so it cannot shadow a module of the code under test.
"""

from __future__ import annotations

import builtins
import faulthandler
import os
import signal
import socket
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, Tuple

import semcoder_facts as facts

real_exit = os._exit
_real_sleep = time.sleep
_real_kill = os.kill
_real_killpg = os.killpg
_real_abort = os.abort
FATAL = {signal.SIGKILL, signal.SIGTERM, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS,
         signal.SIGILL, signal.SIGFPE, signal.SIGQUIT, signal.SIGINT, signal.SIGHUP}
WATCHED_SIGNALS = [getattr(signal, name) for name in (
    "SIGINT", "SIGTERM", "SIGALRM", "SIGUSR2", "SIGHUP", "SIGCHLD", "SIGPIPE",
    "SIGVTALRM", "SIGPROF", "SIGXFSZ") if hasattr(signal, name)]
# The supervisor sends this before killing a test that ran out of time: faulthandler dumps
# the stack (from C, without the GIL) so the timeout message can say where it was stuck.
DUMP_SIGNAL = signal.SIGUSR1
_fault_file: List[Any] = []


def arm_faulthandler(fault: Any = None) -> None:
    """Crash dumps and on-demand dumps go to the fault file; re-armed after a test took over
    the signal or disabled faulthandler."""
    if fault is not None:
        _fault_file[:] = [fault]
    faulthandler.disable()  # enable() and register() do nothing when they think they are set
    faulthandler.enable(file=_fault_file[0])
    faulthandler.unregister(DUMP_SIGNAL)
    faulthandler.register(DUMP_SIGNAL, file=_fault_file[0], all_threads=True, chain=False)


def fault_offset() -> int:
    """Where the next dump will start in the fault file (sent with start events: the
    supervisor may read them after a crash already wrote its dump)."""
    try:
        return os.fstat(_fault_file[0].fileno()).st_size
    except (OSError, IndexError):
        return 0


def _environ_snapshot() -> Dict[Any, Any]:
    # os.environ's raw dict: comparing it costs microseconds, decoding every item does not.
    raw = getattr(os.environ, "_data", None)
    return dict(raw) if isinstance(raw, dict) else dict(os.environ)


def _text(value: Any) -> str:
    return os.fsdecode(value) if isinstance(value, bytes) else str(value)


class ProcessState:
    """Snapshot of the state a test may tamper with, restored after each run."""

    PINNED: List[Tuple[Any, str]] = [
        (os, name) for name in ("_exit", "kill", "killpg", "abort", "fork", "getcwd", "chdir")
    ] + [(sys, "exit"), (time, "sleep"), (time, "time"), (time, "monotonic")] + [
        (socket.socket, name) for name in ("connect", "connect_ex", "sendto", "bind")
    ] + [(socket, name) for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex")]

    def __init__(self) -> None:
        self.cwd = os.getcwd()
        self.builtins = dict(builtins.__dict__)
        self.environ = _environ_snapshot()
        self.path = list(sys.path)
        self.recursion = sys.getrecursionlimit()
        self.handlers = {sig: signal.getsignal(sig) for sig in WATCHED_SIGNALS}
        self.dump_handler = signal.getsignal(DUMP_SIGNAL)
        self.pinned = [(owner, name, getattr(owner, name)) for owner, name in self.PINNED]

    def restore(self) -> None:
        for owner, name, value in self.pinned:
            if getattr(owner, name, None) is not value:
                setattr(owner, name, value)
        current = builtins.__dict__
        if current != self.builtins:
            for name in [n for n in current if n not in self.builtins]:
                del current[name]
            current.update(self.builtins)
        if _environ_snapshot() != self.environ:
            os.environ.clear()
            os.environ.update({_text(k): _text(v) for k, v in self.environ.items()})
        if sys.path != self.path:
            sys.path[:] = self.path
        if sys.getrecursionlimit() != self.recursion:
            sys.setrecursionlimit(self.recursion)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in self.handlers.items():
            if signal.getsignal(sig) is not handler and handler is not None:
                signal.signal(sig, handler)
        if signal.getsignal(DUMP_SIGNAL) is not self.dump_handler or not faulthandler.is_enabled():
            if signal.getsignal(DUMP_SIGNAL) is not self.dump_handler:
                signal.signal(DUMP_SIGNAL, signal.SIG_DFL)
            arm_faulthandler()
        try:
            if os.getcwd() != self.cwd:
                os.chdir(self.cwd)
        except OSError:
            os.chdir(self.cwd)


def _await_parent_death(parent: int, limit_sec: float = 1.0) -> None:
    """Our parent's death kills us (PDEATHSIG), a moment later: wait for it, so the death
    belongs to the test that caused it, not to the next one."""
    end = time.monotonic() + limit_sec
    while os.getppid() == parent and time.monotonic() < end:
        _real_sleep(0.01)
    if os.getppid() != parent:
        _real_sleep(limit_sec)  # PDEATHSIG is on its way


def install_death_notes(emit: Callable[[Dict[str, Any]], None], roots: facts.Roots) -> None:
    """Leave a note (with the stack) before the interpreter is killed from inside, so the
    supervisor can tell whether the test or the code under test did it."""

    def note(kind: str, detail: str, event: str = "note") -> None:
        stack = traceback.extract_stack(sys._getframe(2))
        emit({"e": event, "kind": kind, "detail": detail,
              "frames": facts.frames_from(stack, roots)})

    def exit_(code: int) -> None:
        note("os._exit", f"os._exit({code})")
        real_exit(code)

    def kill(pid: int, sig: int) -> None:
        if sig in FATAL:
            if pid in (0, os.getpid()):
                note("os.kill", f"os.kill(own pid, {signal.Signals(sig).name})")
            elif pid == os.getppid():
                note("os.kill", f"os.kill(parent pid, {signal.Signals(sig).name})")
                _real_kill(pid, sig)
                _await_parent_death(pid)
                return
            elif pid == -1:
                note("os.kill", f"os.kill(-1, {signal.Signals(sig).name})")
            elif pid > 0:
                # Not a death note (the process lives on): only what the worker's journal
                # keeps, to tell which test killed the supervisor.
                note("os.kill", f"os.kill({pid}, {signal.Signals(sig).name})", "signal")
        _real_kill(pid, sig)

    def killpg(pgid: int, sig: int) -> None:
        if pgid in (0, os.getpgrp()) and sig in FATAL:
            note("os.killpg", f"os.killpg(own group, {signal.Signals(sig).name})")
        _real_killpg(pgid, sig)

    def abort() -> None:
        note("os.abort", "os.abort()")
        _real_abort()

    os._exit, os.kill, os.killpg, os.abort = exit_, kill, killpg, abort  # type: ignore
