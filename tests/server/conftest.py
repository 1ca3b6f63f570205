"""Fixtures for the service tests: ``kr-ovid serve`` as a real subprocess on 127.0.0.1.

Every test here talks to the service over real HTTP or HTTPS (httpx), started with ``--port 0
--ready-file`` as an operator would; the whole directory is skipped when the ``server`` extra
(Starlette, uvicorn) or httpx is not installed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the server extra is not installed")
pytest.importorskip("uvicorn", reason="the server extra is not installed")
httpx = pytest.importorskip("httpx", reason="httpx (test extra) is not installed")

#: Generous: a worker starts in about a second, but CI machines are shared.
STARTUP_SECONDS = 90


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.server)


@dataclass
class Service:
    """One running ``kr-ovid serve``: its ready-file content and process."""

    process: subprocess.Popen[bytes]
    ready: dict[str, Any]
    log_path: Path
    verify: Any = True
    cert: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return str(self.ready["url"])

    @property
    def issuer(self) -> str:
        return str(self.ready["issuer"])

    @property
    def public_url(self) -> str:
        return str(self.ready["publicUrl"])

    def client(self, **kw: Any) -> Any:
        kw.setdefault("verify", self.verify)
        if self.cert is not None:
            kw.setdefault("cert", self.cert)
        return httpx.Client(base_url=self.url, timeout=60, **kw)

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log_path.read_text(encoding="utf-8").splitlines():
            lines.append(json.loads(raw))
        return lines

    def stop(self) -> int:
        """SIGTERM, then wait for a graceful exit; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def start_service(
    tmp_path: Path,
    args: Sequence[str] = (),
    *,
    env: dict[str, str] | None = None,
    name: str = "service",
) -> Service:
    """Start ``python -m kr_ovid serve --port 0 --ready-file …`` and wait until it is ready."""
    ready_file = tmp_path / f"{name}.ready.json"
    log_path = tmp_path / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        "kr_ovid",
        "serve",
        "--port",
        "0",
        "--ready-file",
        str(ready_file),
        *args,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=tmp_path,
        )
    deadline = time.monotonic() + STARTUP_SECONDS
    while not ready_file.exists():
        if process.poll() is not None:
            raise AssertionError(
                f"kr-ovid serve exited with {process.returncode}:\n{log_path.read_text()}"
            )
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"kr-ovid serve did not start:\n{log_path.read_text()}")
        time.sleep(0.05)
    ready = json.loads(ready_file.read_text(encoding="utf-8"))
    return Service(process, ready, log_path)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """``serve(args…)`` starts a service; every one started is stopped after the test."""
    started: list[Service] = []

    def start(*args: str, env: dict[str, str] | None = None, **kw: Any) -> Service:
        service = start_service(tmp_path, args, env=env, name=f"service{len(started)}")
        for key, value in kw.items():
            setattr(service, key, value)
        started.append(service)
        return service

    yield start
    for service in started:
        if service.process.poll() is None:
            service.stop()


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
