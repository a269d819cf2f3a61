"""Ground truth of HumanEval+ tasks (src/python/bench_groundtruth.py)."""

from __future__ import annotations

import io
import pickle
import signal
from typing import Any, Dict

import bench_groundtruth
from bench_limits import on_alarm


def record(**overrides: Any) -> Dict[str, Any]:
    base = {
        "task_id": "T/0",
        "prompt": "def f(xs):\n    \"\"\"Sums xs.\"\"\"\n",
        "entry_point": "f",
        "canonical_solution": "    print('noise')\n    return sum(xs) / len(xs)\n",
        "contract": '\n    assert all(x >= 0 for x in xs), "invalid inputs" # $_CONTRACT_$\n',
        "base_input": [[[1, 2]], [[-1, 3]]],
        "plus_input": [[[4.0]], [[]], [[2, 2]]],
        "atol": 0,
    }
    base.update(overrides)
    return base


def setup_module() -> None:
    signal.signal(signal.SIGALRM, on_alarm)


def test_expected_outputs_times_contract_violations_and_left_out_inputs() -> None:
    payload_bytes, meta = bench_groundtruth.ground_truth(record(), 5.0)
    payload = pickle.loads(payload_bytes)
    assert payload["entry_point"] == "f" and payload["atol"] == 0
    assert payload["base"]["inputs"] == [[[1, 2]], [[-1, 3]]]
    assert payload["base"]["expected"] == [1.5, 1.0]
    assert payload["base"]["invalid"] == [1]  # -1 breaks the contract, but is kept
    assert payload["plus"]["inputs"] == [[[4.0]], [[2, 2]]]  # [] divides by zero: left out
    assert payload["plus"]["expected"] == [4.0, 2.0]
    assert all(t >= 0 for t in payload["base"]["times"] + payload["plus"]["times"])
    assert meta["inputs"] == {"base": 2, "plus": 2}
    assert meta["invalid"] == [
        {
            "phase": "base",
            "index": 1,
            "reason": "violates the task's contract: AssertionError: invalid inputs",
        }
    ]
    assert meta["excluded"] == [
        {
            "phase": "plus",
            "index": 1,
            "reason": "the canonical solution fails on it: ZeroDivisionError: division by zero",
        }
    ]


def test_inputs_are_copied_before_the_canonical_solution_sees_them() -> None:
    mutating = record(canonical_solution="    xs.append(0)\n    return len(xs)\n", contract="")
    payload = pickle.loads(bench_groundtruth.ground_truth(mutating, 5.0)[0])
    assert payload["base"]["inputs"] == [[[1, 2]], [[-1, 3]]]
    assert payload["base"]["expected"] == [3, 3]
    assert payload["base"]["invalid"] == []


def test_slow_inputs_are_left_out() -> None:
    slow = record(canonical_solution="    while xs:\n        pass\n", contract="")
    _, meta = bench_groundtruth.ground_truth(slow, 0.05)
    assert [e["reason"] for e in meta["excluded"]][:1] == [
        "the canonical solution takes more than 0.05 s on it"
    ]


def test_main_streams_one_pickle_per_task_and_reports_broken_tasks(monkeypatch: Any) -> None:
    request = {"tasks": [record(), record(task_id="T/1", canonical_solution="    return (\n")], "maxSeconds": 5}
    stdin = io.TextIOWrapper(io.BytesIO(pickle.dumps(request)))
    out = io.BytesIO()
    monkeypatch.setattr("sys.stdin", stdin)
    monkeypatch.setattr(bench_groundtruth, "_private_stdout", lambda: out)
    bench_groundtruth.main()
    out.seek(0)
    first = pickle.load(out)
    second = pickle.load(out)
    assert first[0] == "T/0" and isinstance(first[1], bytes)
    assert second[0] == "T/1" and second[1] is None
    assert second[2]["error"].startswith("SyntaxError")
