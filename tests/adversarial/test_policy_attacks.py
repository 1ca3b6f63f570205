"""The overseas-ID services' policies under a caller who builds them the usual ways (security
review): every one keeps ``only_issuer_proofs`` on, so no second party's proof rides along on an
ID (a thief's key in a proof set, a notary's chain), whichever entry point made the policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kr_ovid.clock import FixedClock
from kr_ovid.ovid.services import (
    AGE_CHECK,
    GOV24,
    NAMED_PURPOSES,
    OVERSEAS_KOREANS_365,
    ServiceProfile,
    age_check,
    presentation_policies,
)
from kr_ovid.problems import ErrorCode
from kr_ovid.trust.model import Accreditation


class NobodyAccredited:
    """A trust registry that accredits no one (the policies are inspected, not run)."""

    def is_accredited(self, issuer_did: str, credential_type: str, at: datetime) -> Accreditation:
        return Accreditation(False, ErrorCode.ISSUER_NOT_ACCREDITED, "nobody is")


@pytest.fixture(scope="module")
def registry() -> NobodyAccredited:
    return NobodyAccredited()


@pytest.mark.parametrize("profile", [GOV24, OVERSEAS_KOREANS_365, AGE_CHECK], ids=lambda p: p.name)
def test_every_service_purpose_keeps_only_issuer_proofs(
    profile: ServiceProfile, registry: NobodyAccredited
) -> None:
    for purpose in profile.purposes:
        assert profile.policy(registry, purpose).only_issuer_proofs is True
    assert age_check(registry).only_issuer_proofs is True


def test_openid4vp_policies_keep_only_issuer_proofs(registry: NobodyAccredited) -> None:
    """Overrides a deployment passes (its clock) do not reset the rule."""
    policies = presentation_policies(
        registry, policy_overrides={"clock": FixedClock(datetime(2026, 3, 1, tzinfo=UTC))}
    )
    assert set(policies) == set(NAMED_PURPOSES)
    for policy in policies.values():
        for verifier in policy.verifiers.values():
            assert verifier.policy.only_issuer_proofs is True
