"""The age check's alternative over OpenID4VP: ``ageOver19``, or else ``birthDate`` alone, from
which the service computes the age on the day of verification in Korea (UTC+9).

The predicate is computed when the ID is issued; a holder who has come of age since then
answers with the birth date, and the service counts the years as the Civil Act does, on the
Korean calendar day (so 00:00 KST on the 19th birthday is 15:00 UTC the day before)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from oid4vp_world import in_process, make_service, make_wallet

from kr_ovid.errors import ConfigurationError
from kr_ovid.ovid.services import AGE_CHECK, BIRTH_DATE_QUERY, GOV24, MinimumAge
from kr_ovid.problems import ErrorCode

from world import World

BASE = "https://shop.example"
#: Issued on 2026-03-01 (the world's start) to someone born 2007-03-03: 18 then, and 19 from
#: 00:00 KST on 2026-03-03, which is 2026-03-02T15:00Z.
BIRTH = "2007-03-03"
BIRTHDAY_KST_MIDNIGHT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _minor_id(world: World) -> str:
    issued = world.issue(formats=("dc+sd-jwt",), person={"birthDate": BIRTH})
    return issued.sd_jwt()


def _answer(world: World, held: str) -> tuple[object, object]:
    service = make_service(world, base_url=BASE)
    wallet = make_wallet(world, [held], in_process(service))
    created = service.create("age-check", response_mode="direct_post.jwt")
    request = wallet.read(created.link).claims
    offer = wallet.match(request)
    wallet.respond(request, offer)
    return offer, service.result(created.transaction_id)


def test_the_query_offers_the_predicate_first_then_the_birth_date() -> None:
    query = AGE_CHECK.dcql()
    assert [q.id for q in query.credentials] == ["id_dc", BIRTH_DATE_QUERY]
    assert query.credential_sets is not None
    assert [o for o in query.credential_sets[0].options] == [("id_dc",), (BIRTH_DATE_QUERY,)]
    assert query[BIRTH_DATE_QUERY].format == "dc+sd-jwt"
    assert BIRTH_DATE_QUERY not in GOV24.dcql("login").ids


def test_a_holder_who_came_of_age_after_issuance_answers_with_the_birth_date(
    world: World,
) -> None:
    held = _minor_id(world)
    world.clock.set(BIRTHDAY_KST_MIDNIGHT)  # the 19th birthday has begun in Korea
    offer, result = _answer(world, held)
    assert [(s.query_id, s.disclose) for s in offer.selections] == [
        (BIRTH_DATE_QUERY, ("/birthDate",))
    ]
    assert result.verified, result.errors
    claims = result.claims[BIRTH_DATE_QUERY][0]
    assert claims["birthDate"] == BIRTH
    assert "familyName" not in claims and "ageOver19" not in claims


def test_one_minute_before_the_birthday_in_korea_is_refused(world: World) -> None:
    held = _minor_id(world)
    world.clock.set(BIRTHDAY_KST_MIDNIGHT - timedelta(minutes=1))  # 23:59 KST, the day before
    _, result = _answer(world, held)
    assert not result.verified
    assert result.has_error(ErrorCode.POLICY_ERROR)
    paths = [p.path or "" for p in result.errors if p.code is ErrorCode.POLICY_ERROR]
    assert paths and all(path.endswith("/birthDate") for path in paths)


def test_the_birth_date_policy_takes_nothing_else(world: World) -> None:
    policy = AGE_CHECK.birth_date_policy(world.registry)
    assert policy.claims_check == MinimumAge(19)
    assert policy.allowed_claims == {"birthDate"}
    assert not policy.required_true
    with pytest.raises(ConfigurationError):
        GOV24.birth_date_policy(world.registry)


@pytest.mark.parametrize("years", [0, True, 151, "19"])
def test_minimum_age_takes_whole_years(years: object) -> None:
    with pytest.raises(ConfigurationError):
        MinimumAge(years)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ({}, ErrorCode.MISSING_CLAIM),
        ({"birthDate": "2007-3-3"}, ErrorCode.MALFORMED_VALUE_ERROR),
        ({"birthDate": "2007-02-30"}, ErrorCode.MALFORMED_VALUE_ERROR),
        ({"birthDate": 20070303}, ErrorCode.MALFORMED_VALUE_ERROR),
        ({"birthDate": "2027-01-01"}, ErrorCode.POLICY_ERROR),  # not born yet
        ({"birthDate": "2007-03-03"}, ErrorCode.POLICY_ERROR),
    ],
)
def test_minimum_age_refusals(subject: dict[str, object], code: ErrorCode) -> None:
    at = BIRTHDAY_KST_MIDNIGHT - timedelta(seconds=1)
    problems = MinimumAge(19)(subject, at)
    assert [(p.code, p.path) for p in problems] == [(code, "/birthDate")]


def test_minimum_age_counts_29_february_births_from_1_march() -> None:
    """Civil Act art. 160(3): born 29 February, a year older on 1 March in a common year."""
    check = MinimumAge(19)
    leap_birth = {"birthDate": "2008-02-29"}
    feb_28_kst = datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    mar_1_kst = datetime(2027, 2, 28, 15, 0, tzinfo=UTC)  # 00:00 KST on 1 March
    assert [p.code for p in check(leap_birth, feb_28_kst)] == [ErrorCode.POLICY_ERROR]
    assert check(leap_birth, mar_1_kst) == []


def test_the_birth_date_must_be_disclosed(world: World) -> None:
    import json
    from dataclasses import replace

    held = _minor_id(world)
    world.clock.set(BIRTHDAY_KST_MIDNIGHT)
    service = make_service(world, base_url=BASE)
    wallet = make_wallet(world, [held], in_process(service))
    created = service.create("age-check", response_mode="direct_post")
    request = wallet.read(created.link).claims
    offer = wallet.match(request)
    hidden = replace(offer, selections=(replace(offer.selections[0], disclose=()),))
    token = wallet.vp_token(request, hidden)
    wallet.post(request, {"vp_token": json.dumps(token), "state": request.state or ""})
    result = service.result(created.transaction_id)
    assert result is not None and not result.verified
    assert result.has_error(ErrorCode.MISSING_CLAIM)
    assert not result.has_error(ErrorCode.POLICY_ERROR)


def test_a_failing_claims_check_refuses(world: World) -> None:
    """An injected rule that raises is a refusal (``POLICY_ERROR``), never a pass."""
    from kr_ovid.sdjwt.holder import parse_issued, present
    from kr_ovid.verifier import Verifier

    def broken(subject: object, at: object) -> list[object]:
        raise RuntimeError("bug")

    held = _minor_id(world)
    policy = AGE_CHECK.birth_date_policy(world.registry, clock=world.clock, claims_check=broken)
    verifier = Verifier(policy, resolver=world.resolver, status_fetcher=world.fetch_status_list)
    shown = present(
        parse_issued(held),
        ("/birthDate",),
        holder_signer=world.holders["alice"].copy_signer(0),
        nonce="n-1",
        aud=BASE,
        clock=world.clock,
    )
    result = verifier.verify_presentation(shown, nonce="n-1", audience=BASE)
    assert not result.verified
    assert [p.code for p in result.errors] == [ErrorCode.POLICY_ERROR]
