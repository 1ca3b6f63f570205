"""RFC 9901 / SD-JWT VC / W3C VC-JOSE-COSE vectors (tests/vectors/sd-jwt/, see its README).

What is compared byte for byte:
- every disclosure's SHA-256 digest against ``disclosures.md`` (and the two digests the RFC text
  fixes, including the non-ASCII ``Möbius`` one);
- every disclosure re-encoded by ``Disclosure.create`` from its (salt, name, value): the same
  base64url string as the generator's (RFC examples, testcases, SD-JWT VC) — except the 17
  disclosures (in arf-pid, complex_ekyc, simple_structured, sd-jwt-vc/03-pid) where sd-jwt 0.10.4
  wrote non-ASCII characters as ``\\uXXXX``: we write UTF-8 as the RFC text does (``Möbius``),
  so there only the decoded (salt, name, value) is compared;
- the disclosures our issuer-side ``build_sd_payload`` produces from ``user_claims.json`` with the
  vector's salts injected: the same strings, hence the same digests (recursive ones included),
  for the cases without ``\\uXXXX`` escapes;
- the JWS part of the issuance against ``sd_jwt_jws_part.txt``; the KB-JWT against
  ``kb_jwt_serialized.txt``; ``sd_hash`` recomputed against the KB-JWT payload's.

What is compared as JSON values (key order and whitespace ignored):
- the JWS payload against ``sd_jwt_payload.json``, and our concealed payload against it (minus
  the claims the generator adds: ``iss``, ``iat``, ``exp``, ``cnf``, ``_sd_alg``; minus the
  generator's decoys, since ours are random);
- the rebuilt claim set against ``verified_contents.json`` (and ``expect_verified_user_claims``).

Not compared: ECDSA signatures (randomized) — verified instead with a test-only ES256/384/512
verifier below — and the KB-JWT ``iat`` (generation time). Production code accepts Ed25519 only:
each ECDSA vector is also run through ``verify_sd_jwt`` to show it is refused; to run the full
production pipeline on the vectors' disclosures, the exact payload is re-signed with Ed25519.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from kr_ovid.clock import FixedClock
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.jwk import b64url_decode, b64url_encode
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt.disclosure import (
    Disclosure,
    build_sd_payload,
    reconstruct,
    sd_hash,
    split_sd_jwt,
)
from kr_ovid.sdjwt.verifier import verify_sd_jwt

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "sd-jwt"
NOW = datetime(2024, 6, 1, tzinfo=UTC)
GENERATOR_CLAIMS = {"iss", "iat", "exp", "cnf", "_sd_alg"}

CASES = sorted(
    p.parent.relative_to(VECTORS).as_posix() for p in VECTORS.rglob("sd_jwt_issuance.txt")
)


# -- test-only helpers ----------------------------------------------------------------------------
def _compact(path: Path) -> str:
    return "".join(path.read_text(encoding="utf-8").split())


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _settings(case: str) -> dict[str, Any]:
    folder = VECTORS / case
    while not (folder / "settings.yml").exists():
        folder = folder.parent
    return yaml.safe_load((folder / "settings.yml").read_text(encoding="utf-8"))


def _spec(case: str) -> dict[str, Any]:
    class Loader(yaml.SafeLoader):
        pass

    def sd(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_scalar(node)  # type: ignore[arg-type]

    Loader.add_constructor("!sd", sd)
    return yaml.load((VECTORS / case / "specification.yml").read_text(), Loader=Loader)


def _decode_unchecked(token: str) -> tuple[dict[str, Any], bytes, bytes, bytes]:
    """Header, payload, signing input, signature — no policy (test-only, accepts ECDSA)."""
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), b64url_decode(p), f"{h}.{p}".encode(), b64url_decode(s)


_CURVES = {
    "P-256": (ec.SECP256R1(), hashes.SHA256(), 32),
    "P-384": (ec.SECP384R1(), hashes.SHA384(), 48),
    "P-521": (ec.SECP521R1(), hashes.SHA512(), 66),
}


def es_verify(jwk: dict[str, Any], signing_input: bytes, signature: bytes) -> bool:
    """Test-only ECDSA (ES256/ES384/ES512) JWS verification; production stays Ed25519-only."""
    curve, digest, size = _CURVES[jwk["crv"]]
    if len(signature) != 2 * size:
        return False
    x = int.from_bytes(b64url_decode(jwk["x"]), "big")
    y = int.from_bytes(b64url_decode(jwk["y"]), "big")
    key = ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
    der = encode_dss_signature(
        int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    )
    try:
        key.verify(der, signing_input, ec.ECDSA(digest))
    except InvalidSignature:
        return False
    return True


def _disclosures_md(case: str) -> list[tuple[str, str]]:
    """(digest, disclosure) pairs listed in disclosures.md."""
    path = VECTORS / case / "disclosures.md"
    if not path.exists():
        return []
    out = []
    for block in path.read_text(encoding="utf-8").split("SHA-256 Hash: ")[1:]:
        digest = block.split("`")[1]
        body = block.split("Disclosure:", 1)[1].split("Contents:", 1)[0]
        out.append((digest, "".join(re.findall(r"`([^`]*)`", body))))
    return out


def _ascii_escaped(encoded: str) -> bool:
    return b"\\u" in b64url_decode(encoded)


def _strip_digests(value: Any, drop: set[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: ([d for d in v if d not in drop] if k == "_sd" else _strip_digests(v, drop))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_strip_digests(v, drop) for v in value]
    return value


# -- RFC 9901 text -----------------------------------------------------------------------------------
def test_rfc9901_text_digests() -> None:
    mobius = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    d = Disclosure.parse(mobius)
    assert (d.salt, d.name, d.value) == ("_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius")
    assert d.digest == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"
    assert Disclosure.create("Möbius", name="family_name", salt=d.salt).encoded == mobius
    fr = Disclosure.parse("WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0")
    assert (fr.name, fr.value) == (None, "FR")
    assert fr.digest == "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs"


# -- every generated case ----------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_issuer_signature_payload_and_disclosure_digests(case: str) -> None:
    folder = VECTORS / case
    issuance = split_sd_jwt(_compact(folder / "sd_jwt_issuance.txt"))
    assert issuance.jws == _compact(folder / "sd_jwt_jws_part.txt")
    header, payload_bytes, signing_input, signature = _decode_unchecked(issuance.jws)
    assert header["alg"] == "ES256"
    assert es_verify(_settings(case)["key_settings"]["issuer_key"], signing_input, signature)
    payload = json.loads(payload_bytes)
    assert payload == _json(folder / "sd_jwt_payload.json")

    listed = _disclosures_md(case)
    for digest, encoded in listed:
        parsed = Disclosure.parse(encoded)
        assert parsed.digest == digest
        assert encoded in issuance.disclosures
    for encoded in issuance.disclosures:  # re-encoding reproduces the generator's bytes
        d = Disclosure.parse(encoded)
        ours = Disclosure.create(d.value, name=d.name, salt=d.salt)
        if _ascii_escaped(encoded):  # same JSON value, we write UTF-8 (see module docstring)
            assert (ours.salt, ours.name, ours.value) == (d.salt, d.name, d.value)
        else:
            assert ours.encoded == encoded


@pytest.mark.parametrize("case", CASES)
def test_presentation_rebuilds_verified_contents(case: str) -> None:
    folder = VECTORS / case
    issuance = split_sd_jwt(_compact(folder / "sd_jwt_issuance.txt"))
    presentation = split_sd_jwt(_compact(folder / "sd_jwt_presentation.txt"))
    assert presentation.jws == issuance.jws
    assert set(presentation.disclosures) <= set(issuance.disclosures)
    payload = json.loads(_decode_unchecked(presentation.jws)[1])

    verified = reconstruct(payload, presentation.disclosures).document
    assert verified == _json(folder / "verified_contents.json")
    expected = _spec(case).get("expect_verified_user_claims")
    if expected is not None:
        assert {k: verified[k] for k in expected} == expected

    full = reconstruct(payload, issuance.disclosures).document
    user_claims = _json(folder / "user_claims.json")
    assert {k: full[k] for k in user_claims} == user_claims
    assert set(full) - set(user_claims) <= GENERATOR_CLAIMS


@pytest.mark.parametrize("case", CASES)
def test_our_concealment_reproduces_the_vector(case: str) -> None:
    """Our issuer-side concealment, with the vector's salts, yields the vector's disclosures."""
    folder = VECTORS / case
    issuance = split_sd_jwt(_compact(folder / "sd_jwt_issuance.txt"))
    if any(_ascii_escaped(d) for d in issuance.disclosures):
        pytest.skip("generator wrote \\uXXXX escapes; our disclosures carry UTF-8 (both valid)")
    payload = json.loads(_decode_unchecked(issuance.jws)[1])
    rebuilt = reconstruct(payload, issuance.disclosures)
    salts = {c.pointer: c.disclosure.salt for c in rebuilt.claims}
    user_claims = _json(folder / "user_claims.json")

    concealed, disclosures = build_sd_payload(
        user_claims, salts, decoys=0, salt_source=salts.__getitem__, digest_order="sorted"
    )
    assert sorted(d.encoded for d in disclosures) == sorted(issuance.disclosures)
    decoys = set()
    if (folder / "decoy_digests.md").exists():
        decoys = set(re.findall(r"`([^`]+)`", (folder / "decoy_digests.md").read_text()))
        assert decoys  # the generator's decoys are in the payload, ours are not
    expected = {k: v for k, v in payload.items() if k not in GENERATOR_CLAIMS or k in user_claims}
    assert concealed == _strip_digests(expected, decoys)


@pytest.mark.parametrize(
    "case", [c for c in CASES if (VECTORS / c / "kb_jwt_serialized.txt").exists()]
)
def test_key_binding_jwt(case: str) -> None:
    folder = VECTORS / case
    settings = _settings(case)
    presentation = split_sd_jwt(_compact(folder / "sd_jwt_presentation.txt"))
    assert presentation.kb_jwt == _compact(folder / "kb_jwt_serialized.txt")
    header, payload_bytes, signing_input, signature = _decode_unchecked(presentation.kb_jwt)
    assert header == _json(folder / "kb_jwt_header.json") == {"alg": "ES256", "typ": "kb+jwt"}
    issuer_payload = json.loads(_decode_unchecked(presentation.jws)[1])
    assert es_verify(issuer_payload["cnf"]["jwk"], signing_input, signature)
    kb = json.loads(payload_bytes)
    assert kb == _json(folder / "kb_jwt_payload.json")
    assert kb["sd_hash"] == sd_hash(presentation.without_kb)
    assert kb["nonce"] == settings["key_binding_nonce"]
    assert kb["aud"] == settings["identifiers"]["verifier"]


@pytest.mark.parametrize("case", CASES)
def test_production_verifier_refuses_ecdsa(case: str) -> None:
    text = _compact(VECTORS / case / "sd_jwt_presentation.txt")
    result = verify_sd_jwt(
        text,
        resolve_key=lambda kid, h: bytes(32),
        nonce="1234567890",
        audience="x",
        clock=FixedClock(NOW),
    )
    assert not result.verified
    assert result.codes == (ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,)


@pytest.mark.parametrize("case", CASES)
def test_full_pipeline_on_vector_payload_resigned_with_ed25519(case: str) -> None:
    """Same payload bytes and disclosures, Ed25519 signature: the production verifier agrees."""
    folder = VECTORS / case
    presentation = split_sd_jwt(_compact(folder / "sd_jwt_presentation.txt"))
    header, _, _, _ = _decode_unchecked(presentation.jws)
    payload_b64 = presentation.jws.split(".")[1]
    signer = Ed25519Signer.from_seed(bytes(range(32)))
    new_header = b64url_encode(
        json.dumps({"alg": "Ed25519", "typ": header["typ"], "kid": "test-key"}).encode()
    )
    signing_input = f"{new_header}.{payload_b64}".encode()
    jws = f"{new_header}.{payload_b64}.{b64url_encode(signer.sign(signing_input))}"
    text = jws + "~" + "".join(d + "~" for d in presentation.disclosures)
    result = verify_sd_jwt(
        text,
        resolve_key=lambda kid, h: signer.public_key if kid == "test-key" else None,
        expected_typ=header["typ"],
        nonce=None,
        audience=None,
        require_key_binding=False,
        clock=FixedClock(NOW),
    )
    assert result.errors == ()
    assert result.document == _json(folder / "verified_contents.json")


# -- W3C VC-JOSE-COSE test-suite inputs -------------------------------------------------------------
W3C = VECTORS / "w3c-vc-jose-cose"


def _vm(name: str) -> dict[str, Any]:
    return _json(W3C / name)["publicKeyJwk"]


@pytest.mark.parametrize(
    ("name", "vm", "valid", "credential"),
    [
        ("credential-sdjwt-selective.txt", "vm-p384.json", True, "credential-selective.json"),
        ("credential-sdjwt-nested.txt", "vm-p521.json", True, "credential-nested-selective.json"),
        ("presentation-sdjwt-selective.txt", "vm-p384.json", True, None),
        ("credential-sdjwt-bad-signature.txt", "vm-p384.json", False, None),
        ("presentation-sdjwt-bad-credential.txt", "vm-p521.json", True, None),
    ],
)
def test_w3c_ecdsa_fixtures(name: str, vm: str, valid: bool, credential: str | None) -> None:
    text = (W3C / name).read_text(encoding="utf-8").strip()
    parts = split_sd_jwt(text)
    header, payload_bytes, signing_input, signature = _decode_unchecked(parts.jws)
    assert header["kid"] == _vm(vm)["kid"]
    assert es_verify(_vm(vm), signing_input, signature) is valid
    payload = json.loads(payload_bytes)
    assert "_sd_alg" not in payload  # quirk, see README
    document = reconstruct(payload, parts.disclosures).document
    assert "_sd" not in json.dumps(document)
    if credential is not None:  # the rebuilt credential is the suite's input plus iss/iat
        expected = _json(W3C / credential)
        assert {k: v for k, v in document.items() if k not in {"iss", "iat"}} == expected
    # production: ECDSA is never accepted
    result = verify_sd_jwt(
        text,
        resolve_key=lambda kid, h: bytes(32),
        nonce=None,
        audience=None,
        require_key_binding=False,
        clock=FixedClock(NOW),
    )
    assert result.codes == (ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,)


@pytest.mark.parametrize(
    "name", ["credential-sdjwt-bad-media-type.txt", "presentation-sdjwt-bad-media-type.txt"]
)
def test_w3c_eddsa_bad_media_type(name: str) -> None:
    """Ed25519 (``alg: EdDSA``) with a valid signature but ``typ: bad+typ``: refused on typ only."""
    text = (W3C / name).read_text(encoding="utf-8").strip()
    jwk = _vm("vm-ed25519.json")
    keys = {jwk["kid"]: b64url_decode(jwk["x"])}

    def run(expected_typ: str) -> Any:
        return verify_sd_jwt(
            text,
            resolve_key=lambda kid, h: keys.get(kid),
            expected_typ=expected_typ,
            nonce=None,
            audience=None,
            require_key_binding=False,
            clock=FixedClock(NOW),
        )

    refused = run("vc+sd-jwt")
    assert refused.codes == (ErrorCode.MALFORMED_VALUE_ERROR,)
    assert "typ" in refused.errors[0].detail
    accepted = run("bad+typ")  # proves the EdDSA signature and the disclosures are fine
    assert accepted.verified, accepted.errors
    assert accepted.sd_jwt.kid == jwk["kid"]
    assert "_sd" not in json.dumps(accepted.document)
    assert accepted.document["iss"] == "https://example.issuer/vc-jose-cose"
