"""A hostile holder against ``dc+sd-jwt`` verification (security review): validity and status
claims a foreign issuer concealed, which the holder then withholds. Each refusal with its code."""

from __future__ import annotations

from typing import Any

import pytest

from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt import issue_sd_jwt, present
from kr_ovid.sdjwt.holder import parse_issued
from kr_ovid.sdjwt.vc import DC_SD_JWT_TYP

from world import World

LOGIN = ["/familyName", "/givenName", "/birthDate", "/isOverseasNational"]


def _reissued(world: World, concealed: str, **change: Any) -> str:
    """The mission's dc+sd-jwt re-signed by the mission's key with ``concealed`` selectively
    disclosable, as an issuer other than kr_ovid's (which refuses such a plan) could make it."""
    held = parse_issued(world.issue(formats=("dc+sd-jwt",)).sd_jwt())
    payload = dict(held.document)
    payload.pop("iat")
    payload.pop("cnf")
    payload.update(change)
    return issue_sd_jwt(
        payload,
        world.signer("us-losangeles"),
        disclosable=[*LOGIN, concealed],
        typ=DC_SD_JWT_TYP,
        cty=None,
        iat=world.clock.now(),
    )


@pytest.mark.parametrize(
    ("claim", "offset", "code"),
    [
        ("exp", -86_400, ErrorCode.MALFORMED_VALUE_ERROR),  # expired, and the expiry withheld
        ("nbf", 86_400, ErrorCode.MALFORMED_VALUE_ERROR),  # not yet valid, and the start withheld
        ("status", 0, ErrorCode.STATUS_VERIFICATION_ERROR),
    ],
)
def test_a_withheld_validity_or_status_claim_is_refused(
    world: World, claim: str, offset: int, code: ErrorCode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SD-JWT VC §3.2.2.2: ``nbf``, ``exp`` and ``status`` are never selectively disclosed. The
    ID's schema requires ``validUntil`` and ``validFrom`` (``exp``/``nbf`` in this form), so a
    copy whose holder withholds them is refused as the Data Integrity form would be (the
    schema's missing-member code)."""
    monkeypatch.setattr("kr_ovid.sdjwt.issuer._check_plan", list)
    now = int(world.clock.now().timestamp())
    change = {claim: now + offset} if claim != "status" else {}
    token = _reissued(world, f"/{claim}", **change)
    result = world.verifier("gov24/login").verify_credential(present(token, LOGIN))
    assert result.codes == (code,), result.errors
    assert result.errors[0].path == f"/{claim}"


@pytest.mark.parametrize(("claim", "offset"), [("exp", -86_400), ("nbf", 86_400)])
def test_a_disclosed_concealed_validity_claim_still_counts(
    world: World, claim: str, offset: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kr_ovid.sdjwt.issuer._check_plan", list)
    now = int(world.clock.now().timestamp())
    token = _reissued(world, f"/{claim}", **{claim: now + offset})
    result = world.verifier("gov24/login").verify_credential(present(token, [*LOGIN, f"/{claim}"]))
    assert result.codes == (ErrorCode.VALIDITY_PERIOD_ERROR,), result.errors
