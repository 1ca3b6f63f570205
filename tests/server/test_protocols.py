"""OpenID4VCI and OpenID4VP in ``kr-ovid serve``, end to end over HTTPS on 127.0.0.1.

One mission's service runs as a subprocess (``--port 0 --ready-file``, TLS with a test CA) with
``[oid4vci]`` and ``[oid4vp]`` enabled in its TOML file, outside test mode. The desk makes an
offer with ``kr-ovid offer`` (a second process writing the offer store the service reads); the
library's OpenID4VCI wallet redeems it and receives ``dc+sd-jwt`` copies and an ``ldp_vc``;
the same service then logs the holder in to Gov24 and runs an age check over OpenID4VP with
the library's wallet (issue 20's and issue 19's "Done when"), in both response modes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from server_support import ROOT_DID, TOKEN, TOKEN_SHA256, TestPki, write_mission_files

from conftest import Service, start_service, write_toml
from kr_ovid.did import CompositeResolver
from kr_ovid.did.resolver import LocalDidResolver
from kr_ovid.oid4vci.transport import UrllibTransport
from kr_ovid.oid4vci.wallet import HeldCredential
from kr_ovid.oid4vci.wallet import Wallet as IssuanceWallet
from kr_ovid.oid4vp import Wallet, urllib_transport
from kr_ovid.ovid import load_missions
from kr_ovid.ovid.oid4vci import DC_SD_JWT_CONFIGURATION, LDP_VC_CONFIGURATION
from kr_ovid.server.config import token_digest

from support import sample_claims

MISSION = "us-losangeles"
BACKEND_TOKEN = "gov24-backend-token-for-tests-7f2e"
BATCH = 3


class Mission:
    """The running service, what a wallet needs to trust it, and the desk's command."""

    def __init__(self, service: Service, directory: Path, ca_file: Path) -> None:
        self.service = service
        self.directory = directory
        self.ca_file = ca_file
        self.issuer_url = service.public_url + "/oid4vci"

    def resolver(self) -> CompositeResolver:
        """The wallet knows the mission's DID document (no network for DIDs, ever)."""
        return CompositeResolver({"web": LocalDidResolver.from_directory(self.directory / "did")})

    def offer(self, *extra: str) -> dict[str, Any]:
        """``kr-ovid offer`` at the desk: a separate process, the service's offer store."""
        claims = self.directory / "claims.json"
        claims.write_text(json.dumps(sample_claims()), encoding="utf-8")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kr_ovid",
                "offer",
                "--mission",
                MISSION,
                "--claims",
                str(claims),
                "--db",
                str(self.directory / "offers.sqlite3"),
                "--issuer-url",
                self.issuer_url,
                "--json",
                *extra,
            ],
            capture_output=True,
            check=False,
            cwd=self.directory,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        out: dict[str, Any] = json.loads(done.stdout)
        return out

    def backend(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The service's web backend (Gov24's), with its backend token."""
        request = urllib.request.Request(
            self.service.url + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "authorization": f"Bearer {BACKEND_TOKEN}",
                "content-type": "application/json",
            },
            method=method,
        )
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())

    def create(self, policy: str, **options: Any) -> dict[str, Any]:
        status, body = self.backend("POST", "/oid4vp/requests", {"policy": policy, **options})
        assert status == 201, body
        return dict(body)

    def result(self, created: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, body = self.backend("GET", f"/oid4vp/requests/{created['transaction_id']}")
        return status, dict(body)


@pytest.fixture(scope="module")
def mission(tmp_path_factory: pytest.TempPathFactory) -> Any:
    directory = tmp_path_factory.mktemp("protocols")
    write_mission_files(directory, MISSION, mission_seed=b"\x41" * 32, root_seed=b"\x42" * 32)
    pki = TestPki(directory)
    config = write_toml(
        directory / "kr-ovid.toml",
        f"""
[tls]
cert = "{pki.server_cert}"
key = "{pki.server_key}"
[auth]
bearer_token_sha256 = ["{TOKEN_SHA256}"]
[issuer]
key_file = "mission-key.json"
mission = "{MISSION}"
[status]
path = "status.sqlite3"
[challenges]
path = "challenges.sqlite3"
[publish]
did_documents = "did"
trust_list = "trust-list.json"
[verifier]
trust = "trust-list"
trust_list = "trust-list.json"
root_did = "{ROOT_DID}"
[oid4vp]
enabled = true
backend_token_sha256 = ["{token_digest(BACKEND_TOKEN)}"]
request_ttl_seconds = 300
[oid4vci]
enabled = true
offer_store = "offers.sqlite3"
batch_size = {BATCH}
""",
    )
    mp = pytest.MonkeyPatch()
    mp.setenv("SSL_CERT_FILE", str(pki.ca_file))  # the wallet trusts the test CA
    service = start_service(directory, ["--config", str(config)])
    service.headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        yield Mission(service, directory, pki.ca_file)
    finally:
        service.stop()
        mp.undo()


@pytest.fixture(scope="module")
def copies(mission: Mission) -> list[HeldCredential]:
    """Issue 20's "Done when": an offer made on the command line, redeemed over HTTPS."""
    made = mission.offer()
    assert made["link"].startswith("openid-credential-offer://")
    wallet = IssuanceWallet(transport=UrllibTransport())
    received = wallet.receive(made["link"], tx_code=made["txCode"], copies=BATCH)
    return received


def _of(copies: list[HeldCredential], configuration: str) -> list[HeldCredential]:
    return [c for c in copies if c.configuration_id == configuration]


def _wallet(mission: Mission, held: list[HeldCredential]) -> Wallet:
    return Wallet(
        [c.credential for c in held],
        [c.key for c in held],
        resolver=mission.resolver(),
        transport=urllib_transport(),
    )


def test_the_offer_yields_sd_jwt_copies_and_an_ldp_vc(
    mission: Mission, copies: list[HeldCredential]
) -> None:
    sd = _of(copies, DC_SD_JWT_CONFIGURATION)
    ldp = _of(copies, LDP_VC_CONFIGURATION)
    assert len(sd) == BATCH and all(isinstance(c.credential, str) for c in sd)
    assert len({c.credential for c in sd}) == BATCH  # unlinkable copies, one key each
    assert len({c.key.public.did_key for c in sd}) == BATCH
    assert len(ldp) == 1 and isinstance(ldp[0].credential, dict)
    assert ldp[0].credential["credentialSubject"]["id"] == ldp[0].key.public.did_key
    assert ldp[0].credential["issuer"]["id"] == load_missions().by_code(MISSION).did


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
@pytest.mark.parametrize("configuration", [DC_SD_JWT_CONFIGURATION, LDP_VC_CONFIGURATION])
def test_gov24_accepts_what_was_issued(
    mission: Mission, copies: list[HeldCredential], configuration: str, mode: str
) -> None:
    """Issue 19's "Done when" and issue 20's: the Gov24 login, from the QR link through the
    signed request to the verified claims in the backend, for each issued format."""
    wallet = _wallet(mission, _of(copies, configuration)[:1])
    created = mission.create("gov24-login", response_mode=mode, request_uri_method="post")
    assert created["link"].startswith("openid4vp://?client_id=decentralized_identifier")
    assert created["qr_svg"].startswith("<svg")
    assert mission.result(created)[0] == 202  # pending
    read = wallet.read(created["link"], wallet_nonce="wallet-nonce-1")
    assert read.verified, read.errors
    request = read.claims
    assert request.response_mode == mode
    offer = wallet.match(request)
    query_id = "id_dc" if configuration == DC_SD_JWT_CONFIGURATION else "id_ldp"
    assert [s.query_id for s in offer.selections] == [query_id]
    answer = wallet.respond(request, offer)
    assert answer.status == 200, answer.body
    status, result = mission.result(created)
    assert status == 200 and result["verified"], result
    claims = result["claims"][query_id][0]
    assert (claims["familyName"], claims["givenName"]) == ("홍", "길동")
    assert claims["isOverseasNational"] is True
    if query_id == "id_dc":
        assert "passportNumber" not in claims  # only what Gov24 asked for


def test_age_check(mission: Mission, copies: list[HeldCredential]) -> None:
    wallet = _wallet(mission, _of(copies, DC_SD_JWT_CONFIGURATION)[1:2])
    created = mission.create("age-check", response_mode="direct_post.jwt")
    request = wallet.read(created["link"]).claims
    offer = wallet.match(request)
    assert [s.disclose for s in offer.selections] == [("/ageOver19",)]
    assert wallet.respond(request, offer).status == 200
    _, result = mission.result(created)
    assert result["verified"], result
    assert result["claims"]["id_dc"][0]["ageOver19"] is True
    assert "birthDate" not in result["claims"]["id_dc"][0]


def test_replay_and_wrong_nonce_are_refused(mission: Mission, copies: list[HeldCredential]) -> None:
    wallet = _wallet(mission, _of(copies, DC_SD_JWT_CONFIGURATION)[2:3])

    created = mission.create("gov24-login", response_mode="direct_post")
    request = wallet.read(created["link"]).claims
    form = wallet.response_form(request, wallet.match(request))
    assert wallet.post(request, form).status == 200
    again = wallet.post(request, form)
    assert again.status == 400
    assert again.body["error_description"] == "INVALID_TRANSACTION"
    assert mission.result(created)[1]["verified"] is True  # the first answer stands

    created = mission.create("gov24-login", response_mode="direct_post")
    request = wallet.read(created["link"]).claims
    token = wallet.vp_token(replace(request, nonce="not-the-nonce"), wallet.match(request))
    answer = wallet.post(request, {"vp_token": json.dumps(token), "state": request.state})
    assert answer.body["error_description"] == "INVALID_CHALLENGE_ERROR"
    _, result = mission.result(created)
    assert result["verified"] is False
    assert "INVALID_CHALLENGE_ERROR" in [e["code"] for e in result["errors"]]


def test_the_offer_is_single_use(mission: Mission) -> None:
    made = mission.offer("--config", DC_SD_JWT_CONFIGURATION)
    wallet = IssuanceWallet(transport=UrllibTransport())
    assert len(wallet.receive(made["link"], tx_code=made["txCode"], copies=1)) == 1
    from kr_ovid.oid4vci import Oid4vciError

    with pytest.raises(Oid4vciError) as info:
        IssuanceWallet(transport=UrllibTransport()).receive(
            made["link"], tx_code=made["txCode"], copies=1
        )
    assert info.value.code.value == "INVALID_GRANT"


def test_backend_routes_need_the_backend_token(mission: Mission) -> None:
    for token in (None, TOKEN):  # the operator's token is not the backend's
        headers = {"content-type": "application/json"}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            mission.service.url + "/oid4vp/requests",
            data=b'{"policy": "gov24-login"}',
            headers=headers,
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request)
        assert info.value.code == 401


def test_issuer_metadata_names_the_batch_and_both_formats(mission: Mission) -> None:
    url = f"{mission.service.url}/.well-known/openid-credential-issuer/oid4vci"
    with urllib.request.urlopen(url) as answer:
        metadata = json.loads(answer.read())
    assert metadata["credential_issuer"] == mission.issuer_url
    assert metadata["batch_credential_issuance"] == {"batch_size": BATCH}
    formats = {c["format"] for c in metadata["credential_configurations_supported"].values()}
    assert {"dc+sd-jwt", "ldp_vc"} <= formats


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kr_ovid", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=cwd,
    )


def _wallet_dir(directory: Path, held: list[HeldCredential]) -> Path:
    """What a phone holds, as files: each credential and the key it is bound to."""
    directory.mkdir()
    for i, copy in enumerate(held):
        copy.key.write_key_file(directory / f"key-{i}.json")
        if isinstance(copy.credential, str):
            (directory / f"credential-{i}.sd-jwt").write_text(copy.credential, encoding="utf-8")
        else:
            (directory / f"credential-{i}.json").write_text(json.dumps(copy.credential))
    return directory


@pytest.mark.parametrize(
    ("policy", "configuration", "mode", "query"),
    [
        ("gov24-login", LDP_VC_CONFIGURATION, "direct_post.jwt", "id_ldp"),
        ("age-check", DC_SD_JWT_CONFIGURATION, "direct_post", "id_dc"),
    ],
)
def test_kr_ovid_request_and_present_request(
    mission: Mission,
    copies: list[HeldCredential],
    tmp_path: Path,
    policy: str,
    configuration: str,
    mode: str,
    query: str,
) -> None:
    """Both sides from the command line: ``kr-ovid request --wait`` on the service's side
    prints the link and then the verified result; ``kr-ovid present --request`` answers it."""
    import os

    env = {**os.environ, "SSL_CERT_FILE": str(mission.ca_file)}
    token_file = tmp_path / "backend-token"
    token_file.write_text(BACKEND_TOKEN + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    held = _of(copies, configuration)[-1:]
    wallet_dir = _wallet_dir(tmp_path / "wallet", held)
    svg = tmp_path / "request.svg"
    service_side = _cli(
        "request",
        "--policy",
        policy,
        "--service",
        mission.service.url,
        "--token",
        str(token_file),
        "--response-mode",
        mode,
        "--svg",
        str(svg),
        "--wait",
        "300",
        env=env,
        cwd=tmp_path,
    )
    assert service_side.stdout is not None
    link = service_side.stdout.readline().strip()
    assert link.startswith("openid4vp://"), link
    wallet_side = subprocess.run(
        [
            sys.executable,
            "-m",
            "kr_ovid",
            "present",
            "--request",
            link,
            "--wallet",
            str(wallet_dir),
            "--did-documents",
            str(mission.directory / "did"),
            "--yes",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert wallet_side.returncode == 0, wallet_side.stdout + wallet_side.stderr
    sent = json.loads(wallet_side.stdout)
    assert sent["status"] == 200 and sent["response_mode"] == mode
    assert [d["query"] for d in sent["disclosed"]] == [query]
    out, err = service_side.communicate(timeout=300)
    assert service_side.returncode == 0, out + err
    assert "verified" in out.splitlines() and "NOT verified" not in out
    assert f"  {query}: " in out
    assert svg.read_text(encoding="utf-8").startswith("<svg")
    if policy == "age-check":
        assert [c["path"] for c in sent["disclosed"][0]["claims"]] == ["/ageOver19"]
        assert '"ageOver19": true' in out
    else:
        assert '"familyName": "홍"' in out


def test_present_request_refuses_a_request_it_cannot_check(
    mission: Mission, copies: list[HeldCredential], tmp_path: Path
) -> None:
    """Without the service's DID document the wallet cannot check the request's signature:
    nothing is sent, and the reason is the code that fired."""
    import os

    created = mission.create("gov24-login")
    wallet_dir = _wallet_dir(tmp_path / "wallet", _of(copies, LDP_VC_CONFIGURATION))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kr_ovid",
            "present",
            "--request",
            created["link"],
            "--wallet",
            str(wallet_dir),
            "--yes",
            "--json",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "SSL_CERT_FILE": str(mission.ca_file)},
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    errors = json.loads(done.stdout)["errors"]
    assert errors[0]["code"] == "UNSUPPORTED_DID_METHOD"
    assert mission.result(created)[0] == 202  # still pending: nothing was sent


_PRODUCTION = f"""
[auth]
bearer_token_sha256 = ["{TOKEN_SHA256}"]
[issuer]
signer_factory = "server_support:external_signer"
[status]
path = "status.sqlite3"
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[server]\ntest_mode = true\n[oid4vp]\nmystery = 1\n", "[oid4vp] unknown key: mystery"),
        ("[server]\ntest_mode = true\n[oid4vci]\nbatch = 3\n", "[oid4vci] unknown key: batch"),
        (
            "[server]\ntest_mode = true\n[oid4vp]\npolicies = ['gov42-login']\n",
            "[oid4vp] policies: unknown policy 'gov42-login'",
        ),
        (
            "[server]\ntest_mode = true\n[oid4vp]\nresponse_modes = ['fragment']\n",
            "[oid4vp] response_modes must name",
        ),
        (
            "[server]\ntest_mode = true\n[oid4vp]\nbackend_token_sha256 = ['abc']\n",
            "[oid4vp] backend_token_sha256: each entry is 64 hex characters",
        ),
        ("[server]\ntest_mode = true\n[oid4vp]\nenabled = 'yes'\n", "[oid4vp] enabled must be"),
        (
            "[server]\ntest_mode = true\nworkers = 2\n[status]\npath = 's.db'\n"
            "[oid4vp]\nenabled = true\n",
            "it needs workers = 1",
        ),
        (
            _PRODUCTION + "[oid4vp]\nenabled = true\n",
            "[oid4vp] judges the ID's issuers by the trust list",
        ),
        ("[server]\ntest_mode = true\n[oid4vci]\nenabled = true\n", "needs [issuer] mission"),
        (
            _PRODUCTION.replace("[issuer]", "[issuer]\nmission = 'us-losangeles'")
            + "[oid4vci]\nenabled = true\n",
            "[oid4vci] offer_store is required",
        ),
        ("[server]\ntest_mode = true\n[oid4vci]\npath = 'oid4vci/'\n", "[oid4vci] path must be"),
        ("[server]\ntest_mode = true\n[oid4vci]\nbatch_size = 0\n", "[oid4vci] batch_size"),
    ],
)
def test_protocol_configuration_is_checked(tmp_path: Path, body: str, message: str) -> None:
    from kr_ovid.errors import ConfigurationError
    from kr_ovid.server.config import load_config

    with pytest.raises(ConfigurationError) as info:
        load_config(write_toml(tmp_path / "kr-ovid.toml", body))
    assert message in str(info.value)


def test_production_oid4vp_needs_a_backend_token(tmp_path: Path) -> None:
    from kr_ovid.errors import ConfigurationError
    from kr_ovid.server.config import load_config

    (tmp_path / "trust-list.json").write_text("{}")
    body = _PRODUCTION + (
        "[verifier]\ntrust = 'trust-list'\ntrust_list = 'trust-list.json'\n"
        f"root_did = '{ROOT_DID}'\n[oid4vp]\nenabled = true\n"
    )
    with pytest.raises(ConfigurationError) as info:
        load_config(write_toml(tmp_path / "kr-ovid.toml", body))
    assert "[oid4vp] names no backend token" in str(info.value)
    token_file = tmp_path / "backend-tokens"
    token_file.write_text(BACKEND_TOKEN + "\n")
    token_file.chmod(0o600)
    config = load_config(
        write_toml(tmp_path / "kr-ovid.toml", body + "backend_token_file = 'backend-tokens'\n")
    )
    assert config.oid4vp.backend_token_sha256 == (token_digest(BACKEND_TOKEN),)
    assert config.oid4vp.response_modes == ("direct_post", "direct_post.jwt")


def test_test_mode_serves_oid4vp_with_no_more_configuration(serve, tmp_path: Path) -> None:
    """In test mode ``[oid4vp] enabled = true`` is enough: requests are signed with the
    service's did:key and the backend routes are open (test mode says so on every answer)."""
    config = write_toml(tmp_path / "test.toml", "[oid4vp]\nenabled = true\n")
    service = serve("--test-mode", "--config", str(config))
    with service.client() as client:
        created = client.post("/oid4vp/requests", json={"policy": "age-check"})
        assert created.status_code == 201, created.text
        assert created.headers["kr-ovid-mode"] == "test"
        link = created.json()["link"]
        assert f"decentralized_identifier%3A{service.issuer.replace(':', '%3A')}" in link
        unknown = client.post("/oid4vp/requests", json={"policy": "nope"})
        assert unknown.status_code == 400
        offers = client.get("/.well-known/openid-credential-issuer/oid4vci")
        assert offers.status_code == 404  # [oid4vci] is not enabled
    wallet = Wallet([], [], resolver=CompositeResolver(), transport=urllib_transport())
    read = wallet.read(link)
    assert read.verified, read.errors
    assert read.claims.dcql_query.ids == {"id_dc", "id_birth"}  # ageOver19, or birthDate


def test_present_request_asks_for_consent_and_declines(
    mission: Mission, copies: list[HeldCredential], tmp_path: Path
) -> None:
    """Without ``--yes`` the wallet shows what would be disclosed (with the Korean labels) and
    asks; "n" sends the Authorization Error Response, which the backend sees as declined."""
    import os

    created = mission.create("gov24-login")
    wallet_dir = _wallet_dir(tmp_path / "wallet", _of(copies, DC_SD_JWT_CONFIGURATION)[:1])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kr_ovid",
            "present",
            "--request",
            created["link"],
            "--wallet",
            str(wallet_dir),
            "--did-documents",
            str(mission.directory / "did"),
        ],
        input="n\n",
        capture_output=True,
        text=True,
        env={**os.environ, "SSL_CERT_FILE": str(mission.ca_file)},
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.strip() == "declined"
    assert "/familyName (성): 홍" in done.stderr
    assert "passportNumber" not in done.stderr
    status, result = mission.result(created)
    assert status == 200 and result["verified"] is False
    assert [e["code"] for e in result["errors"]] == ["ACCESS_DENIED"]
