"""Supervisor: runs generated pytest files in the sandbox and reports what happened.

Started once per review by src/execute/supervisor.ts as `python execute_tests.py`, with the
user's interpreter, it imports pytest and coverage.py once, then serves requests: one JSON
document per line on stdin; on stdout, progress lines while a request runs and one JSON
report line at its end, until stdin closes. Workers are forks of this warm process, so
neither a run nor a restart after a crash pays for interpreter, pytest and coverage.py
start-up. The process that Node started is the keeper (execute_keeper.py): it cleans up
after a supervisor that was killed.
Request:
  {"sandbox": "/tmp/x/run-1",      # made by the caller: repo/ (a copy of the checkout),
                                   # tests/ (the generated files), home/, tmp/, control/
   "pristine": "/tmp/x/pristine",  # the untouched checkout, for coverage reporting
   "env": {...},                   # already reduced by the caller (PATH, locale, passEnv)
   "tests": [{"file": "test_a.py", "functionId": "f1"}],
   "functions": [{"id", "file", "qualname", "start", "end", "changedLines", "importRoot"}],
   "hide": ["/abs/checkout", ...],  # optional: paths tests may not read (with Landlock)
   "options": {"testTimeoutSec": 10, "budgetSec": 600, "reruns": 2, "workers": 2,
               "memoryBytes", "fileSizeBytes", "processes", "outputBytes",
               "isolation": "auto" | "portable", "landlock": true},
   "resume": {"attempt": 2, "reportOnly": false, "status": "killed by SIGKILL",
              "outOfTime": false}}  # optional: continue a run whose supervisor died
Progress, once a request is under way (a death after it is one a resume can recover from):
  {"progress": "begin", "attempt": 1, "isolation": {...}}
Report (or {"error": "..."} when the supervisor itself failed):
  {"isolation": {"network": "namespace"|"guard", "processes": "pid-namespace"|"subreaper",
                 "landlock": 7 | null},
   "expectedRuns": 3,
   "files": [{"file", "syntaxError": null|{"message", "line"}, "tests": [names]}],
   "tests": [{"file", "nodeid", "name", "runs": [run facts], "notRun", "countedInCoverage"}],
   "coverage": {"f1": FunctionCoverage (execute_coverage.py)},
   "incomplete": null | "why some tests did not run",
   "workers": {"started": 3, "restarts": 1}, "durationMs": 1234}
Run facts come from the worker (semcoder_worker.py: outcome passed|failed|skipped) or from
here: "timeout" (per-test limit or budget), "died" (the interpreter died during the test;
exit code/signal, the death note or crash stack when there is one), "collect-error",
"invalid". Outcomes are decided in src/execute/classify.ts.

Work is split into one share of files per core; a share's worker is restarted without the
culprit when it dies or times out, so the other tests of a file still get their outcomes,
and a restarting share hands half its files to a core that would otherwise idle.
Each worker is confined by Landlock where the kernel has it (sandbox_landlock.py): it may
write only beneath the request's sandbox folder, and read neither /proc nor `hide`.
A `resume` request continues a run whose supervisor was killed (`status` says how), in the
same sandbox: what the earlier attempts finished is read back from control/ and reported
as it was, the test running at the death is blamed (execute_resume.py), and the rest runs;
with `reportOnly` nothing runs and the rest is reported as not run. A supervisor stopped for
running out of time (`outOfTime`) blames no one.
"""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import json
import os
import selectors
import signal
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Set

import sandbox
import sandbox_landlock
import semcoder_worker
import execute_resume
from execute_coverage import function_coverage
from execute_inventory import inspect_test_file, shares
from execute_keeper import fork_keeper
from execute_ledger import Ledger
from execute_workers import DUMP_WAIT_SEC, Share, Worker
from sandbox_tree import process_in
from semcoder_facts import Roots
from semcoder_state import DUMP_SIGNAL

HERE = os.path.dirname(os.path.abspath(__file__))
# Ours, not the project's: its addopts, plugins and markers must not change how tests run.
INI = ("[pytest]\naddopts =\npython_files = test_*.py\npython_classes = Test\n"
       "python_functions = test\n")
SUPERVISOR_KILLED = "the test supervisor was killed, likely by a test"
OUT_OF_TIME = "the test supervisor did not finish within its budget"

Emit = Callable[[Dict[str, Any]], None]


class Supervisor:
    def __init__(self, request: Dict[str, Any], isolation: sandbox.Isolation,
                 emit: Emit) -> None:
        self.request = request
        self.emit = emit
        resume = request.get("resume") or {}
        self.attempt = int(resume.get("attempt", 1))
        self.report_only = bool(resume.get("reportOnly"))
        self.out_of_time = bool(resume.get("outOfTime"))
        self.serial = False  # one worker: the earlier death could not be blamed on one test
        options = request["options"]
        self.timeout = float(options["testTimeoutSec"])
        self.reruns = int(options["reruns"])
        self.started = time.monotonic()
        self.budget_end = self.started + float(options["budgetSec"])
        self.limits = sandbox.Limits(
            memory_bytes=int(options["memoryBytes"]),
            file_size_bytes=int(options["fileSizeBytes"]),
            processes=int(options["processes"]),
            output_bytes=int(options["outputBytes"]),
        )
        root = request["sandbox"]
        self.repo = os.path.join(root, "repo")
        self.tests_dir = os.path.join(root, "tests")
        self.control = os.path.join(root, "control")
        self.workers: Dict[int, Worker] = {}
        self.selector = selectors.DefaultSelector()
        self.spawned = 0
        self.shares_started: Set[int] = set()
        self.budget_spent = False
        self.coverage_files: List[str] = []
        self.isolation = isolation
        self.targets = self._targets()
        self.inventory = {t["file"]: self._inspect(t["file"]) for t in request["tests"]}
        self.journal = execute_resume.RecordsJournal(self.control, self.attempt, 1 + self.reruns)
        self.ledger = Ledger(self.inventory, self.reruns, self.timeout,
                             Roots(self.repo, self.tests_dir, []), on_done=self.journal.write)
        if resume:
            self.serial = execute_resume.resume(
                self.ledger, self.journal, self.control, self.attempt,
                str(resume.get("status") or "died"), blame=not self.out_of_time)
        self.env = self._env()
        self.landlock_rules = self._landlock_rules()

    # -- set-up --------------------------------------------------------------------------

    def _targets(self) -> Dict[str, str]:
        by_id = {fn["id"]: fn for fn in self.request["functions"]}
        return {t["file"]: by_id.get(t["functionId"], {}).get("qualname", "")
                for t in self.request["tests"]}

    def _inspect(self, name: str) -> Dict[str, Any]:
        with open(os.path.join(self.tests_dir, name), encoding="utf-8", errors="replace") as f:
            return inspect_test_file(name, f.read())

    def _import_roots(self) -> List[str]:
        roots = [os.path.join(self.repo, fn.get("importRoot") or "")
                 for fn in self.request["functions"]]
        return list(dict.fromkeys([os.path.normpath(r) for r in roots] + [self.repo]))

    def _env(self) -> Dict[str, str]:
        roots = self._import_roots()
        extra = {
            "HOME": os.path.join(self.request["sandbox"], "home"),
            "TMPDIR": os.path.join(self.request["sandbox"], "tmp"),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "MALLOC_ARENA_MAX": "2",  # glibc arenas reserve address space under RLIMIT_AS
            "GIT_CEILING_DIRECTORIES": os.path.dirname(self.request["sandbox"]),
            "PYTHONIOENCODING": "utf-8",
        }
        given = self.request.get("env", {})
        # The caller reduced it already; this drops anything secret-looking all the same.
        env = sandbox.reduced_env(given, given.keys(), extra)
        env.update(sandbox.guard_env(self.isolation, os.pathsep.join(roots)))
        return env

    def _landlock_rules(self) -> Optional[List[sandbox_landlock.Rule]]:
        """Workers write only beneath the sandbox; they read neither /proc nor the user's
        checkout, except the interpreter and these helpers if they live there."""
        if not self.isolation.landlock:
            return None
        keep = [HERE, sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
                self.env.get("PYTHONUSERBASE", ""), *sys.path]
        return sandbox_landlock.policy([self.request["sandbox"]], self.request.get("hide", []),
                                       sorted({p for p in keep if p}))

    def close(self) -> None:
        self.journal.close()

    # -- workers -------------------------------------------------------------------------

    def start(self, share: Share) -> None:
        share.generation += 1
        tag = f"{self.attempt}-{share.index}-{share.generation}"
        config_path = os.path.join(self.control, f"worker-{tag}.json")
        events_r, events_w = os.pipe()
        output_r, output_w = os.pipe()
        config = {
            "files": [os.path.join(self.tests_dir, f) for f in share.files_to_run()],
            "skip": sorted(share.done),
            "reruns": self.reruns,
            "eventsFd": events_w,
            "faultFile": os.path.join(self.control, f"fault-{tag}.txt"),
            "journal": os.path.join(self.control, f"journal-{tag}.jsonl"),
            "testTimeoutSec": self.timeout,
            "coverage": {
                "dataFile": os.path.join(self.control, f"coverage-{tag}"),
                "include": sorted({os.path.join(self.repo, fn["file"])
                                   for fn in self.request["functions"]}),
            },
            "repoRoot": self.repo,
            "testsRoot": self.tests_dir,
            "ini": os.path.join(self.control, "pytest.ini"),
            "targets": self.targets,
        }
        with open(config_path, "w", encoding="utf-8") as handle:
            json.dump(config, handle)  # for a person debugging a run: the worker gets the dict
        env, paths, network = self.env, self._import_roots(), self.isolation.network
        contained = sandbox.spawn(
            [sys.executable, os.path.join(HERE, "semcoder_worker.py"), config_path],
            cwd=self.repo, env=env, limits=self.limits, isolation=self.isolation,
            stdout_fd=output_w, stderr_fd=output_w, pass_fds=[events_w],
            target=lambda: semcoder_worker.run_forked(config, env, paths, network),
            landlock_rules=self.landlock_rules)
        os.close(events_w)
        os.close(output_w)
        worker = Worker(share, contained, events_r, output_r, config["faultFile"],
                        config["coverage"]["dataFile"])
        worker.done_at_start = len(share.done)
        self.shares_started.add(share.index)
        self.coverage_files.append(worker.coverage_path)
        for fd, kind in ((events_r, "events"), (output_r, "output")):
            os.set_blocking(fd, False)
            self.selector.register(fd, selectors.EVENT_READ, (worker, kind))
        self.workers[contained.pid] = worker
        self.spawned += 1

    def read(self, worker: Worker, fd: int, kind: str) -> None:
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError as error:
                if error.errno == errno.EINTR:
                    continue
                data = b""
            if not data:
                self.selector.unregister(fd)
                os.close(fd)
                if kind == "events":
                    worker.events_fd = -1
                else:
                    worker.output_fd = -1
                return
            if kind == "output":
                worker.keep_output(data, self.limits.output_bytes)
                continue
            for line in worker.lines(data):
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # a test wrote to our pipe; not ours to interpret
                if isinstance(event, dict):
                    self.ledger.on_event(worker, event, time.monotonic())

    def on_exit(self, worker: Worker) -> None:
        for fd, kind in ((worker.events_fd, "events"), (worker.output_fd, "output")):
            if fd >= 0:
                self.read(worker, fd, kind)
        self.ledger.settle_exit(worker, time.monotonic())
        for fd in (worker.events_fd, worker.output_fd):
            if fd >= 0:
                self.selector.unregister(fd)
                os.close(fd)
        del self.workers[worker.contained.pid]
        sandbox.kill_strays(self.holders())

    # -- main loop -----------------------------------------------------------------------

    def loop(self) -> None:
        wake_r, wake_w = os.pipe()
        for fd in (wake_r, wake_w):
            os.set_blocking(fd, False)
            fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector.register(wake_r, selectors.EVENT_READ, (None, "wake"))
        valid = [t["file"] for t in self.request["tests"]
                 if self.inventory[t["file"]]["syntaxError"] is None]
        weights = {f: len(self.inventory[f]["tests"]) for f in valid}
        workers = 1 if self.serial else int(self.request["options"].get("workers") or _cpus())
        pending = [Share(i, files) for i, files in enumerate(shares(valid, weights, workers))
                   if not self.report_only]
        for share in pending:  # what an earlier attempt finished (resume()) is done already
            share.done = {i for i in self.ledger.records if i.split("::", 1)[0] in share.files}
        while True:
            now = time.monotonic()
            if now >= self.budget_end and not self.budget_spent:
                self.budget_spent = True
                for worker in self.workers.values():
                    worker.killed_for = "budget"
                    worker.contained.kill()
            if not self.budget_spent:
                self.schedule(pending, workers)
            if not self.workers:
                break
            for worker in self.workers.values():
                if now >= worker.deadline and worker.killed_for is None:
                    self.overdue(worker, now)
            # Killed workers are waited for (SIGCHLD wakes us); the rest by their deadline.
            clocks = [w.deadline for w in self.workers.values() if w.killed_for is None]
            if not self.budget_spent:
                clocks.append(self.budget_end)
            wait = min(clocks) - now if clocks else 0.05
            for key, _ in self.selector.select(timeout=max(0.005, min(wait, 1.0))):
                worker, kind = key.data
                if kind == "wake":
                    _drain(wake_r)
                else:
                    self.read(worker, key.fd, kind)
            sandbox.reap(self.holders())
            for worker in [w for w in self.workers.values() if w.contained.status is not None]:
                self.on_exit(worker)
        signal.set_wakeup_fd(-1)
        self.selector.close()
        os.close(wake_r)
        os.close(wake_w)

    def schedule(self, pending: List[Share], workers: int) -> None:
        """Starts a worker for every share with work and no worker; when cores would idle,
        a share about to restart gives half its files to a new share first."""
        busy = {w.share.index for w in self.workers.values()}
        waiting = [s for s in pending if s.index not in busy and s.has_work()]
        idle = workers - len(busy) - len(waiting)
        for share in list(waiting):
            if idle <= 0:
                break
            other = share.split(len(pending))
            if other is not None:
                pending.append(other)
                waiting.append(other)
                idle -= 1
        for share in waiting:
            self.start(share)

    def overdue(self, worker: Worker, now: float) -> None:
        """A worker past its deadline: a test out of time first dumps its stack, then dies."""
        if worker.state in ("running", "collecting") and not worker.dump_requested:
            worker.dump_requested = True
            worker.deadline = now + DUMP_WAIT_SEC
            pid = process_in(worker.contained, worker.inner_pid or 0)
            if pid is not None:
                try:
                    os.kill(pid, DUMP_SIGNAL)
                    return
                except OSError:
                    pass
        worker.killed_for = ("timeout" if worker.state in ("running", "collecting")
                             else "exit" if worker.state == "done" else "stuck")
        worker.contained.kill()

    def holders(self) -> Dict[int, Any]:
        return {pid: w.contained for pid, w in self.workers.items()}

    def result(self) -> Dict[str, Any]:
        expected = 1 + self.reruns
        order = [t["file"] for t in self.request["tests"]]
        budget = float(self.request["options"]["budgetSec"]) if self.budget_spent else None
        why = None if not self.report_only else OUT_OF_TIME if self.out_of_time \
            else SUPERVISOR_KILLED
        records, incomplete = self.ledger.close(order, budget, why)
        contexts = [r.nodeid for r in records if r.stable(expected)]
        earlier = execute_resume.earlier_coverage(self.control, self.attempt)
        coverage = function_coverage(earlier + self.coverage_files,
                                     self.request["pristine"], self.repo,
                                     self.request["functions"], contexts, self.control)
        return {
            "isolation": self.isolation.to_json(),
            "expectedRuns": expected,
            "files": list(self.inventory.values()),
            "tests": [r.to_json(expected) for r in records],
            "coverage": coverage,
            "incomplete": incomplete,
            "workers": {"started": self.spawned,
                        "restarts": self.spawned - len(self.shares_started)},
            "durationMs": round((time.monotonic() - self.started) * 1000),
        }


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except OSError:
        pass


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def execute(request: Dict[str, Any], probed: sandbox.Isolation, landlock: int,
            emit: Emit) -> Dict[str, Any]:
    control = os.path.join(request["sandbox"], "control")  # made by the caller, like the rest
    with open(os.path.join(control, "pytest.ini"), "w", encoding="utf-8") as handle:
        handle.write(INI)
    wanted = request["options"].get("landlock", True) is not False
    isolation = dataclasses.replace(probed, landlock=landlock if wanted else 0)
    supervisor = Supervisor(request, isolation, emit)
    emit({"progress": "begin", "attempt": supervisor.attempt, "isolation": isolation.to_json()})
    try:
        supervisor.loop()
    finally:
        for worker in supervisor.workers.values():
            worker.contained.kill()
        sandbox.reap_all()
        supervisor.close()
    return supervisor.result()


def main() -> None:
    import gc

    import coverage  # noqa: F401 - warm: every worker forked from here has it imported

    # What is imported now is shared by every forked worker: keep the collector away from
    # it, so workers neither scan it nor copy its pages by touching reference counts in GC.
    gc.collect()
    gc.freeze()
    sandbox.become_subreaper()
    fork_keeper()
    sandbox.become_subreaper()  # not inherited: the supervisor needs its own
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    probed: Dict[str, sandbox.Isolation] = {}
    landlock = sandbox.landlock_abi()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            mode = request["options"].get("isolation", "auto")
            if mode not in probed:
                probed[mode] = sandbox.probe_isolation(mode)
            response = execute(request, probed[mode], landlock, _emit)
        except Exception as error:  # noqa: BLE001 - report it and serve the next request
            import traceback

            response = {"error": f"{type(error).__name__}: {error}",
                        "trace": traceback.format_exc()[-4000:]}
        _emit(response)


def _emit(message: Dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
