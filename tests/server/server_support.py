"""Shared pieces of the service tests: certificates, keys, credentials, TLS client contexts."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import ssl
import uuid
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kr_ovid.keys import Ed25519Signer

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
V2 = "https://www.w3.org/ns/credentials/v2"
TOKEN = "operator-token-for-tests-only-3c1d"
TOKEN_SHA256 = hashlib.sha256(TOKEN.encode()).hexdigest()
STATUS_OPTION = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}


def credential(issuer: str, **extra: Any) -> dict[str, Any]:
    """A small VC 2.0 credential in the W3C examples vocabulary (test mode serves it)."""
    out: dict[str, Any] = {
        "@context": [V2, EXAMPLES],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:subject", "alumniOf": "The School of Examples"},
    }
    out.update(extra)
    return out


def examples_loader() -> Any:
    """The pinned contexts plus the W3C examples context, as the service has them in test mode."""
    from kr_ovid.jsonld.loader import StaticDocumentLoader
    from kr_ovid.server.state import EXAMPLES_CONTEXTS

    return StaticDocumentLoader(EXAMPLES_CONTEXTS)


def plain_credential(issuer: str) -> dict[str, Any]:
    """A credential in the VC 2.0 context alone (what a service outside test mode accepts)."""
    return {
        "@context": [V2],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:subject"},
    }


# --------------------------------------------------------------------------------------------
# Certificates (generated per test run with cryptography; nothing is stored in the repository)
# --------------------------------------------------------------------------------------------
def _name(common_name: str, organization: str = "kr_ovid tests") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


class TestPki:
    """A CA, a server certificate for 127.0.0.1, and client certificates on demand."""

    __test__ = False

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        now = dt.datetime.now(dt.UTC)
        self._not_before = now - dt.timedelta(minutes=5)
        self._not_after = now + dt.timedelta(days=1)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca_cert = (
            x509.CertificateBuilder()
            .subject_name(_name("kr_ovid test CA"))
            .issuer_name(_name("kr_ovid test CA"))
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._not_before)
            .not_valid_after(self._not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()), critical=False
            )
            .sign(self.ca_key, hashes.SHA256())
        )
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(self.ca_cert.public_bytes(serialization.Encoding.PEM))
        self.server_cert, self.server_key = self._leaf(
            "127.0.0.1", "server", server=True, common_name="127.0.0.1"
        )

    def _leaf(self, name: str, label: str, *, server: bool, common_name: str) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._not_before)
            .not_valid_after(self._not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                critical=False,
            )
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(name))]),
                critical=False,
            )
        cert = builder.sign(self.ca_key, hashes.SHA256())
        cert_file = self.directory / f"{label}.pem"
        key_file = self.directory / f"{label}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key_file, key)
        return cert_file, key_file

    def client(self, common_name: str) -> tuple[Path, Path]:
        """A client certificate whose subject is ``CN=<common_name>,O=kr_ovid tests``."""
        return self._leaf(
            common_name, f"client-{common_name}", server=False, common_name=common_name
        )

    def context(self, client: tuple[Path, Path] | None = None) -> ssl.SSLContext:
        """A client TLS context trusting the test CA, with a client certificate if given."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        if client is not None:
            context.load_cert_chain(str(client[0]), str(client[1]))
        return context


def did_web_key_file(directory: Path, did: str, seed: bytes) -> tuple[Path, Ed25519Signer]:
    """A key file for a did:web issuer (``<did>#key-1``)."""
    signer = Ed25519Signer.from_seed(seed, verification_method=f"{did}#key-1")
    path = directory / "issuer-key.json"
    signer.write_key_file(path, controller=did)
    return path, signer


EXTERNAL_DID = "did:web:vc.example.test:hsm"


class ExternalSigner:
    """A :class:`~kr_ovid.keys.Signer` that is not an Ed25519Signer, as an HSM's would be: the
    service only sees ``verification_method``, ``algorithm`` and ``sign``."""

    def __init__(self) -> None:
        self._inner = Ed25519Signer.from_seed(b"\x33" * 32)
        self.verification_method = f"{EXTERNAL_DID}#hsm-1"
        self.algorithm = "Ed25519"

    def sign(self, data: bytes) -> bytes:
        return self._inner.sign(data)

    def did_document(self) -> dict[str, Any]:
        from kr_ovid.did.web import build_did_document

        return build_did_document(
            EXTERNAL_DID,
            [Ed25519Signer.from_seed(b"\x33" * 32, verification_method=self.verification_method)],
        )


def external_signer(config: Any) -> ExternalSigner:
    """``[issuer] signer_factory = "server_support:external_signer"``."""
    return ExternalSigner()


# --------------------------------------------------------------------------------------------
# A mission's files: key, DID documents, root-signed trust list
# --------------------------------------------------------------------------------------------
ROOT_DID = "did:web:ovid.example:root"


def write_mission_files(
    directory: Path, code: str, *, mission_seed: bytes, root_seed: bytes
) -> tuple[Any, dict[str, Any]]:
    """``mission-key.json``, ``did/{code}.json`` and ``did/root.json``, and ``trust-list.json``
    (every packaged mission, signed by the root a day ago, for a year): what a mission's service
    reads. Returns the mission and the trust list."""
    import json
    from datetime import UTC, datetime, timedelta

    from kr_ovid.did.web import build_did_document
    from kr_ovid.ovid import load_missions
    from kr_ovid.trust import create_trust_list

    missions = load_missions()
    mission = missions.by_code(code)
    signer = Ed25519Signer.from_seed(mission_seed, verification_method=f"{mission.did}#key-1")
    root = Ed25519Signer.from_seed(root_seed, verification_method=f"{ROOT_DID}#key-1")
    signer.write_key_file(directory / "mission-key.json", controller=mission.did)
    did_dir = directory / "did"
    did_dir.mkdir()
    (did_dir / f"{code}.json").write_text(json.dumps(build_did_document(mission.did, [signer])))
    (did_dir / "root.json").write_text(
        json.dumps(build_did_document(ROOT_DID, [root], authentication=False))
    )
    issued = datetime.now(UTC) - timedelta(days=1)
    trust_list = create_trust_list(
        missions.trust_rows(),
        root_signer=root,
        version=1,
        issued=issued,
        next_update=issued + timedelta(days=365),
    )
    (directory / "trust-list.json").write_text(json.dumps(trust_list))
    return mission, trust_list
