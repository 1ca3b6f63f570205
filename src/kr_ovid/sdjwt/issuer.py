"""Securing a VC Data Model 2.0 credential as ``vc+sd-jwt`` (W3C VC-JOSE-COSE §3.2, RFC 9901 §4).

The issuer states explicitly which claim paths are selectively disclosable. The claims that a
verifier needs to process the credential at all — ``@context``, ``type``, ``issuer``, the
validity period, ``credentialStatus`` and the JWT claims ``cnf``/``iss``/``iat``/``nbf``/``exp``
(RFC 9901 §9.7) — can never be made disclosable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from kr_ovid.clock import Clock
from kr_ovid.errors import ConfigurationError
from kr_ovid.keys.jwk import b64url_encode, public_key_from_jwk
from kr_ovid.keys.signer import Signer
from kr_ovid.sdjwt.disclosure import (
    DEFAULT_DECOYS,
    SD_ALG_KEY,
    SHA_256,
    VC_SD_JWT_TYP,
    SaltSource,
    SdJwtParts,
    build_sd_payload,
    parse_pointer,
)
from kr_ovid.sdjwt.jws import encode_json, numeric_date, sign_compact_jws

__all__ = [
    "NON_DISCLOSABLE_CLAIMS",
    "VC_SD_JWT_TYP",
    "issue_batch",
    "issue_sd_jwt",
]

#: Top-level claims that stay in the clear: the verifier needs them before any disclosure.
NON_DISCLOSABLE_CLAIMS: frozenset[str] = frozenset(
    {
        "@context",
        "type",
        "issuer",
        "validFrom",
        "validUntil",
        "credentialStatus",
        "cnf",
        "iss",
        "iat",
        "nbf",
        "exp",
        # SD-JWT VC §3.2.2.2: never selectively disclosed.
        "vct",
        "vct#integrity",
        "aka_vcts",
        "status",
    }
)


def _check_plan(disclosable: Iterable[str]) -> list[str]:
    """The plan as a list; no pointer may reach into :data:`NON_DISCLOSABLE_CLAIMS` (RFC 9901
    §9.7; VC-JOSE-COSE §3.2.1 wants what validation needs to stay disclosed)."""
    if isinstance(disclosable, str):
        raise ConfigurationError("disclosable is a collection of JSON pointers, not one string")
    plan = list(disclosable)
    for pointer in plan:
        segments = parse_pointer(pointer)
        if segments and segments[0] in NON_DISCLOSABLE_CLAIMS:
            raise ConfigurationError(
                f"{segments[0]!r} and what it contains cannot be selectively disclosable",
                path=pointer,
            )
    return plan


def issue_sd_jwt(
    payload: Mapping[str, Any],
    signer: Signer,
    *,
    disclosable: Iterable[str],
    holder_jwk: Mapping[str, Any] | None = None,
    typ: str = VC_SD_JWT_TYP,
    cty: str | None = "vc",
    decoys: int | range = DEFAULT_DECOYS,
    iat: datetime | Clock | None = None,
    salt_source: SaltSource | None = None,
) -> str:
    """Issue ``<JWS>~<d1>~...~<dn>~`` (RFC 9901 §4; VC-JOSE-COSE §3.2.1 ``typ``/``cty``).

    ``disclosable`` is the plan: JSON pointers such as ``/credentialSubject/birthDate`` or
    ``/credentialSubject/nationalities/0``; a pointer below another one is a recursive
    disclosure. ``holder_jwk`` (Ed25519 OKP public JWK) becomes ``cnf.jwk`` (RFC 7800) for key
    binding. The JWS header is ``{alg: Ed25519, kid: signer.verification_method, typ, cty}``;
    the payload gets ``iat`` (from ``iat``, a datetime or clock; system clock by default) and
    ``_sd_alg: sha-256``. ``salt_source`` is a test/vector hook only (see
    :func:`~kr_ovid.sdjwt.disclosure.build_sd_payload`).

    Raises :class:`~kr_ovid.errors.ConfigurationError` for a plan naming a claim that does not
    exist or one of :data:`NON_DISCLOSABLE_CLAIMS`, and for payloads already holding ``iat``,
    ``cnf`` (with ``holder_jwk``) or the reserved names ``_sd``, ``_sd_alg``, ``...``.
    """
    if not isinstance(payload, Mapping):
        raise ConfigurationError("payload must be a JSON object")
    if not isinstance(typ, str) or not typ:
        raise ConfigurationError("typ must be a non-empty string")
    if cty is not None and (not isinstance(cty, str) or not cty):
        raise ConfigurationError("cty must be a non-empty string or None")
    plan = _check_plan(disclosable)
    claims = dict(payload)
    if "iat" in claims:
        raise ConfigurationError("payload already has iat; pass iat= instead")
    claims["iat"] = numeric_date(iat)
    if holder_jwk is not None:
        if "cnf" in claims:
            raise ConfigurationError("payload already has cnf and holder_jwk was given")
        x = public_key_from_jwk(dict(holder_jwk))  # OKP/Ed25519, no private part
        claims["cnf"] = {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(x)}}
    concealed, disclosures = build_sd_payload(claims, plan, decoys=decoys, salt_source=salt_source)
    concealed[SD_ALG_KEY] = SHA_256
    header: dict[str, Any] = {"kid": signer.verification_method, "typ": typ}
    if cty is not None:
        header["cty"] = cty
    jws = sign_compact_jws(encode_json(concealed), signer, header=header)
    return SdJwtParts(jws, tuple(d.encoded for d in disclosures), None).serialize()


def issue_batch(
    payload: Mapping[str, Any],
    signer: Signer,
    holder_jwks: Sequence[Mapping[str, Any]],
    *,
    disclosable: Iterable[str],
    typ: str = VC_SD_JWT_TYP,
    cty: str | None = "vc",
    decoys: int | range = DEFAULT_DECOYS,
    iat: datetime | Clock | None = None,
) -> list[str]:
    """N copies of one credential for one-time use, one per holder key (RFC 9901 §10.1).

    Each copy has fresh salts, fresh decoy digests (and decoy counts, when ``decoys`` is a
    range), its own shuffled digest order and its own ``cnf`` key, so no salt, digest or holder
    key is shared between copies.

    Still common to every copy, and so visible to two colluding verifiers: the issuer's
    signature key and ``kid``, the JWS header, ``iat`` (same second), every always-visible claim
    (``@context``, ``type``, ``issuer``, validity, and ``credentialStatus`` — give each copy its
    own status entry, or none, before calling this), the payload's structure and claim order,
    and of course any claim value that the holder discloses in both presentations.
    """
    if isinstance(holder_jwks, Mapping) or not holder_jwks:
        raise ConfigurationError("holder_jwks is a non-empty list of holder public JWKs")
    keys = [public_key_from_jwk(dict(jwk)) for jwk in holder_jwks]
    if len(set(keys)) != len(keys):
        raise ConfigurationError("each batch copy needs a different holder key")
    plan = _check_plan(disclosable)
    when = numeric_date(iat)
    instant = datetime.fromtimestamp(when, tz=UTC)
    return [
        issue_sd_jwt(
            payload,
            signer,
            disclosable=plan,
            holder_jwk=jwk,
            typ=typ,
            cty=cty,
            decoys=decoys,
            iat=instant,
        )
        for jwk in holder_jwks
    ]
