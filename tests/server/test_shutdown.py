"""Graceful shutdown: a request in flight when SIGTERM arrives is finished and answered, then the
worker closes its stores and the process exits 0.

The request is held in flight deterministically: its head and half its body are sent, SIGTERM
follows, and the rest of the body is sent only once the service has logged that it is shutting
down."""

from __future__ import annotations

import json
import signal
import socket
import time

from conftest import STARTUP_SECONDS


def _wait_for_log(service, message: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not any(line.get("message") == message for line in service.log_lines()):
        assert time.monotonic() < deadline, f"no {message!r} in the log"
        time.sleep(0.05)


def test_request_in_flight_is_answered_after_sigterm(serve) -> None:
    service = serve("--test-mode")
    host, port = service.url.removeprefix("http://").split(":")
    body = json.dumps({"verifiableCredential": {"@context": []}}).encode()
    head = (
        f"POST /credentials/verify HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head + body[:10])
        _wait_for_log(service, "Application startup complete.")
        service.process.send_signal(signal.SIGTERM)
        _wait_for_log(service, "Shutting down")
        sock.sendall(body[10:])
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line in (b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 422 Unprocessable Entity")
    assert b'"verified":false' in answer
    assert service.process.wait(timeout=STARTUP_SECONDS) == 0
    events = [line.get("event") for line in service.log_lines()]
    assert events.index("access") < events.index("stop")
