"""Judges one sample of a batch from the frames its process wrote (bench_worker.py).

Imported by bench_runner.py, and by bench_evaluate.py for the status names; no JSON input or
output of its own. A sample's process hands over each output pickled; this module unpickles it
as plain data only (no class or function is ever looked up, so nothing of the sample's runs
here) and compares it with the expected output with EvalPlus's rules (bench_oracle.py). The
sample's process never holds an expected output, so whatever it writes on its pipe is judged
like any output: it passes only by returning the right ones. Its other frames (an exception, a
timeout) can only make it fail.
"""

from __future__ import annotations

import io
import os
import pickle
import reprlib
from collections import deque
from typing import Any, Deque, Dict, List, Optional, Tuple

import bench_worker
from bench_limits import TimeLimitExceeded, call_limited
from bench_oracle import FIND_ZERO, check_output, effective_atol
from bench_worker import FRAME, LOAD, PHASE_NAMES

PASS, FAIL, TIMEOUT, ERROR = "pass", "fail", "timeout", "error"
DETAIL_REPR = reprlib.Repr()
DETAIL_REPR.maxstring = 60
DETAIL_REPR.maxother = 60
DETAIL_REPR.maxlist = DETAIL_REPR.maxtuple = DETAIL_REPR.maxdict = DETAIL_REPR.maxset = 6

PhaseResult = Tuple[str, Optional[str]]


def _describe(value: Any) -> str:
    try:
        return str(call_limited(0.5, DETAIL_REPR.repr, value))
    except BaseException:
        return "<unprintable>"


class PlainUnpickler(pickle.Unpickler):
    """Unpickles plain data only: None, bool, int, float, complex, str, bytes and lists,
    tuples, sets, frozensets and dicts of them. No class or function is ever looked up, so
    nothing of the sample's runs here."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "complex"):
            return complex
        raise pickle.UnpicklingError(f"{module}.{name}")


def plain_loads(data: bytes) -> Any:
    return PlainUnpickler(io.BytesIO(data)).load()


def _text(payload: bytes) -> str:
    return payload.decode("utf-8", "replace")[:300]


class Judge:
    """Reads one sample's frames and decides its verdict, comparing each output with the
    expected one (which the sample's process never had)."""

    def __init__(self, plan: Dict[str, Any], task: Dict[str, Any]) -> None:
        self.mode = plan["mode"]
        self.task = task
        self.atol = task.get("atol", 0)
        self.verdicts: Dict[str, PhaseResult] = {}
        self.loaded = self.mode == "check"
        self.phase = 0
        self.pending: List[Deque[int]] = []
        if self.mode == "plus":
            self.pending = [deque(i for i, _, _ in phase["inputs"]) for phase in plan["phases"]]
        self.finished = False
        self.phase_started = False  # the plus inputs began: the caller restarts its clock
        self.buffer = bytearray()

    def current(self) -> str:
        return "plus" if "base" in self.verdicts else "base"

    def decide(self, status: str, detail: Optional[str]) -> None:
        self.verdicts[self.current()] = (status, detail)
        self.finished = True

    def feed(self, data: bytes, seconds_left: float) -> None:
        """Takes what the sample's process wrote; compares under `seconds_left` (the phase's
        deadline: a slow comparison is the sample's time, as it was in EvalPlus)."""
        self.buffer += data
        offset = 0
        size = len(self.buffer)
        with memoryview(self.buffer) as view:  # one copy of each payload, not two
            while not self.finished and size - offset >= FRAME.size:
                kind, phase, index, length = FRAME.unpack_from(view, offset)
                if length > bench_worker.MAX_PAYLOAD:
                    self.decide(ERROR, f"{self.current()}: the sample's report is unreadable")
                    break
                end = offset + FRAME.size + length
                if size < end:
                    break
                payload = view[offset + FRAME.size : end].tobytes()
                self.frame(kind, phase, index, payload, seconds_left)
                offset = end
        del self.buffer[:offset]

    def frame(
        self, kind: bytes, phase: int, index: int, payload: bytes, seconds_left: float
    ) -> None:
        if self.mode == "check":
            self._check_frame(kind, phase, payload)
        elif not self.loaded:
            self._load_frame(kind, phase, payload)
        elif phase != self.phase or not self.pending[phase] or self.pending[phase][0] != index:
            self.decide(ERROR, f"{self.current()}: the sample's report is out of order")
        else:
            self._input_frame(kind, index, payload, seconds_left)

    def _check_frame(self, kind: bytes, phase: int, payload: bytes) -> None:
        outcomes = {
            bench_worker.CHECK_PASSED: PASS,
            bench_worker.CHECK_FAILED: FAIL,
            bench_worker.RAISED: ERROR,
            bench_worker.TIMEOUT: TIMEOUT,
        }
        if phase != bench_worker.CHECK or kind not in outcomes:
            self.decide(ERROR, "check: the sample's report is unreadable")
        else:
            passed = kind == bench_worker.CHECK_PASSED
            self.decide(outcomes[kind], None if passed else _text(payload))

    def _load_frame(self, kind: bytes, phase: int, payload: bytes) -> None:
        if phase == LOAD and kind == bench_worker.LOADED:
            self.loaded = True
            self._advance()
        elif phase == LOAD and kind in (bench_worker.RAISED, bench_worker.TIMEOUT):
            self.decide(ERROR if kind == bench_worker.RAISED else TIMEOUT, _text(payload))
        else:
            self.decide(ERROR, "base: the sample's report is out of order")

    def _input_frame(self, kind: bytes, index: int, payload: bytes, seconds_left: float) -> None:
        name = PHASE_NAMES[self.phase]
        if kind == bench_worker.RAISED:
            self.decide(ERROR, _text(payload))
        elif kind == bench_worker.TIMEOUT:
            self.decide(TIMEOUT, _text(payload))
        elif kind == bench_worker.UNSHIPPABLE:
            expected = _describe(self.task[name]["expected"][index])
            self.decide(
                FAIL,
                f"{name} input #{index}: expected {expected}, got a {_text(payload)}, which is "
                "not plain data",
            )
        elif kind == bench_worker.OUTPUT:
            self._compare(name, index, payload, seconds_left)
        else:
            self.decide(ERROR, f"{name}: the sample's report is unreadable")

    def _compare(self, name: str, index: int, payload: bytes, seconds_left: float) -> None:
        data = self.task[name]
        expected = data["expected"][index]
        try:
            out = plain_loads(payload)
        except Exception as error:
            self.decide(
                FAIL,
                f"{name} input #{index}: expected {_describe(expected)}, got something that is "
                f"not plain data ({type(error).__name__}: {str(error)[:80]})",
            )
            return
        entry_point = self.task["entry_point"]
        equal = None if entry_point == FIND_ZERO else self._equal(out, expected)
        if equal:
            # check_output's exact-match path, without a timer: == on plain data costs no
            # more than the expected output's size.
            self.atol = effective_atol(expected, self.atol)
            self.pending[self.phase].popleft()
            self._advance()
            return
        try:
            self.atol = call_limited(
                max(seconds_left, 0.001),
                check_output,
                entry_point,
                data["inputs"][index],
                out,
                expected,
                self.atol,
                equal,
            )
        except TimeLimitExceeded:
            detail = f"{name} input #{index}: comparing its output outlasted the phase"
            self.decide(TIMEOUT, detail)
            return
        except BaseException:
            got, want = _describe(out), _describe(expected)
            self.decide(FAIL, f"{name} input #{index}: expected {want}, got {got}")
            return
        self.pending[self.phase].popleft()
        self._advance()

    @staticmethod
    def _equal(out: Any, expected: Any) -> Optional[bool]:
        """out == expected; None when it raises (e.g. RecursionError): check_output compares
        again, under the phase's timer, and counts the exception as a mismatch."""
        try:
            return bool(out == expected)
        except Exception:
            return None

    def _advance(self) -> None:
        """Input sets whose every input passed are passed; the next one begins."""
        while not self.finished and not self.pending[self.phase]:
            self.verdicts[PHASE_NAMES[self.phase]] = (PASS, None)
            if self.phase + 1 == len(self.pending):
                self.finished = True
            else:
                self.phase += 1
                self.phase_started = True

    def verdict(self, killed: bool, status: Optional[int]) -> Dict[str, Any]:
        current = self.current()
        if killed:
            unfinished: PhaseResult = (TIMEOUT, f"{current}: killed after its deadline")
        elif status is None:
            unfinished = (ERROR, f"{current}: the batch's sample server stopped")
        elif os.WIFSIGNALED(status):
            unfinished = (ERROR, f"{current}: crashed with signal {os.WTERMSIG(status)}")
        else:
            unfinished = (ERROR, f"{current}: the process exited before reporting")
        base = self.verdicts.get("base", unfinished)
        if self.mode == "check":
            return {"base": base[0], "plus": None, "detail": base[1]}
        if base[0] != PASS:  # plus passes only if base passes: it is not run
            return {"base": base[0], "plus": base[0], "detail": base[1]}
        plus = self.verdicts.get("plus", unfinished)
        return {"base": PASS, "plus": plus[0], "detail": plus[1]}


