"""What earlier attempts of a run left behind, for a supervisor that resumes it.

A test that kills the supervisor (it found its pid) ends the attempt; src/execute/executor.ts
then sends the same request again with {"resume": {"attempt": n, ...}} and the new
supervisor continues in the same sandbox. What the dead one knew is on disk in control/:
  records-<attempt>.jsonl        one line per finished test record, written by the
                                 supervisor as it went (execute_tests.py);
  journal-<attempt>-<share>-<generation>.jsonl
                                 every event of a worker, written by the worker before the
                                 supervisor read it (semcoder_worker.py), so it shows what
                                 each worker was running at the moment of the death.
`RecordsJournal` writes the first kind; `resume()` puts what `load()` finds in a new
attempt's ledger: `load()` returns the finished records, the tests to blame for the death: the one test (or
the file being imported) that was running, or, when several were, those that left a note of
killing a process other than their own, and whether some that were running could be neither
blamed nor cleared (they run again, one worker at a time, so a second death tells).
Used by execute_tests.py; no JSON input or output of its own.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, Iterator, List, Optional, Tuple

from execute_ledger import Ledger
from execute_workers import TestRecord

JOURNAL = re.compile(r"^journal-(\d+)-(\d+)-(\d+)\.jsonl$")
RECORDS = re.compile(r"^records-(\d+)\.jsonl$")
COVERAGE = re.compile(r"^coverage-(\d+)-\d+-\d+$")


class RecordsJournal:
    """The finished tests of one attempt, on disk as each finishes."""

    def __init__(self, control: str, attempt: int, expected_runs: int) -> None:
        path = os.path.join(control, f"records-{attempt}.jsonl")
        self.handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self.expected_runs = expected_runs

    def write(self, record: TestRecord) -> None:
        self.handle.write(json.dumps(record.to_json(self.expected_runs)) + "\n")
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


def resume(ledger: Ledger, journal: RecordsJournal, control: str, attempt: int,
           status: str, blame: bool) -> bool:
    """Puts what earlier attempts finished (and, with `blame`, the tests blamed for the
    last death) in `ledger`, to be neither run nor reported again. Returns whether tests
    running at the death went unblamed (run them one worker at a time)."""
    finished, blamed, unsure = load(control, attempt, ledger.inventory, ledger.reruns, status)
    if not blame:
        blamed, unsure = [], False
    ledger.records.update(finished)
    for record in blamed:
        ledger.records[record.nodeid] = record
        journal.write(record)
    return unsure


def earlier_coverage(control: str, attempt: int) -> List[str]:
    """The coverage data files of the attempts before `attempt`."""
    found = []
    for name in sorted(os.listdir(control)):
        match = COVERAGE.match(name)
        if match and int(match.group(1)) < attempt:
            found.append(os.path.join(control, name))
    return found


def load(control: str, attempt: int, inventory: Dict[str, Dict[str, Any]], reruns: int,
         status: str) -> Tuple[Dict[str, TestRecord], List[TestRecord], bool]:
    """(finished records of attempts before `attempt`, records blamed for the last death,
    whether some tests running at the death were not blamed)."""
    finished: Dict[str, TestRecord] = {}
    for name in sorted(os.listdir(control)):
        match = RECORDS.match(name)
        if match and int(match.group(1)) < attempt:
            for line in _lines(os.path.join(control, name)):
                record = TestRecord(str(line["file"]), str(line["nodeid"]))
                record.runs = list(line.get("runs", []))
                finished[record.nodeid] = record
    running = [item for item in _running(control, attempt - 1, reruns)
               if item[0] not in finished]
    unsure = False
    if len(running) > 1:  # several were running: only those that killed something
        unsure = any(item[2] is None for item in running)
        running = [item for item in running if item[2] is not None]
    blamed: List[TestRecord] = []
    for nodeid, file, note in running:
        ids = [nodeid] if nodeid else _tests_of(inventory, str(file), finished)
        for one in ids:
            blamed.append(_blamed(one, "call" if nodeid else "collect", note, status))
    return finished, blamed, unsure


def _running(control: str, attempt: int, reruns: int
             ) -> Iterator[Tuple[Optional[str], Optional[str], Optional[Dict[str, Any]]]]:
    """(test id | None, file being imported | None, kill note | None) for each worker of
    `attempt` that was busy when it ended."""
    for name in sorted(os.listdir(control)):
        match = JOURNAL.match(name)
        if not match or int(match.group(1)) != attempt:
            continue
        nodeid: Optional[str] = None
        file: Optional[str] = None
        note: Optional[Dict[str, Any]] = None
        for event in _lines(os.path.join(control, name)):
            kind = event.get("e")
            if kind == "collecting":
                nodeid, file, note = None, str(event.get("file")), None
            elif kind in ("collected", "done"):
                nodeid = file = note = None
            elif kind == "start":
                nodeid, file, note = str(event.get("id")), None, None
            elif kind == "run" and (event.get("outcome") != "passed"
                                    or int(event.get("run", 0)) >= reruns):
                nodeid = note = None
            elif kind == "signal" or (kind == "note" and event.get("kind") == "os.kill"
                                      and "own pid" not in str(event.get("detail"))):
                note = {k: event.get(k) for k in ("kind", "detail", "frames")}
        if nodeid or file:
            yield nodeid, file, note


def _tests_of(inventory: Dict[str, Dict[str, Any]], file: str,
              finished: Dict[str, TestRecord]) -> List[str]:
    names = inventory.get(file, {}).get("tests", [])
    return [f"{file}::{n}" for n in names if f"{file}::{n}" not in finished]


def _blamed(nodeid: str, phase: str, note: Optional[Dict[str, Any]], status: str) -> TestRecord:
    record = TestRecord(nodeid.split("::", 1)[0], nodeid)
    record.runs = [{"outcome": "died", "phase": phase, "status": status, "exitCode": None,
                    "signal": None, "note": note, "fault": None, "output": "", "stuck": False,
                    "supervisorKilled": True}]
    return record


def _lines(path: str) -> Iterator[Dict[str, Any]]:
    """The JSON objects of a journal; a line cut short by a death, or garbage, is skipped."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    value = json.loads(line)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    yield value
    except OSError:
        return
