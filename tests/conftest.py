"""Suite-wide fixtures. The autouse guard makes every socket connection fail: the whole suite
is the proof of "no network by default" (PostgreSQL and service tests opt in for loopback only)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "large", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


class NetworkAccessError(AssertionError):
    pass


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        return host in {"127.0.0.1", "::1", "localhost"}
    return isinstance(address, str | bytes)  # AF_UNIX paths are local


@pytest.fixture(autouse=True)
def no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any socket connection. Tests marked ``postgres`` or ``server`` may reach loopback
    only."""
    allow_loopback = any(
        request.node.get_closest_marker(name) is not None for name in ("postgres", "server")
    )
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(self: socket.socket, address: object) -> object:
        if allow_loopback and _is_loopback(address):
            return real_connect(self, address)  # type: ignore[arg-type]
        raise NetworkAccessError(f"network access attempted: {address!r}")

    def guarded_ex(self: socket.socket, address: object) -> object:
        if allow_loopback and _is_loopback(address):
            return real_connect_ex(self, address)  # type: ignore[arg-type]
        raise NetworkAccessError(f"network access attempted: {address!r}")

    def no_dns(*args: object, **kwargs: object) -> object:
        raise NetworkAccessError(f"DNS lookup attempted: {args[:1]!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
    if not allow_loopback:
        monkeypatch.setattr(socket, "getaddrinfo", no_dns)
        monkeypatch.setattr(socket, "create_connection", lambda *a, **k: no_dns(*a))
    yield
