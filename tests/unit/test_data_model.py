"""The data model's MUSTs on issue and on verify (issue 17), each a coded refusal:

* VC 1.1 credentials (the 2018 v1 context, ``issuanceDate``/``expirationDate``) issue and verify
  under both suites, with the Data Integrity context added on issue (VC Data Integrity §2.4.2);
* typed objects: ``credentialStatus``, ``credentialSchema``, ``refreshService``, ``termsOfUse``
  and ``evidence`` objects name their ``type`` (VC DM 2.0 §4.10, §4.11, §5.4, §5.5, §5.6);
* ``relatedResource`` (§5.3): its form, and its digests against the pinned context bytes.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from kr_ovid import FixedClock, GenericVerifier, VerificationContext
from kr_ovid.credential import VC_V1_CONTEXT, VC_V2_CONTEXT, check_structure
from kr_ovid.errors import KeyFormatError, ProofGenerationError
from kr_ovid.integrity import DATA_INTEGRITY_V2_CONTEXT, add_proof, verify_proof
from kr_ovid.issuer import CredentialIssuer
from kr_ovid.jsonld.loader import default_loader
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.multikey import encode_multibase_base58btc
from kr_ovid.problems import ErrorCode
from kr_ovid.resource_integrity import digest_matches, parse_digest_multibase, parse_digest_sri

from support import TEST_CTX_URL, example_loader

SIGNER = Ed25519Signer.from_seed(b"\x41" * 32)
NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
CLOCK = FixedClock(NOW)
LOADER = example_loader()
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")


def issuer(suite: str = "eddsa-rdfc-2022") -> CredentialIssuer:
    return CredentialIssuer(
        SIGNER, issuer=SIGNER.controller, clock=CLOCK, cryptosuite=suite, loader=LOADER
    )


def verifier(at: datetime = NOW) -> GenericVerifier:
    return GenericVerifier(context=VerificationContext(clock=FixedClock(at), loader=LOADER))


def v11(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [VC_V1_CONTEXT, TEST_CTX_URL],
        "id": "urn:uuid:5e0c1b7a-8f2d-4c1e-9a3b-7d6e5f4a3b21",
        "type": ["VerifiableCredential", "ExampleCredential"],
        "issuer": SIGNER.controller,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "expirationDate": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", "name2": "홍길동"},
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def v20(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, TEST_CTX_URL],
        "id": "urn:uuid:0b7a5e1c-2f8d-4e1c-8a3b-6d7e5f4a3b22",
        "type": ["VerifiableCredential", "ExampleCredential"],
        "issuer": SIGNER.controller,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", "name2": "홍길동"},
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def codes_paths(problems: Any) -> list[tuple[ErrorCode, str | None]]:
    return [(p.code, p.path) for p in problems]


# --------------------------------------------------------------------------- VC 1.1


@pytest.mark.parametrize("suite", SUITES)
def test_a_vc_11_credential_issues_and_verifies(suite: str) -> None:
    signed = issuer(suite).sign(v11())
    # The v1 context does not define DataIntegrityProof: the Data Integrity context is added.
    assert signed["@context"] == [VC_V1_CONTEXT, TEST_CTX_URL, DATA_INTEGRITY_V2_CONTEXT]
    assert signed["proof"]["cryptosuite"] == suite
    result = verifier().verify_credential(signed)
    assert result.verified, result.errors
    assert result.checks == ("parse", "contexts", "structure", "proof", "validity", "schema")


@pytest.mark.parametrize("suite", SUITES)
def test_a_vc_11_credential_is_judged_by_its_own_dates(suite: str) -> None:
    signed = issuer(suite).sign(v11())
    expired = verifier(datetime(2027, 6, 1, tzinfo=UTC)).verify_credential(signed)
    assert codes_paths(expired.errors) == [(ErrorCode.VALIDITY_PERIOD_ERROR, "/expirationDate")]
    future = issuer(suite).sign(v11(issuanceDate="2026-06-01T00:00:00Z"))
    early = verifier().verify_credential(future)
    assert codes_paths(early.errors) == [(ErrorCode.VALIDITY_PERIOD_ERROR, "/issuanceDate")]


@pytest.mark.parametrize("suite", SUITES)
def test_an_altered_vc_11_credential_is_refused(suite: str) -> None:
    signed = issuer(suite).sign(v11())
    signed["expirationDate"] = "2030-01-01T00:00:00Z"
    assert verifier().verify_credential(signed).codes == (ErrorCode.PROOF_VERIFICATION_ERROR,)


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        (v11(issuanceDate=None), "/issuanceDate"),
        (v11(issuanceDate="2026-01-01"), "/issuanceDate"),
        (v11(expirationDate="soon"), "/expirationDate"),
        (v11(validUntil="2027-01-01T00:00:00Z"), "/validUntil"),
        (v20(issuanceDate="2026-01-01T00:00:00Z"), "/issuanceDate"),
        (v20(expirationDate="2027-01-01T00:00:00Z"), "/expirationDate"),
    ],
    ids=[
        "v11-without-issuanceDate",
        "v11-date-without-time",
        "v11-bad-expirationDate",
        "v11-with-v2-validity",
        "v2-with-issuanceDate",
        "v2-with-expirationDate",
    ],
)
def test_each_version_keeps_its_own_dates(doc: dict[str, Any], path: str) -> None:
    assert codes_paths(check_structure(doc)) == [(ErrorCode.MALFORMED_VALUE_ERROR, path)]
    with pytest.raises(ProofGenerationError) as refused:
        issuer().sign(doc)
    assert refused.value.code is ErrorCode.MALFORMED_VALUE_ERROR
    assert refused.value.path == path


def test_another_first_context_is_neither_version() -> None:
    doc = v20(**{"@context": [TEST_CTX_URL, VC_V2_CONTEXT]})
    assert codes_paths(check_structure(doc)) == [(ErrorCode.MALFORMED_VALUE_ERROR, "/@context")]
    with pytest.raises(ProofGenerationError) as refused:
        issuer().sign(doc)
    assert (refused.value.code, refused.value.path) == (
        ErrorCode.MALFORMED_VALUE_ERROR,
        "/@context",
    )


def test_the_overseas_id_stays_vc_20() -> None:
    from kr_ovid.ovid.issuance import Issuer
    from kr_ovid.ovid.missions import load_missions

    from support import sample_claims

    mission = load_missions().by_code("us-losangeles")
    key = Ed25519Signer.from_seed(b"\x07" * 32, verification_method=mission.did + "#key-1")
    out = Issuer(mission, key, clock=CLOCK).issue_id(sample_claims(mission), holder="did:ex:h")
    assert out.credential is not None
    assert out.credential["@context"][0] == VC_V2_CONTEXT
    assert "validFrom" in out.credential and "issuanceDate" not in out.credential


# --------------------------------------------------------------------------- context injection


def test_add_proof_adds_the_data_integrity_context_only_when_missing() -> None:
    signed = add_proof(v11(), SIGNER, created=NOW, loader=LOADER)
    assert signed["@context"][-1] == DATA_INTEGRITY_V2_CONTEXT
    assert verify_proof(signed, loader=LOADER, clock=FixedClock(NOW)).verified
    same = add_proof(v20(), SIGNER, created=NOW, loader=LOADER)
    assert same["@context"] == [VC_V2_CONTEXT, TEST_CTX_URL]  # v2 defines the proof terms
    explicit = v11(**{"@context": [VC_V1_CONTEXT, DATA_INTEGRITY_V2_CONTEXT, TEST_CTX_URL]})
    kept = add_proof(explicit, SIGNER, created=NOW, loader=LOADER)
    assert kept["@context"] == explicit["@context"]


def test_without_the_data_integrity_context_the_proof_terms_are_undefined() -> None:
    """Why the context is added: under the v1 context alone, DataIntegrityProof means nothing."""
    signed = add_proof(v11(), SIGNER, created=NOW, loader=LOADER)
    stripped = copy.deepcopy(signed)
    stripped["@context"] = stripped["@context"][:-1]
    result = verify_proof(stripped, loader=LOADER, clock=FixedClock(NOW))
    assert result.codes == (ErrorCode.DATA_LOSS_ERROR,)


# --------------------------------------------------------------------------- typed objects

TYPED = {
    "credentialStatus": {"id": "https://status.example/1#5"},
    "credentialSchema": {"id": "https://schemas.example/s.json"},
    "refreshService": {"id": "https://refresh.example/"},
    "termsOfUse": {"id": "https://terms.example/1"},
    "evidence": {"id": "https://evidence.example/1"},
}


@pytest.mark.parametrize("member", sorted(TYPED))
@pytest.mark.parametrize("many", [False, True], ids=["object", "list"])
def test_typed_objects_without_type_are_refused_on_issue_and_verify(
    member: str, many: bool
) -> None:
    value: Any = TYPED[member]
    doc = v20(**{member: [value] if many else value})
    path = f"/{member}/0/type" if many else f"/{member}/type"
    assert codes_paths(check_structure(doc)) == [(ErrorCode.MALFORMED_VALUE_ERROR, path)]
    with pytest.raises(ProofGenerationError) as refused:
        issuer().sign(doc)
    assert (refused.value.code, refused.value.path) == (ErrorCode.MALFORMED_VALUE_ERROR, path)
    # Signed anyway (the raw Data Integrity layer does not read the data model): still refused.
    signed = add_proof(doc, SIGNER, created=NOW, loader=LOADER)
    result = verifier().verify_credential(signed)
    assert codes_paths(result.errors) == [(ErrorCode.MALFORMED_VALUE_ERROR, path)]


def test_typed_objects_with_a_type_are_accepted() -> None:
    doc = v20(
        termsOfUse=[{"type": "ExampleCredential"}, {"type": "ExampleCredential"}],
        evidence={"id": "https://evidence.example/1", "type": ["ExampleCredential"]},
    )
    assert check_structure(doc) == []
    assert verifier().verify_credential(issuer().sign(doc)).verified


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"type": "JsonSchema"}, "/credentialSchema/id"),
        ({"id": "relative.json", "type": "JsonSchema"}, "/credentialSchema/id"),
        ("https://schemas.example/s.json", "/credentialSchema"),
        ([], "/credentialSchema"),
        ({"id": "https://schemas.example/s.json", "type": []}, "/credentialSchema/type"),
    ],
    ids=["no-id", "relative-id", "not-an-object", "empty", "empty-type"],
)
def test_credential_schema_needs_an_id_url_and_a_type(value: Any, path: str) -> None:
    assert codes_paths(check_structure(v20(credentialSchema=value))) == [
        (ErrorCode.MALFORMED_VALUE_ERROR, path)
    ]


def test_a_presentation_terms_of_use_needs_a_type() -> None:
    vp = {
        "@context": [VC_V2_CONTEXT],
        "type": "VerifiablePresentation",
        "termsOfUse": {"id": "https://terms.example/1"},
    }
    assert codes_paths(check_structure(vp, kind="VerifiablePresentation")) == [
        (ErrorCode.MALFORMED_VALUE_ERROR, "/termsOfUse/type")
    ]


# --------------------------------------------------------------------------- relatedResource


def pinned(url: str) -> bytes:
    data = default_loader().pinned_bytes(url)
    assert data is not None
    return data


def sri(data: bytes, algorithm: str = "sha384") -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def multibase(data: bytes) -> str:
    return encode_multibase_base58btc(b"\x12\x20" + hashlib.sha256(data).digest())


def test_related_resource_digests_of_pinned_contexts_verify() -> None:
    v2 = pinned(VC_V2_CONTEXT)
    assert hashlib.sha256(v2).hexdigest() == (
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"  # the REC's digest
    )
    doc = v20(
        relatedResource=[
            {"id": VC_V2_CONTEXT, "digestSRI": sri(v2)},
            {
                "id": DATA_INTEGRITY_V2_CONTEXT,
                "digestMultibase": multibase(pinned(DATA_INTEGRITY_V2_CONTEXT)),
            },
        ]
    )
    result = verifier().verify_credential(issuer().sign(doc))
    assert result.verified, result.errors
    assert result.warnings == ()


@pytest.mark.parametrize("member", ["digestSRI", "digestMultibase"])
def test_a_related_resource_digest_that_does_not_match_is_refused(member: str) -> None:
    other = b"not the context"
    digest = sri(other, "sha256") if member == "digestSRI" else multibase(other)
    doc = v20(relatedResource={"id": VC_V2_CONTEXT, member: digest})
    with pytest.raises(ProofGenerationError) as refused:
        issuer().sign(doc)
    assert refused.value.code is ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR
    signed = add_proof(doc, SIGNER, created=NOW, loader=LOADER)
    result = verifier().verify_credential(signed)
    assert codes_paths(result.errors) == [
        (ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR, "/relatedResource")
    ]


def test_a_resource_kr_ovid_does_not_hold_is_a_warning_not_a_pass() -> None:
    doc = v20(
        relatedResource={
            "id": "https://images.example/photo.png",
            "mediaType": "image/png",
            "digestSRI": sri(b"photo"),
        }
    )
    result = verifier().verify_credential(issuer().sign(doc))
    assert result.verified, result.errors
    assert [(p.code, p.path) for p in result.warnings] == [
        (ErrorCode.RELATED_RESOURCE_NOT_CHECKED, "/relatedResource/id")
    ]


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ([], "/relatedResource"),
        ("https://images.example/photo.png", "/relatedResource"),
        ({"digestSRI": sri(b"x")}, "/relatedResource/id"),
        ({"id": "photo.png", "digestSRI": sri(b"x")}, "/relatedResource/id"),
        ({"id": "https://images.example/a"}, "/relatedResource"),
        ({"id": "https://images.example/a", "digestSRI": "md5-abc"}, "/relatedResource/digestSRI"),
        (
            {"id": "https://images.example/a", "digestSRI": "sha256-" + "A" * 10},
            "/relatedResource/digestSRI",
        ),
        (
            {"id": "https://images.example/a", "digestMultibase": "f1220abcd"},
            "/relatedResource/digestMultibase",
        ),
        (
            {"id": "https://images.example/a", "digestMultibase": "zQm"},
            "/relatedResource/digestMultibase",
        ),
        (
            {"id": "https://images.example/a", "digestSRI": sri(b"x"), "mediaType": 5},
            "/relatedResource/mediaType",
        ),
        (
            [
                {"id": "https://images.example/a", "digestSRI": sri(b"x")},
                {"id": "https://images.example/a", "digestSRI": sri(b"y")},
            ],
            "/relatedResource/1/id",
        ),
    ],
    ids=[
        "empty",
        "not-an-object",
        "no-id",
        "relative-id",
        "no-digest",
        "unknown-sri-algorithm",
        "short-sri-digest",
        "unknown-multibase",
        "not-a-multihash",
        "media-type-not-a-string",
        "repeated-id",
    ],
)
def test_malformed_related_resources_are_refused(value: Any, path: str) -> None:
    assert codes_paths(check_structure(v20(relatedResource=value))) == [
        (ErrorCode.MALFORMED_VALUE_ERROR, path)
    ]


def test_digest_parsers_accept_both_spellings_and_several_digests() -> None:
    data = b"resource"
    two = f"{sri(data, 'sha256')} {sri(data, 'sha512')}?ct=image/png"
    assert [d.algorithm for d in parse_digest_sri(two)] == ["sha256", "sha512"]
    raw = b"\x12\x20" + hashlib.sha256(data).digest()
    as_b64url = "u" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert parse_digest_multibase(as_b64url) == parse_digest_multibase(
        encode_multibase_base58btc(raw)
    )


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
def test_a_bare_sha2_digest_multibase_is_read_by_its_length(algorithm: str) -> None:
    """VC DM 2.0 §5.3 Example 42 (and the W3C suite) write digestMultibase without a multihash
    header: 32, 48 or 64 bytes, never a multihash length (34, 50, 66)."""
    data = b"resource"
    bare = hashlib.new(algorithm, data).digest()
    parsed = parse_digest_multibase("u" + base64.urlsafe_b64encode(bare).decode().rstrip("="))
    assert parsed.algorithm == algorithm
    assert digest_matches(parsed, data)
    assert not digest_matches(parsed, b"other")
    assert parse_digest_multibase(encode_multibase_base58btc(bare)) == parsed
    # A sha2-256 multihash code with a wrong length byte is neither form: refused.
    with pytest.raises(KeyFormatError):
        parse_digest_multibase("u" + base64.urlsafe_b64encode(b"\x12\x21" + bare[:31]).decode())


def test_pinned_bytes_are_only_those_of_manifest_files() -> None:
    loader = default_loader()
    assert loader.pinned_bytes(VC_V2_CONTEXT) is not None
    assert LOADER.pinned_bytes(TEST_CTX_URL) is None  # served as given: no file bytes
    replaced = loader.with_documents({VC_V2_CONTEXT: {"@context": {}}})
    assert replaced.pinned_bytes(VC_V2_CONTEXT) is None
    assert replaced.pinned_bytes(VC_V1_CONTEXT) == loader.pinned_bytes(VC_V1_CONTEXT)


def test_the_issuer_signs_only_its_own_unsecured_credentials() -> None:
    with pytest.raises(ProofGenerationError) as other:
        issuer().sign(v20(issuer="did:example:someone-else"))
    assert (other.value.code, other.value.path) == (ErrorCode.MALFORMED_VALUE_ERROR, "/issuer")
    signed = issuer().sign(v20())
    with pytest.raises(ProofGenerationError) as again:
        issuer().sign(signed)
    assert (again.value.code, again.value.path) == (ErrorCode.MALFORMED_VALUE_ERROR, "/proof")
    assert signed["proof"]["created"] == "2026-03-01T01:00:00Z"  # the issuer's clock


def test_context_injection_never_breaks_on_inline_contexts() -> None:
    """An inline context (which the strict form refuses) is refused as before, coded."""
    with pytest.raises(ProofGenerationError) as refused:
        add_proof(v11(**{"@context": {}}), SIGNER, created=NOW, loader=LOADER)
    assert refused.value.code is ErrorCode.MALFORMED_VALUE_ERROR


@pytest.mark.parametrize("suite", SUITES)
def test_a_vc_11_presentation_of_a_vc_11_credential_verifies(suite: str) -> None:
    """The v1 context does not reset the active context for an embedded credential (the v2
    context does): the credential restates the presentation's contexts and adds its own, and
    the strict form gives what pyld gives."""
    from kr_ovid.jsonld.canon import canonicalize_rdfc

    holder = Ed25519Signer.from_seed(b"\x42" * 32)
    vc = issuer(suite).sign(v11(credentialSubject={"id": holder.controller, "name2": "x"}))
    vp = {
        "@context": [VC_V1_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": holder.controller,
        "verifiableCredential": [vc],
    }
    signed = add_proof(
        vp,
        holder,
        cryptosuite=suite,
        proof_purpose="authentication",
        challenge="c-1",
        domain="rp.example",
        created=NOW,
        loader=LOADER,
    )
    assert signed["@context"] == [VC_V1_CONTEXT, DATA_INTEGRITY_V2_CONTEXT]
    result = verifier().verify_presentation(signed, challenge="c-1", domain="rp.example")
    assert result.verified, result.errors
    assert result.credentials == (vc,)
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    assert canonicalize_rdfc(unsecured, loader=LOADER) == canonicalize_rdfc(
        unsecured, loader=LOADER, mode="generic"
    )
    # A nested context that drops one of the presentation's contexts is not what the
    # credential's own document states: refused.
    cut = copy.deepcopy(signed)
    cut["verifiableCredential"][0]["@context"] = [TEST_CTX_URL]
    refused = verifier().verify_presentation(cut, challenge="c-1", domain="rp.example")
    assert ErrorCode.MALFORMED_VALUE_ERROR in refused.codes
