"""The run's ledger (src/python/execute_ledger.py): worker events and deaths in, records out.
No processes: workers are fed events by hand, as the supervisor would."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any, Dict, List

import pytest

from execute_ledger import Ledger
from execute_workers import Share, Worker
from sandbox import Contained, Isolation
from semcoder_facts import Roots
from semcoder_worker import EXIT_DESCRIPTORS

INVENTORY = {
    "test_a.py": {"file": "test_a.py", "syntaxError": None, "tests": ["test_1", "test_2"]},
    "test_b.py": {"file": "test_b.py", "syntaxError": None, "tests": ["test_3"]},
    "test_bad.py": {"file": "test_bad.py", "syntaxError": {"message": "invalid syntax", "line": 2},
                    "tests": ["test_4"]},
}


@pytest.fixture()
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(INVENTORY, reruns=2, timeout=5, roots=Roots(str(tmp_path / "repo"),
                                                                  str(tmp_path / "tests"), []))


def worker(share: Share, tmp_path: Path) -> Worker:
    contained = Contained(pid=12345, isolation=Isolation("guard", "subreaper"))
    return Worker(share, contained, -1, -1, str(tmp_path / "fault.txt"), str(tmp_path / "cov"))


def feed(ledger: Ledger, w: Worker, events: List[Dict[str, Any]]) -> None:
    for event in events:
        ledger.on_event(w, event, now=100.0)


def outcomes(ledger: Ledger) -> Dict[str, List[str]]:
    return {nodeid: [r["outcome"] for r in record.runs] for nodeid, record in ledger.records.items()}


def test_runs_and_reruns_are_recorded_until_done(ledger: Ledger, tmp_path: Path) -> None:
    share = Share(0, ["test_a.py"])
    w = worker(share, tmp_path)
    feed(ledger, w, [
        {"e": "collected", "ids": ["test_a.py::test_1", "test_a.py::test_2"]},
        *[{"e": "run", "id": "test_a.py::test_1", "run": k, "outcome": "passed"} for k in range(3)],
        {"e": "run", "id": "test_a.py::test_2", "run": 0, "outcome": "failed"},
        {"e": "done"},
    ])
    assert outcomes(ledger) == {"test_a.py::test_1": ["passed"] * 3, "test_a.py::test_2": ["failed"]}
    assert share.done == {"test_a.py::test_1", "test_a.py::test_2"} and not share.has_work()
    assert w.state == "done"


def test_a_death_during_a_test_is_that_tests(ledger: Ledger, tmp_path: Path) -> None:
    share = Share(0, ["test_a.py"])
    w = worker(share, tmp_path)
    (tmp_path / "fault.txt").write_text("old dump\n")
    feed(ledger, w, [
        {"e": "hello", "pid": 2, "thread": 7},
        {"e": "collected", "ids": ["test_a.py::test_1", "test_a.py::test_2"]},
        {"e": "start", "id": "test_a.py::test_1", "run": 0, "faultAt": 9},
        {"e": "note", "kind": "os._exit", "detail": "os._exit(3)", "frames": []},
    ])
    w.contained.status = 3 << 8  # exited with code 3
    ledger.settle_exit(w, now=100.5)
    run = ledger.records["test_a.py::test_1"].runs[0]
    assert run["outcome"] == "died" and run["status"] == "exited with code 3"
    assert run["note"]["detail"] == "os._exit(3)" and run["fault"] is None
    assert run["durationMs"] == 500.0
    assert share.remaining() == ["test_a.py::test_2"]  # the restart runs the rest


def test_a_timeout_while_importing_fails_that_files_tests(ledger: Ledger, tmp_path: Path) -> None:
    share = Share(0, ["test_a.py", "test_b.py"])
    w = worker(share, tmp_path)
    feed(ledger, w, [{"e": "collecting", "file": "test_a.py", "faultAt": 0}])
    w.killed_for = "timeout"
    w.contained.status = signal.SIGKILL
    ledger.settle_exit(w, now=106.0)
    assert outcomes(ledger) == {"test_a.py::test_1": ["timeout"], "test_a.py::test_2": ["timeout"]}
    assert ledger.records["test_a.py::test_1"].runs[0]["phase"] == "collect"
    assert share.files_to_run() == ["test_b.py"]


def test_a_collection_error_fails_the_files_tests_from_the_inventory(ledger: Ledger, tmp_path: Path) -> None:
    share = Share(0, ["test_a.py", "test_b.py"])
    w = worker(share, tmp_path)
    exc = {"type": "ModuleNotFoundError", "message": "No module named 'x'", "frames": []}
    feed(ledger, w, [
        {"e": "collecting", "file": "test_a.py"},
        {"e": "collect-error", "file": "test_a.py", "exc": exc},
        {"e": "collected", "ids": ["test_b.py::test_3"]},
    ])
    assert outcomes(ledger) == {"test_a.py::test_1": ["collect-error"],
                                "test_a.py::test_2": ["collect-error"], "test_b.py::test_3": []}
    assert share.remaining() == ["test_b.py::test_3"]


def test_deaths_without_a_culprit_or_progress_give_up_after_two(ledger: Ledger, tmp_path: Path) -> None:
    share = Share(0, ["test_b.py"])
    for attempt in range(2):
        w = worker(share, tmp_path)
        w.done_at_start = len(share.done)
        w.output_tail = b"ImportError: cannot import pytest\n"
        w.contained.status = 1 << 8
        ledger.settle_exit(w, now=100.0)
        assert share.given_up is (attempt == 1)
    run = ledger.records["test_b.py::test_3"].runs[0]
    assert run["outcome"] == "died" and run["giveUp"] is True
    assert "cannot import pytest" in run["output"]


def test_close_fills_in_invalid_and_never_run_tests(ledger: Ledger, tmp_path: Path) -> None:
    share = Share(0, ["test_a.py"])
    w = worker(share, tmp_path)
    feed(ledger, w, [
        {"e": "collected", "ids": ["test_a.py::test_1", "test_a.py::test_2"]},
        {"e": "run", "id": "test_a.py::test_1", "run": 0, "outcome": "failed"},
    ])
    records, incomplete = ledger.close(["test_a.py", "test_b.py", "test_bad.py"], budget=30)
    assert [(r.nodeid, r.not_run) for r in records] == [
        ("test_a.py::test_1", False), ("test_a.py::test_2", True),
        ("test_b.py::test_3", True), ("test_bad.py::test_4", False),
    ]
    assert records[3].runs[0]["outcome"] == "invalid"
    assert incomplete == "2 test(s) did not run: the time budget of 30 s ran out"


def test_fault_dumps_are_read_from_the_offset_of_the_current_test(tmp_path: Path) -> None:
    roots = Roots(str(tmp_path / "repo"), str(tmp_path / "tests"), [])
    old = 'Fatal Python error: Aborted\n\nCurrent thread 0x1 (most recent call first):\n  File "x.py", line 1 in old\n'
    new = 'Fatal Python error: Segmentation fault\n\nCurrent thread 0x1 (most recent call first):\n  File "' + \
        os.path.join(str(tmp_path), "repo", "pkg", "m.py") + '", line 4 in crash\n'
    (tmp_path / "fault.txt").write_text(old + new)
    w = worker(Share(0, []), tmp_path)
    w.mark(len(old))
    headline, frames = w.fault(roots)
    assert headline == "Segmentation fault"
    assert frames == [{"file": "pkg/m.py", "line": 4, "function": "crash", "where": "repo"}]


def test_a_worker_whose_descriptors_a_test_closed_blames_that_test(ledger: Ledger, tmp_path: Path) -> None:
    share = Share(0, ["test_a.py"])
    w = worker(share, tmp_path)
    feed(ledger, w, [
        {"e": "collected", "ids": ["test_a.py::test_1", "test_a.py::test_2"]},
        {"e": "start", "id": "test_a.py::test_1", "run": 0},
    ])
    w.contained.status = EXIT_DESCRIPTORS << 8  # the test did os.closerange(0, 1024)
    ledger.settle_exit(w, now=100.0)
    run = ledger.records["test_a.py::test_1"].runs[0]
    assert run["outcome"] == "died" and run["note"]["kind"] == "closed-descriptors"


def test_done_records_are_handed_on_as_they_finish(tmp_path: Path) -> None:
    finished: List[str] = []
    ledger = Ledger(INVENTORY, reruns=1, timeout=5,
                    roots=Roots(str(tmp_path), str(tmp_path), []),
                    on_done=lambda record: finished.append(record.nodeid))
    w = worker(Share(0, ["test_a.py"]), tmp_path)
    feed(ledger, w, [
        {"e": "collected", "ids": ["test_a.py::test_1", "test_a.py::test_2"]},
        {"e": "run", "id": "test_a.py::test_1", "run": 0, "outcome": "passed"},
    ])
    assert finished == []  # a rerun is still to come
    feed(ledger, w, [
        {"e": "run", "id": "test_a.py::test_1", "run": 1, "outcome": "passed"},
        {"e": "run", "id": "test_a.py::test_2", "run": 0, "outcome": "failed"},
    ])
    assert finished == ["test_a.py::test_1", "test_a.py::test_2"]


def test_close_after_a_dead_supervisor_lists_every_test_without_a_record(ledger: Ledger, tmp_path: Path) -> None:
    share = Share(0, ["test_a.py"])
    w = worker(share, tmp_path)
    feed(ledger, w, [{"e": "collected", "ids": ["test_a.py::test_1"]},
                     {"e": "run", "id": "test_a.py::test_1", "run": 0, "outcome": "failed"}])
    records, incomplete = ledger.close(["test_a.py", "test_b.py"], None, why="it was killed")
    assert [(r.nodeid, r.not_run) for r in records] == [
        ("test_a.py::test_1", False), ("test_a.py::test_2", True), ("test_b.py::test_3", True)]
    assert incomplete == "2 test(s) did not run: it was killed"
