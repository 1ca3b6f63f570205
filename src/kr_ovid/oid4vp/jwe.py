"""Encrypted responses (OpenID4VP 1.0 §8.3): an unsigned JWT encrypted with ECDH-ES to the
verifier's ephemeral P-256 key, A128GCM or A256GCM, through joserfc (the ``[oid4vp]`` extra;
imported here only, when a key is made or a response encrypted or decrypted).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from kr_ovid._json import JsonLimits, JsonParseError, parse_json
from kr_ovid.errors import ConfigurationError, Refusal
from kr_ovid.problems import ErrorCode

__all__ = ["EphemeralKey", "decrypt_response", "encrypt_response"]

_ALG = "ECDH-ES"
_ENC = frozenset({"A128GCM", "A256GCM"})
_MAX_JWE = 262_144
_LIMITS = JsonLimits(max_bytes=_MAX_JWE)


def _joserfc() -> Any:
    try:
        import joserfc  # noqa: F401 — only to say which extra is missing
        from joserfc import jwe
        from joserfc.jwk import ECKey
    except ImportError:
        raise ConfigurationError(
            "encrypted responses need the oid4vp extra: pip install 'kr-ovid[oid4vp]'"
        ) from None
    return jwe, ECKey


class EphemeralKey:
    """The verifier's per-request key pair for ``direct_post.jwt`` (§5.1 ``client_metadata.jwks``:
    "ephemeral keys specific to this Authorization Request"). The private half never leaves it."""

    __slots__ = ("_key", "kid")

    def __init__(self) -> None:
        _, ec_key = _joserfc()
        self.kid = secrets.token_urlsafe(12)
        self._key = ec_key.generate_key(
            "P-256", parameters={"kid": self.kid, "use": "enc", "alg": _ALG}
        )

    @property
    def public_jwk(self) -> dict[str, Any]:
        """The public JWK for ``client_metadata.jwks.keys``."""
        return dict(self._key.as_dict(private=False))

    def __repr__(self) -> str:
        return f"EphemeralKey(kid={self.kid!r})"

    def decrypt(self, token: object, *, enc_values: frozenset[str] = _ENC) -> dict[str, Any]:
        """See :func:`decrypt_response`."""
        return decrypt_response(token, self, enc_values=enc_values)


def encrypt_response(payload: Mapping[str, Any], jwk: Mapping[str, Any], enc: str) -> str:
    """The wallet's side: the response parameters as the JWE's JSON payload (§8.3), header
    ``{alg: ECDH-ES, enc, kid}`` with the ``kid`` of the chosen key."""
    if enc not in _ENC or jwk.get("alg") != _ALG:
        raise ConfigurationError("only ECDH-ES with A128GCM or A256GCM is supported")
    jwe, ec_key = _joserfc()
    key = ec_key.import_key(dict(jwk))
    header: dict[str, Any] = {"alg": _ALG, "enc": enc}
    if isinstance(jwk.get("kid"), str):
        header["kid"] = jwk["kid"]
    plaintext = json.dumps(dict(payload), separators=(",", ":")).encode("utf-8")
    return str(jwe.encrypt_compact(header, plaintext, key))


def decrypt_response(
    token: object, key: EphemeralKey, *, enc_values: frozenset[str] = _ENC
) -> dict[str, Any]:
    """The verifier's side: decrypt with the request's key; the header must name ``ECDH-ES``, an
    accepted ``enc`` and this key's ``kid``. Any failure is a
    :class:`~kr_ovid.errors.Refusal` (``CRYPTOGRAPHIC_SECURITY_ERROR``)."""
    jwe, _ = _joserfc()
    if not isinstance(token, str) or not 0 < len(token) <= _MAX_JWE or token.count(".") != 4:
        raise Refusal(ErrorCode.PARSING_ERROR, "response is not a compact JWE", "/response")
    try:
        obj = jwe.decrypt_compact(token, key._key, algorithms=[_ALG, *sorted(enc_values)])
    except Exception:  # noqa: BLE001 — joserfc raises many kinds; each is a refusal
        raise Refusal(
            ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR, "the response does not decrypt", "/response"
        ) from None
    header = obj.protected
    if header.get("alg") != _ALG or header.get("enc") not in enc_values:
        raise Refusal(
            ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR, "JWE alg/enc not accepted", "/response"
        )
    if header.get("kid", key.kid) != key.kid:
        raise Refusal(ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR, "JWE kid is not ours", "/response")
    try:
        payload = parse_json(obj.plaintext, limits=_LIMITS)
    except JsonParseError:
        raise Refusal(
            ErrorCode.PARSING_ERROR, "the decrypted response is not JSON", "/response"
        ) from None
    if not isinstance(payload, dict):
        raise Refusal(
            ErrorCode.PARSING_ERROR, "the decrypted response is not an object", "/response"
        )
    return payload
