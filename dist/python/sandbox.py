"""Contain an untrusted child process: limits, reduced environment, isolation, tree killing.

Generated tests and benchmark samples are untrusted code. This module runs such code so that
it cannot outlive its run, reach the network, see secrets or exhaust the machine. It protects
the user's run from accidents in model output; it is not a defence against a determined
attacker with a kernel exploit.

Python API (stdlib only, Python 3.9+, Linux first; other POSIX systems get process groups and
limits only):

    limits = Limits(memory_bytes=2 << 30)
    iso = probe_isolation("auto")            # once per process
    become_subreaper()                        # once per process, before spawning
    done = run_contained(["python3", "x.py"], cwd=..., env=reduced_env(os.environ, [], {...}),
                         limits=limits, isolation=iso, timeout_sec=10)
    done.exit_code, done.signal, done.timed_out, done.stdout, done.stderr

`spawn()` and `Contained` are the building blocks `execute_tests.py` drives itself.

Command line (one contained run, for callers that are not Python):
    input (stdin):  {"argv": [...], "cwd": "...", "env": {...}, "timeoutSec": 10,
                     "stdin": "text", "isolation": "auto"|"portable",
                     "limits": {"memoryBytes": ..., "fileSizeBytes": ..., "processes": ...,
                                "outputBytes": ...}}
    output (stdout): {"exitCode": 0|null, "signal": null|9, "timedOut": false,
                      "stdout": "...", "stderr": "...", "stdoutBytes": n, "stderrBytes": n,
                      "durationMs": n, "isolation": {"network": ..., "processes": ...}}

Isolation, best first: a network namespace holding only a loopback interface, and a PID
namespace per child (with its own /proc where the kernel allows mounting one) whose init
(a small fork of this process) takes every descendant down with it. Where namespaces are not
allowed (unprivileged user namespaces are disabled on GitHub's Ubuntu runners), the caller
becomes a child subreaper so orphans that start a new session are reparented to it and can
be killed, and the network guard (sitecustomize in sandbox_site/) refuses outbound
connections in every Python process of the sandbox. In both, a caller that passes Landlock
rules (sandbox_landlock.py) confines what the process may read, write and signal, where the
kernel has Landlock; the executor does, the command line below does not.
"""

from __future__ import annotations

import json
import os
import re
import select
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Dict, Iterable, Mapping, Optional, Sequence

import sandbox_landlock
from sandbox_landlock import abi as landlock_abi  # noqa: F401
from sandbox_process import (GIB, MIB, Contained, Isolation, Limits,  # noqa: F401
                             become_subreaper, probe_isolation, spawn)
from sandbox_tree import descendants, kill_strays, kill_tree, reap, reap_all  # noqa: F401

GUARD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox_site")

# Names never passed to a sandbox, even when asked for: tokens, keys, passwords, and the
# GitHub Actions runtime (ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_URL, ...).
SECRET_NAME = re.compile(
    r"(TOKEN|SECRET|PASSW|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL|AUTH|COOKIE|SESSION)"
    r"|^ACTIONS_|^GITHUB_TOKEN$|^SEMCODER_API_KEY$",
    re.IGNORECASE,
)
# Passed through from the caller's environment when present.
BASE_NAMES = ("PATH", "LANG", "LANGUAGE", "TZ")


def looks_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def reduced_env(
    source: Mapping[str, str], allow: Iterable[str], extra: Mapping[str, str]
) -> Dict[str, str]:
    """The environment of a sandboxed process: an allowlist, never anything secret-looking.

    `allow` names variables the user asked for explicitly; `extra` is set by the caller
    (HOME, TMPDIR, PYTHONPATH...) and wins.
    """
    env: Dict[str, str] = {}
    for name, value in source.items():
        wanted = name in BASE_NAMES or name.startswith("LC_") or name in allow
        if wanted and not looks_secret(name):
            env[name] = value
    env.setdefault("PATH", os.defpath)
    env.setdefault("LANG", "C.UTF-8")
    env.update(extra)
    return env


def guard_env(isolation: Isolation, pythonpath: Optional[str]) -> Dict[str, str]:
    """Variables that install the network guard in every Python process of the sandbox.

    The guard runs inside a network namespace too: there it only makes the message say why
    a connection failed; without one it is what refuses the connection."""
    path = os.pathsep.join(p for p in (GUARD_DIR, pythonpath) if p)
    return {"PYTHONPATH": path, "SEMCODER_SANDBOX_NETWORK": isolation.network}


# --- Output capture ------------------------------------------------------------------------


class OutputCap:
    """Keeps the head and the tail of a stream, so 20 MB of output costs a few KiB."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 2)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self.limit // 2 - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.limit // 2:
                del self.tail[: len(self.tail) - self.limit // 2]

    def data(self) -> bytes:
        """The bytes kept, head then tail (a gap between them when the stream was longer)."""
        return bytes(self.head + self.tail)

    def text(self) -> str:
        dropped = self.total - len(self.head) - len(self.tail)
        middle = f"\n[... {dropped} bytes dropped ...]\n".encode() if dropped > 0 else b""
        return bytes(self.head + middle + self.tail).decode("utf-8", "replace")


# --- One contained run ---------------------------------------------------------------------


@dataclass
class Completed:
    exit_code: Optional[int]
    signal: Optional[int]
    timed_out: bool
    stdout: str
    stderr: str
    stdout_bytes: int
    stderr_bytes: int
    duration_ms: int
    # The kept bytes as they came, for callers whose child writes binary (pickles).
    stdout_data: bytes = field(default=b"", repr=False)
    stderr_data: bytes = field(default=b"", repr=False)


def run_contained(
    argv: Sequence[str],
    *,
    cwd: str,
    env: Mapping[str, str],
    limits: Limits,
    isolation: Isolation,
    timeout_sec: float,
    stdin_data: bytes = b"",
    landlock_rules: Optional[Sequence[sandbox_landlock.Rule]] = None,
) -> Completed:
    """Runs argv contained, waits at most timeout_sec, and leaves no process behind.
    With `landlock_rules` (sandbox_landlock.policy()), the process is confined by Landlock
    at the ABI `isolation.landlock` names (0: not at all).

    One at a time per calling process: it reaps, and kills, every other child the caller
    has (orphans of the run are reparented to the caller). To run several at once, use
    several processes, or spawn()/Contained and keep the live ones out of kill_strays."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    in_r = _stdin_source(stdin_data)
    child = spawn(argv, cwd=cwd, env=env, limits=limits, isolation=isolation,
                  stdout_fd=out_w, stderr_fd=err_w, stdin_fd=in_r, landlock_rules=landlock_rules)
    for fd in (out_w, err_w, in_r):
        os.close(fd)
    caps = {out_r: OutputCap(limits.output_bytes), err_r: OutputCap(limits.output_bytes)}
    deadline = child.started + timeout_sec
    timed_out = False
    open_fds = set(caps)
    known = {child.pid: child}
    while child.status is None or open_fds:
        remaining = deadline - time.monotonic()
        if remaining <= 0 and child.status is None:
            timed_out = True
            child.kill()
        wait = 0.05 if child.status is None else 0.2
        ready, _, _ = select.select(list(open_fds), [], [], max(0.0, min(remaining, wait)))
        for fd in ready:
            data = os.read(fd, 65536)
            if data:
                caps[fd].feed(data)
            else:
                open_fds.discard(fd)
        reap(known)
        if child.status is not None and not ready:
            # Descendants may hold the pipes open; they are killed below.
            kill_strays()
            if time.monotonic() > deadline + 1:
                break
    for fd in caps:
        os.close(fd)
    kill_strays()
    out, err = caps[out_r], caps[err_r]
    return Completed(
        exit_code=child.exit_code,
        signal=child.signal,
        timed_out=timed_out,
        stdout=out.text(),
        stderr=err.text(),
        stdout_bytes=out.total,
        stderr_bytes=err.total,
        duration_ms=int((time.monotonic() - child.started) * 1000),
        stdout_data=out.data(),
        stderr_data=err.data(),
    )


# What any pipe holds without a reader: one page (Linux gives a user over its pipe quota
# one-page pipes), so a write of this size never blocks.
PIPE_BYTES = 4096


def _stdin_source(data: bytes) -> int:
    """A descriptor to read stdin from, filled before the child starts: a pipe for small
    inputs; an unlinked temporary file for larger ones (a full pipe would block us before
    we read the child's output, and the evaluator's batches carry megabytes of inputs)."""
    if len(data) <= PIPE_BYTES:
        read_fd, write_fd = os.pipe()
        if data:
            os.write(write_fd, data)
        os.close(write_fd)
        return read_fd
    with tempfile.TemporaryFile() as spool:
        spool.write(data)
        spool.flush()
        os.lseek(spool.fileno(), 0, os.SEEK_SET)
        return os.dup(spool.fileno())


def main() -> None:
    request = json.load(sys.stdin)
    raw = request.get("limits", {})
    limits = Limits(
        memory_bytes=int(raw.get("memoryBytes", 2 * GIB)),
        file_size_bytes=int(raw.get("fileSizeBytes", 64 * MIB)),
        processes=int(raw.get("processes", 512)),
        output_bytes=int(raw.get("outputBytes", 1 * MIB)),
    )
    isolation = probe_isolation(request.get("isolation", "auto"))
    become_subreaper()
    env = dict(request.get("env") or reduced_env(os.environ, [], {}))
    env.update(guard_env(isolation, env.get("PYTHONPATH")))
    done = run_contained(
        request["argv"],
        cwd=request.get("cwd") or os.getcwd(),
        env=env,
        limits=limits,
        isolation=isolation,
        timeout_sec=float(request.get("timeoutSec", 10)),
        stdin_data=str(request.get("stdin", "")).encode(),
    )
    json.dump(
        {
            "exitCode": done.exit_code,
            "signal": done.signal,
            "timedOut": done.timed_out,
            "stdout": done.stdout,
            "stderr": done.stderr,
            "stdoutBytes": done.stdout_bytes,
            "stderrBytes": done.stderr_bytes,
            "durationMs": done.duration_ms,
            "isolation": isolation.to_json(),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
