"""Process mechanics of the sandbox: limits, spawning into namespaces and Landlock, killing.

Linux first (the system calls and namespaces are in sandbox_linux.py); elsewhere only
process groups and resource limits apply. The policy and the documented entry points are in
sandbox.py; this module has no JSON input or output.

On Linux the contained process never is our direct child: a small holder (a fork of this
process) sits between, and mirrors its exit status. A test that kills its parent
(`os.kill(os.getppid(), SIGKILL)`) then kills only the holder, the process dies with it
(PDEATHSIG), and the caller sees one more death of a contained process, not its own.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import struct
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import sandbox_landlock
from sandbox_linux import (PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG, Isolation,  # noqa: F401
                           _prctl, enter_namespaces, mount_private_proc, probe_isolation)
from sandbox_tree import kill_tree, send_signal

GIB = 1 << 30
MIB = 1 << 20


def become_subreaper() -> bool:
    """Orphans of our descendants are reparented to us (so we can kill and reap them)."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


@dataclass
class Limits:
    """Per-process resource limits (setrlimit) applied to the contained process."""

    memory_bytes: int = 2 * GIB  # address space (RLIMIT_AS)
    file_size_bytes: int = 64 * MIB  # largest file it may write (RLIMIT_FSIZE)
    # More processes than the user already runs (RLIMIT_NPROC counts per user; root is
    # exempt by the kernel, which is why callers must never run an unbounded fork bomb).
    processes: int = 512
    cpu_sec: Optional[int] = None  # RLIMIT_CPU backstop for the wall-clock timeouts
    output_bytes: int = 1 * MIB  # captured output kept per stream


# --- Spawning ------------------------------------------------------------------------------


@dataclass
class Contained:
    """A spawned contained process. `pid` is our direct child: the process itself, or, with
    PID namespaces, a small holder whose exit status mirrors the process's."""

    pid: int
    isolation: Isolation
    started: float = field(default_factory=time.monotonic)
    status: Optional[int] = None  # raw wait status once reaped

    def kill(self) -> None:
        """Kills the process and everything it started."""
        if self.status is not None:
            return
        if self.isolation.namespaces:
            # The holder's death kills the namespace init (PDEATHSIG), and the init's death
            # makes the kernel kill every process left in the namespace.
            send_signal(self.pid, signal.SIGKILL)
        else:
            kill_tree([self.pid])

    @property
    def exit_code(self) -> Optional[int]:
        if self.status is not None and os.WIFEXITED(self.status):
            return os.WEXITSTATUS(self.status)
        return None

    @property
    def signal(self) -> Optional[int]:
        if self.status is not None and os.WIFSIGNALED(self.status):
            return os.WTERMSIG(self.status)
        return None


@dataclass
class _Plan:
    """What the contained process becomes once its limits are set."""

    cwd: str
    limits: Limits
    nproc: int
    stdio: List[int]
    pass_fds: Sequence[int]
    executable: Optional[str] = None
    argv: Sequence[str] = ()
    env: Optional[Dict[bytes, bytes]] = None
    target: Optional[Callable[[], None]] = None
    rules: Optional[Sequence[sandbox_landlock.Rule]] = None
    landlock: int = 0


def spawn(
    argv: Sequence[str],
    *,
    cwd: str,
    env: Mapping[str, str],
    limits: Limits,
    isolation: Isolation,
    stdout_fd: int,
    stderr_fd: int,
    stdin_fd: Optional[int] = None,
    pass_fds: Sequence[int] = (),
    target: Optional[Callable[[], None]] = None,
    landlock_rules: Optional[Sequence[sandbox_landlock.Rule]] = None,
) -> Contained:
    """Starts argv contained, or, with `target`, a fork of this process that calls target()
    instead of exec'ing anything (a warm interpreter: no start-up cost; target sets up its
    own environment and must end with os._exit). The caller reaps it (os.waitpid).
    With `landlock_rules` (sandbox_landlock.policy()) and `isolation.landlock` set, the
    process is confined by Landlock; it fails to start rather than run unconfined."""
    landlock = isolation.landlock if landlock_rules is not None else 0
    plan = _Plan(cwd=cwd, limits=limits, nproc=_user_process_count() + limits.processes,
                 stdio=[], pass_fds=pass_fds, target=target, rules=landlock_rules,
                 landlock=landlock)
    if target is None:
        plan.executable = shutil.which(argv[0], path=env.get("PATH")) or argv[0]
        plan.argv = list(argv)
        plan.env = {os.fsencode(k): os.fsencode(v) for k, v in env.items()}
    keep = [stdout_fd, stderr_fd, *pass_fds] + ([stdin_fd] if stdin_fd is not None else [])
    sys.stdout.flush()
    sys.stderr.flush()
    pid = fork_tied(127)
    if pid == 0:
        try:
            _reset_signals()
            plan.stdio = _stdio(stdin_fd, stdout_fd, stderr_fd)
            if isolation.namespaces:
                _hold_namespace(plan, keep, isolation)
            elif isolation.holder:
                _hold(plan, keep)
            _become(plan)
        except BaseException as error:  # noqa: BLE001 - the child must never return
            _child_fail(stderr_fd, error)
    return Contained(pid, isolation)


def fork_tied(exit_code: int) -> int:
    """os.fork() for a child that dies with this process (PDEATHSIG), or exits with
    `exit_code` at once when this process ended before the child could arrange that."""
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(exit_code)
    return pid


def _stdio(stdin_fd: Optional[int], stdout_fd: int, stderr_fd: int) -> List[int]:
    if stdin_fd is None:
        stdin_fd = os.open(os.devnull, os.O_RDONLY)
    return [stdin_fd, stdout_fd, stderr_fd]


def _hold(plan: _Plan, keep: List[int]) -> None:
    """The holder without namespaces: forks the process, mirrors its status."""
    _close_other_fds(keep + plan.stdio)
    _mirror(_run_and_reap(plan))


def _hold_namespace(plan: _Plan, keep: List[int], isolation: Isolation) -> None:
    """The holder: enters fresh namespaces, forks their init, mirrors the process's status."""
    _close_other_fds(keep + plan.stdio)
    enter_namespaces(isolation.user_namespace, isolation.private_proc)
    status_r, status_w = os.pipe()
    init = os.fork()
    if init == 0:
        os.close(status_r)
        # Dies with the holder. (getppid() is 0 here: the holder is outside the namespace.)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if isolation.private_proc:
            mount_private_proc()
        status = _run_and_reap(plan, child_closes=[status_w])
        os.write(status_w, struct.pack("i", status))
        os._exit(0)  # takes every process left in the namespace down with it
    os.close(status_w)
    for fd in set(plan.stdio + list(plan.pass_fds)):
        _close_quietly(fd)
    data = _read_all(status_r)
    os.waitpid(init, 0)
    if len(data) != 4:
        os._exit(125)
    _mirror(struct.unpack("i", data)[0])


def _run_and_reap(plan: _Plan, child_closes: Sequence[int] = ()) -> int:
    """Forks the contained process (it dies with this one; it closes `child_closes`),
    closes this side's copies of its descriptors, then reaps every orphan until it has
    exited. Returns its wait status."""
    child = fork_tied(127)
    if child == 0:
        for fd in child_closes:
            os.close(fd)
        _become(plan)
    for fd in set(plan.stdio + list(plan.pass_fds)):
        _close_quietly(fd)
    return _reap_until(child)


def _reap_until(child: int) -> int:
    """As PID 1 of the namespace, or a subreaper: reaps every orphan until `child` has exited."""
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue
        if pid == child:
            return status


def _mirror(status: int) -> None:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 125)


def _become(plan: _Plan) -> None:
    os.setsid()  # own session and process group: killpg reaches what it starts
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _set_limits(plan.limits, plan.nproc)
    for target, fd in enumerate(plan.stdio):
        if fd != target:
            os.dup2(fd, target)
    for fd in plan.pass_fds:
        os.set_inheritable(fd, True)
    os.chdir(plan.cwd)
    if plan.target is not None:
        # No exec to close the parent's descriptors (its pipes to other children, its own
        # stdin/stdout): close them here.
        _close_other_fds([0, 1, 2, *plan.pass_fds])
    if plan.landlock and plan.rules is not None:
        sandbox_landlock.restrict(plan.rules, plan.landlock)
    if plan.target is not None:
        plan.target()
        os._exit(0)
    assert plan.executable is not None and plan.env is not None
    os.execve(plan.executable, list(plan.argv), plan.env)


def _set_limits(limits: Limits, nproc: int) -> None:
    def cap(which: int, value: int) -> None:
        # Soft and hard alike, so the contained process cannot raise its own limit again.
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            if sys.platform.startswith("linux"):
                raise  # a limit we promised; elsewhere (macOS) some cannot be set

    cap(resource.RLIMIT_AS, limits.memory_bytes)
    cap(resource.RLIMIT_FSIZE, limits.file_size_bytes)
    cap(resource.RLIMIT_CORE, 0)
    if hasattr(resource, "RLIMIT_NPROC"):
        cap(resource.RLIMIT_NPROC, nproc)
    if limits.cpu_sec:
        cap(resource.RLIMIT_CPU, limits.cpu_sec)


def _reset_signals() -> None:
    """Undo what a Python parent changed: its wakeup fd, handlers, and ignored signals."""
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:
        pass
    for sig in (signal.SIGCHLD, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_SETMASK, set())


def _close_other_fds(keep: Sequence[int]) -> None:
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd not in keep:
            _close_quietly(fd)


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except InterruptedError:
            continue
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _child_fail(stderr_fd: int, error: BaseException) -> None:
    try:
        os.write(stderr_fd, f"sandbox: cannot start the process: {error}\n".encode())
    finally:
        os._exit(127)


def _user_process_count() -> int:
    uid = os.getuid()
    try:
        return sum(1 for name in os.listdir("/proc") if name.isdigit() and _owner(name) == uid)
    except OSError:
        return 0


def _owner(pid: str) -> int:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return -1
