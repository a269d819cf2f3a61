"""Process trees of the sandbox: finding, killing and reaping what a contained process started.

Linux /proc based (no CONFIG_PROC_CHILDREN needed: parents come from /proc/<pid>/stat).
Used by sandbox_process.py and the supervisor; no JSON input or output.
"""

from __future__ import annotations

import os
import signal
import time
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence

if TYPE_CHECKING:
    from sandbox_process import Contained


def send_signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _parents() -> Dict[int, int]:
    """pid -> parent pid for every visible process (from /proc/<pid>/stat)."""
    parents: Dict[int, int] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return parents
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; fields resume after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1:
            parents[int(name)] = int(fields[1])
    return parents


def descendants(roots: Iterable[int]) -> List[int]:
    parents = _parents()
    children: Dict[int, List[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found: List[int] = []
    queue = list(roots)
    while queue:
        pid = queue.pop()
        for child in children.get(pid, []):
            found.append(child)
            queue.append(child)
    return found


def process_in(contained: "Contained", inner_pid: int) -> Optional[int]:
    """Our view of the contained process that calls itself `inner_pid` (its pid inside its
    PID namespace, when it has one, found through /proc/<pid>/status NSpid), or None when it
    is no longer one of ours."""
    if not contained.isolation.holder:
        return contained.pid
    if not contained.isolation.namespaces:
        return inner_pid if inner_pid in descendants([contained.pid]) else None
    for pid in descendants([contained.pid]):
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("NSpid:"):
                        if line.split()[-1] == str(inner_pid) and len(line.split()) > 2:
                            return pid
                        break
        except OSError:
            continue
    return None


def kill_tree(roots: Sequence[int]) -> None:
    """SIGKILLs roots, their process groups and all their descendants.

    Descendants are collected first and stopped, so a process forking in a loop cannot add
    children between the scan and the kill; what is reparented to us afterwards is handled by
    `kill_strays` (we are a subreaper)."""
    for _ in range(3):
        tree = descendants(roots)
        for pid in tree:
            send_signal(pid, signal.SIGSTOP)
        for pid in list(roots) + tree:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            send_signal(pid, signal.SIGKILL)
        if not tree:
            return


def kill_strays(keep: Optional[Dict[int, "Contained"]] = None) -> int:
    """Kills our children that are not in `keep` (orphans reparented to us), and their trees.
    Reaps what exited meanwhile; a child in `keep` gets its status recorded (a kept child
    that exits now must not be reaped unseen: its caller would wait for it forever)."""
    keep = keep or {}
    killed = 0
    for _ in range(50):
        mine = os.getpid()
        strays = [pid for pid, parent in _parents().items() if parent == mine and pid not in keep]
        if not strays:
            break
        kill_tree(strays)
        killed += len(strays)
        reap(keep)
    return killed


def reap(on_exit: Optional[Dict[int, "Contained"]]) -> None:
    """Reaps every exited child without blocking; records the status of known ones."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        except InterruptedError:
            continue
        if pid == 0:
            return
        if on_exit is not None and pid in on_exit:
            on_exit[pid].status = status


def reap_all(deadline_sec: float = 5.0) -> None:
    """Kills and reaps every remaining descendant (used when a run ends)."""
    end = time.monotonic() + deadline_sec
    while time.monotonic() < end:
        kill_strays()
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


