"""Computes HumanEval+ ground truth: expected outputs and times of the canonical solutions.

Started by bench_evaluate.py through bench_sandbox.run_isolated (the canonical solutions come
from the dataset, which may come from a URL). Input on stdin: one pickle,
`{"tasks": [HumanEval+ record, ...], "maxSeconds": float}` with the records as json.loads
gives them (`task_id`, `prompt`, `entry_point`, `canonical_solution`, `contract`,
`base_input`, `plus_input`, `atol`). Output on stdout: one pickle per task,
`(task_id, payload: bytes, meta: dict)`, where `payload` is the pickled record the runner
needs (`task_id`, `entry_point`, `atol`, and for "base" and "plus": `inputs`, `expected`,
`times`, `invalid`) and `meta` is `{"taskId", "inputs": {"base", "plus"}, "seconds": {"base",
"plus"}, "invalid": [{"phase", "index", "reason"}], "excluded": [...same...]}`; for a canonical
solution that does not load, `payload` is None and `meta` is `{"taskId", "error"}`.

As in EvalPlus's `trusted_exec`, each input is deep-copied before the call and timed alone.
Each input is also checked against the task's contract (its "invalid inputs" assertions):
`invalid` lists the kept inputs it rejects (the runner skips them only when asked to: EvalPlus
uses every input, and HumanEval+ v0.1.10 has 63 such inputs, 62 in HumanEval/32's plus inputs
and one of HumanEval/116's base inputs, taken from the original HumanEval test). An input on
which the canonical solution raises, exceeds `maxSeconds`, or returns something pickle cannot
store has no expected output: it is left out and listed in `excluded`.
"""

from __future__ import annotations

import copy
import os
import pickle
import signal
import sys
import time
from typing import Any, BinaryIO, Callable, Dict, List, Optional, Tuple

from bench_limits import TimeLimitExceeded, call_limited, on_alarm

PROTOCOL = 4  # readable by every Python 3.9+
CONTRACT_MESSAGE = "invalid inputs"


def _load(program: str, entry_point: str) -> Callable[..., Any]:
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    exec(compile(program, "<canonical>", "exec"), namespace)
    return namespace[entry_point]


def violates_contract(checker: Optional[Callable[..., Any]], inp: List[Any]) -> Optional[str]:
    """Why the task's contract rejects the input, or None."""
    if checker is None:
        return None
    try:
        checker(*copy.deepcopy(inp))
    except Exception as error:
        return f"violates the task's contract: {type(error).__name__}: {error}"[:300]
    return None


def run_phase(
    fn: Callable[..., Any],
    checker: Optional[Callable[..., Any]],
    raw_inputs: List[Any],
    phase: str,
    max_seconds: float,
) -> Tuple[Dict[str, List[Any]], List[Dict[str, Any]], List[Dict[str, Any]]]:
    """The phase's payload, the inputs the contract rejects, and the inputs left out."""
    inputs: List[Any] = []
    expected: List[Any] = []
    times: List[float] = []
    invalid: List[Dict[str, Any]] = []
    excluded: List[Dict[str, Any]] = []
    for index, inp in enumerate(raw_inputs):
        args = copy.deepcopy(inp)
        try:
            start = time.perf_counter()
            out = call_limited(max_seconds, fn, *args)
            elapsed = time.perf_counter() - start
            pickle.dumps(out, protocol=PROTOCOL)
        except TimeLimitExceeded:
            reason = f"the canonical solution takes more than {max_seconds:g} s on it"
            excluded.append({"phase": phase, "index": index, "reason": reason})
            continue
        except Exception as error:
            reason = f"the canonical solution fails on it: {type(error).__name__}: {error}"
            excluded.append({"phase": phase, "index": index, "reason": reason[:300]})
            continue
        violation = violates_contract(checker, inp)
        if violation is not None:
            # Indexes into the kept inputs: the runner skips them when asked to.
            invalid.append({"phase": phase, "index": len(inputs), "reason": violation})
        inputs.append(inp)
        expected.append(out)
        times.append(elapsed)
    return {"inputs": inputs, "expected": expected, "times": times}, invalid, excluded


def ground_truth(record: Dict[str, Any], max_seconds: float) -> Tuple[bytes, Dict[str, Any]]:
    entry_point = record["entry_point"]
    fn = _load(record["prompt"] + record["canonical_solution"], entry_point)
    contract = record.get("contract") or ""
    checker = None
    if contract.strip():
        # The contract's assertions alone: checking an input costs no canonical run.
        checker = _load(record["prompt"] + contract + "\n    return None\n", entry_point)
    payload: Dict[str, Any] = {
        "task_id": record["task_id"],
        "entry_point": entry_point,
        "atol": record.get("atol") or 0,
    }
    invalid: List[Dict[str, Any]] = []
    excluded: List[Dict[str, Any]] = []
    for phase in ("base", "plus"):
        data, rejected, dropped = run_phase(
            fn, checker, record[f"{phase}_input"], phase, max_seconds
        )
        data["invalid"] = [entry["index"] for entry in rejected]
        payload[phase] = data
        invalid.extend(rejected)
        excluded.extend(dropped)
    meta = {
        "taskId": record["task_id"],
        "inputs": {phase: len(payload[phase]["inputs"]) for phase in ("base", "plus")},
        "seconds": {phase: sum(payload[phase]["times"]) for phase in ("base", "plus")},
        "invalid": invalid,
        "excluded": excluded,
    }
    return pickle.dumps(payload, protocol=PROTOCOL), meta


def _private_stdout() -> BinaryIO:
    """Our channel; the canonical solutions' own prints go to /dev/null."""
    channel = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    sys.stdout = open(os.devnull, "w")
    return channel


def main() -> None:
    request = pickle.load(sys.stdin.buffer)
    channel = _private_stdout()
    signal.signal(signal.SIGALRM, on_alarm)
    for record in request["tasks"]:
        try:
            payload: Optional[bytes]
            payload, meta = ground_truth(record, request["maxSeconds"])
        except Exception as error:  # a canonical solution that does not even load
            payload = None
            meta = {"taskId": record["task_id"], "error": f"{type(error).__name__}: {error}"}
        pickle.dump((record["task_id"], payload, meta), channel, protocol=PROTOCOL)
        channel.flush()


if __name__ == "__main__":
    main()
