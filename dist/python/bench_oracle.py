"""Output comparison for HumanEval+ differential testing, with EvalPlus's semantics.

Imported by bench_runner.py; no JSON input or output of its own. `check_output` mirrors the
body of the input loop in EvalPlus 0.3.1's `evalplus/eval/__init__.py::unsafe_execute`:

* exact equality first;
* HumanEval/32 (`find_zero`) has a special oracle: |poly(xs, out)| <= atol, nothing else;
* `atol == 0` with a float expected output (a float, or a non-empty list/tuple of floats)
  forces `atol = 1e-6`; the new atol is returned and, as in EvalPlus, the caller keeps it for
  the remaining inputs of the sample (EvalPlus assigns to its loop variable);
* otherwise, when not exactly equal and atol != 0: same type, same length for sequences, and
  numpy's `allclose(out, exp, rtol=1e-7, atol=atol)`, re-implemented here without numpy
  (scalars, and rectangular nested sequences with numpy broadcasting).

A mismatch raises (AssertionError, or TypeError/ValueError/OverflowError where numpy would
raise): the caller counts any exception from `check_output` as a failed input.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, List, Optional, Sequence, Tuple

FLOAT_ATOL = 1e-6
RTOL = 1e-7
FIND_ZERO = "find_zero"

Shape = Tuple[int, ...]


def is_floats(value: Any) -> bool:
    """EvalPlus's `is_floats`: a float, or a non-empty list/tuple of floats only."""
    if isinstance(value, float):
        return True
    if isinstance(value, (list, tuple)) and value:
        return all(isinstance(item, float) for item in value)
    return False


def poly(xs: Sequence[Any], x: Any) -> float:
    """EvalPlus's `_poly` (the HumanEval/32 oracle): the polynomial xs evaluated at x."""
    return sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])


def effective_atol(exp: Any, atol: float) -> float:
    """EvalPlus's switch: atol 0 with a float expected output becomes FLOAT_ATOL."""
    return FLOAT_ATOL if atol == 0 and is_floats(exp) else atol


def check_output(
    entry_point: str,
    inp: Sequence[Any],
    out: Any,
    exp: Any,
    atol: float,
    exact_match: Optional[bool] = None,
) -> float:
    """Raises unless `out` matches `exp`; returns the atol to use for the next inputs.

    `exact_match` is `out == exp` when the caller has compared them already (None: compared
    here, and an exception of that comparison is a mismatch)."""
    if exact_match is None:
        exact_match = out == exp
    if entry_point == FIND_ZERO:
        assert abs(poly(*inp, out)) <= atol
        return atol
    atol = effective_atol(exp, atol)
    if not exact_match and atol != 0:
        assert type(out) == type(exp)  # noqa: E721 - EvalPlus compares exact types
        if isinstance(exp, (list, tuple)):
            assert len(out) == len(exp)
        assert allclose(out, exp, RTOL, atol)
    else:
        assert exact_match
    return atol


def _number(value: Any) -> Any:
    if isinstance(value, (bool, int, float, complex)):
        return value
    # numpy cannot subtract strings, None or other objects: the comparison raises.
    raise TypeError(f"not a number: {type(value).__name__}")


def _flatten(value: Any) -> Tuple[Shape, List[Any]]:
    """The shape and the row-major elements of a scalar or a rectangular nested sequence."""
    if not isinstance(value, (list, tuple)):
        return (), [_number(value)]
    if not value:
        return (0,), []
    parts = [_flatten(item) for item in value]
    shape = parts[0][0]
    if any(part[0] != shape for part in parts):
        raise ValueError("inhomogeneous shape")  # numpy 2 refuses ragged arrays
    return (len(value),) + shape, [x for part in parts for x in part[1]]


def _broadcast(a: Shape, b: Shape) -> Shape:
    width = max(len(a), len(b))
    a = (1,) * (width - len(a)) + a
    b = (1,) * (width - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise ValueError("shapes cannot be broadcast together")
        out.append(y if x == 1 else x)
    return tuple(out)


def _index(shape: Shape, full: Shape, position: Tuple[int, ...]) -> int:
    """Row-major index into an array of `shape` broadcast to `full`, at `position`."""
    offset = len(full) - len(shape)
    flat = 0
    for dim, size in enumerate(shape):
        coordinate = position[offset + dim]
        flat = flat * size + (0 if size == 1 else coordinate)
    return flat


def _isclose(x: Any, y: Any, rtol: float, atol: float) -> bool:
    # numpy makes the reference value inexact first (ints and bools become floats).
    if not isinstance(y, complex):
        y = float(y)
    if isinstance(y, complex):
        finite = math.isfinite(y.real) and math.isfinite(y.imag)
    else:
        finite = math.isfinite(y)
    if x == y:
        return True
    return finite and abs(x - y) <= atol + rtol * abs(y)


def allclose(out: Any, exp: Any, rtol: float, atol: float) -> bool:
    """numpy.allclose(out, exp, rtol, atol) for scalars and rectangular nested sequences."""
    out_shape, xs = _flatten(out)
    exp_shape, ys = _flatten(exp)
    full = _broadcast(out_shape, exp_shape)
    for position in itertools.product(*(range(size) for size in full)):
        x = xs[_index(out_shape, full, position)]
        y = ys[_index(exp_shape, full, position)]
        if not _isclose(x, y, rtol, atol):
            return False
    return True
