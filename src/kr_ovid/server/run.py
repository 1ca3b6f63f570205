"""Running the service under uvicorn: bind, start the workers, write the ready file, stop
gracefully.

How several workers share one port and one configuration: this process binds and listens on
the socket itself (so ``--port 0`` is resolved once, and connections wait in the backlog rather
than being refused while workers start), then hands the socket to uvicorn's worker processes.
Each worker receives the *checked* :class:`~kr_ovid.server.config.ServiceConfig` through a
picklable application factory (``functools.partial(create_app, config)``, uvicorn's
``factory=True``), so no worker re-reads files that might have changed, and all of them sign
with the same key and write to the same status store. The store, not the process, guarantees
that no index is handed out twice (SQLite ``BEGIN IMMEDIATE``, PostgreSQL row lock).

Shutdown: SIGTERM or SIGINT stops accepting, lets requests in flight finish (at most
``graceful_shutdown_seconds``), then closes each worker's stores; with several workers the
parent forwards the signal and waits for them.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from kr_ovid.did.document import split_did_url
from kr_ovid.server.app import create_app
from kr_ovid.server.config import ServiceConfig
from kr_ovid.server.logs import log_config
from kr_ovid.server.state import build_state
from kr_ovid.server.tls import ClientCertH11Protocol

__all__ = ["bind_socket", "serve"]

_BACKLOG = 2048
_READY_POLL_SECONDS = 0.05


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket (``port`` 0: any free port), inheritable by worker processes."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(_BACKLOG)
    sock.set_inheritable(True)
    return sock


def _stopped(signum: int, frame: object) -> None:
    """The signal has already been handled by uvicorn (graceful shutdown); nothing more."""


def _mark_ready(directory: str) -> None:
    """Called by each worker once its state is built: one file per worker pid."""
    Path(directory, str(os.getpid())).touch()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _watch_ready(
    directory: Path, workers: int, ready_file: Path, content: dict[str, Any], stop: threading.Event
) -> None:
    """Write ``ready_file`` once every worker has reported ready (the socket already listens)."""
    while not stop.wait(_READY_POLL_SECONDS):
        if len(list(directory.iterdir())) >= workers:
            _write_atomic(ready_file, json.dumps(content, indent=2) + "\n")
            return


def _prepare(config: ServiceConfig, port: int) -> ServiceConfig:
    """Fill in what is only known now: the public URL of a port-0 service, and in test mode
    one issuer seed for every worker (each would otherwise make up its own key)."""
    if config.public_url is None:
        host = f"[{config.host}]" if ":" in config.host else config.host
        config = replace(config, public_url=f"{config.scheme}://{host}:{port}")
    if config.test_mode and config.issuer.key_file is None and config.issuer.seed is None:
        config = replace(config, issuer=replace(config.issuer, seed=secrets.token_hex(32)))
    return config


def serve(config: ServiceConfig, *, ready_file: Path | None = None) -> int:
    """Serve until SIGTERM/SIGINT; return the process exit code."""
    sock = bind_socket(config.host, config.port)
    port = int(sock.getsockname()[1])
    config = _prepare(config, port)
    # Build the state once here: a configuration that cannot work fails now, with its message,
    # instead of in every worker; it also names the issuer for the ready file.
    probe = build_state(config)
    issuer = split_did_url(probe.signer.verification_method)[0]
    probe.close()

    ready_dir = Path(tempfile.mkdtemp(prefix="kr-ovid-ready-"))
    stop = threading.Event()
    host = f"[{config.host}]" if ":" in config.host else config.host
    content = {
        "url": f"{config.scheme}://{host}:{port}",
        "publicUrl": config.base_url(),
        "issuer": issuer,
        "testMode": config.test_mode,
        "workers": config.workers,
        "pid": os.getpid(),
    }
    watcher = None
    if ready_file is not None:
        watcher = threading.Thread(
            target=_watch_ready,
            args=(ready_dir, config.workers, ready_file, content, stop),
            daemon=True,
        )
        watcher.start()
    tls = config.tls
    factory = functools.partial(
        create_app, config, on_ready=functools.partial(_mark_ready, str(ready_dir))
    )
    uv_config = uvicorn.Config(
        factory,
        factory=True,
        workers=config.workers,
        http=ClientCertH11Protocol,
        ssl_certfile=str(tls.cert) if tls else None,
        ssl_keyfile=str(tls.key) if tls else None,
        ssl_ca_certs=str(tls.client_ca) if tls and tls.client_ca else None,
        ssl_cert_reqs=ssl.CERT_OPTIONAL if tls and tls.client_ca else ssl.CERT_NONE,
        log_config=log_config(test_mode=config.test_mode, level=config.log_level),
        access_log=False,
        server_header=False,
        limit_concurrency=config.limits.max_concurrency,
        timeout_graceful_shutdown=config.graceful_shutdown_seconds,
        lifespan="on",
    )
    try:
        if config.workers > 1:
            Multiprocess(uv_config, sockets=[sock]).run()
            return 0
        server = uvicorn.Server(uv_config)
        # uvicorn re-raises the signal that stopped it once it has shut down, through the
        # handler that was in place before; this one makes that a no-op, so a graceful stop
        # ends with exit code 0 (what a service manager expects after it asked for the stop).
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _stopped)
        server.run(sockets=[sock])
        return 0 if server.started else 1
    finally:
        stop.set()
        sock.close()
        shutil.rmtree(ready_dir, ignore_errors=True)
        if ready_file is not None:
            ready_file.unlink(missing_ok=True)
