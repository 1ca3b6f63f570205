"""IETF SD-JWT VC (``dc+sd-jwt``): issued beside the other forms by the mission's issuer, verified
by the same Verifier and service policies, with its shipped type metadata."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from kr_ovid.errors import ConfigurationError
from kr_ovid.keys.jwk import b64url_decode, b64url_encode
from kr_ovid.ovid.labels import LABELS_EN, LABELS_KO
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt import issue_sd_jwt, present
from kr_ovid.sdjwt.holder import parse_issued
from kr_ovid.sdjwt.vc import (
    DC_SD_JWT_TYP,
    credential_type_for_vct,
    type_metadata,
    vct_for_credential_type,
)

from world import World

VCT = "https://w3id.org/kr-ovid/vct/overseas-national-id/v1"
LOGIN = ["/familyName", "/givenName", "/birthDate", "/isOverseasNational"]


def _issue(world: World, copies: int = 1, **kw: Any) -> Any:
    return world.issue(formats=("dc+sd-jwt",), copies=copies, **kw)


def _present(world: World, token: str, disclose: list[str], service: str, nonce: str) -> str:
    wallet = world.holders["alice"].wallet()
    return wallet.present_sd_jwt(token, disclose, nonce=nonce, audience=world.domain(service))


def _challenge(world: World, service: str) -> str:
    return world.challenges.issue(world.domain(service)).value


def test_payload_is_an_sd_jwt_vc(world: World) -> None:
    issued = _issue(world)
    copy = issued.result.sd_jwts[0]
    assert copy.format == "dc+sd-jwt"
    held = parse_issued(copy.sd_jwt)
    assert held.header["typ"] == DC_SD_JWT_TYP and "cty" not in held.header
    payload = held.payload
    assert payload["vct"] == VCT
    assert payload["iss"] == world.mission("us-losangeles").did
    assert {"nbf", "exp", "iat", "cnf", "status"} <= set(payload)
    assert set(payload["status"]) == {"bitstring_status_list"}
    # every personal claim is concealed; what describes the credential stays visible
    for name in ("familyName", "givenName", "birthDate", "passportNumber", "ageOver19"):
        assert name not in payload
    assert payload["nationality"] == "KR" and "issuingMission" in payload
    for name in ("@context", "credentialSubject", "credentialSchema", "evidence", "type"):
        assert name not in held.document
    assert held.document["familyName"] == "홍"
    # times are coarsened like the vc+sd-jwt copies
    assert payload["iat"] % 86400 == 0 and payload["nbf"] % 86400 == 0


def test_batch_copies_share_no_salt_key_or_status(world: World) -> None:
    issued = _issue(world, copies=2)
    a, b = (parse_issued(c.sd_jwt) for c in issued.result.sd_jwts)
    assert a.payload["cnf"] != b.payload["cnf"]
    assert a.payload["status"] != b.payload["status"]
    assert not set(a.parts.disclosures) & set(b.parts.disclosures)


def test_gov24_login_verifies(world: World) -> None:
    token = _issue(world).sd_jwt()
    nonce = _challenge(world, "gov24/login")
    result = world.verifier("gov24/login").verify_presentation(
        _present(world, token, LOGIN, "gov24/login", nonce),
        nonce=nonce,
        audience=world.domain("gov24/login"),
    )
    assert result.verified, result.errors
    assert result.claims["familyName"] == "홍"
    assert result.document["vct"] == VCT
    assert {"trust", "status", "schema", "policy"} <= set(result.checks)


def test_age_check_discloses_one_claim(world: World) -> None:
    token = _issue(world).sd_jwt()
    nonce = _challenge(world, "age-check")
    ok = world.verifier("age-check").verify_presentation(
        _present(world, token, ["/ageOver19"], "age-check", nonce),
        nonce=nonce,
        audience=world.domain("age-check"),
    )
    assert ok.verified, ok.errors
    assert dict(ok.claims.claims) == {
        "ageOver19": True,
        "nationality": "KR",
        "issuingMission": ok.claims["issuingMission"],
        "predicatesComputedAt": ok.claims["predicatesComputedAt"],
    }
    nonce = _challenge(world, "age-check")
    over = world.verifier("age-check").verify_presentation(
        _present(world, token, ["/ageOver19", "/birthDate"], "age-check", nonce),
        nonce=nonce,
        audience=world.domain("age-check"),
    )
    assert over.codes == (ErrorCode.CLAIM_NOT_ALLOWED,)


def test_revoked_copy_is_refused(world: World) -> None:
    issued = _issue(world)
    world.set_status(issued, "revocation", 1, 0)
    nonce = _challenge(world, "gov24/login")
    result = world.verifier("gov24/login").verify_presentation(
        _present(world, issued.sd_jwt(), LOGIN, "gov24/login", nonce),
        nonce=nonce,
        audience=world.domain("gov24/login"),
    )
    assert result.codes == (ErrorCode.CREDENTIAL_REVOKED,)
    assert result.errors[0].path == "/status/bitstring_status_list/0"


def test_policy_without_dc_format_refuses(world: World) -> None:
    token = _issue(world).sd_jwt()
    nonce = _challenge(world, "gov24/login")
    verifier = world.verifier("gov24/login", allowed_formats=frozenset({"di", "sd-jwt"}))
    result = verifier.verify_presentation(
        _present(world, token, LOGIN, "gov24/login", nonce),
        nonce=nonce,
        audience=world.domain("gov24/login"),
    )
    assert result.codes == (ErrorCode.POLICY_ERROR,)


def test_wrong_nonce_and_audience(world: World) -> None:
    token = _issue(world).sd_jwt()
    nonce = _challenge(world, "gov24/login")
    presented = _present(world, token, LOGIN, "gov24/login", nonce)
    other = _challenge(world, "gov24/login")
    wrong_nonce = world.verifier("gov24/login").verify_presentation(
        presented, nonce=other, audience=world.domain("gov24/login")
    )
    assert ErrorCode.INVALID_CHALLENGE_ERROR in wrong_nonce.codes
    wrong_aud = world.verifier("gov24/login").verify_presentation(
        presented, nonce=nonce, audience="ok365.example"
    )
    assert ErrorCode.INVALID_DOMAIN_ERROR in wrong_aud.codes


def test_expired_copy_is_refused(world: World) -> None:
    token = _issue(world, valid_until=world.clock.now() + timedelta(days=40)).sd_jwt()
    world.clock.advance(timedelta(days=60))
    nonce = _challenge(world, "gov24/login")
    result = world.verifier("gov24/login").verify_presentation(
        _present(world, token, LOGIN, "gov24/login", nonce),
        nonce=nonce,
        audience=world.domain("gov24/login"),
    )
    assert result.codes == (ErrorCode.VALIDITY_PERIOD_ERROR,)


def test_header_typ_decides_and_is_signed(world: World) -> None:
    """Relabelling a dc+sd-jwt as vc+sd-jwt breaks the signature; a vc+sd-jwt still verifies."""
    token = _issue(world).sd_jwt()
    header, rest = token.split(".", 1)
    relabelled = json.loads(b64url_decode(header))
    relabelled["typ"] = "vc+sd-jwt"

    forged = b64url_encode(json.dumps(relabelled).encode()) + "." + rest
    result = world.verifier("gov24/login").verify_credential(forged)
    assert not result.verified
    vc_form = world.issue(formats=("sd-jwt",)).sd_jwt()
    assert world.verifier("gov24/login").verify_credential(vc_form).verified


def test_bare_credential_and_claim_paths(world: World) -> None:
    token = _issue(world).sd_jwt()
    result = world.verifier("gov24/login").verify_credential(present(token, LOGIN))
    assert result.verified, result.errors
    short = world.verifier("gov24/login").verify_credential(present(token, LOGIN[:3]))
    assert short.codes == (ErrorCode.MISSING_CLAIM,)
    assert short.errors[0].path == "/isOverseasNational"


def test_both_sd_jwt_forms_in_one_call_are_refused(world: World) -> None:
    with pytest.raises(ConfigurationError):
        world.issue(formats=("sd-jwt", "dc+sd-jwt"))


def test_type_metadata_ships_with_labels() -> None:
    meta = type_metadata(VCT)
    assert credential_type_for_vct(VCT) == "OverseasNationalIdCredential"
    assert vct_for_credential_type("OverseasNationalIdCredential") == VCT
    assert credential_type_for_vct("https://example.test/other") is None
    assert {d["locale"] for d in meta["display"]} == {"ko", "en"}
    labels = {c["path"][0]: {d["locale"]: d["label"] for d in c["display"]} for c in meta["claims"]}
    assert labels == {k: {"ko": LABELS_KO[k], "en": LABELS_EN[k]} for k in LABELS_KO}
    sd = {c["path"][0]: c["sd"] for c in meta["claims"]}
    assert sd["familyName"] == "always" and sd["nationality"] == "never"
    with pytest.raises(ConfigurationError):
        type_metadata("https://example.test/other")


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        ({"residentNumber": "900228-1234567"}, ErrorCode.MALFORMED_VALUE_ERROR, "/residentNumber"),
        ({"vct": "https://example.test/other"}, ErrorCode.POLICY_ERROR, "/vct"),
        ({"vct": 7}, ErrorCode.MALFORMED_VALUE_ERROR, "/vct"),
        ({"iss": "did:web:other.example"}, ErrorCode.KEY_NOT_AUTHORIZED, "/iss"),
        (
            {"status": {"status_list": {"idx": 1, "uri": "https://x.example/s"}}},
            ErrorCode.STATUS_VERIFICATION_ERROR,
            "/status",
        ),
        ({"status": None}, ErrorCode.STATUS_VERIFICATION_ERROR, "/status"),
    ],
)
def test_signed_but_unacceptable_payloads(
    world: World, change: dict[str, Any], code: ErrorCode, path: str
) -> None:
    """What the mission's own key signed is still refused when it breaks SD-JWT VC or policy."""

    payload = dict(parse_issued(_issue(world).sd_jwt()).document)
    payload.pop("iat")
    payload.pop("cnf")
    for k, v in change.items():
        if v is None:
            payload.pop(k)
        else:
            payload[k] = v
    token = issue_sd_jwt(
        payload,
        world.signer("us-losangeles"),
        disclosable=[],
        typ=DC_SD_JWT_TYP,
        cty=None,
        iat=world.clock.now(),
    )
    result = world.verifier("gov24/login").verify_credential(token)
    assert result.codes[0] == code, result.errors
    assert result.errors[0].path == path
    if change.get("vct") == "https://example.test/other":  # and it accredits nothing
        assert result.codes == (code, ErrorCode.ISSUER_NOT_ACCREDITED)
    else:
        assert len(result.codes) == 1
