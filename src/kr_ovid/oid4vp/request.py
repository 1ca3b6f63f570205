"""The Authorization Request of OpenID4VP 1.0 (§5): built and signed by the service, read and
validated by the wallet.

Two Client Identifier Prefixes (§5.9.3): ``decentralized_identifier:<did>`` — the Request Object
is a JWS (``typ`` ``oauth-authz-req+jwt``, §5) signed with a key the DID document lists, found
by the ``kid`` DID URL, fetched by reference (``request_uri``, §5.10, GET or POST) — and
``redirect_uri:<response_uri>``, unsigned, its parameters in the link itself (for tests and
development). Response modes ``direct_post`` and ``direct_post.jwt`` (§8.2, §8.3).

The wallet's reading never raises on hostile input: :func:`verify_request` returns a
:class:`~kr_ovid.results.VerificationResult` whose ``claims`` is the
:class:`AuthorizationRequest` on success, or coded problems (``INVALID_REQUEST``,
``INVALID_REQUEST_URI_METHOD``, ``VP_FORMATS_NOT_SUPPORTED``, ``KEY_NOT_AUTHORIZED``,
``CRYPTOGRAPHIC_SECURITY_ERROR``, …).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from kr_ovid._json import JsonLimits, JsonParseError, parse_json
from kr_ovid.did.document import split_did_url
from kr_ovid.did.resolver import DidResolver, resolve_verification_method
from kr_ovid.errors import ConfigurationError, KeyFormatError, KrOvidError, Refusal
from kr_ovid.keys.methods import method_public_key
from kr_ovid.keys.signer import Signer
from kr_ovid.oid4vp.dcql import DcqlQuery
from kr_ovid.oid4vp.transport import HttpRequest, Transport
from kr_ovid.problems import ErrorCode
from kr_ovid.results import VerificationResult
from kr_ovid.sdjwt.jws import (
    SdJwtError,
    decode_compact_jws,
    encode_json,
    media_type_matches,
    sign_compact_jws,
    verify_jws_signature,
)

__all__ = [
    "ENC_VALUES",
    "REQUEST_TYP",
    "RESPONSE_MODES",
    "AuthorizationRequest",
    "request_link",
    "sign_request",
    "verify_request",
]

#: ``typ`` of a Request Object (§5, RFC 9101 §10.8).
REQUEST_TYP = "oauth-authz-req+jwt"
#: Response modes kr_ovid sends and receives (§8.2 ``direct_post``, §8.3 ``direct_post.jwt``).
RESPONSE_MODES = ("direct_post", "direct_post.jwt")
#: Content encryption kr_ovid accepts for ``direct_post.jwt`` (§8.3; A128GCM is the default).
ENC_VALUES = ("A128GCM", "A256GCM")
#: ``aud`` of a Request Object under static discovery (§5.8).
SELF_ISSUED_AUD = "https://self-issued.me/v2"
DID_PREFIX = "decentralized_identifier:"
REDIRECT_PREFIX = "redirect_uri:"
_URL_SAFE = re.compile(r"^[A-Za-z0-9._~-]{1,256}$")
_LIMITS = JsonLimits(max_bytes=65_536)


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """The parameters of an Authorization Request that kr_ovid uses (§5.1, §5.2, §8.2)."""

    client_id: str
    response_uri: str
    response_mode: str
    nonce: str
    dcql_query: DcqlQuery
    state: str | None = None
    client_metadata: Mapping[str, Any] = field(default_factory=dict)
    wallet_nonce: str | None = None

    @property
    def prefix(self) -> str:
        """The Client Identifier Prefix (§5.9.1): the part before the first ``:``."""
        return self.client_id.split(":", 1)[0]

    @property
    def encrypted(self) -> bool:
        """Whether the response must be an encrypted JWT (§8.3)."""
        return self.response_mode == "direct_post.jwt"

    def to_params(self) -> dict[str, Any]:
        """The parameters as JSON values (the Request Object's claims)."""
        out: dict[str, Any] = {
            "response_type": "vp_token",
            "client_id": self.client_id,
            "response_uri": self.response_uri,
            "response_mode": self.response_mode,
            "nonce": self.nonce,
            "dcql_query": self.dcql_query.to_json(),
        }
        if self.state is not None:
            out["state"] = self.state
        if self.client_metadata:
            out["client_metadata"] = dict(self.client_metadata)
        if self.wallet_nonce is not None:
            out["wallet_nonce"] = self.wallet_nonce
        return out

    def encryption_jwk(self) -> dict[str, Any]:
        """The verifier's key to encrypt the response to (§8.3): the first JWK of
        ``client_metadata.jwks`` meant for encryption (``use`` absent or ``enc``) with ``alg``
        ``ECDH-ES`` on P-256. Raises :class:`~kr_ovid.errors.Refusal` (``INVALID_REQUEST``)."""
        jwks = self.client_metadata.get("jwks")
        keys = jwks.get("keys") if isinstance(jwks, dict) else None
        for jwk in keys if isinstance(keys, list) else []:
            if (
                isinstance(jwk, dict)
                and jwk.get("use", "enc") == "enc"
                and jwk.get("alg") == "ECDH-ES"
                and jwk.get("kty") == "EC"
                and jwk.get("crv") == "P-256"
                and "d" not in jwk
            ):
                return dict(jwk)
        raise Refusal(
            ErrorCode.INVALID_REQUEST, "no ECDH-ES P-256 encryption key in client_metadata.jwks"
        )

    def enc(self) -> str:
        """The content encryption to use: the first of ``encrypted_response_enc_values_supported``
        that kr_ovid supports (default ``A128GCM``, §5.1)."""
        values = self.client_metadata.get("encrypted_response_enc_values_supported", ["A128GCM"])
        for value in values if isinstance(values, list) else []:
            if value in ENC_VALUES:
                return str(value)
        raise Refusal(ErrorCode.INVALID_REQUEST, "no supported encrypted_response_enc value")


def sign_request(request: AuthorizationRequest, signer: Signer, *, lifetime: int = 600) -> str:
    """The Request Object (RFC 9101) signed with the service's DID key (§5, §5.9.3
    ``decentralized_identifier``): header ``{alg: Ed25519, typ: oauth-authz-req+jwt, kid}``;
    claims the request parameters plus ``aud`` (§5.8 static discovery), ``iat`` and ``exp``."""
    if not request.client_id.startswith(DID_PREFIX):
        raise ConfigurationError("only decentralized_identifier requests are signed")
    did, _ = split_did_url(signer.verification_method)
    if DID_PREFIX + did != request.client_id:
        raise ConfigurationError("the signer's key does not belong to the client_id DID")
    now = int(time.time())
    claims = {**request.to_params(), "aud": SELF_ISSUED_AUD, "iat": now, "exp": now + lifetime}
    return sign_compact_jws(
        encode_json(claims),
        signer,
        header={"typ": REQUEST_TYP, "kid": signer.verification_method},
    )


def request_link(
    client_id: str,
    *,
    request_uri: str | None = None,
    request_uri_method: str | None = None,
    request: AuthorizationRequest | None = None,
    base: str = "openid4vp://",
) -> str:
    """The link or QR content that invokes the wallet (§5.7, §5.10, Appendix A.2
    ``openid4vp://``): ``client_id`` and ``request_uri`` (cross-device, small enough for a QR),
    or every parameter by value for an unsigned ``redirect_uri`` request."""
    if (request_uri is None) == (request is None):
        raise ConfigurationError("give either request_uri or the request itself")
    params: dict[str, str] = {"client_id": client_id}
    if request_uri is not None:
        params["request_uri"] = request_uri
        if request_uri_method is not None:
            params["request_uri_method"] = request_uri_method
    elif request is not None:
        if not request.client_id.startswith(REDIRECT_PREFIX):
            raise ConfigurationError("only an unsigned redirect_uri request travels by value")
        for name, value in request.to_params().items():
            params[name] = value if isinstance(value, str) else json.dumps(value)
    return base + "?" + urlencode(params)


# --------------------------------------------------------------------------- wallet side


def _bad(detail: str, path: str | None = None) -> Refusal:
    return Refusal(ErrorCode.INVALID_REQUEST, detail, path)


def _json_param(value: object, name: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return parse_json(value.encode("utf-8", "surrogatepass"), limits=_LIMITS)
    except JsonParseError:
        raise _bad(f"{name} is not acceptable JSON", "/" + name) from None


def _is_loopback(host: str | None) -> bool:
    return host in {"127.0.0.1", "::1", "localhost"}


def _check_url(value: object, name: str) -> str:
    """``https``, or ``http`` on loopback only (tests): a response must not travel in clear."""
    if not isinstance(value, str) or len(value) > 2048:
        raise _bad(f"{name} is missing", "/" + name)
    parts = urlsplit(value)
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname)):
        raise _bad(f"{name} must be an https URL", "/" + name)
    return value


def verify_request(
    link: str | Mapping[str, str],
    *,
    transport: Transport,
    resolver: DidResolver,
    wallet_nonce: str | None = None,
    wallet_metadata: Mapping[str, Any] | None = None,
) -> VerificationResult:
    """Read an Authorization Request as a wallet (§5): fetch the Request Object by reference
    (GET, or POST with ``wallet_nonce``/``wallet_metadata`` when ``request_uri_method=post``,
    §5.10), check its signature and Client Identifier Prefix (§5.9.3), and its parameters.

    ``claims`` of a verified result is the :class:`AuthorizationRequest`; never raises on
    hostile input. ``transport`` is the only way out (no network unless the caller gives one).
    """
    try:
        request = _read(link, transport, resolver, wallet_nonce, wallet_metadata)
    except Refusal as exc:
        return VerificationResult(False, None, exc.problems, retryable=exc.retryable)
    except KrOvidError as exc:
        return VerificationResult.failure(
            Refusal(exc.code, str(exc), exc.path).problem, retryable=exc.retryable
        )
    except Exception as exc:  # noqa: BLE001 — hostile input must not become an exception
        return VerificationResult.failure(
            Refusal(ErrorCode.INTERNAL_ERROR, f"unexpected {type(exc).__name__}").problem
        )
    return VerificationResult(True, request.to_params(), claims=request, checks=("request",))


def _link_params(link: str | Mapping[str, str]) -> dict[str, str]:
    if isinstance(link, Mapping):
        return {str(k): str(v) for k, v in link.items()}
    if not isinstance(link, str) or len(link) > 16_384:
        raise _bad("the request link is not a string of acceptable size")
    pairs = parse_qsl(urlsplit(link).query, keep_blank_values=True)
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise _bad(f"parameter {name} is repeated")
        params[name] = value
    return params


def _read(
    link: str | Mapping[str, str],
    transport: Transport,
    resolver: DidResolver,
    wallet_nonce: str | None,
    wallet_metadata: Mapping[str, Any] | None,
) -> AuthorizationRequest:
    params = _link_params(link)
    client_id = params.get("client_id")
    if not client_id:
        raise _bad("client_id is missing", "/client_id")
    if "request_uri" in params:
        method = params.get("request_uri_method", "get")
        if method not in ("get", "post"):
            raise Refusal(
                ErrorCode.INVALID_REQUEST_URI_METHOD, "request_uri_method is neither get nor post"
            )
        token = _fetch_request_object(
            _check_url(params["request_uri"], "request_uri"),
            method,
            transport,
            wallet_nonce if method == "post" else None,
            wallet_metadata if method == "post" else None,
        )
        claims = _verified_request_object(token, client_id, resolver)
        if (
            method == "post"
            and wallet_nonce is not None
            and claims.get("wallet_nonce") != wallet_nonce
        ):
            raise _bad("the Request Object does not carry our wallet_nonce", "/wallet_nonce")
    elif "request" in params:
        claims = _verified_request_object(params["request"], client_id, resolver)
    else:
        if not client_id.startswith(REDIRECT_PREFIX):
            raise _bad("only redirect_uri requests may come unsigned", "/client_id")
        # Object-valued parameters travel as JSON text (§5.1).
        claims = {
            k: _json_param(v, k) if k in {"dcql_query", "client_metadata"} else v
            for k, v in params.items()
        }
    return _parameters(claims, client_id)


def _fetch_request_object(
    url: str,
    method: str,
    transport: Transport,
    wallet_nonce: str | None,
    wallet_metadata: Mapping[str, Any] | None,
) -> str:
    """§5.10: GET (RFC 9101), or POST a form with ``wallet_metadata`` and ``wallet_nonce``; the
    answer must be 200 with ``application/oauth-authz-req+jwt`` (redirects are errors, §14.4)."""
    form: dict[str, str] | None = None
    if method == "post":
        form = {}
        if wallet_metadata is not None:
            form["wallet_metadata"] = json.dumps(dict(wallet_metadata))
        if wallet_nonce is not None:
            form["wallet_nonce"] = wallet_nonce
    answer = transport(
        HttpRequest(
            method.upper(), url, form=form, headers={"accept": "application/" + REQUEST_TYP}
        )
    )
    if answer.status != 200:
        raise Refusal(
            ErrorCode.INVALID_REQUEST,
            f"request_uri answered HTTP {answer.status}",
            "/request_uri",
            retryable=answer.status >= 500,
        )
    if not media_type_matches(answer.content_type.split(";", 1)[0], REQUEST_TYP):
        raise _bad("request_uri did not answer with a Request Object", "/request_uri")
    try:
        return answer.body.decode("ascii").strip()
    except UnicodeDecodeError:
        raise _bad("the Request Object is not a compact JWS", "/request_uri") from None


def _verified_request_object(token: str, client_id: str, resolver: DidResolver) -> dict[str, Any]:
    """§5: ``typ`` must be ``oauth-authz-req+jwt``; §5.9.3 ``decentralized_identifier``: the
    ``kid`` is a DID URL of the client's DID, a method its document lists (DID resolution), and
    it verifies the signature; its ``client_id`` equals the link's (§5.10.1)."""
    try:
        jws = decode_compact_jws(token)
    except SdJwtError as exc:
        raise Refusal(exc.code, "Request Object: " + str(exc), "/request") from None
    if not media_type_matches(jws.header.get("typ"), REQUEST_TYP):
        raise _bad("the Request Object typ is not oauth-authz-req+jwt", "/request")
    if not client_id.startswith(DID_PREFIX):
        raise _bad("a signed request needs the decentralized_identifier prefix", "/client_id")
    did = client_id[len(DID_PREFIX) :]
    kid = jws.header.get("kid")
    if not isinstance(kid, str) or split_did_url(kid)[0] != did:
        raise Refusal(
            ErrorCode.KEY_NOT_AUTHORIZED, "the Request Object's kid is not a key of the client DID"
        )
    doc, method = resolve_verification_method(kid, resolver)
    if not (doc.authorizes(kid, "authentication") or doc.authorizes(kid, "assertionMethod")):
        raise Refusal(ErrorCode.KEY_NOT_AUTHORIZED, "the client DID does not authorise this key")
    try:
        key = method_public_key(method)
    except KeyFormatError:
        raise Refusal(ErrorCode.KEY_NOT_AUTHORIZED, "the client key is not Ed25519") from None
    if not verify_jws_signature(jws, key):
        raise Refusal(
            ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR, "the Request Object signature does not verify"
        )
    try:
        claims = jws.payload_json()
    except SdJwtError as exc:
        raise Refusal(exc.code, "Request Object: " + str(exc), "/request") from None
    if claims.get("client_id") != client_id:
        raise _bad("the Request Object's client_id differs from the link's", "/client_id")
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, int | float) or exp < time.time()):
        raise _bad("the Request Object has expired", "/exp")
    return claims


def _parameters(claims: Mapping[str, Any], client_id: str) -> AuthorizationRequest:
    """§5.1-§5.2, §8.2, §8.3 on the request's parameters."""
    if claims.get("response_type") != "vp_token":
        raise _bad("response_type is not vp_token", "/response_type")
    mode = claims.get("response_mode")
    if mode not in RESPONSE_MODES:
        raise _bad("response_mode is not direct_post or direct_post.jwt", "/response_mode")
    if "redirect_uri" in claims:
        raise _bad("redirect_uri must not be present with direct_post", "/redirect_uri")
    if "transaction_data" in claims:
        raise _bad("transaction_data is not supported", "/transaction_data")
    if "scope" in claims or "dcql_query" not in claims:
        raise _bad("a dcql_query (and no scope) is required", "/dcql_query")
    response_uri = _check_url(claims.get("response_uri"), "response_uri")
    if client_id.startswith(REDIRECT_PREFIX) and client_id[len(REDIRECT_PREFIX) :] != response_uri:
        raise _bad("a redirect_uri client_id must be its response_uri", "/client_id")
    for name in ("nonce", "state"):
        value = claims.get(name)
        if (name == "nonce" or value is not None) and (
            not isinstance(value, str) or not _URL_SAFE.match(value)
        ):
            raise _bad(f"{name} is missing or not URL-safe", "/" + name)
    metadata = claims.get("client_metadata", {})
    if not isinstance(metadata, dict):
        raise _bad("client_metadata is not an object", "/client_metadata")
    wallet_nonce = claims.get("wallet_nonce")
    request = AuthorizationRequest(
        client_id=client_id,
        response_uri=response_uri,
        response_mode=str(mode),
        nonce=str(claims["nonce"]),
        dcql_query=DcqlQuery.from_json(claims["dcql_query"]),
        state=claims.get("state"),
        client_metadata=metadata,
        wallet_nonce=wallet_nonce if isinstance(wallet_nonce, str) else None,
    )
    if request.encrypted:
        request.encryption_jwk()
        request.enc()
    return request
