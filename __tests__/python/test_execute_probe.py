"""execute_probe.py: what the interpreter check learns about pytest and coverage.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import execute_probe

PROBE = Path(__file__).resolve().parents[2] / "src" / "python" / "execute_probe.py"


def test_installed_packages_report_their_distribution_version():
    import coverage
    import pytest

    assert execute_probe.version_of("pytest") == pytest.__version__
    assert execute_probe.version_of("coverage") == coverage.__version__


def test_a_missing_module_is_none():
    assert execute_probe.version_of("semcoder_no_such_module_xyz") is None


def test_a_module_without_metadata_is_asked_for_its_version(tmp_path, monkeypatch):
    (tmp_path / "semcoder_plain_mod.py").write_text("__version__ = '3.1.4'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert execute_probe.version_of("semcoder_plain_mod") == "3.1.4"


def test_a_module_that_fails_to_import_is_none(tmp_path, monkeypatch):
    (tmp_path / "semcoder_broken_mod.py").write_text("raise ImportError('half installed')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert execute_probe.version_of("semcoder_broken_mod") is None


def test_the_probe_does_not_import_pytest():
    """Importing pytest is most of the probe's time, which delays the first model request."""
    code = (
        "import runpy, sys, io; sys.stdin = io.StringIO('{}'); "
        f"runpy.run_path({str(PROBE)!r}, run_name='__main__'); "
        "print(); print(json.dumps('pytest' in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    probe = json.loads(out[0])
    assert probe["pytest"] and probe["coverage"]
    assert json.loads(out[1]) is False
