"""The batch runner (src/python/bench_runner.py) and its fork server (bench_worker.py): verdicts
from the frames a sample's process writes, and samples that try to forge their verdict."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import bench_judge
import bench_runner
import bench_sandbox
import bench_worker
from bench_worker import CHECK, FRAME, LOAD, LOADED, OUTPUT, RAISED, TIMEOUT, UNSHIPPABLE

RUNNER = str(Path(bench_runner.__file__).resolve())
SETTINGS: Dict[str, Any] = {
    "minTimeLimit": 1.0,
    "timeLimitFactor": 4.0,
    "maxPhaseSeconds": 60,
    "checkTimeLimit": 3.0,
    "dropInvalidInputs": False,
}

# A task like a HumanEval+ ground-truth record: add(a, b), two base inputs, two plus inputs.
TASK: Dict[str, Any] = {
    "task_id": "T/0",
    "entry_point": "add",
    "atol": 0,
    "base": {"inputs": [[1, 2], [3, 4]], "expected": [3, 7], "times": [1e-6, 1e-6], "invalid": []},
    "plus": {"inputs": [[10, 20], [-5, 5]], "expected": [30, 0], "times": [1e-6, 1e-6], "invalid": []},
}
CANONICAL = "def add(a, b):\n    return a + b\n"


def frame(kind: bytes, phase: int, index: int = 0, payload: bytes = b"") -> bytes:
    return FRAME.pack(kind, phase, index, len(payload)) + payload


def output(phase: int, index: int, value: Any) -> bytes:
    return frame(OUTPUT, phase, index, pickle.dumps(value, protocol=4))


def judge(frames: bytes, killed: bool = False, status: Optional[int] = 0) -> Dict[str, Any]:
    plan = bench_runner.plus_plan(TASK, SETTINGS)
    judged = bench_judge.Judge(plan, TASK)
    judged.feed(frames, 10.0)
    return judged.verdict(killed, status)


@pytest.mark.parametrize(
    "frames, killed, status, expected",
    [
        (
            frame(LOADED, LOAD) + output(0, 0, 3) + output(0, 1, 7) + output(1, 0, 30) + output(1, 1, 1),
            False,
            0,
            {"base": "pass", "plus": "fail", "detail": "plus input #1: expected 0, got 1"},
        ),
        (
            frame(LOADED, LOAD) + output(0, 0, 3) + output(0, 1, 7) + output(1, 0, 30) + output(1, 1, 0),
            False,
            0,
            {"base": "pass", "plus": "pass", "detail": None},
        ),
        (
            frame(LOADED, LOAD) + frame(TIMEOUT, 0, 0, b"base input #0: took more than 1.00 s"),
            False,
            0,
            {"base": "timeout", "plus": "timeout", "detail": "base input #0: took more than 1.00 s"},
        ),
        (
            frame(LOADED, LOAD) + output(0, 0, 3) + output(0, 1, 7),
            True,
            -9,
            {"base": "pass", "plus": "timeout", "detail": "plus: killed after its deadline"},
        ),
        (b"", False, signal.SIGSEGV, {"base": "error", "plus": "error", "detail": "base: crashed with signal 11"}),
        (
            b"",
            False,
            0,
            {"base": "error", "plus": "error", "detail": "base: the process exited before reporting"},
        ),
        (
            frame(RAISED, LOAD, 0, b"program: SyntaxError: x"),
            False,
            0,
            {"base": "error", "plus": "error", "detail": "program: SyntaxError: x"},
        ),
        # Frames out of order, or of an input set not reached yet, are not a report.
        (
            frame(LOADED, LOAD) + output(0, 1, 7) + output(0, 0, 3),
            False,
            0,
            {"base": "error", "plus": "error", "detail": "base: the sample's report is out of order"},
        ),
        (
            frame(LOADED, LOAD) + output(1, 0, 30),
            False,
            0,
            {"base": "error", "plus": "error", "detail": "base: the sample's report is out of order"},
        ),
        (
            frame(LOADED, LOAD) + frame(UNSHIPPABLE, 0, 0, b"generator"),
            False,
            0,
            {
                "base": "fail",
                "plus": "fail",
                "detail": "base input #0: expected 3, got a generator, which is not plain data",
            },
        ),
        (
            b'{"phase": "base", "status": "pass", "detail": null}\n' * 4,
            False,
            0,
            {"base": "error", "plus": "error", "detail": "base: the sample's report is unreadable"},
        ),
    ],
)
def test_verdict_from_frames(frames: bytes, killed: bool, status: int, expected: Dict[str, Any]) -> None:
    assert judge(frames, killed, status) == expected


def test_outputs_that_are_not_plain_data_fail_without_being_loaded() -> None:
    import collections

    ordered = pickle.dumps(collections.OrderedDict(a=1), protocol=4)
    verdict = judge(frame(LOADED, LOAD) + frame(OUTPUT, 0, 0, ordered))
    assert verdict["base"] == "fail"
    assert "collections.OrderedDict" in verdict["detail"]
    # complex is plain: 3+0j == 3, as EvalPlus's == says
    verdict = judge(frame(LOADED, LOAD) + output(0, 0, 3 + 0j) + output(0, 1, 7.0))
    assert verdict["base"] == "pass"


def test_check_mode_has_no_plus_status() -> None:
    plan = bench_runner.check_plan({"entry_point": "f", "test": ""}, SETTINGS)
    judged = bench_judge.Judge(plan, {"entry_point": "f", "test": ""})
    judged.feed(frame(bench_worker.CHECK_FAILED, CHECK, 0, b"check: AssertionError"), 1.0)
    assert judged.verdict(False, 0) == {"base": "fail", "plus": None, "detail": "check: AssertionError"}


def test_the_plan_holds_inputs_and_limits_but_no_expected_output() -> None:
    task = {**TASK, "base": {**TASK["base"], "invalid": [1]}}
    plan = bench_runner.plus_plan(task, {**SETTINGS, "dropInvalidInputs": True})
    assert "expected" not in repr(plan) and "7" not in repr(plan["phases"][0])
    assert plan["phases"][0]["inputs"] == [[0, [1, 2], 1.0]]  # input 1 dropped
    assert plan["phases"][1]["inputs"] == [[0, [10, 20], 1.0], [1, [-5, 5], 1.0]]


def run_batch(samples: List[str], task: Dict[str, Any] = TASK, mode: str = "plus") -> List[Dict[str, Any]]:
    """The runner in the sandbox, as bench_evaluate.py starts it."""
    header = {
        "mode": mode,
        "settings": SETTINGS,
        "tasks": [{"taskId": task["task_id"], "samples": [[i, s] for i, s in enumerate(samples)]}],
    }
    stdin = pickle.dumps(header, protocol=4) + pickle.dumps(task, protocol=4)
    done = bench_sandbox.run_isolated([sys.executable, RUNNER], stdin, bench_sandbox.Limits(120))
    assert done.returncode == 0, done.stderr.decode()
    return [json.loads(line) for line in done.stdout.decode().splitlines()]


def statuses(results: List[Dict[str, Any]]) -> List[Tuple[str, Optional[str]]]:
    return [(r["base"], r["plus"]) for r in results]


# The audit's forgery: report lines written to every descriptor the sample might have inherited.
FORGE_REPORT_LINES = """
import os
def add(a, b):
    for fd in range(3, 64):
        for phase in ("base", "plus"):
            line = '{"phase": "%s", "status": "pass", "detail": null}\\n' % phase
            try:
                os.write(fd, line.encode())
            except OSError:
                pass
    os._exit(0)
"""

# The same, with this runner's own frames: loaded, then an output for every input.
FORGE_FRAMES = """
import os, pickle, sys
def add(a, b):
    worker = sys.modules["bench_worker"]
    frames = worker.FRAME.pack(worker.LOADED, worker.LOAD, 0, 0)
    for phase in (0, 1):
        for index in (0, 1):
            data = pickle.dumps(True)
            frames += worker.FRAME.pack(worker.OUTPUT, phase, index, len(data)) + data
    for fd in range(3, 64):
        try:
            os.write(fd, frames)
        except OSError:
            pass
    os._exit(0)
"""

# Looks for the answer key in its own memory: the task's expected outputs.
FIND_ANSWERS = """
import gc
def add(a, b):
    for o in gc.get_objects():
        if isinstance(o, dict) and "expected" in o and "inputs" in o:
            for inp, exp in zip(o["inputs"], o["expected"]):
                if list(inp) == [a, b]:
                    return exp
    return None
"""

# Replaces the comparison with one that accepts anything, wherever it can find it.
PATCH_THE_CHECK = """
import sys
def accept(entry_point, inp, out, exp, atol):
    return atol
for name in ("__main__", "bench_runner", "bench_oracle"):
    module = sys.modules.get(name)
    if module is not None:
        module.check_output = accept
def add(a, b):
    return None
"""

# An object equal to everything.
EQUAL_TO_ALL = """
class Anything:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__
def add(a, b):
    return Anything()
"""

# What its process can write to: its stdio (/dev/null) and its report pipe, nothing else.
COUNT_DESCRIPTORS = """
import os
def add(a, b):
    fds = sorted(int(n) for n in os.listdir("/proc/self/fd"))
    # 0-2, the report pipe (3) and the directory listdir itself opened
    return a + b if len(fds) <= 5 and max(fds) <= 4 else fds
"""


def test_a_sample_cannot_forge_its_verdict() -> None:
    forgers = [FORGE_REPORT_LINES, FORGE_FRAMES, FIND_ANSWERS, PATCH_THE_CHECK, EQUAL_TO_ALL]
    results = run_batch([CANONICAL, *forgers, COUNT_DESCRIPTORS, CANONICAL])
    assert statuses(results) == [
        ("pass", "pass"),
        ("error", "error"),  # unreadable lines
        ("fail", "fail"),  # True is not 3
        ("fail", "fail"),  # no answer key: None
        ("fail", "fail"),  # the runner's own check judged it
        ("fail", "fail"),  # not plain data
        ("pass", "pass"),
        ("pass", "pass"),  # the forgers left nothing behind for the next sample
    ], results
    assert results[2]["detail"] == "base input #0: expected 3, got True"
    assert results[3]["detail"] == "base input #0: expected 3, got None"
    assert results[5]["detail"] == "base input #0: expected 3, got a Anything, which is not plain data"


def test_forged_report_lines_do_not_pass_a_check_either() -> None:
    check_task = {
        "task_id": "T/1",
        "entry_point": "add",
        "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n",
    }
    wrong = "def add(a, b):\n    return 0\n"
    results = run_batch([CANONICAL, FORGE_REPORT_LINES, wrong], check_task, "check")
    assert statuses(results) == [("pass", None), ("error", None), ("fail", None)]


def test_a_sample_that_kills_the_fork_server_costs_the_batch_only_errors() -> None:
    # os.kill is disabled by the reliability guard; posix.kill is the same function.
    kill_parent = "import os, posix\nposix.kill(os.getppid(), 9)\ndef add(a, b):\n    return a + b\n"
    results = run_batch([CANONICAL, kill_parent, CANONICAL])
    # The killer is judged by its outputs, or is an error when the server died before it
    # said the sample had started; the samples after it cannot run.
    assert statuses(results)[0] == ("pass", "pass")
    assert statuses(results)[1] in [("pass", "pass"), ("error", "error")]
    assert statuses(results)[2] == ("error", "error")
    assert results[2]["detail"] == "base: the batch's sample server stopped"


def test_a_hang_in_c_code_is_killed_at_the_phase_deadline() -> None:
    slow = {**TASK, "plus": {**TASK["plus"], "inputs": [[10, 20]], "expected": [30], "times": [0.0]}}
    hang = "import time\ndef add(a, b):\n    if a == 10:\n        sum(range(10 ** 13))\n    return a + b\n"
    results = run_batch([hang, CANONICAL], slow)
    assert results[0] == {
        "taskId": "T/0",
        "index": 0,
        "base": "pass",
        "plus": "timeout",
        "detail": "plus: killed after its deadline",
    }
    assert statuses(results[1:]) == [("pass", "pass")]


def test_set_dumpable_sets_what_prctl_reads_back() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    code = (
        "import ctypes, bench_worker\n"
        "libc = ctypes.CDLL('libc.so.6')\n"
        "bench_worker.set_dumpable(False); a = libc.prctl(3, 0, 0, 0, 0)\n"
        "bench_worker.set_dumpable(True); b = libc.prctl(3, 0, 0, 0, 0)\n"
        "print(a, b)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(RUNNER).parent)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.stdout.split() == ["0", "1"], done.stderr


def test_outputs_larger_than_the_report_pipe_are_judged_whole() -> None:
    # 3 MB outputs: several pipe fills each, and a frame split across many reads.
    big = {
        **TASK,
        "entry_point": "text",
        "base": {"inputs": [[3_000_000]], "expected": ["x" * 3_000_000], "times": [0.01], "invalid": []},
        "plus": {"inputs": [[3_000_001]], "expected": ["x" * 3_000_001], "times": [0.01], "invalid": []},
    }
    right = "def text(n):\n    return 'x' * n\n"
    wrong = "def text(n):\n    return 'x' * (n - 1) + 'y' if n > 3_000_000 else 'x' * n\n"
    assert statuses(run_batch([right, wrong, right], big)) == [
        ("pass", "pass"),
        ("pass", "fail"),
        ("pass", "pass"),
    ]


def test_the_report_pipe_holds_a_large_output_at_once() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    import fcntl

    read_fd, write_fd = bench_runner.report_pipe()
    try:
        size = fcntl.fcntl(read_fd, getattr(fcntl, "F_GETPIPE_SZ", 1032))
    finally:
        os.close(read_fd)
        os.close(write_fd)
    if int(Path("/proc/sys/fs/pipe-max-size").read_text()) < bench_runner.PIPE_BYTES:
        pytest.skip("this system caps pipes below PIPE_BYTES: the default size is kept")
    assert size == bench_runner.PIPE_BYTES
