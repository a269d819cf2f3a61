"""One pytest worker inside the sandbox: runs its share of generated tests under coverage.py.

Started by execute_tests.py through sandbox.spawn: a fork of the warm supervisor (pytest and
coverage.py already imported) that calls run_forked(); or, by hand, as
`python semcoder_worker.py CONFIG`. Input, the JSON file CONFIG (or the same dict):
  {"files": ["/abs/tests/test_a.py"], "skip": ["test_a.py::test_x"], "reruns": 2,
   "eventsFd": 3, "faultFile": "/abs/fault-1-0-1.txt", "testTimeoutSec": 10,
   "journal": "/abs/journal-1-0-1.jsonl",
   "coverage": {"dataFile": "/abs/cov-0-1", "include": ["/abs/repo/pkg/mod.py"]},
   "repoRoot": "/abs/repo", "testsRoot": "/abs/tests", "ini": "/abs/pytest.ini",
   "targets": {"test_a.py": "Cls.meth"}}
Output: JSON lines on fd eventsFd, written and flushed as things happen, so a crash loses at
most the line being written; each line goes to the journal file first, so what the worker was
doing is known even when the supervisor dies before reading it (execute_resume.py):
  {"e": "hello", "pid": 2, "thread": 1234}
  {"e": "collecting", "file": "test_a.py"}
  {"e": "collect-error", "file": "test_a.py", "exc": {...facts}}
  {"e": "collected", "ids": ["test_a.py::test_x", ...]}
  {"e": "start", "id": "test_a.py::test_x", "run": 0}
  {"e": "run", "id": ..., "run": 0, "outcome": "passed|failed|skipped", "phase": "call",
   "durationMs": 1.5, "exc": {...facts} | null, "reason": "...", "xfail": false}
  {"e": "note", "kind": "os._exit", "detail": "os._exit(3)", "frames": [...]}
  {"e": "done", "exitCode": 0}
When the events can no longer be written, the worker exits: with EXIT_DESCRIPTORS (71) when
its descriptor was closed under it (a test that ran os.closerange), else with 70 (the
supervisor is gone). Facts are described in semcoder_facts.py. A passing test is rerun in-process `reruns` times
right away (stopping at the first different outcome); each run is its own event. Coverage
uses one dynamic context per test (its node id), so the supervisor can count only the tests
that passed every run; it traces only while test functions and fixtures run, not pytest's own
machinery, which is most of the cost of coverage for short tests. What a test may tamper
with in this process is put back after every run (semcoder_state.py), so one hostile test
does not change its neighbours' outcomes.
"""

from __future__ import annotations

import errno
import faulthandler
import json
import os
import signal
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest

import semcoder_facts as facts
from semcoder_state import (ProcessState, arm_faulthandler, fault_offset, install_death_notes,
                            real_exit)

HERE = os.path.dirname(os.path.abspath(__file__))
EXIT_DESCRIPTORS = 71  # execute_ledger.py tells this death by it
GUARD_DIR = os.path.join(HERE, "sandbox_site")
# The supervisor's modules: gone from a forked worker, so none can shadow a user's module.
SUPERVISOR_MODULES = ("sandbox", "sandbox_process", "sandbox_tree", "sandbox_landlock",
                      "sandbox_linux", "execute_tests", "execute_workers", "execute_ledger",
                      "execute_inventory", "execute_coverage", "execute_probe",
                      "execute_keeper", "execute_resume")


class Events:
    def __init__(self, fd: int, journal: Optional[str]) -> None:
        self.pid = os.getpid()
        fds = [fd]
        if journal:
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
            fds.insert(0, os.open(journal, flags, 0o600))  # the journal first: it survives us
        # What each descriptor is: a test that closed it may have had the number reused.
        self.fds = [(n, _identity(n)) for n in fds]

    def emit(self, event: Dict[str, Any]) -> None:
        if os.getpid() != self.pid:
            return  # a process forked by a test: not the worker speaking
        data = (json.dumps(event, default=str) + "\n").encode()
        try:
            for fd, identity in self.fds:
                if _identity(fd) != identity:
                    raise OSError(errno.EBADF, "descriptor replaced")
                rest = data
                while rest:
                    rest = rest[os.write(fd, rest):]
        except OSError as error:
            real_exit(EXIT_DESCRIPTORS if error.errno == errno.EBADF else 70)


def _identity(fd: int) -> Tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


class _Caught:
    """The two attributes of pytest's ExceptionInfo that facts need."""

    def __init__(self, error: BaseException) -> None:
        self.value = error
        self.tb = error.__traceback__


class Tracing:
    """Coverage on only while test code runs; one dynamic context per test."""

    def __init__(self, cov: Any) -> None:
        self.cov = cov
        self.depth = 0
        self.context: Optional[str] = None
        self.test: Optional[str] = None

    def enter(self) -> None:
        if self.depth == 0:
            self.cov.start()
            if self.test != self.context:
                # Flushes the previous test's data first: a crash now loses only this test's.
                self.cov.switch_context(self.test)
                self.context = self.test
        self.depth += 1

    def leave(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            self.cov.stop()


class Plugin:
    def __init__(self, config: Dict[str, Any], events: Events, roots: facts.Roots,
                 cov: Any) -> None:
        from _pytest.runner import runtestprotocol

        self.pytest = pytest
        self.runtestprotocol = runtestprotocol
        self.config = config
        self.events = events
        self.roots = roots
        self.tracing = Tracing(cov)
        self.skip: Set[str] = set(config.get("skip", []))
        self.reruns = int(config.get("reruns", 0))
        self.timeout = float(config.get("testTimeoutSec", 10))
        self.targets: Dict[str, str] = config.get("targets", {})
        self.collect_errors: Dict[str, BaseException] = {}
        self.excinfos: Dict[str, Any] = {}
        self.comparison: Optional[Dict[str, str]] = None
        self.sources: Dict[str, str] = {}
        self.state: Optional[ProcessState] = None

    # -- collection ----------------------------------------------------------------------

    def _file(self, collector: Any) -> str:
        return os.path.relpath(str(collector.path), self.config["testsRoot"])

    @pytest.hookimpl(tryfirst=True)
    def pytest_make_collect_report(self, collector: Any):  # type: ignore[no-untyped-def]
        if not isinstance(collector, self.pytest.Module):
            return None
        name = self._file(collector)
        self.events.emit({"e": "collecting", "file": name, "faultAt": fault_offset()})
        original = collector.collect
        plugin = self
        aborting = (SystemExit, KeyboardInterrupt, self.pytest.exit.Exception)

        def collect():  # type: ignore[no-untyped-def]
            try:
                return original()
            except aborting as error:
                # At import these would end the whole session; confine them to this file.
                plugin.collect_errors[name] = error
                raise collector.CollectError(f"{type(error).__name__} at import") from error
            except BaseException as error:
                plugin.collect_errors[name] = error
                raise

        collector.collect = collect
        return None

    def pytest_collectreport(self, report: Any) -> None:
        if not report.failed or not report.nodeid.endswith(".py"):
            return
        name = report.nodeid
        error = self.collect_errors.get(name)
        if error is not None:
            cause = facts.unwrap_collect_error(error)
            exc = facts.exception_facts(cause, cause.__traceback__, self.roots)
        else:
            exc = {"type": "CollectError", "module": "_pytest", "frames": [], "errno": None,
                   "message": facts.cap(str(report.longrepr)), "network": False,
                   "assertion": None}
        self.events.emit({"e": "collect-error", "file": name, "exc": exc})

    def pytest_collection_modifyitems(self, session: Any, config: Any, items: List[Any]) -> None:
        kept = [item for item in items if item.nodeid not in self.skip]
        dropped = [item for item in items if item.nodeid in self.skip]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept
        self.events.emit({"e": "collected", "ids": [item.nodeid for item in kept]})
        self.state = ProcessState()

    # -- running -------------------------------------------------------------------------

    def pytest_assertrepr_compare(self, config: Any, op: str, left: Any, right: Any) -> None:
        from _pytest._io.saferepr import saferepr

        self.comparison = {"op": op, "left": saferepr(left, 240), "right": saferepr(right, 240)}
        return None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: Any, call: Any):  # type: ignore[no-untyped-def]
        if call.excinfo is not None:
            self.excinfos[call.when] = call.excinfo
        return None

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_pyfunc_call(self, pyfuncitem: Any):  # type: ignore[no-untyped-def]
        self.tracing.enter()
        try:
            yield
        finally:
            self.tracing.leave()

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any):  # type: ignore[no-untyped-def]
        self.tracing.enter()
        try:
            yield
        finally:
            self.tracing.leave()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> bool:
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        self.tracing.test = item.nodeid
        for run in range(1 + self.reruns):
            outcome = self._run_once(item, nextitem, run)
            if outcome != "passed":
                break
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    def _run_once(self, item: Any, nextitem: Any, run: int) -> str:
        self.excinfos = {}
        self.comparison = None
        self.events.emit({"e": "start", "id": item.nodeid, "run": run, "faultAt": fault_offset()})
        started = time.perf_counter()
        try:
            if run == 0:
                event = self._describe(item, self.runtestprotocol(item, nextitem=nextitem))
            else:
                event = self._rerun(item, nextitem)
        except BaseException as error:  # KeyboardInterrupt, pytest.exit: end the session
            exc = facts.exception_facts(error, error.__traceback__, self.roots)
            self.events.emit({"e": "run", "id": item.nodeid, "run": run, "outcome": "failed",
                              "phase": "call", "durationMs": 0, "exc": exc, "aborted": True})
            raise
        elapsed = (time.perf_counter() - started) * 1000
        event.update({"e": "run", "id": item.nodeid, "run": run, "durationMs": round(elapsed, 3)})
        self.events.emit(event)
        if self.state is not None:
            self.state.restore()
        return str(event["outcome"])

    def _rerun(self, item: Any, nextitem: Any) -> Dict[str, Any]:
        """A rerun through the same hooks as a run (fixtures, capture, logging), without
        building the reports pytest would log: they are most of its cost per test."""
        if hasattr(item, "_request") and not item._request:
            item._initrequest()  # as runtestprotocol does for a re-run item
        phase, error = "setup", None
        aborting = (KeyboardInterrupt, self.pytest.exit.Exception)
        try:
            item.ihook.pytest_runtest_setup(item=item)
            phase = "call"
            item.ihook.pytest_runtest_call(item=item)
        except aborting:
            raise
        except BaseException as caught:  # noqa: BLE001 - SystemExit too, like pytest
            error = caught
        _record_phases(item, {"setup": phase == "call", "call": error is None})
        try:
            item.ihook.pytest_runtest_teardown(item=item, nextitem=nextitem)
        except aborting:
            raise
        except BaseException as caught:  # noqa: BLE001
            if error is None:
                error, phase = caught, "teardown"
        finally:
            if hasattr(item, "_request"):
                item._request = False
                item.funcargs = None
        if error is None:
            return {"outcome": "passed", "phase": None, "exc": None, "xfail": False}
        if isinstance(error, self.pytest.skip.Exception):
            return {"outcome": "skipped", "phase": phase, "exc": None,
                    "reason": facts.cap(str(error), 500), "xfail": False}
        return {"outcome": "failed", "phase": phase, "xfail": False,
                "exc": self._exc(item, _Caught(error))}

    def _describe(self, item: Any, reports: List[Any]) -> Dict[str, Any]:
        failed = next((r for r in reports if r.failed), None)
        skipped = next((r for r in reports if r.skipped), None)
        xfail = any(hasattr(r, "wasxfail") for r in reports)
        if failed is not None:
            excinfo = self.excinfos.get(failed.when)
            exc = self._exc(item, excinfo) if excinfo is not None else None
            return {"outcome": "failed", "phase": failed.when, "exc": exc, "xfail": xfail}
        if skipped is not None:
            reason = skipped.longrepr[2] if isinstance(skipped.longrepr, tuple) else ""
            return {"outcome": "skipped", "phase": skipped.when, "exc": None,
                    "reason": facts.cap(str(reason), 500), "xfail": xfail}
        return {"outcome": "passed", "phase": None, "exc": None, "xfail": xfail}

    def _exc(self, item: Any, excinfo: Any) -> Dict[str, Any]:
        exc = facts.exception_facts(excinfo.value, excinfo.tb, self.roots)
        test_frames = [f for f in exc["frames"] if f["where"] == "test"]
        if test_frames and not any(f["where"] == "repo" for f in exc["frames"]):
            innermost = test_frames[-1]
            source = self._source(innermost["file"])
            qualname = self.targets.get(innermost["file"].split("::")[0], "")
            described = facts.describe_assertion(
                source, innermost["line"], facts.target_names(qualname))
            if described is not None:
                described.update(self._values(described))
                exc["assertion"] = described
        return exc

    def _values(self, described: Dict[str, Any]) -> Dict[str, Optional[str]]:
        if self.comparison is None or described.get("side") is None:
            return {"actual": None, "expected": None}
        left, right = self.comparison["left"], self.comparison["right"]
        if described["side"] == "right":
            left, right = right, left
        return {"actual": left, "expected": right}

    def _source(self, name: str) -> str:
        if name not in self.sources:
            try:
                with open(os.path.join(self.config["testsRoot"], name), encoding="utf-8") as f:
                    self.sources[name] = f.read()
            except OSError:
                self.sources[name] = ""
        return self.sources[name]


def _record_phases(item: Any, passed: Dict[str, bool]) -> None:
    """What the reports a rerun does not build would have left for fixtures to read:
    pytest's tmp_path reads (and deletes) each phase's result in its teardown (pytest 7.3+),
    and failed with a KeyError on the second rerun."""
    try:
        from _pytest.tmpdir import tmppath_result_key
    except ImportError:
        return
    item.stash.setdefault(tmppath_result_key, {}).update(passed)


def make_coverage(config: Dict[str, Any]) -> Any:
    import coverage

    cov = coverage.Coverage(
        data_file=config["coverage"]["dataFile"],
        branch=True,
        config_file=False,
        include=config["coverage"]["include"],
        auto_data=False,
    )
    cov.set_option("run:disable_warnings", ["no-data-collected", "module-not-imported",
                                            "module-not-measured", "couldnt-parse"])
    return cov


def pytest_args(config: Dict[str, Any]) -> List[str]:
    return [
        "-c", config["ini"], "--rootdir", config["testsRoot"],
        "-q", "--no-header", "-rN", "--tb=no", "--noconftest",
        "--continue-on-collection-errors",
        "-p", "no:cacheprovider", "-p", "no:faulthandler", "-p", "no:doctest",
        "-p", "no:pastebin", "-p", "no:junitxml", "-p", "no:stepwise",
        *config["files"],
    ]


def run(config: Dict[str, Any]) -> None:
    events = Events(int(config["eventsFd"]), config.get("journal"))
    events.emit({"e": "hello", "pid": os.getpid(), "thread": threading.get_ident()})
    import _pytest
    import pluggy

    roots = facts.Roots(config["repoRoot"], config["testsRoot"],
                        [os.path.dirname(_pytest.__file__), os.path.dirname(pluggy.__file__)])
    install_death_notes(events.emit, roots)
    arm_faulthandler(open(config["faultFile"], "a"))  # noqa: SIM115 - lives until we exit
    cov = make_coverage(config)
    plugin = Plugin(config, events, roots, cov)
    code = pytest.main(pytest_args(config), plugins=[plugin])
    if plugin.tracing.depth:
        cov.stop()
    cov.save()
    events.emit({"e": "done", "exitCode": int(code)})
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter shutdown: a test may have left a thread running or an atexit hook
    # that hangs. Everything worth keeping is written.
    real_exit(0)


def run_forked(config: Dict[str, Any], env: Dict[str, str], paths: List[str],
               network: str) -> None:
    """Entry point in a fork of the supervisor: become a fresh interpreter for the tests."""
    import tempfile

    # What a fresh interpreter would have: Python ignores SIGPIPE and SIGXFSZ (so a write
    # over the file size limit raises OSError) and turns SIGINT into KeyboardInterrupt.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = None  # re-read TMPDIR
    for name in SUPERVISOR_MODULES:
        sys.modules.pop(name, None)
    base = [p for p in sys.path if os.path.abspath(p or ".") not in (HERE, GUARD_DIR)]
    sys.path[:] = list(paths) + base
    sys.argv[:] = ["pytest"]
    sys.path.insert(0, GUARD_DIR)
    try:
        import semcoder_netguard

        semcoder_netguard.install(network)
    finally:
        sys.path.remove(GUARD_DIR)
    run(config)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    # Our folder must not shadow the user's modules in the tests' sys.path.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
    run(config)


if __name__ == "__main__":
    main()
