"""Holder side of RFC 9901: list what can be disclosed, present a subset, add a KB-JWT.

Claim paths are JSON pointers into the *fully disclosed* credential (array indexes as issued).
Choosing a path discloses the claim there with everything below it, plus the disclosures of
the containers needed to reach it (RFC 9901 §7.2); no other disclosure is ever included.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kr_ovid.clock import Clock, SystemClock
from kr_ovid.errors import ConfigurationError, KeyFormatError
from kr_ovid.keys.jwk import public_key_from_jwk
from kr_ovid.keys.signer import Signer
from kr_ovid.sdjwt.disclosure import (
    DEFAULT_SD_JWT_LIMITS,
    KB_JWT_TYP,
    DisclosedClaim,
    SdJwtLimits,
    SdJwtParts,
    parse_pointer,
    pointer_exists,
    reconstruct,
    sd_hash,
    split_sd_jwt,
)
from kr_ovid.sdjwt.jws import (
    SdJwtError,
    decode_compact_jws,
    encode_json,
    numeric_date,
    sign_compact_jws,
)

__all__ = [
    "KB_JWT_TYP",
    "HeldSdJwt",
    "create_kb_jwt",
    "disclosable_claims",
    "parse_issued",
    "present",
    "select_disclosures",
]


@dataclass(frozen=True, slots=True)
class HeldSdJwt:
    """An issued SD-JWT as the holder keeps it: parts, decoded payload, full reconstruction."""

    parts: SdJwtParts
    header: dict[str, Any]
    payload: dict[str, Any]
    document: dict[str, Any]
    claims: tuple[DisclosedClaim, ...]

    @property
    def cnf_jwk(self) -> dict[str, Any] | None:
        """The holder key the issuer bound (RFC 9901 §4.1.2, ``cnf.jwk`` of RFC 7800), or
        ``None``: without it no Key Binding JWT can be made."""
        cnf = self.document.get("cnf")
        jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
        return jwk if isinstance(jwk, dict) else None


def parse_issued(sd_jwt: str, *, limits: SdJwtLimits = DEFAULT_SD_JWT_LIMITS) -> HeldSdJwt:
    """Decode an issued ``<JWS>~<d1>~...~<dn>~`` and rebuild it with every disclosure.

    The issuer signature is *not* checked here (use the verifier with
    ``require_key_binding=False`` on receipt); the structure is, as strictly as a verifier would.
    An SD-JWT+KB is refused, as RFC 9901 §7.2 requires of a holder receiving one from its issuer.
    Raises :class:`~kr_ovid.sdjwt.jws.SdJwtError`.
    """
    parts = split_sd_jwt(sd_jwt, limits=limits)
    if parts.kb_jwt is not None:
        raise SdJwtError("an issued SD-JWT ends with '~' and has no KB-JWT")
    jws = decode_compact_jws(parts.jws, limits=limits.jws)
    payload = jws.payload_json(limits=limits.jws)
    rebuilt = reconstruct(payload, parts.disclosures, limits=limits)
    return HeldSdJwt(parts, jws.header, payload, rebuilt.document, rebuilt.claims)


def _held(sd_jwt: str | HeldSdJwt) -> HeldSdJwt:
    return sd_jwt if isinstance(sd_jwt, HeldSdJwt) else parse_issued(sd_jwt)


def _value_at(document: Any, segments: tuple[str, ...]) -> Any:
    node = document
    for seg in segments:
        node = node[seg] if isinstance(node, dict) else node[int(seg)]
    return node


def disclosable_claims(sd_jwt: str | HeldSdJwt) -> list[tuple[str, Any]]:
    """``(path, value)`` for every selectively disclosable claim, parents before children.

    ``value`` is the claim fully disclosed (nested disclosable claims included). The order is
    the issuer's (disclosures are listed in payload order), not the shuffled digest order.
    """
    held = _held(sd_jwt)
    issued = {encoded: i for i, encoded in enumerate(held.parts.disclosures)}

    def chain(index: int | None) -> tuple[int, ...]:
        """Issued positions from the outermost container down to the claim: sorting by it puts
        parents before children, in the issuer's order."""
        out: list[int] = []
        while index is not None:
            out.append(issued[held.claims[index].disclosure.encoded])
            index = held.claims[index].parent
        return tuple(reversed(out))

    ranked = sorted(range(len(held.claims)), key=chain)
    return [
        (held.claims[i].pointer, _value_at(held.document, parse_pointer(held.claims[i].pointer)))
        for i in ranked
    ]


def _is_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return len(a) <= len(b) and b[: len(a)] == a


def select_disclosures(held: HeldSdJwt, disclose: Iterable[str]) -> tuple[str, ...]:
    """The encoded disclosures for the chosen paths, in issued order (see module docstring).

    Closed over containers, so each one is reachable from the payload or from another chosen
    disclosure, as RFC 9901 §7.2 demands; a path that names no claim is refused.
    """
    if isinstance(disclose, str):
        raise ConfigurationError("disclose is a collection of JSON pointers, not one string")
    chosen: list[tuple[str, ...]] = []
    for pointer in disclose:
        segments = parse_pointer(pointer)
        if not pointer_exists(held.document, segments):
            raise ConfigurationError(f"no claim at path {pointer!r}", path=pointer)
        chosen.append(segments)
    keep: set[int] = set()
    for index, claim in enumerate(held.claims):
        at = parse_pointer(claim.pointer)
        if any(_is_prefix(at, s) or _is_prefix(s, at) for s in chosen):
            keep.add(index)
    for index in list(keep):  # closure over containing disclosures (already implied by paths)
        parent = held.claims[index].parent
        while parent is not None:
            keep.add(parent)
            parent = held.claims[parent].parent
    wanted = {held.claims[i].disclosure.encoded for i in keep}
    return tuple(d for d in held.parts.disclosures if d in wanted)


def create_kb_jwt(
    presented: str, holder_signer: Signer, *, nonce: str, aud: str, iat: datetime | None
) -> str:
    """The Key Binding JWT over ``presented`` (ending in ``~``), RFC 9901 §4.3.

    Header ``{alg: Ed25519, typ: kb+jwt}``; payload ``{iat, aud, nonce, sd_hash}``.
    """
    if not presented.endswith("~"):
        raise ConfigurationError("the KB-JWT signs a presentation ending in '~'")
    for name, value in (("nonce", nonce), ("aud", aud)):
        if not isinstance(value, str) or not value:
            raise ConfigurationError(f"{name} must be a non-empty string")
    claims = {"iat": numeric_date(iat), "aud": aud, "nonce": nonce, "sd_hash": sd_hash(presented)}
    return sign_compact_jws(encode_json(claims), holder_signer, header={"typ": KB_JWT_TYP})


def present(
    sd_jwt: str | HeldSdJwt,
    disclose: Iterable[str],
    *,
    holder_signer: Signer | None = None,
    nonce: str | None = None,
    aud: str | None = None,
    clock: Clock | None = None,
) -> str:
    """Build ``<JWS>~<chosen disclosures>~[<KB-JWT>]`` (RFC 9901 §4, §7.2).

    With ``holder_signer``, ``nonce`` and ``aud`` are required and a KB-JWT is appended; the
    credential must carry ``cnf.jwk`` and, when the signer exposes ``public_key``, it must be
    that key. The KB-JWT's ``iat`` is ``clock``'s now (default: the system clock). Raises
    :class:`~kr_ovid.errors.ConfigurationError` for an unknown path.
    """
    held = _held(sd_jwt)
    chosen = select_disclosures(held, disclose)
    presented = SdJwtParts(held.parts.jws, chosen, None).without_kb
    if holder_signer is None:
        if nonce is not None or aud is not None:
            raise ConfigurationError("nonce/aud are only used with a holder_signer (KB-JWT)")
        return presented
    jwk = held.cnf_jwk
    if jwk is None:
        raise ConfigurationError("the credential has no cnf.jwk: key binding is impossible")
    try:
        bound = public_key_from_jwk(jwk)
    except KeyFormatError:
        raise ConfigurationError("the credential's cnf.jwk is not an Ed25519 key") from None
    own = getattr(holder_signer, "public_key", None)
    if isinstance(own, bytes) and own != bound:
        raise ConfigurationError("holder_signer's key is not the credential's cnf key")
    if nonce is None or aud is None:
        raise ConfigurationError("nonce and aud are required for a KB-JWT")
    iat = (clock or SystemClock()).now()
    return presented + create_kb_jwt(presented, holder_signer, nonce=nonce, aud=aud, iat=iat)
