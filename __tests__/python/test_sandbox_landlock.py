"""Landlock in the sandbox (src/python/sandbox_landlock.py, sandbox_process.py), in both
isolation modes. Where the kernel has Landlock the strong behaviour is asserted; where it has
not (or too old an ABI for signal scoping) the documented fallback is."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sys
from pathlib import Path
from typing import Dict

import pytest

import sandbox
import sandbox_landlock

PYTHON = sys.executable
ABI = sandbox.landlock_abi()
MODES = ["auto", "portable"]


@functools.lru_cache(maxsize=None)
def probed(mode: str) -> sandbox.Isolation:
    """The isolation `mode` gets on this machine, probed once (copy it before changing it)."""
    return sandbox.probe_isolation(mode)


@pytest.fixture(scope="module", autouse=True)
def subreaper() -> None:
    sandbox.become_subreaper()


@pytest.fixture()
def places(tmp_path: Path) -> Dict[str, Path]:
    """A write root for the process, a 'checkout' it must neither read nor write, and a
    folder outside both."""
    found = {name: tmp_path / name for name in ("work", "checkout", "elsewhere")}
    for path in found.values():
        path.mkdir()
    (found["checkout"] / "core.py").write_text("VALUE = 1\n")
    (found["elsewhere"] / "data.txt").write_text("readable\n")
    return found


def run(code: str, mode: str, places: Dict[str, Path], landlock: bool = True,
        timeout: float = 20) -> sandbox.Completed:
    isolation = dataclasses.replace(probed(mode), landlock=ABI if landlock else 0)
    rules = sandbox_landlock.policy([str(places["work"])], [str(places["checkout"])],
                                    [sys.prefix, sys.base_prefix, *sys.path])
    env = sandbox.reduced_env(os.environ, [], {"HOME": str(places["work"]),
                                               "TMPDIR": str(places["work"])})
    return sandbox.run_contained(
        [PYTHON, "-c", code], cwd=str(places["work"]), env=env, limits=sandbox.Limits(),
        isolation=isolation, timeout_sec=timeout, landlock_rules=rules)


# What a process tries; each attempt prints "ok" or the exception's name.
PROBE = """
import json, os, subprocess, sys
def attempt(action):
    try:
        action()
        return "ok"
    except OSError as error:
        return type(error).__name__
checkout, elsewhere = sys.argv[1], sys.argv[2]
def read(path): open(path, "rb").read()
def write(path): open(path, "a").write("x")
print(json.dumps({
    "parent environ": attempt(lambda: read(f"/proc/{os.getppid()}/environ")),
    "own status": attempt(lambda: read("/proc/self/status")),
    "cpuinfo": attempt(lambda: read("/proc/cpuinfo")),
    "list fds": attempt(lambda: os.listdir("/proc/self/fd")),
    "read checkout": attempt(lambda: read(os.path.join(checkout, "core.py"))),
    "write checkout": attempt(lambda: write(os.path.join(checkout, "core.py"))),
    "read elsewhere": attempt(lambda: read(os.path.join(elsewhere, "data.txt"))),
    "write elsewhere": attempt(lambda: write(os.path.join(elsewhere, "data.txt"))),
    "write work": attempt(lambda: write("mine.txt")),
    "rename in work": attempt(lambda: (os.makedirs("sub", exist_ok=True),
                                       os.replace("mine.txt", "sub/moved.txt"))),
    "dev null": attempt(lambda: write(os.devnull)),
    "subprocess": attempt(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True)),
}))
"""


def probe(mode: str, places: Dict[str, Path], landlock: bool = True) -> Dict[str, str]:
    code = (f"import sys; sys.argv[1:] = [{str(places['checkout'])!r}, "
            f"{str(places['elsewhere'])!r}]\n" + PROBE)
    done = run(code, mode, places, landlock)
    assert done.exit_code == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("mode", MODES)
def test_reads_writes_and_proc_under_landlock(mode: str, places: Dict[str, Path]) -> None:
    seen = probe(mode, places)
    always = {"cpuinfo": "ok", "list fds": "ok", "read elsewhere": "ok", "write work": "ok",
              "dev null": "ok", "subprocess": "ok"}
    if ABI >= 1:
        assert seen == {**always, "parent environ": "PermissionError",
                        "own status": "PermissionError",
                        "read checkout": "PermissionError",
                        "write checkout": "PermissionError",
                        "write elsewhere": "PermissionError",
                        # ABI 1 has no REFER: a rename into another folder is refused
                        "rename in work": "ok" if ABI >= 2 else "OSError"}
        assert (places["checkout"] / "core.py").read_text() == "VALUE = 1\n"
    else:  # no Landlock: the documented fallback, nothing of this is contained
        assert seen["write checkout"] == "ok" and seen["read checkout"] == "ok"
        assert {k: seen[k] for k in always} == always


@pytest.mark.parametrize("mode", MODES)
def test_without_landlock_nothing_is_confined(mode: str, places: Dict[str, Path]) -> None:
    seen = probe(mode, places, landlock=False)
    assert seen["write checkout"] == "ok" and seen["own status"] == "ok"


def test_a_kill_of_the_parent_is_refused_or_only_kills_the_holder(places: Dict[str, Path]) -> None:
    """Portable mode: the process's parent is a holder, never the caller; from ABI 6 the
    signal does not even leave the Landlock domain."""
    code = "import os, signal, time; os.kill(os.getppid(), signal.SIGKILL); time.sleep(5)"
    done = run(code, "portable", places)
    if ABI >= 6:
        assert done.exit_code == 1 and "PermissionError" in done.stderr
    else:
        assert done.signal == 9 and not done.timed_out  # it died with its holder


def test_abi_and_handled_rights() -> None:
    assert not sandbox_landlock.handled_fs(1) & (sandbox_landlock.REFER | sandbox_landlock.TRUNCATE)
    assert sandbox_landlock.handled_fs(2) & sandbox_landlock.REFER
    assert sandbox_landlock.handled_fs(3) & sandbox_landlock.TRUNCATE
    assert not sandbox_landlock.handled_fs(4) & sandbox_landlock.IOCTL_DEV
    assert sandbox_landlock.handled_fs(5) & sandbox_landlock.IOCTL_DEV
    assert sandbox_landlock.scopes(5) == 0
    assert sandbox_landlock.scopes(6) & sandbox_landlock.SCOPE_SIGNAL


def test_readable_subtrees_leave_out_exactly_the_hidden_paths(tmp_path: Path) -> None:
    hidden = tmp_path / "a" / "hidden"
    for path in (hidden / "inside", tmp_path / "a" / "sibling", tmp_path / "b"):
        path.mkdir(parents=True)
    (tmp_path / "a" / "file.txt").write_text("x")
    (tmp_path / "a" / "link").symlink_to(hidden)
    found = sandbox_landlock.readable_subtrees([str(hidden), "/proc"])
    real = os.path.realpath(tmp_path)
    assert f"{real}/a/sibling" in found and f"{real}/a/file.txt" in found
    assert f"{real}/b" in found
    assert not any(p == "/proc" or p.startswith("/proc/") for p in found)
    assert not any(p.startswith(f"{real}/a/hidden") or p == f"{real}/a/link" for p in found)
    assert "/" not in found and f"{real}/a" not in found  # split, not whole


def test_private_proc_in_a_pid_namespace(places: Dict[str, Path]) -> None:
    code = "import json, os; print(json.dumps([n for n in os.listdir('/proc') if n.isdigit()]))"
    done = run(code, "auto", places, landlock=False)
    seen = json.loads(done.stdout)
    if probed("auto").private_proc:  # the namespace's init and the process itself
        assert len(seen) <= 3, seen
    else:  # the host's /proc: every process of the machine, this test's included
        assert len(seen) > 3 and str(os.getpid()) in seen


def test_isolation_reports_the_landlock_abi_applied() -> None:
    isolation = dataclasses.replace(probed("portable"))
    assert isolation.to_json()["landlock"] is None
    isolation.landlock = 6
    assert isolation.to_json() == {"network": "guard", "processes": "subreaper", "landlock": 6}
