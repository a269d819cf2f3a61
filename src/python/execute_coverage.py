"""Per-function coverage from the workers' coverage.py data, counting only chosen tests.

Used by execute_tests.py (no JSON input or output of its own):
  function_coverage(data_files, pristine_root, sandbox_root, functions, contexts, work_dir)
    -> {"<function id>": {"lines": {"covered", "total"}, "branches": {...},
                          "changedLines": {...}, "missingLines": [...],
                          "missingBranches": [[from, to], ...], "missingChangedLines": [...],
                          "basis": "regions" | "span"}}
Every figure is coverage.py's own: its JSON report (coverage >= 7.5) with `contexts` set to
the tests that passed every run, read per function region (the function's body, plus the
bodies of functions nested in it, which coverage.py reports as regions of their own).
Changed lines count only where they are statements of those regions. The workers measured
the sandbox copy; the data is remapped onto the pristine checkout, which no test touched, so
the report reads the sources as they are at head.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, Iterable, List, Sequence, Set, Tuple

NOTHING = "(?!)"  # a context pattern that matches no context


def contexts_pattern(contexts: Iterable[str]) -> str:
    names = sorted(set(contexts))
    if not names:
        return NOTHING
    return "^(?:" + "|".join(re.escape(name) for name in names) + ")$"


def regions_of(functions: Dict[str, Any], qualname: str) -> List[Dict[str, Any]]:
    return [
        region
        for name, region in functions.items()
        if name == qualname or name.startswith(qualname + ".")
    ]


def figures(entry: Dict[str, Any], fn: Dict[str, Any]) -> Dict[str, Any]:
    """FunctionCoverage for one function from the file's entry of coverage's JSON report."""
    regions = regions_of(entry.get("functions", {}), fn["qualname"])
    basis = "regions"
    if regions:
        executed = _lines(regions, "executed_lines")
        missing = _lines(regions, "missing_lines")
        hit = _arcs(regions, "executed_branches")
        missed = _arcs(regions, "missing_branches")
        branches_total = sum(r["summary"].get("num_branches", 0) for r in regions)
        branches_covered = sum(r["summary"].get("covered_branches", 0) for r in regions)
    else:
        # No region by that name (coverage.py names things differently): the file's figures
        # restricted to the function's span.
        basis = "span"
        span = range(fn["start"], fn["end"] + 1)
        executed = {n for n in entry.get("executed_lines", []) if n in span}
        missing = {n for n in entry.get("missing_lines", []) if n in span}
        hit = {tuple(a) for a in entry.get("executed_branches", []) if a[0] in span}
        missed = {tuple(a) for a in entry.get("missing_branches", []) if a[0] in span}
        branches_total, branches_covered = len(hit) + len(missed), len(hit)
    statements = executed | missing
    changed = set(fn.get("changedLines", [])) & statements
    return {
        "lines": {"covered": len(executed), "total": len(statements)},
        "branches": {"covered": branches_covered, "total": branches_total},
        "changedLines": {"covered": len(changed & executed), "total": len(changed)},
        "missingLines": sorted(missing),
        "missingBranches": sorted([list(a) for a in missed]),
        "missingChangedLines": sorted(changed - executed),
        "basis": basis,
    }


def _lines(regions: Sequence[Dict[str, Any]], key: str) -> Set[int]:
    return {n for region in regions for n in region.get(key, [])}


def _arcs(regions: Sequence[Dict[str, Any]], key: str) -> Set[Tuple[int, int]]:
    return {(a[0], a[1]) for region in regions for a in region.get(key, [])}


def empty_entry() -> Dict[str, Any]:
    return {"functions": {}, "executed_lines": [], "missing_lines": []}


def function_coverage(
    data_files: Sequence[str],
    pristine_root: str,
    sandbox_root: str,
    functions: Sequence[Dict[str, Any]],
    contexts: Iterable[str],
    work_dir: str,
) -> Dict[str, Dict[str, Any]]:
    import coverage
    from coverage.exceptions import NoDataError

    # Report paths relative to the checkout ("pkg/mod.py"), like TargetFunction.file.
    previous = os.getcwd()
    os.chdir(pristine_root)
    try:
        cov = coverage.Coverage(
            data_file=os.path.join(work_dir, "combined.coverage"), branch=True, config_file=False
        )
        existing = [path for path in data_files if os.path.exists(path)]
        if existing:
            # Sandbox paths become checkout paths as the data is combined. The option is then
            # cleared: left set, the report remaps the data once more, and a remap of data
            # without arcs drops branch measurement (0/0 branches instead of 0/N).
            cov.set_option("paths", {"checkout": [pristine_root + os.sep, sandbox_root + os.sep]})
            cov.combine(data_paths=existing, keep=True)
            cov.set_option("paths", {})
        data = cov.get_data()
        targets = sorted({os.path.join(pristine_root, fn["file"]) for fn in functions})
        if not data.has_arcs():
            data.add_arcs({})  # an empty run still reports each function's statements
        data.touch_files(targets)
        out = os.path.join(work_dir, "coverage.json")
        try:
            cov.json_report(outfile=out, include=targets, contexts=[contexts_pattern(contexts)])
            with open(out, encoding="utf-8") as handle:
                report = json.load(handle)
        except NoDataError:
            report = {"files": {}}
    finally:
        os.chdir(previous)
    files = report.get("files", {})
    return {fn["id"]: figures(files.get(fn["file"], empty_entry()), fn) for fn in functions}
