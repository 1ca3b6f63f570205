"""The overseas-national ID over OpenID4VCI: a mission's configurations, display and makers.

A mission offers the ID in the formats a wallet can hold it in, each a credential configuration
(OpenID4VCI 1.0 §12.2.4) whose maker is :meth:`Issuer.issue_id`:

* ``ldp_vc`` (Appendix A.1.2): the Data Integrity credential, bound by its subject ``id`` to
  the did:key of the first key the wallet proved. It discloses everything, so copies would be
  linkable anyway: one credential is issued, whatever the batch (§8.3 lets an issuer issue
  fewer credentials than keys).
* ``dc+sd-jwt`` (IETF SD-JWT VC, Appendix A.3): the ID's claims at the top level with its
  shipped ``vct``, one unlinkable copy per proved key.
* ``vc+sd-jwt`` (W3C VC-JOSE-COSE, this deployment's own format profile, §3.1.1 allows one):
  the same copies in the VC Data Model's shape.

Display names come in Korean and English: the mission's names for the issuer, the card's name
and the claim labels (:mod:`kr_ovid.ovid.labels`) for the credential.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from kr_ovid.challenges import ChallengeStore
from kr_ovid.errors import ConfigurationError, KrOvidError
from kr_ovid.issuer import Format
from kr_ovid.keys.jwk import public_jwk
from kr_ovid.keys.signer import ED25519, did_key_from_public_key
from kr_ovid.oid4vci.configuration import CredentialConfiguration, MadeCredentials
from kr_ovid.oid4vci.service import IssuanceService
from kr_ovid.oid4vci.store import IssuanceStore
from kr_ovid.ovid.issuance import CONTEXTS, CREDENTIAL_TYPE, Issuer
from kr_ovid.ovid.labels import CLAIM_ORDER, LABELS_EN, LABELS_KO
from kr_ovid.ovid.missions import Mission
from kr_ovid.sdjwt.disclosure import VC_SD_JWT_TYP
from kr_ovid.sdjwt.vc import DC_SD_JWT_TYP, type_metadata, vct_for_credential_type

__all__ = [
    "CONFIGURATION_IDS",
    "DC_SD_JWT_CONFIGURATION",
    "LDP_VC_CONFIGURATION",
    "VC_SD_JWT_CONFIGURATION",
    "id_configurations",
    "id_issuance_service",
    "issuer_display",
]

DC_SD_JWT_CONFIGURATION: Final = "OverseasNationalId_dc+sd-jwt"
LDP_VC_CONFIGURATION: Final = "OverseasNationalId_ldp_vc"
VC_SD_JWT_CONFIGURATION: Final = "OverseasNationalId_vc+sd-jwt"
#: Every configuration a mission can offer, in the order offered by default.
CONFIGURATION_IDS: Final = (DC_SD_JWT_CONFIGURATION, LDP_VC_CONFIGURATION, VC_SD_JWT_CONFIGURATION)

_LOCALES: Final = (("ko", LABELS_KO), ("en", LABELS_EN))


def issuer_display(mission: Mission) -> list[dict[str, str]]:
    """The Credential Issuer's ``display`` (§12.2.4): the mission's Korean and English names."""
    return [
        {"name": mission.name_ko, "locale": "ko"},
        {"name": mission.name_en, "locale": "en"},
    ]


def _credential_metadata(vct: str, *prefix: str) -> dict[str, Any]:
    """``credential_metadata`` (§12.2.4): the card's names (those of the shipped SD-JWT VC
    type metadata) and each subject claim's labels, with claims path pointers (Appendix C)
    below ``prefix`` (``credentialSubject`` in a VC, nothing in an SD-JWT VC)."""
    names = type_metadata(vct).get("display", [])
    return {
        "display": [{"name": d["name"], "locale": d["locale"]} for d in names],
        "claims": [
            {
                "path": [*prefix, claim],
                "display": [{"name": labels[claim], "locale": lang} for lang, labels in _LOCALES],
            }
            for claim in CLAIM_ORDER
        ],
    }


def _definition() -> dict[str, Any]:
    return {"@context": list(CONTEXTS), "type": ["VerifiableCredential", CREDENTIAL_TYPE]}


def _ldp_vc_maker(
    issuer: Issuer,
) -> Callable[[Mapping[str, Any], Sequence[bytes]], MadeCredentials]:
    def make(claims: Mapping[str, Any], keys: Sequence[bytes]) -> MadeCredentials:
        issued = issuer.issue_id(claims, holder=did_key_from_public_key(keys[0]), formats=("di",))
        if issued.credential is None or issued.credential_id is None:
            raise KrOvidError("the Data Integrity form was not issued")
        return MadeCredentials((issued.credential,), (issued.credential_id,))

    return make


def _sd_jwt_maker(
    issuer: Issuer, form: Format
) -> Callable[[Mapping[str, Any], Sequence[bytes]], MadeCredentials]:
    def make(claims: Mapping[str, Any], keys: Sequence[bytes]) -> MadeCredentials:
        issued = issuer.issue_id(claims, holder_jwks=[public_jwk(k) for k in keys], formats=(form,))
        return MadeCredentials(
            tuple(c.sd_jwt for c in issued.sd_jwts),
            tuple(c.credential_id for c in issued.sd_jwts),
        )

    return make


def id_configurations(issuer: Issuer) -> list[CredentialConfiguration]:
    """The ID's configurations for a mission's :class:`Issuer`, in :data:`CONFIGURATION_IDS`
    order."""
    vct = vct_for_credential_type(CREDENTIAL_TYPE)
    if vct is None:
        raise ConfigurationError("no shipped vct for the ID's credential type")
    return [
        CredentialConfiguration(
            DC_SD_JWT_CONFIGURATION,
            DC_SD_JWT_TYP,
            _sd_jwt_maker(issuer, "dc+sd-jwt"),
            signing_algorithms=(ED25519,),
            binding_methods=("jwk",),
            metadata={"vct": vct, "credential_metadata": _credential_metadata(vct)},
        ),
        CredentialConfiguration(
            LDP_VC_CONFIGURATION,
            "ldp_vc",
            _ldp_vc_maker(issuer),
            signing_algorithms=(issuer.cryptosuite,),
            binding_methods=("did:key",),
            metadata={
                "credential_definition": _definition(),
                "credential_metadata": _credential_metadata(vct, "credentialSubject"),
            },
        ),
        CredentialConfiguration(
            VC_SD_JWT_CONFIGURATION,
            VC_SD_JWT_TYP,
            _sd_jwt_maker(issuer, "sd-jwt"),
            signing_algorithms=(ED25519,),
            binding_methods=("jwk",),
            metadata={
                "credential_definition": _definition(),
                "credential_metadata": _credential_metadata(vct, "credentialSubject"),
            },
        ),
    ]


def id_issuance_service(
    issuer: Issuer,
    *,
    credential_issuer: str,
    store: IssuanceStore,
    nonces: ChallengeStore,
    **options: Any,
) -> IssuanceService:
    """A mission's :class:`~kr_ovid.oid4vci.IssuanceService` for the ID: its configurations,
    its names as the issuer's display, and :meth:`Issuer.check_claims` at the desk. ``options``
    go to the service (``batch_size``, lifetimes, ``allow_loopback_http``…); the clock is the
    issuer's, so eligibility at the desk and at issuance is judged on one time."""

    def check_claims(claims: Mapping[str, Any]) -> None:
        issuer.check_claims(claims)

    return IssuanceService(
        credential_issuer,
        id_configurations(issuer),
        store=store,
        nonces=nonces,
        clock=issuer.clock,
        display=issuer_display(issuer.mission),
        check_claims=check_claims,
        **options,
    )
