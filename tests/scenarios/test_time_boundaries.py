"""Exact time boundaries against the injected clock, with the default 300 s skew.

Every check is probed at its boundary and one second (or one microsecond) either side:
credential ``validFrom``/``validUntil`` (± skew), proof ``created`` (not after now + skew) and
``expires`` (not before now - skew), presentation freshness (``max_presentation_age`` + skew),
the KB-JWT ``iat`` window, the challenge lifetime, the trust list's ``nextUpdate`` + grace, the
accreditation window and key retirement.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from kr_ovid.clock import parse_datetime_stamp
from kr_ovid.integrity import DEFAULT_SKEW, add_proof
from kr_ovid.presentation import create_presentation, sign_presentation
from kr_ovid.results import VerificationResult
from kr_ovid.sdjwt.holder import create_kb_jwt, parse_issued, present
from kr_ovid.trust import DEFAULT_GRACE

from world import BE_ACCREDITATION_END, START, TRUST_LIST_NEXT_UPDATE, World

SKEW = DEFAULT_SKEW
S = timedelta(seconds=1)
US = timedelta(microseconds=1)
DOMAIN = "gov24.example"
LOGIN = [
    "/credentialSubject/familyName",
    "/credentialSubject/givenName",
    "/credentialSubject/birthDate",
    "/credentialSubject/isOverseasNational",
]


def codes(result: VerificationResult) -> set[str]:
    return {c.value for c in result.codes}


def at(world: World, instant: datetime) -> None:
    world.clock.set(instant)


def expect(result: VerificationResult, errors: tuple[str, ...] | set[str]) -> None:
    detail = [(e.code.value, e.path, e.detail) for e in result.errors]
    if errors:
        assert result.verified is False, detail
        assert codes(result) == set(errors), detail
    else:
        assert result.verified is True, detail


def test_skew_is_the_documented_default() -> None:
    assert timedelta(seconds=300) == SKEW


# ---------------------------------------------------------------------------------------------
# Credential validity period (VC DM 2.0 §4.9), widened by the skew on both sides
# ---------------------------------------------------------------------------------------------
VALID_FROM = START + timedelta(hours=1)
VALID_UNTIL = START + timedelta(days=10)


@pytest.mark.parametrize(
    ("instant", "errors"),
    [
        (VALID_FROM - SKEW - S, ("VALIDITY_PERIOD_ERROR",)),
        (VALID_FROM - SKEW - US, ("VALIDITY_PERIOD_ERROR",)),
        (VALID_FROM - SKEW, ()),
        (VALID_FROM - SKEW + S, ()),
        (VALID_FROM, ()),
        (VALID_UNTIL, ()),
        (VALID_UNTIL + SKEW - S, ()),
        (VALID_UNTIL + SKEW, ()),
        (VALID_UNTIL + SKEW + US, ("VALIDITY_PERIOD_ERROR",)),
        (VALID_UNTIL + SKEW + S, ("VALIDITY_PERIOD_ERROR",)),
    ],
    ids=lambda v: v.isoformat() if isinstance(v, datetime) else "-".join(v) or "ok",
)
def test_di_validity_period(world: World, instant: datetime, errors: tuple[str, ...]) -> None:
    issued = world.issue(valid_from=VALID_FROM, valid_until=VALID_UNTIL)
    at(world, instant)
    expect(world.verifier("gov24/login").verify_credential(issued.credential), errors)


@pytest.mark.parametrize("edge", ["validFrom", "validUntil"])
@pytest.mark.parametrize(("delta", "ok"), [(-S, True), (timedelta(0), True), (S, False)])
def test_sd_jwt_validity_period(world: World, edge: str, delta: timedelta, ok: bool) -> None:
    """The SD-JWT copy's own (coarsened) validFrom/validUntil, ± skew ± 1 s."""
    issued = world.issue(
        formats=("sd-jwt",), valid_from=VALID_FROM, valid_until=START + timedelta(days=40)
    )
    doc = parse_issued(issued.sd_jwt()).document
    bound = parse_datetime_stamp(doc[edge])
    assert bound is not None
    instant = bound - SKEW - delta if edge == "validFrom" else bound + SKEW + delta
    at(world, instant)
    result = world.verifier("gov24/login").verify_credential(issued.sd_jwt())
    expect(result, () if ok else ("VALIDITY_PERIOD_ERROR",))


# ---------------------------------------------------------------------------------------------
# Proof created / expires (Data Integrity)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("delta", "errors"),
    [(-SKEW - S, ("PROOF_VERIFICATION_ERROR",)), (-SKEW, ()), (-SKEW + S, ()), (timedelta(0), ())],
)
def test_credential_proof_created_in_the_future(
    world: World, delta: timedelta, errors: tuple[str, ...]
) -> None:
    """A credential whose proof was created after now + skew is refused (validFrom = created)."""
    issued = world.issue()
    at(world, START + delta)
    expect(world.verifier("gov24/login").verify_credential(issued.credential), errors)


def _with_expiring_proof(world: World, credential: dict[str, Any], expires: datetime) -> Any:
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    return add_proof(unsigned, world.signer("us-losangeles"), created=START, expires=expires)


@pytest.mark.parametrize(
    ("delta", "errors"),
    [(timedelta(0), ()), (SKEW - S, ()), (SKEW, ()), (SKEW + S, ("PROOF_EXPIRED",))],
)
def test_credential_proof_expires(world: World, delta: timedelta, errors: tuple[str, ...]) -> None:
    expires = START + timedelta(hours=1)
    credential = _with_expiring_proof(world, world.issue().credential, expires)
    at(world, expires + delta)
    expect(world.verifier("gov24/login").verify_credential(credential), errors)


# ---------------------------------------------------------------------------------------------
# Presentations: created (future / freshness), expires, KB-JWT iat
# ---------------------------------------------------------------------------------------------
def _vp(world: World, credential: dict[str, Any], *, expires: datetime | None = None) -> Any:
    challenge = world.challenges.issue(DOMAIN, ttl=timedelta(days=1)).value
    signer = world.holders["alice"].signer
    vp = create_presentation([credential], holder=signer.controller)
    signed = sign_presentation(
        vp, signer, challenge=challenge, domain=DOMAIN, created=world.clock.now(), expires=expires
    )
    return signed, challenge


@pytest.mark.parametrize(
    ("max_age", "delta", "errors"),
    [
        (timedelta(minutes=5), timedelta(minutes=10) - S, ()),
        (timedelta(minutes=5), timedelta(minutes=10), ()),
        (timedelta(minutes=5), timedelta(minutes=10) + US, ("PRESENTATION_EXPIRED",)),
        (timedelta(minutes=5), timedelta(minutes=10) + S, ("PRESENTATION_EXPIRED",)),
        (timedelta(seconds=60), timedelta(seconds=360), ()),
        (timedelta(seconds=60), timedelta(seconds=361), ("PRESENTATION_EXPIRED",)),
    ],
)
def test_di_presentation_freshness(
    world: World, max_age: timedelta, delta: timedelta, errors: tuple[str, ...]
) -> None:
    """A presentation is fresh for ``max_presentation_age`` + skew after its proof's created."""
    credential = world.issue().credential
    vp, challenge = _vp(world, credential)
    world.clock.advance(delta)
    verifier = world.verifier("gov24/login", max_presentation_age=max_age)
    expect(verifier.verify_presentation(vp, challenge=challenge, domain=DOMAIN), errors)


@pytest.mark.parametrize(
    ("delta", "errors"),
    [(-SKEW - S, ("PROOF_VERIFICATION_ERROR",)), (-SKEW, ()), (-SKEW + S, ())],
)
def test_di_presentation_created_in_the_future(
    world: World, delta: timedelta, errors: tuple[str, ...]
) -> None:
    """The phone's clock runs ahead: accepted up to the skew."""
    credential = world.issue().credential
    world.clock.advance(timedelta(hours=1))
    vp, challenge = _vp(world, credential)
    world.clock.advance(delta)
    result = world.verifier("gov24/login").verify_presentation(
        vp, challenge=challenge, domain=DOMAIN
    )
    expect(result, errors)


@pytest.mark.parametrize(
    ("delta", "errors"), [(SKEW - S, ()), (SKEW, ()), (SKEW + S, ("PROOF_EXPIRED",))]
)
def test_di_presentation_proof_expires(
    world: World, delta: timedelta, errors: tuple[str, ...]
) -> None:
    credential = world.issue().credential
    expires = START + timedelta(seconds=60)
    vp, challenge = _vp(world, credential, expires=expires)
    at(world, expires + delta)
    result = world.verifier("gov24/login").verify_presentation(
        vp, challenge=challenge, domain=DOMAIN
    )
    expect(result, errors)


def _kb_presentation(world: World, iat: datetime) -> tuple[str, str]:
    issued = world.issue(formats=("sd-jwt",))
    nonce = world.challenges.issue(DOMAIN, ttl=timedelta(days=1)).value
    at(world, iat)
    token = (
        world.holders["alice"]
        .wallet()
        .present_sd_jwt(issued.sd_jwt(), LOGIN, nonce=nonce, audience=DOMAIN)
    )
    return token, nonce


@pytest.mark.parametrize(
    ("delta", "errors"),
    [
        (-SKEW - S, ("KEY_BINDING_ERROR",)),  # iat more than the skew in the future
        (-SKEW, ()),
        (timedelta(0), ()),
        (timedelta(minutes=5) + SKEW, ()),  # max_presentation_age + skew, as for DI
        (timedelta(minutes=5) + SKEW + S, ("KEY_BINDING_ERROR",)),
    ],
)
def test_kb_jwt_iat_window(world: World, delta: timedelta, errors: tuple[str, ...]) -> None:
    """KB-JWT iat in [now - max_presentation_age - skew, now + skew]: the DI window."""
    iat = START + timedelta(hours=1)
    token, nonce = _kb_presentation(world, iat)
    at(world, iat + delta)
    result = world.verifier("gov24/login").verify_presentation(token, nonce=nonce, audience=DOMAIN)
    expect(result, errors)


@pytest.mark.parametrize("delta", [timedelta(minutes=10)])
def test_kb_jwt_freshness_matches_di(world: World, delta: timedelta) -> None:
    iat = START + timedelta(hours=1)
    token, nonce = _kb_presentation(world, iat)
    at(world, iat + delta)
    result = world.verifier("gov24/login").verify_presentation(token, nonce=nonce, audience=DOMAIN)
    expect(result, ())


# ---------------------------------------------------------------------------------------------
# Challenge lifetime, trust list freshness, accreditation window, key retirement
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("delta", "ok"), [(timedelta(0), True), (US, False), (S, False)])
def test_challenge_lifetime(world: World, delta: timedelta, ok: bool) -> None:
    """A challenge is accepted up to and including its expiry (5 min), not after."""
    credential = world.issue().credential
    challenge = world.challenges.issue(DOMAIN)
    at(world, challenge.expires + delta - timedelta(seconds=30))
    vp = (
        world.holders["alice"]
        .wallet()
        .present([credential], challenge=challenge.value, domain=DOMAIN)
    )
    at(world, challenge.expires + delta)
    result = world.verifier("gov24/login").verify_presentation(
        vp, challenge=challenge.value, domain=DOMAIN
    )
    expect(result, () if ok else ("INVALID_CHALLENGE_ERROR",))


@pytest.mark.parametrize(("delta", "errors"), [(timedelta(0), ()), (S, ("TRUST_LIST_EXPIRED",))])
def test_trust_list_next_update_plus_grace(
    world: World, delta: timedelta, errors: tuple[str, ...]
) -> None:
    credential = world.issue().credential
    at(world, TRUST_LIST_NEXT_UPDATE + DEFAULT_GRACE + delta)
    result = world.verifier("gov24/login").verify_credential(credential)
    expect(result, errors)
    if errors:
        assert result.retryable is True


@pytest.mark.parametrize(
    ("delta", "errors"),
    [(-S, ()), (timedelta(0), ()), (S, ("ISSUER_NOT_ACCREDITED",))],
)
def test_accreditation_end_is_inclusive(
    world: World, delta: timedelta, errors: tuple[str, ...]
) -> None:
    """Issued (proof created) at the end of the accreditation window: still accredited."""
    at(world, BE_ACCREDITATION_END + delta)
    credential = world.issue(mission="be").credential
    at(world, START)
    expect(world.verifier("gov24/login").verify_credential(credential), errors)


@pytest.mark.parametrize(
    ("delta", "errors"), [(-S, ()), (timedelta(0), ("KEY_RETIRED",)), (S, ("KEY_RETIRED",))]
)
def test_key_retirement_instant(world: World, delta: timedelta, errors: tuple[str, ...]) -> None:
    """A retired key's proofs verify when created before its expires, not at or after it."""
    world.rotate_key("us-losangeles")
    at(world, START + delta)
    credential = world.issue(key="retired").credential
    at(world, START + timedelta(hours=1))
    expect(world.verifier("gov24/login").verify_credential(credential), errors)


def test_sd_jwt_presentation_end_to_end_at_kb_edge(world: World) -> None:
    """Sanity: a presentation exactly at the KB-JWT window edge also passes the other checks."""
    issued = world.issue(formats=("sd-jwt",))
    nonce = world.challenges.issue(DOMAIN, ttl=timedelta(hours=1)).value
    token = present(issued.sd_jwt(), LOGIN)
    token += create_kb_jwt(token, world.holders["alice"].signer, nonce=nonce, aud=DOMAIN, iat=START)
    at(world, START + timedelta(minutes=5))
    result = world.verifier("gov24/login").verify_presentation(token, nonce=nonce, audience=DOMAIN)
    expect(result, ())
