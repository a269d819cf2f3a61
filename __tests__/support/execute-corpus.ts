// The hostile corpus for the executor's tests: a small package under test, and generated
// test files that break, attack or crash the sandbox, each with the outcome it must get.
// Honest tests sit beside them and must still pass.
import type { Outcome, TargetFunction, TestFile } from '../../src/execute/types.js';
import { py } from './git-repo.js';

export const CALC = py`
  import ctypes
  import urllib.request


  def add(a, b):
      return a + b


  def divide(a, b):
      return a / b


  def spin():
      while True:
          pass


  def recurse(n):
      return recurse(n + 1)


  def crash():
      return ctypes.string_at(0)


  def fetch(url):
      with urllib.request.urlopen(url, timeout=3) as response:
          return response.read()


  def parity(n):
      if n % 2 == 0:
          return "even"
      return "odd"
`;

export const REPO_FILES: Record<string, string> = {
  'pkg/__init__.py': '',
  'pkg/calc.py': CALC,
  'pkg/broken.py': py`
    raise ValueError("broken at import")


    def nothing():
        return 1
  `,
};

/** Line spans of the functions in CALC (1-based, as ChangedFunction reports them). */
function span(name: string): { start: number; end: number } {
  const lines = CALC.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`def ${name}(`)) + 1;
  let end = start;
  while (end < lines.length && (lines[end]!.startsWith(' ') || lines[end] === '')) end++;
  while (lines[end - 1] === '') end--;
  return { start, end };
}

function target(id: string, qualname: string, file = 'pkg/calc.py'): TargetFunction {
  const { start, end } = file === 'pkg/calc.py' ? span(qualname) : { start: 4, end: 5 };
  const changedLines = Array.from({ length: end - start + 1 }, (_, i) => start + i);
  return { id, file, qualname, start, end, changedLines, importRoot: '' };
}

export const FUNCTIONS: TargetFunction[] = [
  target('add', 'add'),
  target('divide', 'divide'),
  target('spin', 'spin'),
  target('recurse', 'recurse'),
  target('crash', 'crash'),
  target('fetch', 'fetch'),
  target('parity', 'parity'),
  target('nothing', 'nothing', 'pkg/broken.py'),
];

export interface Expectation {
  outcome: Outcome;
  /** Must match the one-line message. */
  message?: RegExp;
}

export interface CorpusFile {
  test: TestFile;
  expect: Record<string, Expectation>;
}

function file(
  name: string,
  functionId: string,
  content: string,
  expect: Record<string, Expectation>,
): CorpusFile {
  return { test: { name, functionId, content }, expect };
}

export const MIXED = file(
  'test_mixed.py',
  'add',
  py`
    import pytest

    from pkg.calc import add, divide


    def test_passes():
        assert add(2, 3) == 5


    def test_wrong_oracle():
        assert add(2, 2) == 5


    def test_code_raises():
        assert divide(1, 0) == 0


    def test_name_error():
        assert add(undefined_name, 1) == 2


    def test_wrong_arity():
        assert add(1, 2, 3) == 6


    def test_missing_fixture(no_such_fixture):
        assert add(1, 1) == 2


    def test_raises_not_raised():
        with pytest.raises(ValueError):
            add(1, 2)


    class TestAdd:
        def test_method_passes(self):
            assert add(-1, 1) == 0


    @pytest.mark.parametrize("a,b,total", [(1, 1, 2), (2, 2, 5)])
    def test_parametrized(a, b, total):
        assert add(a, b) == total


    def test_uses_tmp_path(tmp_path):
        (tmp_path / "n.txt").write_text(str(add(1, 2)))
        assert (tmp_path / "n.txt").read_text() == "3"
  `,
  {
    test_passes: { outcome: 'passed' },
    test_wrong_oracle: { outcome: 'failed', message: /assert add\(2, 2\) == 5.*actual 4/ },
    test_code_raises: {
      outcome: 'error',
      message: /ZeroDivisionError.*pkg\/calc\.py:\d+ in divide/,
    },
    test_name_error: { outcome: 'test-error', message: /NameError: name 'undefined_name'/ },
    test_wrong_arity: { outcome: 'test-error', message: /TypeError: .*positional argument/ },
    test_missing_fixture: { outcome: 'test-error', message: /fixture 'no_such_fixture' not found/ },
    test_raises_not_raised: { outcome: 'failed', message: /DID NOT RAISE/ },
    'TestAdd::test_method_passes': { outcome: 'passed' },
    'test_parametrized[1-1-2]': { outcome: 'passed' },
    'test_parametrized[2-2-5]': { outcome: 'failed', message: /actual 4, expected 5/ },
    test_uses_tmp_path: { outcome: 'passed' },
  },
);

export const KILLERS = file(
  'test_killers.py',
  'crash',
  py`
    import ctypes
    import os
    import signal
    import sys
    from pathlib import Path

    from pkg.calc import add, crash


    def test_writes_conftest_first():
        hook = "def pytest_collection_modifyitems(items):\\n    items.clear()\\n"
        (Path(__file__).parent / "conftest.py").write_text(hook)
        (Path.cwd() / "conftest.py").write_text(hook)
        assert add(1, 1) == 2


    def test_os_exit():
        os._exit(3)


    def test_after_os_exit():
        assert add(1, 2) == 3


    def test_sys_exit():
        sys.exit(4)


    def test_kill_self():
        os.kill(os.getpid(), signal.SIGKILL)


    def test_after_kill():
        assert add(2, 2) == 4


    def test_segfault_in_test():
        ctypes.string_at(0)


    def test_segfault_in_code():
        crash()


    def test_closes_every_descriptor():
        os.closerange(0, 1024)
        assert add(1, 1) == 2


    def test_last_honest():
        assert add(3, 3) == 6
  `,
  {
    test_writes_conftest_first: { outcome: 'passed' },
    test_os_exit: { outcome: 'test-error', message: /died.*os\._exit\(3\)/ },
    test_after_os_exit: { outcome: 'passed' },
    test_sys_exit: { outcome: 'test-error', message: /SystemExit: 4/ },
    test_kill_self: { outcome: 'test-error', message: /SIGKILL/ },
    test_after_kill: { outcome: 'passed' },
    test_segfault_in_test: { outcome: 'test-error', message: /SIGSEGV.*Segmentation fault/ },
    test_segfault_in_code: { outcome: 'error', message: /SIGSEGV.*pkg\/calc\.py:\d+ in crash/ },
    test_closes_every_descriptor: {
      outcome: 'test-error',
      message: /closed the test process's own file descriptors/,
    },
    test_last_honest: { outcome: 'passed' },
  },
);

export const TIME = file(
  'test_time.py',
  'spin',
  py`
    import atexit
    import threading
    import time

    from pkg.calc import add, recurse, spin


    def test_infinite_loop_in_test():
        while True:
            pass


    def test_infinite_loop_in_code():
        spin()


    def test_deep_recursion_in_test():
        def down(n):
            return down(n + 1)

        down(0)


    def test_deep_recursion_in_code():
        recurse(0)


    def test_thread_left_running():
        threading.Thread(target=time.sleep, args=(3600,)).start()
        assert add(1, 1) == 2


    def test_atexit_hang():
        atexit.register(time.sleep, 3600)
        assert add(1, 1) == 2


    def test_input():
        assert input() == "yes"


    def test_after_all_that():
        assert add(4, 4) == 8
  `,
  {
    test_infinite_loop_in_test: {
      outcome: 'timeout',
      message: /timed out after 5 s in test_time\.py/,
    },
    test_infinite_loop_in_code: { outcome: 'timeout', message: /in pkg\/calc\.py:\d+ \(spin\)/ },
    test_deep_recursion_in_test: { outcome: 'test-error', message: /RecursionError/ },
    test_deep_recursion_in_code: { outcome: 'error', message: /RecursionError.*in recurse/ },
    test_thread_left_running: { outcome: 'passed' },
    test_atexit_hang: { outcome: 'passed' },
    test_input: { outcome: 'test-error', message: /reading from stdin/ },
    test_after_all_that: { outcome: 'passed' },
  },
);

export const RESOURCES = file(
  'test_resources.py',
  'add',
  py`
    import os

    from pkg.calc import add


    def test_allocates_64_gib():
        blob = bytearray(64 * 1024**3)
        assert len(blob) > 0


    def test_prints_20_mb():
        print("x" * 20_000_000)
        assert add(1, 1) == 2


    def test_writes_20_mb_to_stdout_fd():
        for _ in range(20):
            os.write(1, b"y" * 1_000_000)
        assert add(1, 1) == 2


    def test_writes_a_file_over_the_size_limit():
        with open("big.bin", "wb") as handle:
            for _ in range(80):
                handle.write(b"z" * 1024 * 1024)
  `,
  {
    test_allocates_64_gib: { outcome: 'test-error', message: /MemoryError/ },
    test_prints_20_mb: { outcome: 'passed' },
    test_writes_20_mb_to_stdout_fd: { outcome: 'passed' },
    test_writes_a_file_over_the_size_limit: { outcome: 'test-error', message: /File too large/ },
  },
);

export const TAMPER = file(
  'test_tamper.py',
  'add',
  py`
    import builtins
    import os
    import signal
    import subprocess
    import time

    from pkg.calc import add


    def test_monkeypatches_builtins():
        builtins.len = lambda obj: 0
        builtins.print = None
        assert add(1, 1) == 2


    def test_builtins_are_back():
        assert len([1, 2, 3]) == 3
        print("hello")


    def test_tampers_with_signals():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        signal.signal(signal.SIGALRM, lambda *args: os._exit(9))
        signal.alarm(1)
        assert add(1, 1) == 2


    def test_survives_the_alarm():
        time.sleep(1.3)
        assert add(2, 2) == 4


    def test_changes_cwd():
        os.chdir("/")
        assert add(1, 1) == 2


    def test_cwd_is_back():
        assert os.path.exists("pkg/calc.py")


    def test_clobbers_the_environment():
        os.environ.clear()
        assert add(1, 1) == 2


    def test_environment_is_back():
        assert subprocess.run(["true"]).returncode == 0


    def test_reads_secrets():
        names = [n for n in os.environ if any(w in n for w in ("TOKEN", "KEY", "PASSWORD"))]
        values = [v for v in os.environ.values() if "sekrit" in v]
        assert names == [] and values == []


    def test_sees_the_variable_it_was_given():
        assert os.environ["SEMCODER_TEST_VISIBLE"] == "visible"


    def test_dumps_the_environment():
        assert False, dict(os.environ)
  `,
  {
    test_monkeypatches_builtins: { outcome: 'passed' },
    test_builtins_are_back: { outcome: 'passed' },
    test_tampers_with_signals: { outcome: 'passed' },
    test_survives_the_alarm: { outcome: 'passed' },
    test_changes_cwd: { outcome: 'passed' },
    test_cwd_is_back: { outcome: 'passed' },
    test_clobbers_the_environment: { outcome: 'passed' },
    test_environment_is_back: { outcome: 'passed' },
    test_reads_secrets: { outcome: 'passed' },
    test_sees_the_variable_it_was_given: { outcome: 'passed' },
    test_dumps_the_environment: { outcome: 'failed', message: /dict\(os\.environ\): \{'/ },
  },
);

export const NETWORK = file(
  'test_network.py',
  'fetch',
  py`
    import os
    import socket

    from pkg.calc import fetch


    def test_connects_out():
        socket.create_connection(("203.0.113.7", 80), timeout=2)


    def test_resolves_names():
        socket.getaddrinfo("example.com", 80)


    def test_code_fetches_a_url():
        fetch("http://example.com/")


    def test_loopback_server_of_its_own():
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        client = socket.create_connection(server.getsockname(), timeout=2)
        connection, _ = server.accept()
        connection.sendall(b"hi")
        assert client.recv(2) == b"hi"


    def test_service_of_the_host():
        port = int(os.environ["SEMCODER_TEST_HOST_PORT"])
        socket.create_connection(("127.0.0.1", port), timeout=2)
  `,
  {
    test_connects_out: {
      outcome: 'test-error',
      message: /network access is blocked in the sandbox/,
    },
    test_resolves_names: {
      outcome: 'test-error',
      message: /network access is blocked in the sandbox/,
    },
    test_code_fetches_a_url: { outcome: 'error', message: /network access is blocked.*in fetch/ },
    test_loopback_server_of_its_own: { outcome: 'passed' },
    test_service_of_the_host: {
      outcome: 'test-error',
      message: /network access is blocked in the sandbox/,
    },
  },
);

/** Only where a network namespace exists: a raw socket bypasses the in-process guard. */
export const RAW_NETWORK = file(
  'test_raw_network.py',
  'fetch',
  py`
    import _socket


    def test_raw_socket_connects_out():
        _socket.socket().connect(("203.0.113.7", 80))
  `,
  {
    test_raw_socket_connects_out: {
      outcome: 'test-error',
      message: /Network is unreachable \(network access is blocked in the sandbox\)/,
    },
  },
);

/** What the kernel gives the sandbox here (support/sandbox.ts probes it). */
export interface Containment {
  /** The Landlock ABI applied to tests, 0 for none. */
  landlock: number;
  /** A PID namespace with its own /proc: other processes are not even visible. */
  privateProc: boolean;
}

/** Secrets of other processes: a witness process (`SEMCODER_TEST_WITNESS_PID`) holds one
 * in its environment and its command line (`--api-key`, as a CLI user would pass it). */
export function otherProcesses(contained: Containment): CorpusFile {
  const hidden = contained.landlock > 0 || contained.privateProc;
  const expect = (what: RegExp): Expectation =>
    hidden ? { outcome: 'passed' } : { outcome: 'failed', message: what };
  return file(
    'test_other_processes.py',
    'add',
    py`
      import os

      WITNESS = os.environ["SEMCODER_TEST_WITNESS_PID"]


      def read(path):
          try:
              with open(path, "rb") as handle:
                  return handle.read()
          except OSError as error:
              return type(error).__name__.encode()


      def test_reads_the_environ_of_another_process():
          assert b"sekrit" not in read(f"/proc/{WITNESS}/environ")


      def test_reads_the_command_line_of_another_process():
          assert b"sekrit" not in read(f"/proc/{WITNESS}/cmdline")


      def test_reads_every_command_line():
          pids = [name for name in os.listdir("/proc") if name.isdigit()]
          assert [pid for pid in pids if b"sekrit" in read(f"/proc/{pid}/cmdline")] == []
    `,
    {
      test_reads_the_environ_of_another_process: expect(/sekrit/),
      test_reads_the_command_line_of_another_process: expect(/sekrit/),
      test_reads_every_command_line: expect(/assert \[.+\] == \[\]/),
    },
  );
}

/** The user's real checkout, by absolute path (`SEMCODER_TEST_CHECKOUT`): not the copy. */
export function realCheckout(contained: Containment): CorpusFile {
  const denied: Expectation = { outcome: 'test-error', message: /PermissionError/ };
  return file(
    'test_real_checkout.py',
    'add',
    py`
      import os
      from pathlib import Path

      CHECKOUT = Path(os.environ["SEMCODER_TEST_CHECKOUT"])


      def test_appends_to_a_module_of_the_checkout():
          with open(CHECKOUT / "pkg" / "calc.py", "a") as handle:
              handle.write("# vandalised\\n")


      def test_reads_the_git_config():
          assert "sekrit" not in (CHECKOUT / ".git" / "config").read_text()
    `,
    contained.landlock > 0
      ? { test_appends_to_a_module_of_the_checkout: denied, test_reads_the_git_config: denied }
      : {
          test_appends_to_a_module_of_the_checkout: { outcome: 'passed' },
          test_reads_the_git_config: { outcome: 'failed', message: /sekrit/ },
        },
  );
}

/**
 * Portable mode only (in a PID namespace the parent is the namespace's init): a test that
 * kills its parent, one that finds the supervisor (its grandparent) through /proc and kills
 * it, and an orphan in a new session started before them, tagged with `marker`.
 */
export function supervisorKillers(marker: string, contained: Containment): CorpusFile {
  const parent: Expectation =
    contained.landlock >= 6
      ? { outcome: 'test-error', message: /PermissionError: \[Errno 1\]/ }
      : { outcome: 'test-error', message: /died \(killed by SIGKILL: os\.kill\(parent pid/ };
  const supervisor: Expectation =
    contained.landlock > 0
      ? { outcome: 'test-error', message: /PermissionError: \[Errno 13\]/ }
      : { outcome: 'test-error', message: /the test supervisor died while this test ran/ };
  return file(
    'test_supervisor_killers.py',
    'add',
    py`
      import os
      import signal
      import subprocess
      import time

      from pkg.calc import add


      def parent_of(pid):
          with open(f"/proc/{pid}/stat") as handle:
              return int(handle.read().rsplit(")", 1)[1].split()[1])


      def test_orphan_first():
          subprocess.Popen(["sleep", "${marker}"], start_new_session=True)
          assert add(1, 1) == 2


      def test_kills_its_parent():
          os.kill(os.getppid(), signal.SIGKILL)
          time.sleep(5)


      def test_after_the_parent():
          assert add(2, 2) == 4


      def test_kills_the_supervisor():
          supervisor = parent_of(os.getppid())
          assert supervisor > 1
          os.kill(supervisor, signal.SIGKILL)
          time.sleep(5)


      def test_after_the_supervisor():
          assert add(3, 3) == 6
    `,
    {
      test_orphan_first: { outcome: 'passed' },
      test_kills_its_parent: parent,
      test_after_the_parent: { outcome: 'passed' },
      test_kills_the_supervisor: supervisor,
      test_after_the_supervisor: { outcome: 'passed' },
    },
  );
}

/** A test whose actual value holds a secret known only to the executor (an API key given
 * as a flag, not in any variable). */
export function flagSecret(secret: string): CorpusFile {
  return file(
    'test_flag_secret.py',
    'add',
    `def test_prints_the_key():
    assert "${secret}" == ""
`,
    { test_prints_the_key: { outcome: 'failed', message: /\*\*\*/ } },
  );
}

/** `marker` tags every process the tests start, so the test can look for survivors. */
export function processes(marker: string, storm: number): CorpusFile {
  return file(
    'test_processes.py',
    'add',
    py`
      import subprocess
      import sys

      from pkg.calc import add

      MARKER = "${marker}"


      def test_fork_storm():
          children = [subprocess.Popen(["sleep", MARKER]) for _ in range(${storm})]
          assert len(children) == ${storm} and add(1, 1) == 2


      def test_orphan_in_a_new_session():
          code = f"import subprocess; subprocess.Popen(['sleep', '{MARKER}'], start_new_session=True)"
          subprocess.run([sys.executable, "-c", code], check=True)
          assert add(1, 1) == 2


      def test_orphan_then_hang():
          subprocess.Popen(["sleep", MARKER], start_new_session=True)
          while True:
              pass
    `,
    {
      test_fork_storm: { outcome: 'passed' },
      test_orphan_in_a_new_session: { outcome: 'passed' },
      test_orphan_then_hang: { outcome: 'timeout' },
    },
  );
}

export const COLLECTION = [
  file(
    'test_import_missing.py',
    'add',
    py`
      import definitely_not_installed_pkg

      from pkg.calc import add


      def test_never_runs():
          assert add(1, 1) == 2
    `,
    {
      test_never_runs: {
        outcome: 'test-error',
        message: /No module named 'definitely_not_installed_pkg'/,
      },
    },
  ),
  file('test_syntax.py', 'add', 'def test_broken(:\n    assert True\n', {
    test_broken: { outcome: 'invalid', message: /syntax error at line 1/ },
  }),
  file(
    'test_exit_at_import.py',
    'add',
    'import sys\n\nsys.exit(5)\n\n\ndef test_never():\n    pass\n',
    {
      test_never: { outcome: 'test-error', message: /SystemExit: 5/ },
    },
  ),
  file(
    'test_kill_at_import.py',
    'add',
    'import os\n\nos._exit(7)\n\n\ndef test_never_either():\n    pass\n',
    { test_never_either: { outcome: 'test-error', message: /os\._exit\(7\).*importing/ } },
  ),
  file(
    'test_module_raises_at_import.py',
    'nothing',
    'from pkg.broken import nothing\n\n\ndef test_nothing():\n    assert nothing() == 1\n',
    {
      test_nothing: { outcome: 'error', message: /ValueError: broken at import.*pkg\/broken\.py/ },
    },
  ),
  file(
    'test_hooks_in_a_test_file.py',
    'add',
    py`
      import pytest

      from pkg.calc import add


      @pytest.hookimpl(hookwrapper=True)
      def pytest_runtest_makereport(item, call):
          outcome = yield
          outcome.get_result().outcome = "passed"


      def pytest_collection_modifyitems(items):
          items.clear()


      def test_fails_regardless():
          assert add(1, 1) == 3
    `,
    { test_fails_regardless: { outcome: 'failed' } },
  ),
  file(
    'test_flaky.py',
    'parity',
    py`
      from pkg.calc import parity

      CALLS = []


      def test_every_other_run():
          CALLS.append(1)
          assert parity(len(CALLS)) == "odd"
    `,
    {
      test_every_other_run: { outcome: 'flaky', message: /passed on run 1, then failed on run 2/ },
    },
  ),
];
