"""The issuing role: :class:`kr_ovid.issuer.CredentialIssuer` (construction checks, generic issue)
and :class:`kr_ovid.ovid.issuance.Issuer` (the overseas-national ID recipe: defaults, validity,
schema on issue, eligibility, formats and unlinkable SD-JWT batches)."""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from kr_ovid.clock import FixedClock, format_datetime
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.errors import ConfigurationError, SchemaError
from kr_ovid.integrity import verify_proof
from kr_ovid.issuer import CredentialIssuer
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.jwk import b64url_decode, public_key_from_jwk
from kr_ovid.ovid import ID_SCHEMA as OVERSEAS_NATIONAL_ID_SCHEMA
from kr_ovid.ovid.issuance import CONTEXTS, Issuer, default_status_base
from kr_ovid.ovid.missions import load_missions
from kr_ovid.ovid.services import GOV24
from kr_ovid.schema import check_credential, validate_credential
from kr_ovid.sdjwt import parse_issued, verify_sd_jwt
from kr_ovid.sdjwt.disclosure import split_sd_jwt
from kr_ovid.status import InMemoryStatusListStore
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.status.publish import issue_status_list_credential
from kr_ovid.trust import TrustListRegistry, create_trust_list
from kr_ovid.verifier import Verifier

from support import sample_claims

MISSIONS = load_missions()
LA = MISSIONS.by_code("us-losangeles")
OTHER = MISSIONS.by_code("nz-auckland")
KEY = Ed25519Signer.from_seed(b"\x07" * 32, verification_method=LA.did + "#key-1")
NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)  # 10:00 KST
CLOCK = FixedClock(NOW)
HOLDER = Ed25519Signer.from_seed(b"\x03" * 32)
STATUS_BASE = "https://ovid.example/missions/us-losangeles/status"
UUID_URN = re.compile(
    r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
PERSONAL_VALUES = (
    "홍",
    "길동",
    "HONG",
    "GIL-DONG",
    "1990-02-28",
    "M123A4567",
    "7K3M-Q9XD-2HRT-VB4N",
)


def did_document(*methods: Ed25519Signer, assertion: list[str] | None = None) -> dict[str, Any]:
    vms = [m.verification_method for m in methods]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": LA.did,
        "verificationMethod": [m.public_multikey_document() for m in methods],
        "assertionMethod": vms if assertion is None else assertion,
        "authentication": vms,
    }


DOC = did_document(KEY)
RESOLVER = CompositeResolver({"web": LocalDidResolver([DOC])})


def claims(**changes: Any) -> dict[str, Any]:
    """A valid subject for an LA applicant (no id, no derived predicates); a change to ``None``
    removes that claim."""
    portrait = "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQN"
    out = sample_claims(LA, **{"portrait": portrait, **changes})
    return {k: v for k, v in out.items() if v is not None}


def issuer(*, store: InMemoryStatusListStore | None = None, **kw: Any) -> Issuer:
    kw.setdefault("clock", CLOCK)
    kw.setdefault("did_document", DOC)
    return Issuer(LA, KEY, status_store=store, **kw)


def holder_keys(n: int) -> list[Ed25519Signer]:
    return [Ed25519Signer.from_seed(bytes([0x40 + i]) * 32) for i in range(n)]


class CountingSigner:
    """Wraps a signer; records what it was asked to sign (a KMS or HSM stand-in)."""

    def __init__(self, inner: Ed25519Signer) -> None:
        self.inner = inner
        self.signed: list[bytes] = []

    @property
    def verification_method(self) -> str:
        return self.inner.verification_method

    @property
    def algorithm(self) -> str:
        return self.inner.algorithm

    def sign(self, data: bytes) -> bytes:
        self.signed.append(data)
        return self.inner.sign(data)


class P256Signer:
    verification_method = LA.did + "#key-1"
    algorithm = "P-256"

    def sign(self, data: bytes) -> bytes:
        return b"\x00" * 64


class CountingStore(InMemoryStatusListStore):
    def __init__(self) -> None:
        super().__init__(clock=CLOCK)
        self.allocations = 0

    def allocate_many(self, credential_ids: Any, *, one_issuance: bool = False) -> Any:
        out = super().allocate_many(credential_ids, one_issuance=one_issuance)
        self.allocations += len(out)
        return out


# --------------------------------------------------------------------------- construction


def test_signer_algorithm_must_match_the_suite() -> None:
    with pytest.raises(ConfigurationError, match="Ed25519"):
        Issuer(LA, P256Signer(), clock=CLOCK)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="Ed25519"):
        CredentialIssuer(P256Signer(), issuer=LA.did)  # type: ignore[arg-type]


def test_unknown_cryptosuite_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        issuer(cryptosuite="ecdsa-rdfc-2019")


@pytest.mark.parametrize(
    "vm",
    [
        "did:web:ovid.example:missions:nz-auckland#key-1",
        "did:web:ovid.example:missions:us-losangeles:evil#key-1",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#key-1",
    ],
)
def test_signer_key_must_belong_to_the_mission_did(vm: str) -> None:
    signer = Ed25519Signer.from_seed(b"\x07" * 32, verification_method=vm)
    with pytest.raises(ConfigurationError, match="does not belong"):
        Issuer(LA, signer, clock=CLOCK)


def test_issuer_needs_an_id() -> None:
    with pytest.raises(ConfigurationError):
        CredentialIssuer(KEY, issuer={"name": "no id"})
    with pytest.raises(ConfigurationError):
        CredentialIssuer(KEY, issuer={"id": 5})


def test_did_document_with_another_key_under_the_same_id_is_refused() -> None:
    impostor = Ed25519Signer.from_seed(b"\x08" * 32, verification_method=KEY.verification_method)
    with pytest.raises(ConfigurationError, match="not the key published"):
        Issuer(LA, impostor, clock=CLOCK, did_document=DOC)


def test_key_not_in_assertion_method_is_refused() -> None:
    doc = did_document(KEY, assertion=[])
    with pytest.raises(ConfigurationError, match="assertionMethod"):
        issuer(did_document=doc)
    second = Ed25519Signer.from_seed(b"\x09" * 32, verification_method=LA.did + "#key-2")
    doc = did_document(KEY, second, assertion=[KEY.verification_method])
    with pytest.raises(ConfigurationError, match="assertionMethod"):
        Issuer(LA, second, clock=CLOCK, did_document=doc)


def test_key_missing_from_did_document_is_refused() -> None:
    unlisted = Ed25519Signer.from_seed(b"\x07" * 32, verification_method=LA.did + "#key-9")
    with pytest.raises(ConfigurationError):
        Issuer(LA, unlisted, clock=CLOCK, did_document=DOC)


@pytest.mark.parametrize(
    ("member", "value"),
    [("revoked", "2026-01-01T00:00:00Z"), ("expires", "2026-02-01T00:00:00Z")],
)
def test_retired_or_revoked_key_is_refused(member: str, value: str) -> None:
    doc = copy.deepcopy(DOC)
    doc["verificationMethod"][0][member] = value
    with pytest.raises(ConfigurationError, match="retired or revoked"):
        issuer(did_document=doc)


def test_possession_probe_is_random_and_signed_once() -> None:
    probes = []
    for _ in range(2):
        counting = CountingSigner(KEY)
        Issuer(LA, counting, clock=CLOCK, did_document=DOC)  # type: ignore[arg-type]
        assert len(counting.signed) == 1
        assert counting.signed[0].startswith(b"kr_ovid key possession probe ")
        probes.append(counting.signed[0])
    assert probes[0] != probes[1]


def test_no_did_document_means_no_probe() -> None:
    counting = CountingSigner(KEY)
    Issuer(LA, counting, clock=CLOCK)  # type: ignore[arg-type]
    assert counting.signed == []


def test_did_document_object_or_mapping_both_accepted() -> None:
    from kr_ovid.did.document import DidDocument

    # Either form runs the key-possession probe against the same document, and issues alike.
    for document in (DidDocument.from_json(DOC), DOC):
        counting = CountingSigner(KEY)
        Issuer(LA, counting, clock=CLOCK, did_document=document)  # type: ignore[arg-type]
        assert len(counting.signed) == 1
        assert issuer(did_document=document).issuer_id == LA.did


def test_status_store_and_base_go_together_in_the_generic_issuer() -> None:
    with pytest.raises(ConfigurationError, match="go together"):
        CredentialIssuer(KEY, issuer=LA.did, status_store=InMemoryStatusListStore())
    with pytest.raises(ConfigurationError, match="go together"):
        CredentialIssuer(KEY, issuer=LA.did, status_base_url=STATUS_BASE)


def test_mission_issuer_derives_its_status_base() -> None:
    assert default_status_base(LA) == STATUS_BASE
    store = InMemoryStatusListStore(clock=CLOCK)
    out = issuer(store=store).issue_id(claims())
    assert out.credential is not None
    urls = {e["statusListCredential"] for e in out.credential["credentialStatus"]}
    assert urls == {f"{STATUS_BASE}/1/revocation", f"{STATUS_BASE}/1/suspension"}


def test_bad_status_base_is_refused_at_construction() -> None:
    store = CountingStore()
    try:
        ci = CredentialIssuer(
            KEY, issuer=LA.did, status_store=store, status_base_url="http://ovid.example/status"
        )
    except ConfigurationError:
        return
    with pytest.raises(ConfigurationError):
        ci.issue({"@context": CONTEXTS, "type": ["VerifiableCredential"]})
    assert store.allocations == 0


# --------------------------------------------------------------------------- issue_id defaults


def test_issue_id_defaults() -> None:
    store = InMemoryStatusListStore(clock=CLOCK)
    out = issuer(store=store).issue_id(claims(), holder=HOLDER.controller)
    cred = out.credential
    assert cred is not None
    assert out.credential_id == cred["id"]
    assert UUID_URN.match(cred["id"]) and uuid.UUID(cred["id"][9:]).version == 4
    assert cred["@context"] == CONTEXTS
    assert cred["type"] == ["VerifiableCredential", "OverseasNationalIdCredential"]
    assert cred["issuer"] == {
        "id": LA.did,
        "name": LA.name_en,
        "nameKo": LA.name_ko,
        "nameEn": LA.name_en,
    }
    assert cred["validFrom"] == format_datetime(NOW)
    # Passport expiry 2031-05-20, end of that day in Korea.
    assert cred["validUntil"] == "2031-05-20T14:59:59Z"
    assert cred["credentialSchema"] == {"id": OVERSEAS_NATIONAL_ID_SCHEMA, "type": "JsonSchema"}
    assert cred["evidence"] == [
        {
            "type": ["IdentityProofingEvidence"],
            "proofingMethod": "in-person",
            "documentType": "passport",
            "chipRead": True,
            "verifier": LA.did,
            "proofedAt": format_datetime(NOW),
        }
    ]
    subject = cred["credentialSubject"]
    assert subject["id"] == HOLDER.controller
    assert subject["type"] == "OverseasNational"
    assert subject["ageOver14"] is subject["ageOver19"] is True
    assert subject["ageOver65"] is False
    assert subject["isOverseasNational"] is True
    assert subject["predicatesComputedAt"] == "2026-03-01"
    proof = cred["proof"]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"] == KEY.verification_method
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["created"] == format_datetime(NOW)
    assert verify_proof(
        cred, resolver=RESOLVER, clock=FixedClock(NOW), expected_controller=LA.did
    ).verified
    assert validate_credential(cred) == []
    assert out.sd_jwts == ()


def test_status_entries_match_the_store_allocation() -> None:
    store = InMemoryStatusListStore(clock=CLOCK)
    out = issuer(store=store).issue_id(claims())
    assert out.credential is not None and out.status is not None
    assert store.find(out.credential["id"]) == out.status
    entries = out.credential["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    for e in entries:
        url = f"{STATUS_BASE}/{out.status.list_id}/{e['statusPurpose']}"
        assert e == {
            "id": f"{url}#{out.status.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": e["statusPurpose"],
            "statusListIndex": str(out.status.index),
            "statusListCredential": url,
        }


def test_no_store_no_status() -> None:
    out = issuer().issue_id(claims())
    assert out.credential is not None
    assert "credentialStatus" not in out.credential and out.status is None


def test_ids_are_fresh_per_issue() -> None:
    iss = issuer()
    ids = {iss.issue_id(claims()).credential_id for _ in range(5)}
    assert len(ids) == 5


def test_jcs_suite() -> None:
    out = issuer(cryptosuite="eddsa-jcs-2022").issue_id(claims())
    assert out.credential is not None
    assert out.credential["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert verify_proof(out.credential, resolver=RESOLVER, clock=FixedClock(NOW)).verified


def test_predicates_use_the_korean_date() -> None:
    # 2026-02-28 16:00 UTC is already 1 March in Seoul.
    late = FixedClock(datetime(2026, 2, 28, 16, 0, tzinfo=UTC))
    out = issuer(clock=late).issue_id(
        claims(birthDate="2007-03-01", overseasRegistrationDate="2020-01-01")
    )
    assert out.credential is not None
    subject = out.credential["credentialSubject"]
    assert subject["predicatesComputedAt"] == "2026-03-01"
    assert subject["ageOver19"] is True  # 19th birthday on the Korean issuance date


def test_validity_capped_at_ten_years() -> None:
    out = issuer().issue_id(claims(passportExpiry="2045-01-01"))
    assert out.credential is not None
    assert out.credential["validUntil"] == "2036-03-01T14:59:59Z"


def test_ten_year_cap_from_29_february() -> None:
    leap = FixedClock(datetime(2028, 2, 29, 3, 0, tzinfo=UTC))
    out = issuer(clock=leap).issue_id(claims(passportExpiry="2045-01-01"))
    assert out.credential is not None
    assert out.credential["validUntil"] == "2038-02-28T14:59:59Z"


def test_explicit_validity_within_bounds() -> None:
    start = NOW + timedelta(days=1)
    end = datetime(2030, 1, 1, tzinfo=UTC)
    out = issuer().issue_id(claims(), valid_from=start, valid_until=end)
    assert out.credential is not None
    assert out.credential["validFrom"] == format_datetime(start)
    assert out.credential["validUntil"] == format_datetime(end)


def test_explicit_valid_until_cannot_outlive_the_passport() -> None:
    end_of_expiry_day = datetime(2031, 5, 20, 14, 59, 59, tzinfo=UTC)
    issuer().issue_id(claims(), valid_until=end_of_expiry_day)
    with pytest.raises(ConfigurationError, match="passport"):
        issuer().issue_id(claims(), valid_until=end_of_expiry_day + timedelta(seconds=1))


def test_valid_until_must_follow_valid_from() -> None:
    with pytest.raises(ConfigurationError):
        issuer().issue_id(claims(), valid_until=NOW)


# --------------------------------------------------------------------------- schema and eligibility


@pytest.mark.parametrize(
    ("member", "value", "pointer"),
    [
        ("passportNumber", "900101-1234567", "/passportNumber"),
        ("residenceCity", "900101-1234567", "/residenceCity"),
        ("birthDate", "1990-13-45", "/birthDate"),
        ("familyNameLatin", "hong-secret", "/familyNameLatin"),
        ("familyName", "Secretname", "/familyName"),
        ("residenceCountry", "ZZ", "/residenceCountry"),
        ("idNumber", "SECRET-VALUE-1234", "/idNumber"),
        ("portrait", "data:text/plain;base64,c2VjcmV0", "/portrait"),
        ("rrn", "900101-1234567", "/rrn"),
    ],
)
def test_bad_claim_raises_schema_error_with_pointer_not_value(
    member: str, value: str, pointer: str
) -> None:
    store = CountingStore()
    with pytest.raises(SchemaError) as info:
        issuer(store=store).issue_id(claims(**{member: value}))
    assert info.value.path == pointer
    assert value not in str(info.value) and value not in repr(info.value)
    assert store.allocations == 0


def test_missing_claim_is_named() -> None:
    bad = claims()
    del bad["givenName"]
    with pytest.raises(SchemaError) as info:
        issuer().issue_id(bad)
    assert info.value.path == "/givenName"


def test_generic_issuer_runs_the_check_before_signing() -> None:
    counting = CountingSigner(KEY)
    ci = CredentialIssuer(counting, issuer=LA.did, clock=CLOCK)  # type: ignore[arg-type]
    body = {
        "@context": CONTEXTS,
        "type": ["VerifiableCredential", "OverseasNationalIdCredential"],
        "credentialSubject": {"familyName": "홍", "birthDate": "not-a-date"},
    }
    with pytest.raises(SchemaError) as info:
        ci.issue(body, check=check_credential)
    assert info.value.path
    assert "not-a-date" not in str(info.value)
    assert counting.signed == []


def test_generic_issuer_refuses_members_it_sets_itself() -> None:
    ci = CredentialIssuer(KEY, issuer=LA.did, clock=CLOCK)
    for member in ("id", "issuer", "validFrom", "validUntil", "credentialStatus", "proof"):
        with pytest.raises(ConfigurationError, match=member):
            ci.issue({"@context": CONTEXTS, "type": ["VerifiableCredential"], member: "x"})


def test_under_14_refused() -> None:
    # Turns 14 on 2 March 2026 (Korean date of issue: 1 March).
    with pytest.raises(ConfigurationError) as info:
        issuer().issue_id(claims(birthDate="2012-03-02", overseasRegistrationDate="2020-01-01"))
    assert info.value.path == "/birthDate"
    issuer().issue_id(claims(birthDate="2012-03-01", overseasRegistrationDate="2020-01-01"))


def test_expired_passport_refused() -> None:
    with pytest.raises(ConfigurationError) as info:
        issuer().issue_id(claims(passportExpiry="2026-02-28"))
    assert info.value.path == "/passportExpiry"
    out = issuer().issue_id(claims(passportExpiry="2026-03-01"))  # expires today (KST): valid
    assert out.credential is not None
    assert out.credential["validUntil"] == "2026-03-01T14:59:59Z"


def test_backdated_valid_from_does_not_bypass_the_passport_check() -> None:
    with pytest.raises(ConfigurationError):
        issuer().issue_id(
            claims(passportExpiry="2026-02-15"), valid_from=datetime(2026, 2, 1, tzinfo=UTC)
        )


def test_registration_must_be_in_effect() -> None:
    with pytest.raises(ConfigurationError) as info:
        issuer().issue_id(claims(overseasRegistrationDate=None))
    assert info.value.path == "/overseasRegistrationDate"
    with pytest.raises(ConfigurationError):
        issuer().issue_id(claims(overseasRegistrationDate="2026-03-02"))


def test_claims_of_another_mission_refused() -> None:
    with pytest.raises(ConfigurationError, match="another issuing mission"):
        issuer().issue_id(claims(issuingMission=OTHER.as_issuing_mission().to_json()))


def test_holder_must_be_a_did() -> None:
    with pytest.raises(ConfigurationError):
        issuer().issue_id(claims(), holder="not a did")


# --------------------------------------------------------------------------- formats


def test_format_arguments_are_checked() -> None:
    iss = issuer()
    with pytest.raises(ConfigurationError):
        iss.issue_id(claims(), formats=())
    with pytest.raises(ConfigurationError):
        iss.issue_id(claims(), formats=("jwt",))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="holder JWK"):
        iss.issue_id(claims(), formats=("sd-jwt",))


def test_sd_jwt_only() -> None:
    out = issuer().issue_id(claims(), holder_jwks=[HOLDER.public.jwk], formats=("sd-jwt",))
    assert out.credential is None and out.credential_id is None and out.status is None
    assert len(out.sd_jwts) == 1


def test_both_formats_are_separate_credentials() -> None:
    store = InMemoryStatusListStore(clock=CLOCK)
    keys = holder_keys(2)
    out = issuer(store=store).issue_id(
        claims(),
        holder=HOLDER.controller,
        holder_jwks=[k.public.jwk for k in keys],
        formats=("di", "sd-jwt"),
    )
    assert out.credential is not None and out.status is not None
    ids = {out.credential_id} | {c.credential_id for c in out.sd_jwts}
    assert len(ids) == 3
    positions = {(out.status.list_id, out.status.index)} | {
        (c.status.list_id, c.status.index) for c in out.sd_jwts if c.status is not None
    }
    assert len(positions) == 3


def test_sd_jwt_copy_verifies_and_is_schema_valid() -> None:
    out = issuer().issue_id(claims(), holder_jwks=[HOLDER.public.jwk], formats=("sd-jwt",))
    token = out.sd_jwts[0].sd_jwt
    header = parse_issued(token).header
    assert header["typ"] == "vc+sd-jwt" and header["alg"] == "Ed25519"
    assert header["kid"] == KEY.verification_method
    result = verify_sd_jwt(
        token,
        resolve_key=lambda kid, _h: KEY.public_key if kid == KEY.verification_method else None,
        nonce=None,
        audience=None,
        require_key_binding=False,
        clock=FixedClock(NOW),
    )
    assert result.verified, result.errors
    doc = {k: v for k, v in result.document.items() if k not in {"iat", "cnf"}}
    assert validate_credential(doc) == []
    assert doc["id"] == out.sd_jwts[0].credential_id


def test_sd_jwt_disclosure_plan_is_every_personal_claim() -> None:
    out = issuer().issue_id(claims(), holder_jwks=[HOLDER.public.jwk], formats=("sd-jwt",))
    held = parse_issued(out.sd_jwts[0].sd_jwt)
    pointers = {c.pointer for c in held.claims}
    personal = set(claims()) - {"nationality", "issuingMission"}
    predicates = {"ageOver14", "ageOver19", "ageOver65", "isOverseasNational"}
    assert pointers == {f"/credentialSubject/{k}" for k in personal | predicates} | {"/evidence"}
    visible = set(held.payload["credentialSubject"]) - {"_sd"}
    assert visible == {"type", "nationality", "issuingMission", "predicatesComputedAt"}
    text = json.dumps(held.payload, ensure_ascii=False)
    for value in PERSONAL_VALUES:
        assert value not in text


# --------------------------------------------------------------------------- batches


def _copy_parts(token: str) -> dict[str, Any]:
    held = parse_issued(token)
    parts = split_sd_jwt(token)
    digests: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            digests.extend(node.get("_sd", []))
            for v in node.values():
                collect(v)
        elif isinstance(node, list):
            for v in node:
                if isinstance(v, dict) and "..." in v:
                    digests.append(v["..."])
                collect(v)

    collect(held.payload)
    by_digest = {c.disclosure.digest: c.pointer for c in held.claims}
    return {
        "held": held,
        "disclosures": set(parts.disclosures),
        "digests": digests,
        "salts": {c.disclosure.salt for c in held.claims},
        "claim_order": tuple(by_digest[d] for d in digests if d in by_digest),
        "signature": parts.jws.rsplit(".", 1)[1],
        "cnf": held.payload["cnf"]["jwk"]["x"],
    }


@pytest.fixture(scope="module")
def batch() -> tuple[Any, list[Ed25519Signer], InMemoryStatusListStore]:
    store = InMemoryStatusListStore(clock=CLOCK)
    keys = holder_keys(4)
    out = issuer(store=store).issue_id(
        claims(),
        holder=HOLDER.controller,
        holder_jwks=[k.public.jwk for k in keys],
        formats=("sd-jwt",),
    )
    return out, keys, store


def test_batch_copies_have_distinct_ids_positions_and_keys(batch: Any) -> None:
    out, keys, store = batch
    copies = out.sd_jwts
    assert len(copies) == 4
    assert len({c.credential_id for c in copies}) == 4
    assert all(UUID_URN.match(c.credential_id) for c in copies)
    assert len({(c.status.list_id, c.status.index) for c in copies}) == 4
    for c, key in zip(copies, keys, strict=True):
        assert store.find(c.credential_id) == c.status
        held = parse_issued(c.sd_jwt)
        assert held.payload["id"] == c.credential_id
        assert public_key_from_jwk(held.payload["cnf"]["jwk"]) == key.public_key
        assert {e["statusListIndex"] for e in held.payload["credentialStatus"]} == {
            str(c.status.index)
        }


def test_one_issuance_is_linked_in_the_store_and_reports_progress() -> None:
    """The DI credential and every SD-JWT copy of one call are one issuance in the store (so a
    revocation can reach them all); separate calls stay separate."""
    store = InMemoryStatusListStore(clock=CLOCK)
    steps: list[tuple[int, int]] = []
    keys = holder_keys(3)
    out = issuer(store=store).issue_id(
        claims(),
        holder=HOLDER.controller,
        holder_jwks=[k.public.jwk for k in keys],
        formats=("di", "sd-jwt"),
        progress=lambda done, total: steps.append((done, total)),
    )
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)]
    ids = [out.credential_id, *(c.credential_id for c in out.sd_jwts)]
    expected = {out.credential_id: out.status} | {c.credential_id: c.status for c in out.sd_jwts}
    assert store.issuance_of(out.sd_jwts[2].credential_id) == expected
    assert list(store.issuance_of(ids[0])) == ids
    other = issuer(store=store).issue_id(claims(), holder=HOLDER.controller)
    assert store.issuance_of(other.credential_id) == {other.credential_id: other.status}


def test_batch_copies_share_no_salt_digest_disclosure_or_signature(batch: Any) -> None:
    out, _, _ = batch
    parts = [_copy_parts(c.sd_jwt) for c in out.sd_jwts]
    for i, a in enumerate(parts):
        assert len(a["salts"]) == len(a["held"].claims)
        for salt in a["salts"]:
            assert len(b64url_decode(salt)) >= 16
        for b in parts[i + 1 :]:
            assert a["disclosures"].isdisjoint(b["disclosures"])
            assert set(a["digests"]).isdisjoint(b["digests"])
            assert a["salts"].isdisjoint(b["salts"])
            assert a["signature"] != b["signature"]
            assert a["cnf"] != b["cnf"]
    # Digest order is shuffled per copy: the claims do not sit at the same _sd positions.
    assert len({p["claim_order"] for p in parts}) > 1


def test_batch_copies_common_part_is_not_personal(batch: Any) -> None:
    """Apart from the issuer's header/kid and the always-visible claims, no value is common."""
    out, _, _ = batch
    headers = set()
    commons = []
    for c in out.sd_jwts:
        held = parse_issued(c.sd_jwt)
        headers.add(c.sd_jwt.split(".", 1)[0])
        payload = copy.deepcopy(held.payload)
        for member in ("id", "cnf", "_sd"):
            payload.pop(member)
        payload["credentialSubject"].pop("_sd")
        for entry in payload["credentialStatus"]:
            entry.pop("id")
            entry.pop("statusListIndex")
        commons.append(payload)
        text = json.dumps(payload, ensure_ascii=False)
        for value in PERSONAL_VALUES:
            assert value not in text
    assert len(headers) == 1  # {alg, kid, typ, cty}: the issuer's, shared by every holder
    assert all(c == commons[0] for c in commons)
    assert set(commons[0]) == {
        "@context",
        "type",
        "issuer",
        "validFrom",
        "validUntil",
        "credentialSchema",
        "credentialSubject",
        "credentialStatus",
        "iat",
        "_sd_alg",
    }


def test_batch_copy_has_no_holder_did_and_coarse_times(batch: Any) -> None:
    out, _, _ = batch
    day_start = datetime.combine(date(2026, 3, 1), time(0, 0), UTC)  # UTC day of issuance
    for c in out.sd_jwts:
        held = parse_issued(c.sd_jwt)
        assert "id" not in held.document["credentialSubject"]
        assert HOLDER.controller not in c.sd_jwt
        assert held.payload["validFrom"] == format_datetime(day_start) == "2026-03-01T00:00:00Z"
        # Passport expiry 2031-05-20: floored to the end of April (Korea time).
        assert held.payload["validUntil"] == "2031-04-30T14:59:59Z"
        assert held.payload["iat"] == int(day_start.timestamp())
        evidence = held.document["evidence"]
        assert evidence[0]["proofedAt"] == "2026-03-01T00:00:00Z"
        assert format_datetime(NOW) not in c.sd_jwt


def test_coarse_valid_until_never_moves_before_valid_from() -> None:
    # Passport expires this month: flooring to the month would end before it started.
    out = issuer().issue_id(
        claims(passportExpiry="2026-03-20"), holder_jwks=[HOLDER.public.jwk], formats=("sd-jwt",)
    )
    held = parse_issued(out.sd_jwts[0].sd_jwt)
    assert held.payload["validUntil"] == "2026-03-20T14:59:59Z"


def test_batch_refuses_a_repeated_holder_key() -> None:
    with pytest.raises(ConfigurationError):
        issuer().issue_id(
            claims(), holder_jwks=[HOLDER.public.jwk, HOLDER.public.jwk], formats=("sd-jwt",)
        )


# --------------------------------------------------------------------------- issue -> verifier


def _verifier(start: str, store: InMemoryStatusListStore) -> Verifier:
    """A Gov24 verifier whose trust list accredits LA from ``start`` (a date or a timestamp)."""
    root = Ed25519Signer.from_seed(b"\x09" * 32)
    rows: list[dict[str, Any]] = MISSIONS.trust_rows()
    for row in rows:
        if row["missionCode"] == LA.code:
            row["validFrom"] = start
    trust = create_trust_list(
        rows,
        root_signer=root,
        version=1,
        issued=NOW - timedelta(days=1),
        next_update=NOW + timedelta(days=30),
    )
    registry = TrustListRegistry.from_trust_list(
        trust, root_did=root.controller, resolver=RESOLVER, clock=CLOCK
    )
    fetcher = LocalStatusListFetcher()
    for list_id in store.list_ids():
        for purpose in ("revocation", "suspension"):
            fetcher.register(
                issue_status_list_credential(
                    store, list_id, purpose, KEY, base=STATUS_BASE, issuer=LA.did, clock=CLOCK
                )
            )
    return Verifier(GOV24.policy(registry, clock=CLOCK), resolver=RESOLVER, status_fetcher=fetcher)


def test_issued_formats_pass_the_verifier() -> None:
    store = InMemoryStatusListStore(clock=CLOCK)
    out = issuer(store=store).issue_id(
        claims(),
        holder=HOLDER.controller,
        holder_jwks=[HOLDER.public.jwk],
        formats=("di", "sd-jwt"),
    )
    verifier = _verifier("2024-07-03", store)
    assert verifier.verify_credential(out.credential).verified
    result = verifier.verify_credential(out.sd_jwts[0].sd_jwt)
    assert result.verified, result.errors


def test_sd_jwt_issued_on_first_accreditation_day_verifies() -> None:
    store = InMemoryStatusListStore(clock=CLOCK)
    out = issuer(store=store).issue_id(
        claims(),
        holder=HOLDER.controller,
        holder_jwks=[HOLDER.public.jwk],
        formats=("di", "sd-jwt"),
    )
    verifier = _verifier(NOW.date().isoformat(), store)  # accredited from 2026-03-01T00:00Z
    assert verifier.verify_credential(out.credential).verified
    result = verifier.verify_credential(out.sd_jwts[0].sd_jwt)
    assert result.verified, result.codes


def test_sd_jwt_issued_after_a_timed_accreditation_start_verifies() -> None:
    store = InMemoryStatusListStore(clock=CLOCK)
    out = issuer(store=store).issue_id(
        claims(),
        holder=HOLDER.controller,
        holder_jwks=[HOLDER.public.jwk],
        formats=("di", "sd-jwt"),
    )
    verifier = _verifier("2026-03-01T00:30:00Z", store)  # issued at 01:00Z
    assert verifier.verify_credential(out.credential).verified
    result = verifier.verify_credential(out.sd_jwts[0].sd_jwt)
    assert result.verified, result.codes
