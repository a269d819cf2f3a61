"""Bookkeeping for pytest workers: who runs what, what each has reported, what is left.

Used by execute_tests.py (no JSON input or output of its own). A `Share` is a fixed set of
test files given to one worker slot; when its worker dies, times out or ends early, a new
worker generation continues with what is left, without the culprit. A `Worker` is one live
process of a share and the state its events put it in.
"""

from __future__ import annotations

import signal
import time
from typing import Any, Dict, List, Optional, Set, Tuple

from sandbox import Contained
from semcoder_facts import Roots, frames_from, parse_fault_dump

DUMP_WAIT_SEC = 0.25  # between asking a worker that ran out of time for its stack and killing it
STARTUP_SEC = 60.0  # interpreter + pytest + coverage start-up on a loaded machine
EXIT_GRACE_SEC = 2.0  # after "done", before a worker that does not exit is killed
MAX_STRIKES = 2  # deaths without a culprit before the rest of a share is given up


class TestRecord:
    __test__ = False  # not a pytest test class

    def __init__(self, file: str, nodeid: str) -> None:
        self.file = file
        self.nodeid = nodeid
        self.runs: List[Dict[str, Any]] = []
        self.not_run = False

    def to_json(self, expected_runs: int) -> Dict[str, Any]:
        return {
            "file": self.file,
            "nodeid": self.nodeid,
            "name": self.nodeid.split("::", 1)[1] if "::" in self.nodeid else self.nodeid,
            "runs": self.runs,
            "notRun": self.not_run,
            "countedInCoverage": self.stable(expected_runs),
        }

    def stable(self, expected_runs: int) -> bool:
        """Passed on the first run and every rerun: the only tests coverage counts.
        src/execute/classify.ts calls exactly these tests `passed`."""
        return (
            not self.not_run
            and len(self.runs) == expected_runs
            and all(r.get("outcome") == "passed" for r in self.runs)
        )


class Share:
    def __init__(self, index: int, files: List[str]) -> None:
        self.index = index
        self.files = files
        self.collected: Optional[List[str]] = None
        self.done: Set[str] = set()
        self.dead_files: Set[str] = set()
        self.generation = 0
        self.strikes = 0
        self.given_up = False

    def merge_collected(self, ids: List[str]) -> None:
        known = self.collected or []
        seen = set(known)
        self.collected = known + [i for i in ids if i not in seen]

    def remaining(self) -> List[str]:
        return [i for i in self.collected or [] if i not in self.done]

    def has_work(self) -> bool:
        if self.given_up:
            return False
        if self.collected is None:
            return any(f not in self.dead_files for f in self.files)
        return bool(self.remaining())

    def files_to_run(self) -> List[str]:
        live = [f for f in self.files if f not in self.dead_files]
        if self.collected is None:
            return live
        pending = {i.split("::", 1)[0] for i in self.remaining()}
        return [f for f in live if f in pending]


    def split(self, index: int) -> Optional["Share"]:
        """Hands the second half of the files still to run to a new share, so an idle core
        can take them while this share restarts after a crash or a timeout."""
        files = self.files_to_run()
        if len(files) < 2:
            return None
        moved = set(files[len(files) // 2 :])
        mine = lambda nodeid: nodeid.split("::", 1)[0] not in moved  # noqa: E731
        other = Share(index, [f for f in self.files if f in moved])
        if self.collected is not None:
            other.collected = [i for i in self.collected if not mine(i)]
            self.collected = [i for i in self.collected if mine(i)]
        other.done = {i for i in self.done if not mine(i)}
        self.done -= other.done
        self.files = [f for f in self.files if f not in moved]
        return other


class Worker:
    def __init__(self, share: Share, contained: Contained, events_fd: int, output_fd: int,
                 fault_path: str, coverage_path: str) -> None:
        now = time.monotonic()
        self.share = share
        self.contained = contained
        self.events_fd = events_fd
        self.output_fd = output_fd
        self.fault_path = fault_path
        self.coverage_path = coverage_path
        self.buffer = b""
        self.state = "starting"  # collecting | between | running | done
        self.deadline = now + STARTUP_SEC
        self.current: Optional[Tuple[str, int]] = None
        self.current_started = now
        self.collecting: Optional[str] = None
        self.fault_offset = 0
        self.thread: Optional[int] = None
        self.inner_pid: Optional[int] = None  # the worker's own pid (inside its PID namespace)
        self.dump_requested = False
        self.note: Optional[Dict[str, Any]] = None
        self.killed_for: Optional[str] = None  # timeout | budget | stuck
        self.output_tail = b""
        self.done_at_start = 0

    def mark(self, offset: Any) -> None:
        """Where the fault file ended when the current test started: a dump after this
        belongs to it."""
        self.fault_offset = offset if isinstance(offset, int) else 0

    def fault(self, roots: Roots) -> Tuple[str, List[Dict[str, Any]]]:
        try:
            with open(self.fault_path, encoding="utf-8", errors="replace") as handle:
                handle.seek(self.fault_offset)
                text = handle.read(1 << 20)
        except OSError:
            return "", []
        headline, summaries = parse_fault_dump(text, self.thread)
        return headline, frames_from(summaries, roots)

    def keep_output(self, data: bytes, limit: int) -> None:
        """The worker's own output (tests' output is captured by pytest): its tail explains
        a worker that died outside any test; the rest is dropped as it arrives."""
        self.output_tail = (self.output_tail + data)[-max(limit, 1):]

    def lines(self, data: bytes) -> List[bytes]:
        self.buffer += data
        *complete, self.buffer = self.buffer.split(b"\n")
        return complete


def status_text(contained: Contained) -> str:
    if contained.signal is not None:
        try:
            name = signal.Signals(contained.signal).name
        except ValueError:
            name = f"signal {contained.signal}"
        return f"killed by {name}"
    return f"exited with code {contained.exit_code}"
