"""Verifier side of RFC 9901 (§7.1, §7.3) for ``vc+sd-jwt`` with Ed25519.

Checks, in order: shape and sizes; issuer JWS header policy (Ed25519/EdDSA only, no key in the
token, no ``crit``); ``typ`` (and ``cty`` when asked); issuer signature with the caller's key for
``kid``; disclosures and digests (:func:`~kr_ovid.sdjwt.disclosure.reconstruct`); JWT ``exp`` and
``nbf`` when present; then the Key Binding JWT. Nothing VC-level (validity period, status,
schema, trust): the caller runs those on ``result.document``.

Every failure is a coded :class:`~kr_ovid.problems.ProblemDetails`; hostile input never raises.
Only the caller's own mistakes (e.g. key binding required without a nonce) raise
:class:`~kr_ovid.errors.ConfigurationError`.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard

from kr_ovid.clock import Clock, SystemClock
from kr_ovid.errors import ConfigurationError, KeyFormatError, Refusal
from kr_ovid.keys.jwk import public_key_from_jwk
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import SdJwtFacts, VerificationResult
from kr_ovid.sdjwt.disclosure import (
    DEFAULT_SD_JWT_LIMITS,
    KB_JWT_TYP,
    VC_SD_JWT_TYP,
    SdJwtLimits,
    SdJwtParts,
    reconstruct,
    sd_hash,
    split_sd_jwt,
)
from kr_ovid.sdjwt.jws import (
    ACCEPTED_ALGORITHMS,
    KeyResolver,
    SdJwtError,
    decode_compact_jws,
    media_type_matches,
    resolve_issuer_key,
    verify_jws_signature,
)

__all__ = ["verify_sd_jwt"]

_RETRYABLE = frozenset({ErrorCode.DID_RESOLUTION_ERROR})


def _problem(code: ErrorCode, detail: str, path: str | None = None) -> ProblemDetails:
    return ProblemDetails(code, detail, path=path)


def _is_number(value: object) -> TypeGuard[int | float]:
    """A JSON number that can be a NumericDate (RFC 7519 §2); ``bool`` is not one."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(a: str, b: str) -> bool:
    """Constant-time comparison for ``nonce``, ``aud`` and ``sd_hash``: timing must not reveal
    how much of a guess matched."""
    # surrogatepass: a hostile value with a lone surrogate compares unequal, it does not raise.
    return hmac.compare_digest(
        a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    )


def verify_sd_jwt(
    presentation: object,
    *,
    resolve_key: KeyResolver,
    nonce: str | None,
    audience: str | None,
    expected_typ: str = VC_SD_JWT_TYP,
    expected_cty: str | None = None,
    require_key_binding: bool = True,
    clock: Clock | None = None,
    iat_window: timedelta = timedelta(minutes=5),
    clock_skew: timedelta = timedelta(minutes=2),
    limits: SdJwtLimits = DEFAULT_SD_JWT_LIMITS,
    allowed_algorithms: frozenset[str] = ACCEPTED_ALGORITHMS,
) -> VerificationResult:
    """Verify an SD-JWT(+KB) presentation (RFC 9901 §7.1 and §7.3).

    ``resolve_key(kid, header)`` returns the issuer's raw Ed25519 key or ``None``. ``nonce`` and
    ``audience`` must be given (compared exactly) when ``require_key_binding`` is true; a KB-JWT
    that is present is checked even when not required. The KB-JWT ``iat`` must lie in
    ``[now - iat_window, now + clock_skew]``, ``now`` read once from ``clock`` (default: system).

    ``allowed_algorithms`` narrows the JWS ``alg`` values accepted for the issuer's signature and
    the KB-JWT (a service policy); both spell Ed25519 by default.

    On success ``document`` is the payload rebuilt with only the disclosed claims (no ``_sd``,
    ``_sd_alg`` or ``...``) and ``sd_jwt`` holds the :class:`~kr_ovid.results.SdJwtFacts`.
    """
    if not allowed_algorithms or not set(allowed_algorithms) <= ACCEPTED_ALGORITHMS:
        raise ConfigurationError(
            f"allowed_algorithms must be a non-empty subset of {sorted(ACCEPTED_ALGORITHMS)}"
        )
    for name, value in (("nonce", nonce), ("audience", audience)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ConfigurationError(f"{name} must be a non-empty string or None")
        if require_key_binding and value is None:
            raise ConfigurationError(f"{name} is required when key binding is required")
    if not isinstance(expected_typ, str) or not expected_typ:
        raise ConfigurationError("expected_typ must be a non-empty string")
    if iat_window < timedelta(0) or clock_skew < timedelta(0):
        raise ConfigurationError("iat_window and clock_skew must not be negative")
    instant = (clock or SystemClock()).now()
    if not isinstance(instant, datetime) or instant.tzinfo is None:
        raise ConfigurationError("the clock must return timezone-aware times")
    instant = instant.astimezone(UTC)

    try:
        return _verify(
            presentation,
            resolve_key=resolve_key,
            nonce=nonce,
            audience=audience,
            expected_typ=expected_typ,
            expected_cty=expected_cty,
            require_key_binding=require_key_binding,
            now=instant,
            iat_window=iat_window,
            clock_skew=clock_skew,
            limits=limits,
            allowed_algorithms=frozenset(allowed_algorithms),
        )
    except SdJwtError as exc:
        return VerificationResult(False, None, (exc.problem(),), retryable=exc.code in _RETRYABLE)
    except Refusal as exc:
        return VerificationResult(False, None, tuple(exc.problems), retryable=exc.retryable)
    except Exception as exc:  # noqa: BLE001  # a bug must still not turn hostile input into an exception
        return VerificationResult(
            False,
            None,
            (_problem(ErrorCode.INTERNAL_ERROR, f"unexpected {type(exc).__name__}"),),
        )


def _verify(
    presentation: object,
    *,
    resolve_key: KeyResolver,
    nonce: str | None,
    audience: str | None,
    expected_typ: str,
    expected_cty: str | None,
    require_key_binding: bool,
    now: datetime,
    iat_window: timedelta,
    clock_skew: timedelta,
    limits: SdJwtLimits,
    allowed_algorithms: frozenset[str],
) -> VerificationResult:
    errors: list[ProblemDetails] = []
    checks: list[str] = []

    def failed() -> VerificationResult:
        """The result so far, unverified, with the checks that ran before the failure."""
        return VerificationResult(False, None, tuple(errors), checks=tuple(checks))

    # §7.1 step 1: separate the parts; step 2: the issuer-signed JWT.
    parts = split_sd_jwt(presentation, limits=limits)
    jws = decode_compact_jws(parts.jws, limits=limits.jws)
    if jws.algorithm not in allowed_algorithms:
        raise SdJwtError(
            "issuer JWS alg is not allowed by the policy",
            code=ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,
        )
    # RFC 9901 §9.11 explicit typing; VC-JOSE-COSE §3.2.1.
    if not media_type_matches(jws.header.get("typ"), expected_typ):
        errors.append(_problem(ErrorCode.MALFORMED_VALUE_ERROR, f"JWS typ is not {expected_typ}"))
    if expected_cty is not None and not media_type_matches(jws.header.get("cty"), expected_cty):
        errors.append(_problem(ErrorCode.MALFORMED_VALUE_ERROR, f"JWS cty is not {expected_cty}"))
    checks.append("typ")
    try:
        kid, key = resolve_issuer_key(jws, resolve_key)
    except SdJwtError as exc:  # keep the typ findings next to the key problem
        raise Refusal(
            exc.code, str(exc), exc.path, retryable=exc.code in _RETRYABLE, before=errors
        ) from None
    if not verify_jws_signature(jws, key):
        errors.append(
            _problem(ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR, "issuer JWS signature does not verify")
        )
        return failed()
    checks.append("signature")
    if errors:
        return failed()

    # §7.1 step 3: disclosures, digests, rebuilt payload.
    payload = jws.payload_json(limits=limits.jws)
    rebuilt = reconstruct(payload, parts.disclosures, limits=limits)
    document = rebuilt.document
    checks.append("disclosures")

    # §7.1 step 6: validity-controlling JWT claims, when present.
    errors.extend(_time_claims(document, now, clock_skew, where="SD-JWT"))
    checks.append("jwt-time")

    # §7.3: key binding.
    cnf_jwk = _cnf_jwk(document)
    if parts.kb_jwt is None:
        if require_key_binding:
            errors.append(_problem(ErrorCode.KEY_BINDING_ERROR, "key binding required: no KB-JWT"))
    else:
        errors.extend(
            _check_kb_jwt(
                parts,
                document,
                nonce=nonce,
                audience=audience,
                now=now,
                iat_window=iat_window,
                clock_skew=clock_skew,
                limits=limits,
                allowed_algorithms=allowed_algorithms,
            )
        )
        checks.append("key-binding")
    if errors:
        return failed()
    holder_key = None
    if cnf_jwk is not None:
        try:
            holder_key = public_key_from_jwk(cnf_jwk)
        except KeyFormatError:
            holder_key = None  # only reachable without key binding: a KB-JWT needs the key
    facts = SdJwtFacts(
        kid=kid,
        header=dict(jws.header),
        issuer_key=key,
        holder_jwk=cnf_jwk,
        holder_key=holder_key,
        key_bound=parts.kb_jwt is not None,
        disclosed_paths=tuple(c.pointer for c in rebuilt.claims),
    )
    return VerificationResult(True, document, checks=tuple(checks), sd_jwt=facts)


def _cnf_jwk(document: dict[str, Any]) -> dict[str, Any] | None:
    """``cnf.jwk`` (RFC 9901 §4.1.2, RFC 7800 §3.2), or ``None`` when absent or not an object."""
    cnf = document.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    return jwk if isinstance(jwk, dict) else None


def _time_claims(
    claims: dict[str, Any], now: datetime, skew: timedelta, *, where: str
) -> list[ProblemDetails]:
    """``exp`` and ``nbf`` when present (RFC 7519 §4.1.4, §4.1.5), each widened by ``skew``: the
    validity-controlling claims of RFC 9901 §7.1. ``where`` names the token in the details."""
    out: list[ProblemDetails] = []
    stamp = now.timestamp()
    for name in ("exp", "nbf"):
        if name not in claims:
            continue
        value = claims[name]
        if not _is_number(value):
            out.append(
                _problem(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    f"{where} {name} is not a NumericDate",
                    "/" + name,
                )
            )
        elif name == "exp" and value <= stamp - skew.total_seconds():
            out.append(_problem(ErrorCode.VALIDITY_PERIOD_ERROR, f"{where} has expired", "/exp"))
        elif name == "nbf" and value > stamp + skew.total_seconds():
            out.append(
                _problem(ErrorCode.VALIDITY_PERIOD_ERROR, f"{where} is not yet valid", "/nbf")
            )
    return out


def _check_kb_jwt(
    parts: SdJwtParts,
    document: dict[str, Any],
    *,
    nonce: str | None,
    audience: str | None,
    now: datetime,
    iat_window: timedelta,
    clock_skew: timedelta,
    limits: SdJwtLimits,
    allowed_algorithms: frozenset[str],
) -> list[ProblemDetails]:
    """RFC 9901 §7.3 step 5 (KB-JWT); every finding is reported."""

    def kb(detail: str) -> ProblemDetails:
        return _problem(ErrorCode.KEY_BINDING_ERROR, "KB-JWT: " + detail)

    # §7.3 5.1: the holder key from cnf (RFC 7800 jwk), Ed25519 only.
    jwk = _cnf_jwk(document)
    if jwk is None:
        return [kb("the credential has no cnf.jwk")]
    try:
        holder_key = public_key_from_jwk(jwk)
    except KeyFormatError:
        return [kb("cnf.jwk is not an Ed25519 public key")]
    # 5.2-5.3: algorithm allowlist and signature.
    try:
        token = decode_compact_jws(parts.kb_jwt, limits=limits.kb_jwt)
    except SdJwtError as exc:
        return [kb(str(exc))]
    if token.algorithm not in allowed_algorithms:
        return [
            _problem(
                ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR, "KB-JWT alg is not allowed by the policy"
            )
        ]
    problems: list[ProblemDetails] = []
    if not media_type_matches(token.header.get("typ"), KB_JWT_TYP):
        problems.append(kb("typ is not kb+jwt"))
    if not verify_jws_signature(token, holder_key):
        return [*problems, kb("signature does not verify with cnf.jwk")]
    try:
        claims = token.payload_json(limits=limits.kb_jwt)
    except SdJwtError as exc:
        return [*problems, kb(str(exc))]
    # 5.5: iat freshness.
    iat = claims.get("iat")
    if not _is_number(iat):
        problems.append(kb("iat is missing or not a NumericDate"))
    else:
        stamp = now.timestamp()
        if iat < stamp - iat_window.total_seconds():
            problems.append(kb("iat is older than the accepted window"))
        elif iat > stamp + clock_skew.total_seconds():
            problems.append(kb("iat is in the future"))
    # 5.6: nonce and aud, compared exactly.
    got_nonce = claims.get("nonce")
    if not isinstance(got_nonce, str):
        problems.append(kb("nonce is missing or not a string"))
    elif nonce is not None and not _same(got_nonce, nonce):
        problems.append(_problem(ErrorCode.INVALID_CHALLENGE_ERROR, "KB-JWT nonce does not match"))
    got_aud = claims.get("aud")
    if not isinstance(got_aud, str):
        problems.append(kb("aud is missing or not a single string"))
    elif audience is not None and not _same(got_aud, audience):
        problems.append(_problem(ErrorCode.INVALID_DOMAIN_ERROR, "KB-JWT aud does not match"))
    # 5.7: sd_hash over the presentation up to the last '~'.
    got_hash = claims.get("sd_hash")
    if not isinstance(got_hash, str) or not _same(got_hash, sd_hash(parts.without_kb)):
        problems.append(kb("sd_hash does not match the presentation"))
    # 5.8: the KB-JWT is a JWT in all other respects.
    problems.extend(
        _problem(ErrorCode.KEY_BINDING_ERROR, p.detail, p.path)
        for p in _time_claims(claims, now, clock_skew, where="KB-JWT")
    )
    return problems
