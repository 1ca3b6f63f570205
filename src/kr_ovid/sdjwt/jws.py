"""Compact JWS (RFC 7515 §7.1) for Ed25519 only, as SD-JWT needs it.

Output headers say ``alg: "Ed25519"`` (RFC 9864, fully specified); input accepts ``Ed25519`` and
the deprecated polymorphic ``EdDSA``, nothing else (no ``none``, HMAC, RSA or ECDSA). The key is
never taken from the token: headers carrying ``jwk``, ``jku``, ``x5u`` or ``x5c`` are refused, and
so is any ``crit`` (we understand no extension). The caller supplies the key through a
:data:`KeyResolver`, backed in kr_ovid by DID resolution and the trust list.

Low-level functions raise :class:`SdJwtError` (a coded :class:`~kr_ovid.errors.KrOvidError`);
:func:`verify_compact_jws` turns everything into a :class:`~kr_ovid.results.VerificationResult`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kr_ovid._json import JsonLimits, JsonParseError, check_json_value, parse_json
from kr_ovid.clock import SystemClock
from kr_ovid.errors import ConfigurationError, KrOvidError
from kr_ovid.keys.jwk import b64url_decode, b64url_encode
from kr_ovid.keys.signer import ED25519, Signer, verify_ed25519
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import SdJwtFacts, VerificationResult

__all__ = [
    "ACCEPTED_ALGORITHMS",
    "DEFAULT_JWS_LIMITS",
    "FORBIDDEN_HEADER_PARAMETERS",
    "CompactJws",
    "JwsLimits",
    "KeyResolver",
    "SdJwtError",
    "check_header_policy",
    "decode_compact_jws",
    "encode_json",
    "media_type_matches",
    "numeric_date",
    "parse_json_part",
    "resolve_issuer_key",
    "sign_compact_jws",
    "verify_compact_jws",
    "verify_jws_signature",
]

#: ``alg`` values accepted on input (RFC 9864 ``Ed25519``; RFC 8037 ``EdDSA``, deprecated).
ACCEPTED_ALGORITHMS: frozenset[str] = frozenset({ED25519, "EdDSA"})

#: Header parameters through which a token could pick its own verification key (RFC 7515 §4.1).
FORBIDDEN_HEADER_PARAMETERS: frozenset[str] = frozenset({"jwk", "jku", "x5u", "x5c"})

#: ``(kid, header) -> raw 32-byte Ed25519 public key``, or ``None`` when no trusted key matches.
KeyResolver = Callable[[str, dict[str, Any]], bytes | None]


class SdJwtError(KrOvidError):
    """A JWS, SD-JWT, disclosure or KB-JWT was refused; ``code`` says why, ``path`` where."""

    code = ErrorCode.SD_JWT_ERROR

    def problem(self) -> ProblemDetails:
        """The refusal as a :class:`~kr_ovid.problems.ProblemDetails` for a result's errors."""
        return ProblemDetails(self.code, str(self), path=self.path)


@dataclass(frozen=True, slots=True)
class JwsLimits:
    """Size limits, in characters of the compact form (ASCII, so also bytes)."""

    max_token_chars: int = 262_144
    max_header_chars: int = 4_096
    max_payload_chars: int = 262_144


DEFAULT_JWS_LIMITS = JwsLimits()


@dataclass(frozen=True, slots=True)
class CompactJws:
    """A decoded (not yet verified) compact JWS."""

    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes

    @property
    def algorithm(self) -> str:
        """The header ``alg``, or ``""``; decoding has already held it to the allowlist."""
        alg = self.header.get("alg")
        return alg if isinstance(alg, str) else ""

    def payload_json(self, *, limits: JwsLimits = DEFAULT_JWS_LIMITS) -> dict[str, Any]:
        """The payload as a JSON object (bounded parse); :class:`SdJwtError` otherwise."""
        value = parse_json_part(
            self.payload, JsonLimits(max_bytes=limits.max_payload_chars), "JWS payload"
        )
        if not isinstance(value, dict):
            raise SdJwtError("JWS payload is not a JSON object", code=ErrorCode.PARSING_ERROR)
        return value


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON for JWS headers and payloads; refuses values that are not plain JSON."""
    try:
        check_json_value(value)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
            "utf-8"
        )
    except (JsonParseError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"value is not plain JSON: {exc}") from None


def sign_compact_jws(
    payload: bytes, signer: Signer, *, header: Mapping[str, Any], key_header: bool = False
) -> str:
    """Sign ``payload`` as a compact JWS with ``alg: "Ed25519"`` (RFC 7515 §5.1, RFC 9864).

    ``header`` holds the other parameters (``typ``, ``kid``, ...); it may not set ``alg``,
    ``crit`` or a key-carrying parameter, except ``jwk`` with ``key_header`` (a token whose point
    is to show its own key, as an OpenID4VCI key proof does).
    """
    if signer.algorithm != ED25519:
        raise ConfigurationError(f"signer algorithm {signer.algorithm!r} is not Ed25519")
    forbidden = FORBIDDEN_HEADER_PARAMETERS - ({"jwk"} if key_header else set())
    bad = sorted((set(header) & (forbidden | {"crit"})) | ({"alg"} & set(header)))
    if bad:
        raise ConfigurationError(f"header may not set {', '.join(bad)}")
    full = {"alg": ED25519, **header}
    signing_input = (b64url_encode(encode_json(full)) + "." + b64url_encode(bytes(payload))).encode(
        "ascii"
    )
    signature = signer.sign(signing_input)
    if not isinstance(signature, bytes) or len(signature) != 64:
        raise ConfigurationError("signer did not return a 64-byte Ed25519 signature")
    return signing_input.decode("ascii") + "." + b64url_encode(signature)


def parse_json_part(data: bytes, limits: JsonLimits, what: str) -> Any:
    """Bounded JSON parse of one token part; limits become ``SIZE_LIMIT_ERROR``."""
    try:
        return parse_json(data, limits=limits)
    except JsonParseError as exc:
        code = (
            ErrorCode.SIZE_LIMIT_ERROR
            if exc.reason
            in {"too-large", "too-deep", "too-many-items", "string-too-long", "number-too-large"}
            else ErrorCode.PARSING_ERROR
        )
        raise SdJwtError(f"{what} is not acceptable JSON ({exc.reason})", code=code) from None


def _b64(part: str, what: str) -> bytes:
    try:
        return b64url_decode(part)
    except ValueError:
        raise SdJwtError(
            f"{what} is not unpadded base64url", code=ErrorCode.PARSING_ERROR
        ) from None


def decode_compact_jws(
    token: object, *, limits: JwsLimits = DEFAULT_JWS_LIMITS, key_header: bool = False
) -> CompactJws:
    """Split and decode a compact JWS (RFC 7515 §5.2 steps 1-7), checking the header policy.

    Checks: three strict base64url parts, sizes, header a JSON object with an accepted ``alg``,
    no ``crit``, no key-carrying parameter (``jwk`` is let through with ``key_header``: see
    :func:`check_header_policy`). The signature is *not* checked here.
    """
    if not isinstance(token, str):
        raise SdJwtError("JWS is not a string", code=ErrorCode.PARSING_ERROR)
    if len(token) > limits.max_token_chars:
        raise SdJwtError("JWS exceeds the size limit", code=ErrorCode.SIZE_LIMIT_ERROR)
    parts = token.split(".")
    if len(parts) != 3:
        raise SdJwtError("JWS compact serialization has 3 parts", code=ErrorCode.PARSING_ERROR)
    h64, p64, s64 = parts
    if len(h64) > limits.max_header_chars:
        raise SdJwtError("JWS header exceeds the size limit", code=ErrorCode.SIZE_LIMIT_ERROR)
    if len(p64) > limits.max_payload_chars:
        raise SdJwtError("JWS payload exceeds the size limit", code=ErrorCode.SIZE_LIMIT_ERROR)
    header = parse_json_part(
        _b64(h64, "JWS header"), JsonLimits(max_bytes=limits.max_header_chars), "JWS header"
    )
    if not isinstance(header, dict):
        raise SdJwtError("JWS header is not a JSON object", code=ErrorCode.PARSING_ERROR)
    check_header_policy(header, key_header=key_header)
    payload = _b64(p64, "JWS payload")
    signature = _b64(s64, "JWS signature")
    return CompactJws(header, payload, f"{h64}.{p64}".encode("ascii"), signature)


def check_header_policy(header: Mapping[str, Any], *, key_header: bool = False) -> None:
    """Algorithm allowlist, no ``crit``, no key from the token (RFC 7515 §4.1, RFC 8725 §3.1).

    ``key_header`` lets a ``jwk`` through, for the one kind of token that proves possession of
    the key it carries (an OpenID4VCI key proof, §F.1): its caller decides what that key may do,
    and never takes it as a key to trust. ``jku``, ``x5u`` and ``x5c`` stay refused."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ACCEPTED_ALGORITHMS:
        raise SdJwtError(
            "JWS alg is not an accepted algorithm (Ed25519/EdDSA only)",
            code=ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,
        )
    forbidden = FORBIDDEN_HEADER_PARAMETERS - ({"jwk"} if key_header else set())
    present = sorted(forbidden & set(header))
    if present:
        raise SdJwtError(
            f"JWS header tries to supply a key ({', '.join(present)})",
            code=ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,
        )
    if "crit" in header:
        raise SdJwtError(
            "JWS header has crit; no extension is understood",
            code=ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,
        )


def verify_jws_signature(jws: CompactJws, public_key: bytes) -> bool:
    """Ed25519 verification of a decoded JWS (``alg`` already checked); never raises.

    RFC 7515 §5.2 step 8, over the signing input exactly as received (header and payload in
    their base64url form), never over a re-encoding.
    """
    return jws.algorithm in ACCEPTED_ALGORITHMS and verify_ed25519(
        public_key, jws.signature, jws.signing_input
    )


def resolve_issuer_key(jws: CompactJws, resolve_key: KeyResolver) -> tuple[str, bytes]:
    """``kid`` from the header and the caller's key for it; :class:`SdJwtError` when absent.

    RFC 9901 §7.1 asks that the signing key belong to the issuer: that is the resolver's
    decision; only the shape of its answer is checked here. A ``kid`` is required because the
    key is never taken from the token itself.
    """
    kid = jws.header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise SdJwtError("JWS header has no string kid", code=ErrorCode.MALFORMED_VALUE_ERROR)
    try:
        key = resolve_key(kid, dict(jws.header))
    except KrOvidError as exc:
        raise SdJwtError(f"key for kid could not be resolved: {exc}", code=exc.code) from None
    if key is None:
        raise SdJwtError("no trusted key for the JWS kid", code=ErrorCode.KEY_NOT_AUTHORIZED)
    if not isinstance(key, bytes) or len(key) != 32:
        raise SdJwtError(
            "key resolver did not return a 32-byte Ed25519 key", code=ErrorCode.KEY_NOT_AUTHORIZED
        )
    return kid, key


def verify_compact_jws(
    token: object,
    *,
    resolve_key: KeyResolver,
    expected_typ: str | None = None,
    limits: JwsLimits = DEFAULT_JWS_LIMITS,
) -> VerificationResult:
    """Verify a compact JWS whose payload is a JSON object; never raises on hostile input.

    ``document`` is the payload; ``sd_jwt`` carries the ``kid``, header and issuer key.
    """
    try:
        jws = decode_compact_jws(token, limits=limits)
        kid, key = resolve_issuer_key(jws, resolve_key)
        if not verify_jws_signature(jws, key):
            raise SdJwtError(
                "JWS signature does not verify", code=ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR
            )
        if expected_typ is not None and not media_type_matches(jws.header.get("typ"), expected_typ):
            raise SdJwtError(f"JWS typ is not {expected_typ}", code=ErrorCode.MALFORMED_VALUE_ERROR)
        payload = jws.payload_json(limits=limits)
    except SdJwtError as exc:
        return VerificationResult.failure(exc.problem(), retryable=_retryable(exc.code))
    facts = SdJwtFacts(kid=kid, header=dict(jws.header), issuer_key=key)
    return VerificationResult(True, payload, checks=("jws",), sd_jwt=facts)


def media_type_matches(value: object, expected: str) -> bool:
    """``typ``/``cty`` match (RFC 7515 §4.1.9): case-insensitive, ``application/`` optional."""

    def norm(v: str) -> str:
        v = v.strip().lower()
        return v[len("application/") :] if v.startswith("application/") else v

    return isinstance(value, str) and norm(value) == norm(expected)


def numeric_date(when: datetime | None) -> int:
    """JWT NumericDate (RFC 7519 §2) in whole seconds; ``None`` means now by the system clock."""
    instant = SystemClock().now() if when is None else when
    if not isinstance(instant, datetime) or instant.tzinfo is None:
        raise ConfigurationError("naive datetime: pass a timezone-aware value")
    return int(instant.timestamp())


def _retryable(code: ErrorCode) -> bool:
    return code in {ErrorCode.DID_RESOLUTION_ERROR, ErrorCode.STATUS_RETRIEVAL_ERROR}
