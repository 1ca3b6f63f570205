"""``--workers 2`` against one status store: concurrent issuance through both workers never hands
a status position out twice, and a revocation made through one worker is seen by the other.
Once with the SQLite store, once with PostgreSQL (``KR_OVID_TEST_PG_DSN``, as the store's own
contract tests; skipped without it)."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from server_support import STATUS_OPTION, TOKEN, TOKEN_SHA256, credential

from conftest import write_toml

PG_DSN = os.environ.get("KR_OVID_TEST_PG_DSN")
CREDENTIALS = 48


def _issue_concurrently(service) -> list[dict]:
    def issue(_: int) -> dict:
        with service.client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            response = client.post(
                "/credentials/issue",
                json={
                    "credential": credential(service.issuer),
                    "options": {"credentialStatus": STATUS_OPTION},
                },
            )
        assert response.status_code == 201, response.text
        return response.json()["verifiableCredential"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(issue, range(CREDENTIALS)))


def _check_workers_share_the_store(service) -> None:
    issued = _issue_concurrently(service)
    positions = [
        (vc["credentialStatus"]["statusListCredential"], vc["credentialStatus"]["statusListIndex"])
        for vc in issued
    ]
    assert len(set(positions)) == CREDENTIALS, "a status position was handed out twice"
    started = {line["pid"] for line in service.log_lines() if line.get("event") == "start"}
    assert len(started) == 2, "both workers must have started"
    served = {
        line["pid"]
        for line in service.log_lines()
        if line.get("event") == "access" and line.get("route") == "/credentials/issue"
    }
    assert served <= started

    # Revoke through whichever worker answers; every verification, on either worker, sees it.
    target = issued[0]
    with service.client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        revoked = client.post(
            "/credentials/status",
            json={"credentialId": target["id"], "credentialStatus": STATUS_OPTION},
        )
    assert revoked.status_code == 200
    for _ in range(6):  # new connections: spread over the workers
        with service.client() as client:
            answer = client.post("/credentials/verify", json={"verifiableCredential": target})
        assert answer.status_code == 422
        assert answer.json()["code"] == "CREDENTIAL_REVOKED"


def _config(directory: Path, status: str) -> Path:
    return write_toml(
        directory / "kr-ovid.toml",
        f"""
[server]
test_mode = true
public_url = "https://vc.example.test"
workers = 2
[auth]
bearer_token_sha256 = ["{TOKEN_SHA256}"]
[challenges]
path = "challenges.sqlite3"
{status}
""",
    )


def test_two_workers_share_one_sqlite_store(serve, tmp_path: Path) -> None:
    service = serve("--config", str(_config(tmp_path, '[status]\npath = "status.sqlite3"')))
    assert service.ready["workers"] == 2
    _check_workers_share_the_store(service)
    assert service.stop() == 0


@pytest.mark.postgres
def test_two_workers_share_one_postgres_store(serve, tmp_path: Path) -> None:
    if not PG_DSN:
        pytest.skip("KR_OVID_TEST_PG_DSN is not set (source .ci/postgres.sh)")
    import psycopg

    schema = f"serve_{uuid.uuid4().hex[:16]}"
    status = f'[status]\nstore = "postgres"\ndsn_env = "KR_OVID_TEST_PG_DSN"\nschema = "{schema}"'
    try:
        service = serve("--config", str(_config(tmp_path, status)))
        _check_workers_share_the_store(service)
        assert service.stop() == 0
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
