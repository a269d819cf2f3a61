"""Landlock for the sandbox: what a contained process may read, write and signal.

Landlock (Linux 5.13+, enabled on Ubuntu's and most distributions' kernels) lets a process
restrict itself and every process it starts afterwards, without privileges. The contained
test process gets this policy, built by `policy()` in the supervisor and applied by
`restrict()` in the child just before it runs the tests:

  read        files beneath every entry of "/" except /proc (other processes' environ and
              cmdline hold tokens and API keys) and the hidden paths the caller names (the
              user's checkout and its git directory: the sandbox has its own copy, and
              .git/config may hold a token); a few harmless /proc files (cpuinfo, meminfo,
              /proc/sys...) stay readable. Directory listings stay allowed everywhere (file
              names only), so /proc/self/fd can still be listed (Python's subprocess closes
              descriptors that way).
  re-allowed  paths the caller must keep readable inside a hidden one (the interpreter's
              prefix and sys.path, this helper folder).
  write       beneath the write roots only (the run's sandbox folder: the copy, HOME,
              TMPDIR, the harness's own files), /dev/shm, and the usual character devices
              (/dev/null, /dev/tty, ptys, GPUs); never device nodes of its own (mknod).
  signals     from ABI 6: no signal to a process outside the sandbox (the supervisor, the
              action), and no connection to an abstract Unix socket outside it.

The kernel's ptrace scoping (every ABI) also keeps /proc/<pid>/environ, mem and fd of other
processes out of reach. Differences by ABI: REFER (renames across folders) from 2, TRUNCATE
from 3, IOCTL_DEV from 5, scopes from 6; on ABI 1 a rename into another folder fails (EXDEV).
No JSON input or output; sandbox_process.py calls it. The module name is prefixed so it
cannot shadow a module of the code under test.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import os
import stat
from typing import Iterable, List, Sequence, Tuple

from sandbox_linux import _c

# include/uapi/linux/landlock.h; the system call numbers are the same on every architecture.
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

WRITE_FILE, READ_FILE, READ_DIR = 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
# EXECUTE is left unhandled: whatever may be read may be run, /proc/self/exe included.
FILE_RIGHTS = WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV

READ = READ_FILE | READ_DIR
DEVICE = READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV
WRITE = (READ | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SOCK
         | MAKE_FIFO | MAKE_SYM | REFER | TRUNCATE | IOCTL_DEV)

PROC_READABLE = ("cpuinfo", "meminfo", "stat", "loadavg", "uptime", "version", "filesystems",
                 "sys")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
           "/dev/ptmx", "/dev/pts", "/dev/dri", "/dev/kfd", "/dev/nvidia*")
# A folder with more entries than this is not split up to hide a path beneath it (each entry
# costs a rule in every contained process); the path then stays readable.
MAX_SPLIT_ENTRIES = 4000

Rule = Tuple[str, int]


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi() -> int:
    """The Landlock ABI version of this kernel; 0 when Landlock is missing or disabled."""
    libc = _c()
    if libc is None:
        return 0
    version = libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0),
                           ctypes.c_uint32(CREATE_RULESET_VERSION))
    return int(version) if version > 0 else 0


def handled_fs(version: int) -> int:
    rights = (WRITE_FILE | READ_FILE | READ_DIR | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR
              | MAKE_REG | MAKE_SOCK | MAKE_FIFO | MAKE_BLOCK | MAKE_SYM)
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    if version >= 5:
        rights |= IOCTL_DEV
    return rights


def scopes(version: int) -> int:
    return SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET if version >= 6 else 0


def policy(write_roots: Sequence[str], hidden: Sequence[str] = (),
           readable: Iterable[str] = ()) -> List[Rule]:
    """The rules (path, rights) of a contained process; computed once by the caller, since
    hiding a path means listing the folders above it."""
    rules: List[Rule] = [("/", READ_DIR)]
    rules += [(path, READ) for path in readable_subtrees(["/proc", *hidden])]
    rules += [(os.path.join("/proc", name), READ) for name in PROC_READABLE]
    rules += [(path, READ) for path in readable if path and os.path.isabs(path)]
    rules += [("/dev", READ_FILE | IOCTL_DEV)]
    rules += [(path, DEVICE) for pattern in DEVICES for path in sorted(glob.glob(pattern))]
    rules += [(path, WRITE) for path in ("/dev/shm", *write_roots)]
    return rules


def readable_subtrees(hidden: Sequence[str]) -> List[str]:
    """The largest folders and files that together hold everything but the hidden paths.
    Symbolic links are left out: Landlock judges the path a link resolves to."""
    hide = {os.path.realpath(path) for path in hidden if path}
    found: List[str] = []

    def cover(path: str) -> None:
        if path in hide:
            return
        prefix = path.rstrip("/") + "/"
        if not any(h.startswith(prefix) for h in hide):
            found.append(path)
            return
        try:
            names = os.listdir(path)
        except OSError:
            return
        if len(names) > MAX_SPLIT_ENTRIES:
            found.append(path)
            return
        for name in sorted(names):
            child = prefix + name
            if not os.path.islink(child):
                cover(child)

    cover("/")
    return found


def restrict(rules: Sequence[Rule], version: int) -> None:
    """Applies the rules to this process and its future children (irreversibly). Raises
    OSError when the kernel refuses; a rule whose path no longer exists is left out."""
    libc = _c()
    if libc is None or version < 1:
        raise OSError(errno.ENOSYS, "Landlock is not available")
    handled = handled_fs(version)
    attr = _RulesetAttr(handled, 0, scopes(version))
    size = 8 if version < 4 else 16 if version < 6 else 24  # the fields this ABI knows
    ruleset = _check(libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), ctypes.byref(attr),
                                  ctypes.c_size_t(size), ctypes.c_uint32(0)), "create a ruleset")
    try:
        for path, rights in rules:
            _add_rule(libc, ruleset, path, rights & handled)
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")
        _check(libc.syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(ruleset),
                            ctypes.c_uint32(0)), "restrict itself")
    finally:
        os.close(ruleset)


def _add_rule(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= FILE_RIGHTS
        if rights:
            attr = _PathBeneathAttr(rights, fd)
            _check(libc.syscall(ctypes.c_long(SYS_ADD_RULE), ctypes.c_int(ruleset),
                                ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(attr),
                                ctypes.c_uint32(0)), f"add a rule for {path}")
    finally:
        os.close(fd)


def _check(result: int, what: str) -> int:
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"Landlock: cannot {what}: {os.strerror(code)}")
    return int(result)
