"""Running the app for a county: several worker processes, connection limits, header and
keep-alive timeouts, the LAN address people can open, and a QR code of it.

uvicorn serves the app; what it lacks is a time limit on a request's headers (a client that
opens a connection and never finishes its request holds it forever, and ~1,000 of them made
the service unreachable), so :class:`HeaderTimeoutProtocol` closes any connection whose
request headers are not complete within :data:`HEADER_TIMEOUT` seconds. ``limit_concurrency``
answers 503 past :data:`MAX_CONNECTIONS` connections per worker instead of accepting without
bound; the body of a request has its own time limit in the app (``BODY_TIMEOUT``).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

__all__ = ["HEADER_TIMEOUT", "KEEP_ALIVE", "MAX_CONNECTIONS", "HeaderTimeoutProtocol", "ServeOptions", "lan_addresses", "qr_png", "qr_terminal", "run", "uvicorn_options"]

# Technical limits of the service (not policy numbers); docs/deploy.md sets the proxy's to match.
HEADER_TIMEOUT = 10.0  # seconds for a client to send its request line and headers
KEEP_ALIVE = 5  # seconds an idle keep-alive connection is kept
MAX_CONNECTIONS = 1000  # per worker, then 503
BACKLOG = 2048


from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol  # noqa: E402 (uvicorn with httptools: a dependency)


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, with a deadline on each request's headers (slow-loris, half-open)."""

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._xx_deadline = self.loop.call_later(self.header_timeout, self._xx_expire)
        self._xx_waiting = True

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._xx_waiting:  # the next request on a kept-alive connection: a fresh deadline
            self._xx_deadline = self.loop.call_later(self.header_timeout, self._xx_expire)
            self._xx_waiting = True

    def on_headers_complete(self) -> None:
        self._xx_stop()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._xx_stop()
        super().connection_lost(exc)

    def _xx_stop(self) -> None:
        deadline = getattr(self, "_xx_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._xx_deadline = None
        self._xx_waiting = False

    def _xx_expire(self) -> None:
        self._xx_deadline = None
        if self._xx_waiting and not self.transport.is_closing():
            self.transport.close()


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    rules: str | None = None


def uvicorn_options(opts: ServeOptions) -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.run`` for these options: the limits and timeouts set,
    the access log off (a request line can carry what was typed), no ``server`` header."""
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    kw: dict[str, Any] = dict(
        host=opts.host, port=opts.port, access_log=False, log_level="warning", server_header=False, date_header=False,
        http=HeaderTimeoutProtocol, loop=loop, timeout_keep_alive=KEEP_ALIVE, limit_concurrency=MAX_CONNECTIONS,
        backlog=BACKLOG, timeout_graceful_shutdown=10,
    )
    if opts.workers > 1:
        kw["workers"] = opts.workers
    return kw


def raise_open_files_limit() -> None:
    """Let the process hold as many connections as the system allows (the soft limit is often 1024)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = hard if hard != resource.RLIM_INFINITY else 65536
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on this system
        pass


def run(opts: ServeOptions) -> None:
    """Serve the app: one process, or ``opts.workers`` processes sharing the port."""
    import uvicorn

    raise_open_files_limit()
    kw = uvicorn_options(opts)
    if opts.workers > 1:
        if opts.rules:
            os.environ["XINGXIAN_RULES"] = opts.rules
        uvicorn.run("xingxian_subsidy.web:app_from_env", factory=True, **kw)
    else:
        from ..pack.loader import load_rules
        from . import create_app

        uvicorn.run(create_app(load_rules(opts.rules)), **kw)


def lan_addresses(host: str) -> list[str]:
    """The addresses people on the network can open: the host itself when it names one, else
    (0.0.0.0, ::) the machine's own LAN address, found by asking the routing table which
    address would be used — a UDP socket is connected, nothing is sent."""
    if host not in ("0.0.0.0", "::", ""):
        return [host]
    found: list[str] = []
    for probe in ("10.255.255.255", "192.168.255.255", "172.31.255.255"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))  # a datagram socket only picks a route; no packet leaves
                addr = s.getsockname()[0]
        except OSError:
            continue
        if addr not in found and not addr.startswith("127."):
            found.append(addr)
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            addr = info[4][0]
            if addr not in found and not addr.startswith("127."):
                found.append(addr)
    except OSError:
        pass
    return found or ["127.0.0.1"]


def qr_terminal(url: str) -> str:
    """A QR code of ``url`` drawn with block characters, for the terminal."""
    import io

    import segno

    buf = io.StringIO()
    segno.make(url, error="m").terminal(out=buf, compact=True, border=2)
    return buf.getvalue()


def qr_png(url: str, path: str | os.PathLike[str]) -> None:
    """A QR code of ``url`` as a PNG (to print and pin up), written atomically."""
    import tempfile
    from pathlib import Path

    import segno

    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        segno.make(url, error="m").save(tmp, kind="png", scale=10, border=4)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
