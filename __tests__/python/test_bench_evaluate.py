"""The evaluator's planning, cache, time limits and sandbox pieces (src/python/bench_*.py)."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List

import pytest

import bench_limits
import bench_sandbox
from bench_evaluate import GroundTruthCache, read_dataset
from bench_plan import plan_batches

SETTINGS: Dict[str, Any] = {
    "minTimeLimit": 1.0,
    "timeLimitFactor": 4.0,
    "maxPhaseSeconds": 60,
    "checkTimeLimit": 3.0,
}


def meta(seconds: float, inputs: int = 10) -> Dict[str, Any]:
    return {
        "inputs": {"base": inputs, "plus": inputs},
        "seconds": {"base": seconds / 2, "plus": seconds / 2},
    }


def test_heavy_tasks_get_their_own_batch_and_light_ones_are_packed() -> None:
    by_task = {f"T/{i}": [(i, "code")] for i in range(20)}
    metas = {f"T/{i}": meta(0.01) for i in range(20)}
    metas["T/3"] = meta(8.0)
    batches = plan_batches("plus", by_task, metas, SETTINGS, jobs=2)
    assert [u.task_id for u in batches[0].units] == ["T/3"]  # largest first
    assert sorted(u.task_id for b in batches for u in b.units) == sorted(by_task)
    assert len(batches) < 20
    assert all(a.cost >= b.cost for a, b in zip(batches, batches[1:]))


def test_many_samples_of_one_heavy_task_are_split_across_batches() -> None:
    by_task = {"T/0": [(i, "code") for i in range(40)]}
    batches = plan_batches("plus", by_task, {"T/0": meta(1.0)}, SETTINGS, jobs=2)
    assert len(batches) > 1
    indexes = sorted(i for b in batches for u in b.units for i, _ in u.samples)
    assert indexes == list(range(40))


def test_check_mode_needs_no_ground_truth() -> None:
    by_task = {f"T/{i}": [(i, "code")] for i in range(100)}
    batches = plan_batches("check", by_task, {}, SETTINGS, jobs=2)
    assert sum(len(b.units) for b in batches) == 100
    assert all(len(b.units) <= 32 for b in batches)


@pytest.mark.parametrize("name", ["d.jsonl", "d.jsonl.gz", "d.json"])
def test_read_dataset_formats(tmp_path: Path, name: str) -> None:
    records = [{"task_id": "T/0", "x": 1.0}, {"task_id": "T/1", "x": 2**70}]
    if name.endswith(".json"):
        data = json.dumps(records).encode()
    else:
        data = "".join(json.dumps(r) + "\n" for r in records).encode()
    if name.endswith(".gz"):
        data = gzip.compress(data)
    (tmp_path / name).write_bytes(data)
    loaded = read_dataset(str(tmp_path / name))
    assert loaded["T/0"]["x"] == 1.0 and isinstance(loaded["T/0"]["x"], float)
    assert loaded["T/1"]["x"] == 2**70


def test_ground_truth_cache_round_trip(tmp_path: Path) -> None:
    cache = GroundTruthCache(str(tmp_path), "abc")
    assert cache.meta("HumanEval/1") is None
    cache.store("HumanEval/1", b"payload", {"taskId": "HumanEval/1"})
    assert cache.meta("HumanEval/1") == {"taskId": "HumanEval/1"}
    assert cache.payload("HumanEval/1") == b"payload"
    assert cache.meta("HumanEval_1") is None  # sanitized names do not collide


def test_time_limits_follow_the_ground_truth() -> None:
    assert bench_limits.time_limits([0.001, 0.5], SETTINGS) == [1.0, 2.0]
    assert bench_limits.phase_budget([1.0] * 100, SETTINGS) == 60 + bench_limits.PHASE_GRACE
    assert bench_limits.phase_budget([1.0, 2.0], SETTINGS) == 3 + bench_limits.PHASE_GRACE


def test_sandbox_reduces_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEMCODER_API_KEY", "sekrit")
    monkeypatch.setenv("GITHUB_TOKEN", "sekrit")
    code = "import json, os, sys; json.dump(dict(os.environ), sys.stdout)"
    done = bench_sandbox.run_isolated([sys.executable, "-c", code], b"", bench_sandbox.Limits(30))
    env = json.loads(done.stdout)
    assert done.returncode == 0 and not done.timed_out
    assert "SEMCODER_API_KEY" not in env and "GITHUB_TOKEN" not in env
    assert env["PYTHONHASHSEED"] == "0" and env["HOME"] == env["TMPDIR"]
    assert not os.path.exists(env["HOME"])  # the private temp dir is gone


def _alive(marker: str) -> List[int]:
    """Processes whose command line holds the marker (pids inside a PID namespace differ)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ")
            state = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != "Z":
            found.append(int(name))
    return found


ISOLATIONS = ["auto", "portable"]


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_sandbox_kills_the_whole_tree_at_the_wall_clock_limit(isolation: str) -> None:
    marker = f"{random.randint(100000, 999999)}.{random.randint(10, 99)}"
    code = (
        "import subprocess, sys, time\n"
        f"subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    started = time.monotonic()
    done = bench_sandbox.run_isolated([sys.executable, "-c", code], b"", bench_sandbox.Limits(2), isolation)
    assert done.timed_out and done.stdout == b"started\n"  # what it wrote before the kill
    assert done.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 30
    assert _alive(marker) == []


def test_sandbox_passes_large_stdin_and_stdout_through() -> None:
    data = bytes(range(256)) * 40_000  # 10 MB: far more than a pipe holds
    code = "import sys; d = sys.stdin.buffer.read(); sys.stdout.buffer.write(d[::-1])"
    done = bench_sandbox.run_isolated([sys.executable, "-c", code], data, bench_sandbox.Limits(60))
    assert done.returncode == 0 and not done.timed_out
    assert done.stdout == data[::-1]


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_sandbox_blocks_the_network_even_to_the_host_loopback(isolation: str) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        code = (
            "import socket\n"
            f"try:\n    socket.create_connection(('127.0.0.1', {server.getsockname()[1]}), timeout=2)\n"
            "    print('connected')\n"
            "except OSError as error:\n    print('refused', error)\n"
        )
        done = bench_sandbox.run_isolated([sys.executable, "-c", code], b"", bench_sandbox.Limits(30), isolation)
    finally:
        server.close()
    assert done.stdout.startswith(b"refused"), done.stdout


def test_sandbox_runs_from_threads_at_once_without_harming_each_other() -> None:
    # bench_evaluate.py runs `jobs` batches from threads: one run's clean-up must not kill
    # another's process.
    code = "import sys, time; time.sleep(1); print(sys.argv[1])"
    argv = lambda i: [sys.executable, "-c", code, str(i)]  # noqa: E731
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda i: bench_sandbox.run_isolated(argv(i), b"", bench_sandbox.Limits(30)), range(4)))
    assert [(r.returncode, r.stdout) for r in runs] == [(0, f"{i}\n".encode()) for i in range(4)]


def test_sandbox_limits_the_address_space() -> None:
    code = "x = bytearray(600 * 1024 * 1024)"
    limits = bench_sandbox.Limits(30, memory_bytes=256 * 1024 * 1024)
    done = bench_sandbox.run_isolated([sys.executable, "-c", code], b"", limits)
    assert done.returncode != 0 and b"MemoryError" in done.stderr
