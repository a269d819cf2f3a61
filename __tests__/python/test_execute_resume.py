"""Resuming a run whose supervisor was killed (src/python/execute_resume.py): the finished
records and the worker journals an attempt left in control/, read back. No processes: the
files are written here as the supervisor and the workers would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import execute_resume

INVENTORY = {
    "test_a.py": {"file": "test_a.py", "syntaxError": None, "tests": ["test_1", "test_2"]},
    "test_b.py": {"file": "test_b.py", "syntaxError": None, "tests": ["test_3", "test_4"]},
}
KILL = {"e": "signal", "kind": "os.kill", "detail": "os.kill(4242, SIGKILL)", "frames": []}


def write(path: Path, lines: List[Dict[str, Any]], torn: str = "") -> None:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + torn)


def record(nodeid: str, outcome: str = "passed") -> Dict[str, Any]:
    return {"file": nodeid.split("::")[0], "nodeid": nodeid, "runs": [{"outcome": outcome}],
            "notRun": False, "countedInCoverage": outcome == "passed"}


def load(control: Path, attempt: int = 2):  # type: ignore[no-untyped-def]
    return execute_resume.load(str(control), attempt, INVENTORY, 1, "killed by SIGKILL")


def test_finished_records_come_back_and_the_lone_running_test_is_blamed(tmp_path: Path) -> None:
    write(tmp_path / "records-1.jsonl", [record("test_a.py::test_1")], torn='{"file": "te')
    write(tmp_path / "journal-1-0-1.jsonl", [
        {"e": "collected", "ids": ["test_a.py::test_1", "test_a.py::test_2"]},
        {"e": "start", "id": "test_a.py::test_1", "run": 0},
        {"e": "run", "id": "test_a.py::test_1", "run": 0, "outcome": "passed"},
        {"e": "start", "id": "test_a.py::test_1", "run": 1},
        {"e": "run", "id": "test_a.py::test_1", "run": 1, "outcome": "passed"},
        {"e": "start", "id": "test_a.py::test_2", "run": 0},
    ])
    write(tmp_path / "journal-1-1-1.jsonl", [{"e": "collected", "ids": []}, {"e": "done"}])
    finished, blamed, unsure = load(tmp_path)
    assert list(finished) == ["test_a.py::test_1"]
    assert finished["test_a.py::test_1"].runs == [{"outcome": "passed"}]
    assert [r.nodeid for r in blamed] == ["test_a.py::test_2"] and not unsure
    run = blamed[0].runs[0]
    assert run["outcome"] == "died" and run["supervisorKilled"] and run["phase"] == "call"
    assert run["status"] == "killed by SIGKILL"


def test_among_several_running_only_the_one_that_killed_is_blamed(tmp_path: Path) -> None:
    write(tmp_path / "journal-1-0-1.jsonl", [{"e": "start", "id": "test_a.py::test_1", "run": 0}])
    write(tmp_path / "journal-1-1-1.jsonl", [{"e": "start", "id": "test_b.py::test_3", "run": 0},
                                             KILL])
    finished, blamed, unsure = load(tmp_path)
    assert [r.nodeid for r in blamed] == ["test_b.py::test_3"] and unsure
    assert blamed[0].runs[0]["note"]["detail"] == "os.kill(4242, SIGKILL)"


def test_several_running_and_none_killed_anything_blames_no_one(tmp_path: Path) -> None:
    write(tmp_path / "journal-1-0-1.jsonl", [{"e": "start", "id": "test_a.py::test_1", "run": 0}])
    write(tmp_path / "journal-1-1-1.jsonl", [{"e": "start", "id": "test_b.py::test_3", "run": 0}])
    assert load(tmp_path)[1:] == ([], True)


def test_a_death_while_importing_blames_the_files_unfinished_tests(tmp_path: Path) -> None:
    write(tmp_path / "records-1.jsonl", [record("test_b.py::test_3", "failed")])
    write(tmp_path / "journal-1-0-1.jsonl", [{"e": "collecting", "file": "test_b.py"}])
    _, blamed, _ = load(tmp_path)
    assert [(r.nodeid, r.runs[0]["phase"]) for r in blamed] == [("test_b.py::test_4", "collect")]


def test_only_the_attempt_that_just_died_is_read_for_blame(tmp_path: Path) -> None:
    write(tmp_path / "records-1.jsonl", [record("test_a.py::test_1")])
    write(tmp_path / "records-2.jsonl", [record("test_a.py::test_2", "failed")])
    write(tmp_path / "journal-1-0-1.jsonl", [{"e": "start", "id": "test_b.py::test_3", "run": 0}])
    write(tmp_path / "journal-2-0-1.jsonl", [{"e": "start", "id": "test_b.py::test_4", "run": 0}])
    finished, blamed, _ = load(tmp_path, attempt=3)
    assert sorted(finished) == ["test_a.py::test_1", "test_a.py::test_2"]
    assert [r.nodeid for r in blamed] == ["test_b.py::test_4"]


def test_resume_fills_the_ledger_and_journals_the_blamed_unless_out_of_time(tmp_path: Path) -> None:
    from execute_ledger import Ledger
    from semcoder_facts import Roots

    write(tmp_path / "records-1.jsonl", [record("test_a.py::test_1")])
    write(tmp_path / "journal-1-0-1.jsonl", [{"e": "start", "id": "test_b.py::test_3", "run": 0}])
    for blame in (True, False):
        ledger = Ledger(INVENTORY, reruns=1, timeout=5, roots=Roots(str(tmp_path), str(tmp_path), []))
        journal = execute_resume.RecordsJournal(str(tmp_path), 2 if blame else 3, 2)
        unsure = execute_resume.resume(ledger, journal, str(tmp_path), 2, "killed by SIGKILL", blame)
        journal.close()
        expected = ["test_a.py::test_1", "test_b.py::test_3"] if blame else ["test_a.py::test_1"]
        assert sorted(ledger.records) == expected
        assert not unsure
    written = (tmp_path / "records-2.jsonl").read_text().splitlines()
    assert [json.loads(line)["nodeid"] for line in written] == ["test_b.py::test_3"]
    assert (tmp_path / "records-3.jsonl").read_text() == ""


def test_earlier_coverage_is_the_data_of_earlier_attempts_only(tmp_path: Path) -> None:
    for name in ("coverage-1-0-1", "coverage-1-0-1-journal", "coverage-2-1-1", "coverage-3-0-1"):
        (tmp_path / name).write_text("")
    found = execute_resume.earlier_coverage(str(tmp_path), 3)
    assert [Path(p).name for p in found] == ["coverage-1-0-1", "coverage-2-1-1"]
