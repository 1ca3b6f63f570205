"""Key proofs of the ``jwt`` proof type (OpenID4VCI 1.0 Appendix F.1), Ed25519 only.

The wallet proves that it holds the private key each credential copy will be bound to: a JWT
typed ``openid4vci-proof+jwt``, carrying the key (``jwk``, or ``kid`` as a did:key DID URL),
addressed to the Credential Issuer (``aud``) and holding a fresh ``c_nonce`` from the nonce
endpoint (§7). The issuer checks it as Appendix F.4 lists; the nonce itself is spent by the
caller (:mod:`kr_ovid.oid4vci.service`), once per request, which is what stops a replayed proof.

Keys are refused as everywhere in kr_ovid (:mod:`kr_ovid.keys.ed25519`): a small-order or
non-canonical key would let one signature stand for any message, so a credential bound to it
would bind nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from kr_ovid.clock import Clock, SystemClock
from kr_ovid.did.key import public_key_from_did_key
from kr_ovid.errors import ConfigurationError, KeyFormatError, ResolutionError
from kr_ovid.keys.jwk import public_jwk, public_key_from_jwk
from kr_ovid.keys.multikey import encode_public_multikey
from kr_ovid.keys.signer import Signer, did_key_from_public_key
from kr_ovid.oid4vci.errors import Oid4vciError
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt.jws import (
    ACCEPTED_ALGORITHMS,
    JwsLimits,
    SdJwtError,
    decode_compact_jws,
    encode_json,
    media_type_matches,
    numeric_date,
    sign_compact_jws,
    verify_jws_signature,
)

__all__ = [
    "PROOF_TYP",
    "PROOF_TYPE",
    "KeyProof",
    "check_key_proof",
    "check_key_proofs",
    "make_key_proof",
]

#: The explicit type of a key proof JWT (Appendix F.1, RFC 8725 §3.11).
PROOF_TYP: Final = "openid4vci-proof+jwt"
#: The proof type's name in ``proofs`` and in ``proof_types_supported`` (Appendix F).
PROOF_TYPE: Final = "jwt"
#: A key proof is a few hundred characters; anything much larger is not one.
PROOF_LIMITS: Final = JwsLimits(
    max_token_chars=4_096, max_header_chars=1_024, max_payload_chars=2_048
)
#: Header parameters this issuer does not support; a proof carrying one is refused rather than
#: read as if the parameter were absent (key attestations, federation trust chains).
_UNSUPPORTED_HEADERS: Final = frozenset({"key_attestation", "trust_chain"})
_DID_KEY: Final = "did:key:"


@dataclass(frozen=True, slots=True)
class KeyProof:
    """A checked key proof: the holder key it proved, and the ``c_nonce`` it carries (still to
    be spent by the caller)."""

    public_key: bytes
    nonce: str

    @property
    def jwk(self) -> dict[str, str]:
        """The key as a public JWK: the SD-JWT ``cnf.jwk`` (RFC 7800)."""
        return public_jwk(self.public_key)

    @property
    def did_key(self) -> str:
        """The key as a did:key DID: the Data Integrity credential's subject ``id``."""
        return did_key_from_public_key(self.public_key)


def _invalid(message: str) -> Oid4vciError:
    return Oid4vciError(ErrorCode.INVALID_PROOF, message)


def make_key_proof(
    signer: Signer,
    *,
    audience: str,
    nonce: str,
    clock: Clock | None = None,
    key: Literal["jwk", "kid"] = "jwk",
    public_key: bytes | None = None,
) -> str:
    """The wallet's key proof for one credential copy (Appendix F.1): header ``{alg: Ed25519,
    typ: openid4vci-proof+jwt, jwk}`` (or ``kid``, the did:key DID URL of the key), payload
    ``{aud, iat, nonce}``; no ``iss``, since the pre-authorized code was redeemed anonymously.

    ``iat`` is ``clock``'s now (default: the system clock). ``public_key`` is the signer's public key; a signer that exposes ``public_key`` (as
    :class:`~kr_ovid.keys.Ed25519Signer` does) need not be told."""
    own = getattr(signer, "public_key", None)
    raw = public_key if public_key is not None else own if isinstance(own, bytes) else None
    if raw is None:
        raise ConfigurationError("the signer's public key is needed for its key proof")
    if not isinstance(nonce, str) or not nonce or not isinstance(audience, str) or not audience:
        raise ConfigurationError("audience and nonce must be non-empty strings")
    header: dict[str, Any] = {"typ": PROOF_TYP}
    if key == "jwk":
        header["jwk"] = public_jwk(raw)
    else:
        did = did_key_from_public_key(raw)
        header["kid"] = f"{did}#{encode_public_multikey(raw)}"
    payload = {"aud": audience, "iat": numeric_date((clock or SystemClock()).now()), "nonce": nonce}
    return sign_compact_jws(encode_json(payload), signer, header=header, key_header=True)


def _proof_key(header: dict[str, Any]) -> bytes:
    """The key the proof names: ``jwk`` (a public OKP Ed25519 key), or ``kid`` as the did:key
    DID URL of one (computed, never fetched); exactly one of the two (Appendix F.1)."""
    unsupported = sorted(_UNSUPPORTED_HEADERS & set(header))
    if unsupported:
        raise _invalid(f"the key proof header has {', '.join(unsupported)}; not supported")
    has_jwk, has_kid = "jwk" in header, "kid" in header
    if has_jwk == has_kid:
        raise _invalid("the key proof header names its key by exactly one of jwk and kid")
    try:
        if has_jwk:
            return public_key_from_jwk(header["jwk"])
        kid = header["kid"]
        if not isinstance(kid, str) or not kid.startswith(_DID_KEY) or "#" not in kid:
            raise _invalid("the key proof kid is not a did:key DID URL")
        did, fragment = kid.split("#", 1)
        key = public_key_from_did_key(did)
        if fragment != encode_public_multikey(key):
            raise _invalid("the key proof kid is not the did:key's own verification method")
        return key
    except (KeyFormatError, ResolutionError) as exc:
        raise _invalid(f"the key proof's key is refused: {exc}") from None


def check_key_proof(
    token: object,
    *,
    audience: str,
    now: datetime,
    max_age: timedelta = timedelta(minutes=5),
    max_future: timedelta = timedelta(seconds=60),
) -> KeyProof:
    """Check one key proof as Appendix F.4 lists: explicitly typed, an accepted asymmetric
    ``alg``, signed by the key its header names (a public key, not small-order), ``aud`` this
    issuer, ``iat`` within ``[now - max_age, now + max_future]``, a ``nonce`` present, no
    ``iss``. The nonce is returned unspent. Raises :class:`Oid4vciError` (``INVALID_PROOF``)
    and nothing else, whatever ``token`` is."""
    try:
        jws = decode_compact_jws(token, limits=PROOF_LIMITS, key_header=True)
    except SdJwtError as exc:
        raise _invalid(f"the key proof is not an acceptable JWS: {exc}") from None
    if jws.algorithm not in ACCEPTED_ALGORITHMS:  # decode checked it; kept beside the rule
        raise _invalid("the key proof alg is not Ed25519")
    if not media_type_matches(jws.header.get("typ"), PROOF_TYP):
        raise _invalid(f"the key proof typ is not {PROOF_TYP}")
    key = _proof_key(jws.header)
    if not verify_jws_signature(jws, key):
        raise _invalid("the key proof is not signed by the key it names")
    try:
        claims = jws.payload_json(limits=PROOF_LIMITS)
    except SdJwtError as exc:
        raise _invalid(f"the key proof payload is refused: {exc}") from None
    if claims.get("aud") != audience:
        raise _invalid("the key proof is addressed to another credential issuer (aud)")
    if "iss" in claims:
        raise _invalid("the key proof has iss, but the code was redeemed anonymously")
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise _invalid("the key proof has no integer iat")
    instant = now.timestamp()
    if not instant - max_age.total_seconds() <= iat <= instant + max_future.total_seconds():
        raise _invalid("the key proof's iat is outside the accepted window")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise _invalid("the key proof has no c_nonce (nonce)")
    return KeyProof(key, nonce)


def check_key_proofs(
    proofs: object,
    *,
    audience: str,
    now: datetime,
    max_count: int,
    max_age: timedelta = timedelta(minutes=5),
    max_future: timedelta = timedelta(seconds=60),
) -> list[KeyProof]:
    """The ``proofs`` member of a Credential Request (§8.2): ``{"jwt": [proof, …]}`` with one
    to ``max_count`` proofs (the metadata's ``batch_size``), each checked by
    :func:`check_key_proof`, no key proved twice (each key binds at most one credential, and two
    copies under one key would be linkable). A batch over the limit is
    ``INVALID_CREDENTIAL_REQUEST``; everything else ``INVALID_PROOF``."""
    if not isinstance(proofs, dict) or not proofs:
        raise _invalid("the request has no proofs")
    if list(proofs) != [PROOF_TYPE]:
        raise _invalid("proofs must hold the jwt proof type, and only it")
    tokens = proofs[PROOF_TYPE]
    if not isinstance(tokens, list) or not tokens:
        raise _invalid("proofs.jwt is not a non-empty array")
    if len(tokens) > max_count:
        raise Oid4vciError(
            ErrorCode.INVALID_CREDENTIAL_REQUEST,
            f"the batch asks for {len(tokens)} credentials; at most {max_count} are issued",
        )
    checked = [
        check_key_proof(t, audience=audience, now=now, max_age=max_age, max_future=max_future)
        for t in tokens
    ]
    if len({p.public_key for p in checked}) != len(checked):
        raise _invalid("two proofs prove the same key; each copy needs its own key")
    return checked


def distinct_nonces(proofs: Sequence[KeyProof]) -> list[str]:
    """The nonces a request carries, each once, in order (a batch usually shares one)."""
    return list(dict.fromkeys(p.nonce for p in proofs))
