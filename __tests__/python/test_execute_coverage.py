"""Per-function coverage from coverage.py data (src/python/execute_coverage.py)."""

from __future__ import annotations

import importlib.util
import re
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict

import coverage
import pytest

from execute_coverage import contexts_pattern, figures, function_coverage, regions_of

MODULE = textwrap.dedent(
    """\
    def sign(x):
        if x > 0:
            return 1
        if x < 0:
            return -1
        return 0


    def outer(x):
        def inner(y):
            return y + 1

        return inner(x)


    def never_called():
        return 42
    """
)


@pytest.mark.parametrize(
    "contexts, matches, misses",
    [
        (["t.py::test_a"], ["t.py::test_a"], ["t.py::test_ab", "x/t.py::test_a", ""]),
        (["t.py::test_p[1-2]", "t.py::test_q"], ["t.py::test_p[1-2]", "t.py::test_q"], ["t.py::test_p[1]"]),
        ([], [], ["", "anything"]),
    ],
)
def test_contexts_pattern_matches_exactly_the_names_given(contexts, matches, misses) -> None:
    pattern = contexts_pattern(contexts)
    for name in matches:
        assert re.search(pattern, name), name
    for name in misses:
        assert not re.search(pattern, name), name


def test_regions_of_a_function_include_nested_ones_only() -> None:
    functions = {"f": 1, "f.inner": 2, "fx": 3, "g.f": 4}
    assert regions_of(functions, "f") == [1, 2]


def region(executed, missing, branches=0, covered_branches=0, missing_branches=()):
    return {
        "executed_lines": list(executed), "missing_lines": list(missing),
        "executed_branches": [], "missing_branches": [list(b) for b in missing_branches],
        "summary": {"num_branches": branches, "covered_branches": covered_branches},
    }


def test_figures_from_regions() -> None:
    entry = {"functions": {"f": region([2, 3], [5], 2, 1, [(2, 5)]), "f.inner": region([4], [])}}
    fn = {"qualname": "f", "start": 1, "end": 5, "changedLines": [3, 5, 9]}
    assert figures(entry, fn) == {
        "lines": {"covered": 3, "total": 4},
        "branches": {"covered": 1, "total": 2},
        "changedLines": {"covered": 1, "total": 2},
        "missingLines": [5],
        "missingBranches": [[2, 5]],
        "missingChangedLines": [5],
        "basis": "regions",
    }


def test_figures_fall_back_to_the_span_without_a_region() -> None:
    entry: Dict[str, Any] = {
        "functions": {}, "executed_lines": [1, 2, 3, 10], "missing_lines": [4, 11],
        "executed_branches": [[2, 3]], "missing_branches": [[2, 4], [10, 11]],
    }
    fn = {"qualname": "lambda_f", "start": 2, "end": 4, "changedLines": [4]}
    got = figures(entry, fn)
    assert got["basis"] == "span"
    assert got["lines"] == {"covered": 2, "total": 3}
    assert got["branches"] == {"covered": 1, "total": 2}
    assert got["missingChangedLines"] == [4]


def measure(tmp_path: Path, sandbox: Path) -> str:
    """Runs sign() under two contexts in the sandbox copy, as a worker would."""
    module_path = sandbox / "mod.py"
    data = str(tmp_path / "worker.coverage")
    cov = coverage.Coverage(data_file=data, branch=True, config_file=False,
                            include=[str(module_path)])
    cov.start()
    spec = importlib.util.spec_from_file_location("mod_under_test", module_path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cov.switch_context("test_positive")
    module.sign(5)
    cov.switch_context("test_negative_failed")
    module.sign(-5)
    cov.switch_context("test_outer")
    module.outer(1)
    cov.stop()
    cov.save()
    sys.modules.pop("mod_under_test", None)
    return data


def test_function_coverage_counts_only_the_given_contexts(tmp_path: Path) -> None:
    pristine, sandbox = tmp_path / "pristine", tmp_path / "sandbox"
    for root in (pristine, sandbox):
        root.mkdir()
        (root / "mod.py").write_text(MODULE)
    data = measure(tmp_path, sandbox)
    (sandbox / "mod.py").write_text("# a test overwrote the module\n")
    functions = [
        {"id": "sign", "file": "mod.py", "qualname": "sign", "start": 1, "end": 6, "changedLines": [3, 5]},
        {"id": "outer", "file": "mod.py", "qualname": "outer", "start": 9, "end": 13, "changedLines": [11]},
        {"id": "never", "file": "mod.py", "qualname": "never_called", "start": 16, "end": 17, "changedLines": []},
    ]
    got = function_coverage([data], str(pristine), str(sandbox), functions,
                            ["test_positive", "test_outer"], str(tmp_path))
    assert got["sign"]["lines"] == {"covered": 2, "total": 5}
    assert got["sign"]["missingLines"] == [4, 5, 6]
    assert got["sign"]["changedLines"] == {"covered": 1, "total": 2}
    assert got["sign"]["branches"] == {"covered": 1, "total": 4}
    assert got["outer"]["lines"] == {"covered": 3, "total": 3}
    assert got["never"]["lines"] == {"covered": 0, "total": 1}

    nothing = function_coverage([data], str(pristine), str(sandbox), functions, [], str(tmp_path))
    assert nothing["sign"]["lines"] == {"covered": 0, "total": 5}
    # No passing test: the branches are all missed, not absent (a 0/0 would read as 100 %
    # once merged with other runs' figures).
    assert nothing["sign"]["branches"] == {"covered": 0, "total": 4}


def test_function_coverage_without_any_data(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(MODULE)
    functions = [{"id": "sign", "file": "mod.py", "qualname": "sign", "start": 1, "end": 6,
                  "changedLines": [2]}]
    got = function_coverage([str(tmp_path / "missing")], str(tmp_path), str(tmp_path / "x"),
                            functions, ["t"], str(tmp_path))
    assert got["sign"]["lines"] == {"covered": 0, "total": 5}
    assert got["sign"]["changedLines"] == {"covered": 0, "total": 1}
    assert got["sign"]["branches"] == {"covered": 0, "total": 4}
