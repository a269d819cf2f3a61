"""The reusable sandbox (src/python/sandbox.py): one contained run, in both isolation modes."""

from __future__ import annotations

import os
import random
import time
import sys
from pathlib import Path
from typing import List

import pytest

import sandbox

PYTHON = sys.executable
BEST = sandbox.probe_isolation("auto")
MODES = sorted({"auto", "portable"})


@pytest.fixture(scope="module", autouse=True)
def subreaper() -> None:
    sandbox.become_subreaper()


def run(code: str, mode: str, tmp_path: Path, timeout: float = 10, **limits: int):
    isolation = sandbox.probe_isolation(mode)
    env = sandbox.reduced_env(os.environ, [], {"HOME": str(tmp_path)})
    env.update(sandbox.guard_env(isolation, None))
    return sandbox.run_contained(
        [PYTHON, "-c", code],
        cwd=str(tmp_path),
        env=env,
        limits=sandbox.Limits(**limits),
        isolation=isolation,
        timeout_sec=timeout,
    )


def alive(marker: str) -> List[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ")
            state = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != "Z":
            found.append(int(name))
    return found


def test_auto_uses_namespaces_exactly_when_the_os_allows_them() -> None:
    assert BEST.network in ("namespace", "guard")
    assert (BEST.network == "namespace") == (BEST.processes == "pid-namespace")
    assert sandbox.probe_isolation("portable").to_json() == {
        "network": "guard",
        "processes": "subreaper",
        "landlock": None,  # applied only by callers that pass rules (test_sandbox_landlock.py)
    }


@pytest.mark.parametrize("mode", MODES)
def test_reports_exit_code_and_output(mode: str, tmp_path: Path) -> None:
    done = run("import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)", mode, tmp_path)
    assert (done.exit_code, done.signal, done.timed_out) == (3, None, False)
    assert (done.stdout, done.stderr) == ("out\n", "err\n")


@pytest.mark.parametrize("mode", MODES)
def test_reports_death_by_signal(mode: str, tmp_path: Path) -> None:
    done = run("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", mode, tmp_path)
    assert (done.exit_code, done.signal) == (None, 9)


@pytest.mark.parametrize("mode", MODES)
def test_timeout_kills_the_whole_tree_including_new_sessions(mode: str, tmp_path: Path) -> None:
    marker = f"{random.randint(100000, 999999)}.{random.randint(10, 99)}"
    code = (
        "import subprocess, time\n"
        f"subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
        f"subprocess.Popen(['sh', '-c', '(setsid sleep {marker} &); sleep {marker}'])\n"
        "time.sleep(60)\n"
    )
    done = run(code, mode, tmp_path, timeout=1.5)
    assert done.timed_out and done.signal == 9
    assert alive(marker) == []


@pytest.mark.parametrize("mode", MODES)
def test_orphans_die_when_the_process_ends(mode: str, tmp_path: Path) -> None:
    marker = f"{random.randint(100000, 999999)}.{random.randint(10, 99)}"
    code = f"import subprocess; subprocess.Popen(['sleep', '{marker}'], start_new_session=True)"
    done = run(code, mode, tmp_path)
    assert done.exit_code == 0 and not done.timed_out
    assert alive(marker) == []


@pytest.mark.parametrize("mode", MODES)
def test_caps_output(mode: str, tmp_path: Path) -> None:
    done = run("print('x' * 20_000_000)", mode, tmp_path, output_bytes=1000)
    assert done.stdout_bytes == 20_000_001
    assert len(done.stdout) < 1100
    assert "bytes dropped" in done.stdout


@pytest.mark.parametrize("mode", MODES)
def test_limits_memory_and_file_size(mode: str, tmp_path: Path) -> None:
    done = run("bytearray(64 << 30)", mode, tmp_path)
    assert "MemoryError" in done.stderr
    done = run("open('big', 'wb').write(b'x' * (2 << 20))", mode, tmp_path, file_size_bytes=1 << 20)
    assert "File too large" in done.stderr


@pytest.mark.parametrize("mode", MODES)
def test_network_is_refused_with_a_message(mode: str, tmp_path: Path) -> None:
    done = run("import socket; socket.create_connection(('203.0.113.9', 80), timeout=2)", mode, tmp_path)
    assert done.exit_code == 1
    assert "network access is blocked in the sandbox" in done.stderr
    done = run("import socket; socket.getaddrinfo('example.com', 80)", mode, tmp_path)
    assert "network access is blocked in the sandbox (name resolution of 'example.com')" in done.stderr


@pytest.mark.parametrize("mode", MODES)
def test_loopback_to_its_own_server_works(mode: str, tmp_path: Path) -> None:
    code = (
        "import socket\n"
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
        "client = socket.create_connection(server.getsockname(), timeout=2)\n"
        "print('connected')\n"
    )
    assert run(code, mode, tmp_path).stdout == "connected\n"


def test_in_a_network_namespace_even_raw_sockets_cannot_leave(tmp_path: Path) -> None:
    done = run("import _socket; _socket.socket().connect(('203.0.113.9', 80))", "auto", tmp_path, timeout=5)
    if BEST.network == "namespace":
        assert "Network is unreachable" in done.stderr
    else:  # the guard is all there is: it covers the socket module, not _socket
        assert "blocked in the sandbox" not in done.stderr


def test_environment_is_an_allowlist() -> None:
    source = {"PATH": "/bin", "LC_ALL": "C", "HOME": "/root", "GITHUB_TOKEN": "x",
              "MY_API_KEY": "y", "WANTED": "1", "WANTED_TOKEN": "z", "OTHER": "2"}
    env = sandbox.reduced_env(source, ["WANTED", "WANTED_TOKEN"], {"HOME": "/tmp/h"})
    assert env == {"PATH": "/bin", "LC_ALL": "C", "LANG": "C.UTF-8", "WANTED": "1", "HOME": "/tmp/h"}


@pytest.mark.parametrize(
    "name, secret",
    [("GITHUB_TOKEN", True), ("ACTIONS_RUNTIME_URL", True), ("AWS_SECRET_ACCESS_KEY", True),
     ("SEMCODER_API_KEY", True), ("PGPASSWORD", True), ("PATH", False), ("DEBUG", False)],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert sandbox.looks_secret(name) is secret


def test_output_cap_keeps_head_and_tail() -> None:
    cap = sandbox.OutputCap(10)
    for chunk in (b"abc", b"defgh", b"ijklmnop", b"qrst"):
        cap.feed(chunk)
    assert cap.total == 20
    assert cap.text() == "abcde\n[... 10 bytes dropped ...]\npqrst"


@pytest.mark.parametrize("mode", MODES)
def test_stdin_of_any_size_and_binary_output(mode: str, tmp_path: Path) -> None:
    isolation = sandbox.probe_isolation(mode)
    data = os.urandom(1 << 20)  # far more than a pipe holds
    done = sandbox.run_contained(
        [PYTHON, "-c", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"],
        cwd=str(tmp_path),
        env=sandbox.reduced_env(os.environ, [], {"HOME": str(tmp_path)}),
        limits=sandbox.Limits(output_bytes=4 << 20),
        isolation=isolation,
        timeout_sec=30,
        stdin_data=data,
    )
    assert done.exit_code == 0 and done.stdout_data == data


def test_killing_strays_records_a_kept_child_that_exited_meanwhile(tmp_path: Path) -> None:
    """A kept child reaped unseen would be waited for forever (the supervisor hung so)."""
    isolation = sandbox.probe_isolation("portable")
    env = sandbox.reduced_env(os.environ, [], {})
    children = {}
    for code in ("pass", "import time; time.sleep(30)"):
        child = sandbox.spawn([PYTHON, "-c", code], cwd=str(tmp_path), env=env,
                              limits=sandbox.Limits(), isolation=isolation,
                              stdout_fd=2, stderr_fd=2)
        children[child.pid] = child
    quick, slow = list(children.values())
    for _ in range(500):  # until the quick one is a zombie, waiting to be reaped
        state = Path(f"/proc/{quick.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "Z":
            break
        time.sleep(0.01)
    stray = os.fork()  # an orphan reparented to us, say, for kill_strays to kill
    if stray == 0:
        time.sleep(30)
        os._exit(0)
    assert sandbox.kill_strays(children) >= 1
    assert quick.exit_code == 0 and slow.status is None
    slow.kill()
    os.waitpid(slow.pid, 0)
