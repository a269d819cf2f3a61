"""The Linux side of the sandbox: system calls through ctypes (prctl, unshare, mount;
os.unshare is Python 3.12+), the namespaces a contained process may get, and how to probe
which ones this machine allows. Elsewhere `probe_isolation` returns process groups only.
Used by sandbox_process.py (sandbox_landlock.py shares its libc); no JSON input or output.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import socket
import struct
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

# Linux constants (include/uapi/linux/sched.h, prctl.h, sockios.h, if.h).
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x8, 0x4000, 0x40000


@dataclass
class Isolation:
    network: str  # "namespace" | "guard"
    processes: str  # "pid-namespace" | "subreaper" | "process-group"
    user_namespace: bool = False
    # The PID namespace gets its own /proc (a mount namespace where the kernel allows one).
    private_proc: bool = False
    # Landlock ABI applied to processes spawned with rules (0: none). Set by the caller,
    # which decides whether to use it (sandbox_landlock.abi() says what the kernel has).
    landlock: int = 0

    @property
    def namespaces(self) -> bool:
        return self.processes == "pid-namespace"

    @property
    def holder(self) -> bool:
        """Whether a holder process stands between the caller and the contained process."""
        return self.processes != "process-group"

    def to_json(self) -> Dict[str, Any]:
        return {"network": self.network, "processes": self.processes,
                "landlock": self.landlock or None}


# --- Linux system calls through ctypes (os.unshare is Python 3.12+) -----------------------

_libc: Optional[ctypes.CDLL] = None


def _c() -> Optional[ctypes.CDLL]:
    global _libc
    if _libc is None and sys.platform.startswith("linux"):
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        _libc.syscall.restype = ctypes.c_long  # Landlock's system calls (sandbox_landlock.py)
    return _libc


def _prctl(option: int, value: int) -> bool:
    libc = _c()
    return libc is not None and libc.prctl(option, value, 0, 0, 0) == 0


def _unshare(flags: int) -> None:
    libc = _c()
    if libc is None:
        raise OSError(errno.ENOSYS, "unshare is Linux-only")
    if libc.unshare(flags) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _bring_up_loopback() -> None:
    """A new network namespace has `lo` down; tests may still use 127.0.0.1 among themselves."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", _ioctl(sock, SIOCGIFFLAGS, request))[1]
        _ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def _ioctl(sock: socket.socket, request: int, arg: bytes) -> bytes:
    import fcntl

    return fcntl.ioctl(sock.fileno(), request, arg)


def enter_namespaces(user_namespace: bool, private_proc: bool = False) -> None:
    """Moves the calling process into new network and (for its children) PID namespaces,
    and, for a private /proc, a mount namespace of its own."""
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWPID | CLONE_NEWNET | (CLONE_NEWUSER if user_namespace else 0)
    flags |= CLONE_NEWNS if private_proc else 0
    _unshare(flags)
    if user_namespace:
        # Map our own ids only: files keep their owner, and we get the capabilities needed
        # to configure the new network namespace.
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _bring_up_loopback()


def mount_private_proc() -> None:
    """In the PID namespace's init: a /proc that shows the namespace's processes only (the
    host's /proc would show every process of the machine, and their command lines).
    Propagation is made private first, so nothing of this reaches the host's mounts."""
    libc = _c()
    if libc is None:
        raise OSError(errno.ENOSYS, "mount is Linux-only")
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_void_p]
    for source, target, kind, flags in ((b"none", b"/", None, MS_REC | MS_PRIVATE),
                                        (b"proc", b"/proc", b"proc",
                                         MS_NOSUID | MS_NODEV | MS_NOEXEC)):
        if libc.mount(source, target, kind, flags, None) != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"cannot mount {target.decode()}: {os.strerror(code)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def probe_isolation(want: str = "auto") -> Isolation:
    """Finds the strongest isolation this process may use ("portable" forces the fallback)."""
    fallback = Isolation("guard", "subreaper" if _c() is not None else "process-group")
    if want == "portable" or _c() is None:
        return fallback
    for user_namespace in (False, True):
        for private_proc in (True, False):
            if _try_in_fork(lambda: _probe_namespaces(user_namespace, private_proc)):
                return Isolation("namespace", "pid-namespace", user_namespace, private_proc)
    return fallback


def _probe_namespaces(user_namespace: bool, private_proc: bool) -> None:
    enter_namespaces(user_namespace, private_proc)
    if private_proc and not _try_in_fork(mount_private_proc):
        raise OSError(errno.EPERM, "cannot mount a private /proc")


def _try_in_fork(attempt: Callable[[], None]) -> bool:
    """Whether attempt() succeeds in a child (whose namespaces and mounts die with it)."""
    pid = os.fork()
    if pid == 0:
        try:
            attempt()
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
