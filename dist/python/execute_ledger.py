"""The ledger of a run: what each test did, from the workers' events and deaths.

Pure bookkeeping, no processes (execute_tests.py drives it; tests feed it events directly);
no JSON input or output of its own. It turns worker events into TestRecords, attributes a
worker's death or timeout to the test (or the file being imported) it happened in, gives up
on a share whose workers keep dying without a culprit, and lists the tests that never ran.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from execute_workers import EXIT_GRACE_SEC, MAX_STRIKES, Share, TestRecord, Worker, status_text
from semcoder_facts import Roots
from semcoder_worker import EXIT_DESCRIPTORS


class Ledger:
    def __init__(self, inventory: Dict[str, Dict[str, Any]], reruns: int, timeout: float,
                 roots: Roots, on_done: Optional[Callable[[TestRecord], None]] = None) -> None:
        self.inventory = inventory
        self.reruns = reruns
        self.timeout = timeout
        self.roots = roots
        self.records: Dict[str, TestRecord] = {}
        # Called once per test whose record is final (the supervisor streams it).
        self.on_done = on_done

    def finish(self, share: Share, nodeid: str) -> None:
        share.done.add(nodeid)
        if self.on_done is not None:
            self.on_done(self.records[nodeid])

    def record(self, nodeid: str) -> TestRecord:
        if nodeid not in self.records:
            self.records[nodeid] = TestRecord(nodeid.split("::", 1)[0], nodeid)
        return self.records[nodeid]

    def on_event(self, worker: Worker, event: Dict[str, Any], now: float) -> None:
        kind = event.get("e")
        share = worker.share
        if kind == "hello":
            worker.thread = event.get("thread")
            worker.inner_pid = event.get("pid")
        elif kind == "collecting":
            worker.state, worker.collecting = "collecting", str(event.get("file"))
            worker.dump_requested = False
            worker.deadline = now + self.timeout
            worker.current_started = now
            worker.note = None
            worker.mark(event.get("faultAt"))
        elif kind == "collect-error":
            failure = {"outcome": "collect-error", "phase": "collect", "exc": event.get("exc")}
            self.fail_file(share, str(event.get("file")), failure)
        elif kind == "collected":
            ids = [str(i) for i in event.get("ids", [])]
            for nodeid in ids:
                self.record(nodeid)
            share.merge_collected(ids)
            worker.state, worker.collecting = "between", None
            worker.deadline = now + self.timeout
        elif kind == "start":
            worker.current = (str(event.get("id")), int(event.get("run", 0)))
            worker.state, worker.current_started, worker.note = "running", now, None
            worker.dump_requested = False
            worker.deadline = now + self.timeout
            worker.mark(event.get("faultAt"))
        elif kind == "run":
            nodeid = str(event.get("id"))
            run = {k: v for k, v in event.items() if k not in ("e", "id")}
            self.record(nodeid).runs.append(run)
            if run.get("outcome") != "passed" or int(run.get("run", 0)) >= self.reruns:
                self.finish(share, nodeid)
            worker.current, worker.state = None, "between"
            worker.deadline = now + self.timeout
        elif kind == "note":
            worker.note = event
        elif kind == "done":
            worker.state = "done"
            worker.deadline = now + EXIT_GRACE_SEC

    def fail_file(self, share: Share, file: str, run: Dict[str, Any]) -> None:
        """Every test of `file` not yet done gets `run`; the file is not collected again."""
        share.dead_files.add(file)
        known = [i for i in share.collected or [] if i.split("::", 1)[0] == file]
        names = known or [f"{file}::{n}" for n in self.inventory[file]["tests"]] or [file]
        for nodeid in names:
            if nodeid not in share.done:
                self.record(nodeid).runs.append(dict(run))
                self.finish(share, nodeid)

    def settle_exit(self, worker: Worker, now: float) -> None:
        """A worker ended: the test or file it was in gets the death or the timeout."""
        share = worker.share
        culprit = self.culprit_run(worker, now)
        if worker.state == "running" and worker.current is not None:
            nodeid, _ = worker.current
            self.record(nodeid).runs.append(culprit)
            self.finish(share, nodeid)
        elif worker.state == "collecting" and worker.collecting is not None:
            self.fail_file(share, worker.collecting, culprit)
        elif share.has_work() and len(share.done) == worker.done_at_start \
                and worker.killed_for != "budget":
            # Ended without a culprit and without progress: another try, then give up.
            share.strikes += 1
            if share.strikes >= MAX_STRIKES:
                self.give_up(share, culprit)

    def culprit_run(self, worker: Worker, now: float) -> Dict[str, Any]:
        phase = "collect" if worker.state == "collecting" else "call"
        elapsed = round((now - worker.current_started) * 1000, 3)
        headline, frames = worker.fault(self.roots)
        if worker.killed_for in ("timeout", "budget"):
            budget = worker.killed_for == "budget"
            return {"outcome": "timeout", "phase": phase, "durationMs": elapsed,
                    "budget": budget, "timeoutSec": self.timeout, "frames": frames}
        note = worker.note
        if note is None and worker.contained.exit_code == EXIT_DESCRIPTORS:
            note = {"kind": "closed-descriptors", "frames": [],
                    "detail": "the test closed the test process's own file descriptors"}
        return {
            "outcome": "died", "phase": phase, "durationMs": elapsed,
            "status": status_text(worker.contained),
            "exitCode": worker.contained.exit_code, "signal": worker.contained.signal,
            "note": note and {k: note.get(k) for k in ("kind", "detail", "frames")},
            "fault": {"headline": headline, "frames": frames} if headline else None,
            "output": worker.output_tail[-600:].decode("utf-8", "replace"),
            "stuck": worker.killed_for == "stuck",
        }

    def give_up(self, share: Share, culprit: Dict[str, Any]) -> None:
        share.given_up = True
        for file in share.files_to_run():
            self.fail_file(share, file, dict(culprit, giveUp=True))

    def close(
        self, order: List[str], budget: Optional[float], why: Optional[str] = None
    ) -> Tuple[List[TestRecord], Optional[str]]:
        """Every test of every file in `order` gets a record: invalid files their syntax
        error, files never collected their inventory as not run. `budget` is set when the
        time budget ran out; `why`, when something else stopped the run before every file
        was collected (a dead supervisor): then every inventory test without a record is
        not run. Returns the records in file order, and why some did not run."""
        for file in order:
            info = self.inventory[file]
            if info["syntaxError"] is not None:
                for name in info["tests"] or [""]:
                    nodeid = f"{file}::{name}" if name else file
                    invalid = {"outcome": "invalid", "phase": "collect",
                               "syntaxError": info["syntaxError"]}
                    self.record(nodeid).runs.append(invalid)
            elif why is not None:
                for name in info["tests"]:
                    nodeid = f"{file}::{name}"
                    if not any(n == nodeid or n.startswith(nodeid + "[") for n in self.records):
                        self.record(nodeid)
            elif not any(r.file == file for r in self.records.values()):
                for name in info["tests"]:
                    self.record(f"{file}::{name}")
        missing = 0
        for record in self.records.values():
            if not record.runs:
                record.not_run = True
                missing += 1
        incomplete = None
        if missing:
            why = (f"the time budget of {budget:g} s ran out" if budget is not None
                   else why or "their worker could not run them")
            incomplete = f"{missing} test(s) did not run: {why}"
        rank = {f: i for i, f in enumerate(order)}
        records = sorted(self.records.values(), key=lambda r: rank.get(r.file, len(rank)))
        return records, incomplete
