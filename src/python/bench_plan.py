"""Plans the batches of an evaluation: which samples run together in one process.

Imported by bench_evaluate.py; no JSON input or output of its own. Samples are grouped by task
into batches of similar estimated cost (the canonical solution's time on the task's inputs,
plus a little per input and per sample), heavy tasks alone and light ones packed together,
many samples of a heavy task split over several batches; the batches come largest first, so
that a pool of `jobs` processes ends close together (longest-processing-time order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from bench_limits import KILL_GRACE, PHASE_GRACE

# Cost model for batching (seconds): a fork per sample, a little per input.
SAMPLE_OVERHEAD = 0.005
INPUT_OVERHEAD = 3e-6
CHECK_SAMPLE_COST = 0.02
BATCHES_PER_JOB = 4
MIN_BATCH_COST = 0.25
MAX_TASKS_PER_BATCH = 32


@dataclass
class Unit:
    """Some samples of one task."""

    task_id: str
    samples: List[Tuple[int, str]]
    cost: float
    deadline: float


@dataclass
class Batch:
    units: List[Unit] = field(default_factory=list)
    cost: float = 0.0
    deadline: float = 0.0

    def add(self, unit: Unit) -> None:
        self.units.append(unit)
        self.cost += unit.cost
        self.deadline += unit.deadline


def phase_bound(meta: Dict[str, Any], phase: str, settings: Dict[str, Any]) -> float:
    """An upper bound of the runner's phase budget: sum(max(a, b)) <= sum(a) + sum(b)."""
    limits = (
        meta["inputs"][phase] * settings["minTimeLimit"]
        + settings["timeLimitFactor"] * meta["seconds"][phase]
    )
    return min(settings["maxPhaseSeconds"], limits) + PHASE_GRACE


def sample_cost(
    mode: str, meta: Optional[Dict[str, Any]], settings: Dict[str, Any]
) -> Tuple[float, float]:
    """Estimated seconds of one sample of the task, and the most it may take in the runner."""
    if mode == "check" or meta is None:
        return CHECK_SAMPLE_COST, settings["checkTimeLimit"] + KILL_GRACE
    inputs = meta["inputs"]["base"] + meta["inputs"]["plus"]
    cost = meta["seconds"]["base"] + meta["seconds"]["plus"] + INPUT_OVERHEAD * inputs
    deadline = phase_bound(meta, "base", settings) + phase_bound(meta, "plus", settings)
    return cost + SAMPLE_OVERHEAD, deadline + 2 * KILL_GRACE


def plan_batches(
    mode: str,
    by_task: Dict[str, List[Tuple[int, str]]],
    metas: Dict[str, Dict[str, Any]],
    settings: Dict[str, Any],
    jobs: int,
) -> List[Batch]:
    """Packs samples into batches of similar estimated cost, largest first (LPT order)."""
    per_sample = {t: sample_cost(mode, metas.get(t), settings) for t in by_task}
    total = sum(per_sample[t][0] * len(samples) for t, samples in by_task.items())
    target = max(MIN_BATCH_COST, total / (max(1, jobs) * BATCHES_PER_JOB))
    units: List[Unit] = []
    for task_id, samples in by_task.items():
        cost, deadline = per_sample[task_id]
        size = max(1, int(target // cost))
        for i in range(0, len(samples), size):
            chunk = samples[i : i + size]
            units.append(Unit(task_id, chunk, cost * len(chunk), deadline * len(chunk)))
    units.sort(key=lambda unit: unit.cost, reverse=True)
    batches: List[Batch] = []
    open_batch: Optional[Batch] = None
    for unit in units:
        if unit.cost >= target:
            batches.append(Batch())
            batches[-1].add(unit)
            continue
        full = open_batch is not None and (
            open_batch.cost + unit.cost > target or len(open_batch.units) >= MAX_TASKS_PER_BATCH
        )
        if open_batch is None or full:
            open_batch = Batch()
            batches.append(open_batch)
        open_batch.add(unit)
    batches.sort(key=lambda batch: batch.cost, reverse=True)
    return batches
