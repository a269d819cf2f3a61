"""The network guard: refuses outbound connections of the Python process it is installed in.

install(mode) patches the `socket` module (no JSON input or output). Modes:
  "namespace": the process already lives in a network namespace that has only a loopback
               interface; loopback stays open, anything else is refused here with a message
               that says why (the namespace would refuse it anyway, less clearly). A refused
               loopback connection gets that message too: the namespace's loopback is not
               the host's, so a service of the host (a database, a model server) is not
               there.
  "guard":     no namespace could be made; this guard is what refuses outbound connections.
               Loopback is allowed only to ports bound in this process (a test may run its
               own local server), never to services of the host (a model server, a database).
Refusals raise an OSError subclass whose message starts with "network access is blocked in
the sandbox", so callers can classify them. Only Python code is guarded in "guard" mode; the
guard is for accidents in generated tests, not for code that works around it on purpose.
The module name is prefixed so it cannot shadow a module of the code under test.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any, Callable, Optional, Set

BLOCKED = "network access is blocked in the sandbox"
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "")


class SandboxNetworkBlocked(ConnectionRefusedError):
    """A connection the sandbox refused."""


class SandboxNameResolutionBlocked(socket.gaierror):
    """A name lookup the sandbox refused (it would leave the machine)."""


def _address(host: str) -> Optional[Any]:
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None


def is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host.lower() in _LOCAL_NAMES:
        return True
    address = _address(host)
    return address is not None and address.is_loopback


class _Guard:
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.bound_ports: Set[int] = set()
        real = socket.socket
        self.connect, self.connect_ex = real.connect, real.connect_ex
        self.sendto, self.bind = real.sendto, real.bind

    def allowed(self, sock: socket.socket, address: object) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True  # Unix sockets, netlink: not the network
        if not isinstance(address, tuple) or not address or not is_loopback(address[0]):
            return False
        return self.mode == "namespace" or (len(address) > 1 and address[1] in self.bound_ports)

    def refuse(self, what: str) -> SandboxNetworkBlocked:
        return SandboxNetworkBlocked(111, f"{BLOCKED} ({what})")

    def resolver(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(host, *args, **kwargs):  # type: ignore[no-untyped-def]
            name = host.decode() if isinstance(host, bytes) else host
            # Looking up an address literal stays on the machine; connecting is what's refused.
            if name is not None and not is_loopback(name) and _address(name) is None:
                raise SandboxNameResolutionBlocked(
                    socket.EAI_NONAME, f"{BLOCKED} (name resolution of {name!r})"
                )
            return original(host, *args, **kwargs)

        guarded.__name__ = original.__name__
        return guarded


_guard: Optional[_Guard] = None


def install(mode: str) -> None:
    """Patches socket.socket and the resolver functions; idempotent."""
    global _guard
    if _guard is not None:
        return
    guard = _guard = _Guard(mode)

    def connect(self, address):  # type: ignore[no-untyped-def]
        if not guard.allowed(self, address):
            raise guard.refuse(f"connect to {address!r}")
        try:
            return guard.connect(self, address)
        except ConnectionRefusedError:
            if guard.mode != "namespace" or self.family not in (socket.AF_INET, socket.AF_INET6):
                raise
            raise guard.refuse(f"connect to {address!r} refused: the sandbox has its own "
                               "loopback, without the host's services") from None

    def connect_ex(self, address):  # type: ignore[no-untyped-def]
        if not guard.allowed(self, address):
            return 111  # ECONNREFUSED: connect_ex reports errors as numbers
        return guard.connect_ex(self, address)

    def sendto(self, data, *args):  # type: ignore[no-untyped-def]
        address = args[-1] if args else None
        if address is not None and not guard.allowed(self, address):
            raise guard.refuse(f"send to {address!r}")
        return guard.sendto(self, data, *args)

    def bind(self, address):  # type: ignore[no-untyped-def]
        result = guard.bind(self, address)
        try:
            guard.bound_ports.add(self.getsockname()[1])
        except (OSError, IndexError, TypeError):
            pass
        return result

    real = socket.socket
    real.connect, real.connect_ex = connect, connect_ex  # type: ignore[method-assign]
    real.sendto, real.bind = sendto, bind  # type: ignore[method-assign]
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        setattr(socket, name, guard.resolver(getattr(socket, name)))
