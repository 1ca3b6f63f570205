"""The verifier side of OpenID4VP 1.0: VP Token validation against the DCQL query (§8.6) and
the service that creates requests, serves Request Objects and receives responses.

:func:`verify_vp_token` checks each presentation with the existing
:class:`~kr_ovid.verifier.Verifier` of its credential query (signature, trust, status, schema,
the service policy, holder binding with ``nonce`` and ``aud``/``domain`` = client_id), then that
the presentations are what the query asked for: only requested credential queries, the right
type (``vct_values``/``type_values``), every requested claim, and — for ``dc+sd-jwt`` — no
selectively disclosable claim beyond them (§6.4.1: a wallet MUST NOT send claims that were not
selected).

:class:`PresentationService` holds the transactions: one request, one nonce, one ``state``, one
ephemeral encryption key, answered once (a replayed or late response is
``INVALID_TRANSACTION``). The nonce is spent by the transaction itself, so the verifiers it is
given need no challenge store. Everything here is pure (dicts and strings in and out); the HTTP
routes (:mod:`kr_ovid.server.oid4vp_routes`) only move them.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from kr_ovid._json import JsonLimits, JsonParseError, parse_json
from kr_ovid.clock import Clock, SystemClock
from kr_ovid.did.document import split_did_url
from kr_ovid.errors import ConfigurationError, KrOvidError, Refusal
from kr_ovid.jsonld.loader import default_loader
from kr_ovid.keys.signer import Signer
from kr_ovid.oid4vp.dcql import CredentialQuery, DcqlQuery, select_claims
from kr_ovid.oid4vp.request import (
    DID_PREFIX,
    ENC_VALUES,
    REDIRECT_PREFIX,
    RESPONSE_MODES,
    AuthorizationRequest,
    request_link,
    sign_request,
)
from kr_ovid.oid4vp.types import expanded_types
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerificationResult
from kr_ovid.sdjwt.vc import JWT_CLAIMS, type_metadata
from kr_ovid.verifier import Verifier

__all__ = [
    "CreatedRequest",
    "PresentationPolicy",
    "PresentationService",
    "verify_vp_token",
]

_LIMITS = JsonLimits(max_bytes=1_048_576)
_MAX_PRESENTATIONS = 8


@dataclass(frozen=True, slots=True)
class PresentationPolicy:
    """What a service asks for (a DCQL query) and who judges each credential query's answer
    (query id → :class:`~kr_ovid.verifier.Verifier` under the service's policy)."""

    query: DcqlQuery
    verifiers: Mapping[str, Verifier]

    def __post_init__(self) -> None:
        missing = self.query.ids - set(self.verifiers)
        if missing:
            raise ConfigurationError(f"no verifier for credential queries {sorted(missing)}")


# --------------------------------------------------------------------------- VP Token (§8.6)


def _never_sd(vct: object) -> frozenset[str]:
    """Claims the type metadata says are never selectively disclosable (always shown)."""
    try:
        meta = type_metadata(str(vct))
    except ConfigurationError:
        return frozenset()
    return frozenset(
        c["path"][0]
        for c in meta.get("claims", [])
        if isinstance(c, dict)
        and c.get("sd") == "never"
        and isinstance(c.get("path"), list)
        and len(c["path"]) == 1
    )


def _check_claims(
    query: CredentialQuery, document: Mapping[str, Any], where: str
) -> list[ProblemDetails]:
    """§6.4.1 on what a presentation shows: every requested claim there (``MISSING_CLAIM``);
    for ``dc+sd-jwt`` nothing selectively disclosable beyond them (``CLAIM_NOT_ALLOWED``)."""
    located = select_claims(query, document)
    if located is None:
        return [
            ProblemDetails(ErrorCode.MISSING_CLAIM, "a requested claim was not presented", where)
        ]
    if query.format != "dc+sd-jwt":
        return []  # Data Integrity discloses the whole credential (§6.4.1, last paragraph)
    requested = {at[0] for at in located if at}
    shown = set(document) - JWT_CLAIMS - _never_sd(document.get("vct"))
    return [
        ProblemDetails(
            ErrorCode.CLAIM_NOT_ALLOWED,
            f"{name} was disclosed but not requested",
            f"{where}/{name}",
        )
        for name in sorted(shown - requested)
    ]


def verify_vp_token(
    vp_token: object,
    request: AuthorizationRequest,
    verifiers: Mapping[str, Verifier],
) -> VerificationResult:
    """VP Token validation (§8.6) for ``request``; never raises on hostile input.

    ``vp_token`` is the JSON object (or its JSON text). On success ``document`` is the token,
    ``claims`` maps each query id to the claims views of its presentations and ``credentials``
    holds the verified credentials.
    """
    try:
        return _verify_vp_token(vp_token, request, verifiers)
    except Refusal as exc:
        return VerificationResult(False, None, exc.problems)
    except Exception as exc:  # noqa: BLE001 — a bug must not turn hostile input into a crash
        return VerificationResult.failure(
            ProblemDetails(ErrorCode.INTERNAL_ERROR, f"unexpected {type(exc).__name__}")
        )


def _verify_vp_token(
    vp_token: object, request: AuthorizationRequest, verifiers: Mapping[str, Verifier]
) -> VerificationResult:
    if isinstance(vp_token, str):
        try:
            vp_token = parse_json(vp_token.encode("utf-8", "surrogatepass"), limits=_LIMITS)
        except JsonParseError:
            raise Refusal(ErrorCode.PARSING_ERROR, "vp_token is not JSON", "/vp_token") from None
    if not isinstance(vp_token, dict) or not vp_token:
        raise Refusal(ErrorCode.PARSING_ERROR, "vp_token is not a non-empty object", "/vp_token")
    query = request.dcql_query
    errors = list(query.satisfied_by(set(vp_token)))
    claims: dict[str, list[Any]] = {}
    credentials: list[Any] = []
    loader = default_loader()
    for qid in sorted(set(vp_token) & query.ids):
        cq = query[qid]
        items = vp_token[qid]
        where = f"/vp_token/{qid}"
        if not isinstance(items, list) or not 0 < len(items) <= _MAX_PRESENTATIONS:
            errors.append(ProblemDetails(ErrorCode.PARSING_ERROR, "not an array", where))
            continue
        if len(items) > 1 and not cq.multiple:
            errors.append(
                ProblemDetails(
                    ErrorCode.CREDENTIAL_NOT_REQUESTED, "one presentation was requested", where
                )
            )
            continue
        for i, item in enumerate(items):
            at = f"{where}/{i}"
            if cq.format == "dc+sd-jwt" and not isinstance(item, str):
                errors.append(ProblemDetails(ErrorCode.PARSING_ERROR, "not an SD-JWT", at))
                continue
            if cq.format == "ldp_vc" and not isinstance(item, dict):
                # Appendix B.1.3.2: a JSON object. An SD-JWT here would be verified as one and
                # pass without the query's type and claim checks, which read DI credentials.
                errors.append(
                    ProblemDetails(ErrorCode.PARSING_ERROR, "not a Data Integrity presentation", at)
                )
                continue
            result = verifiers[qid].verify_presentation(
                item, nonce=request.nonce, audience=request.client_id
            )
            if not result.verified:
                errors.extend(
                    ProblemDetails(p.code, p.detail, at + (p.path or ""), p.title, p.extra)
                    for p in result.errors
                )
                continue
            if cq.format == "dc+sd-jwt":
                document = result.document
                if not cq.accepts_type(vct=document.get("vct")):
                    errors.append(
                        ProblemDetails(
                            ErrorCode.CREDENTIAL_NOT_REQUESTED, "vct was not requested", at + "/vct"
                        )
                    )
                    continue
                errors.extend(_check_claims(cq, document, at))
                shown = [document]
            else:
                shown = list(result.credentials)
                for j, cred in enumerate(shown):
                    cred_at = f"{at}/verifiableCredential/{j}"
                    if not cq.accepts_type(types=expanded_types(cred, loader)):
                        errors.append(
                            ProblemDetails(
                                ErrorCode.CREDENTIAL_NOT_REQUESTED,
                                "credential type was not requested",
                                cred_at + "/type",
                            )
                        )
                    else:
                        errors.extend(_check_claims(cq, cred, cred_at))
            credentials.extend(shown)
            claims.setdefault(qid, []).append(result.claims)
    if errors:
        return VerificationResult(False, None, tuple(errors), checks=("vp_token",))
    return VerificationResult(
        True, vp_token, checks=("vp_token",), claims=claims, credentials=tuple(credentials)
    )


# --------------------------------------------------------------------------- transactions


@dataclass(frozen=True, slots=True)
class CreatedRequest:
    """What the service's backend gets back: its private ``transaction_id`` (to poll the
    result), the link for the wallet (QR or button) and the ``request_uri`` inside it."""

    transaction_id: str
    link: str
    request_uri: str | None
    expires: datetime


@dataclass(slots=True)
class _Transaction:
    transaction_id: str
    request_id: str
    policy: str
    request: AuthorizationRequest
    expires: datetime
    key: Any = None  # EphemeralKey for direct_post.jwt
    answered: bool = False
    result: VerificationResult | None = None
    request_uri_method: str | None = None
    served: int = 0


@dataclass
class _Store:
    """In-memory transactions, bounded, with the three indexes the endpoints need."""

    limit: int = 10_000
    by_tx: OrderedDict[str, _Transaction] = field(default_factory=OrderedDict)
    by_request: dict[str, str] = field(default_factory=dict)
    by_state: dict[str, str] = field(default_factory=dict)
    by_kid: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, tx: _Transaction) -> None:
        with self.lock:
            while len(self.by_tx) >= self.limit:
                _, old = self.by_tx.popitem(last=False)
                self._unindex(old)
            self.by_tx[tx.transaction_id] = tx
            self.by_request[tx.request_id] = tx.transaction_id
            if tx.request.state is not None:
                self.by_state[tx.request.state] = tx.transaction_id
            if tx.key is not None:
                self.by_kid[tx.key.kid] = tx.transaction_id

    def _unindex(self, tx: _Transaction) -> None:
        self.by_request.pop(tx.request_id, None)
        if tx.request.state is not None:
            self.by_state.pop(tx.request.state, None)
        if tx.key is not None:
            self.by_kid.pop(tx.key.kid, None)


class PresentationService:
    """A service (Gov24, an age check, …) asking wallets for presentations over OpenID4VP.

    ``base_url`` is where the routes live (``{base}/oid4vp/request/{id}``,
    ``{base}/oid4vp/response``). With a ``signer`` (a key of the service's did:web DID) requests
    use the ``decentralized_identifier`` prefix and signed Request Objects by reference;
    without one, the unsigned ``redirect_uri`` prefix with every parameter in the link (tests).
    ``response_modes`` are those the service accepts to create requests for.
    """

    def __init__(
        self,
        *,
        base_url: str,
        policies: Mapping[str, PresentationPolicy],
        signer: Signer | None = None,
        clock: Clock | None = None,
        ttl: timedelta = timedelta(minutes=5),
        link_base: str = "openid4vp://",
        response_modes: tuple[str, ...] = RESPONSE_MODES,
    ) -> None:
        if not response_modes or any(m not in RESPONSE_MODES for m in response_modes):
            raise ConfigurationError(f"response_modes must be among {RESPONSE_MODES}")
        self.response_modes = tuple(response_modes)
        if not base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ConfigurationError("base_url must be https (http only on loopback)")
        self.base_url = base_url.rstrip("/")
        self.policies = dict(policies)
        self._signer = signer
        self._clock = clock or SystemClock()
        self._ttl = ttl
        self._link_base = link_base
        self._store = _Store()
        self.response_uri = self.base_url + "/oid4vp/response"
        if signer is not None:
            self.client_id = DID_PREFIX + split_did_url(signer.verification_method)[0]
        else:
            self.client_id = REDIRECT_PREFIX + self.response_uri

    def create(
        self,
        policy: str,
        *,
        response_mode: str = "direct_post.jwt",
        request_uri_method: str | None = None,
    ) -> CreatedRequest:
        """A new transaction for ``policy`` (§5): fresh ``nonce`` and ``state`` (128+ bits,
        §5.2), an ephemeral ECDH-ES key for ``direct_post.jwt``, and the link."""
        if policy not in self.policies:
            raise ConfigurationError(f"unknown policy {policy!r}; known: {sorted(self.policies)}")
        if response_mode not in self.response_modes:
            raise ConfigurationError(f"response_mode must be one of {self.response_modes}")
        if request_uri_method not in (None, "get", "post"):
            raise ConfigurationError("request_uri_method is get or post")
        key = None
        metadata: dict[str, Any] = {"vp_formats_supported": _VP_FORMATS}
        if response_mode == "direct_post.jwt":
            from kr_ovid.oid4vp.jwe import EphemeralKey

            key = EphemeralKey()
            metadata["jwks"] = {"keys": [key.public_jwk]}
            metadata["encrypted_response_enc_values_supported"] = list(ENC_VALUES)
        request = AuthorizationRequest(
            client_id=self.client_id,
            response_uri=self.response_uri,
            response_mode=response_mode,
            nonce=secrets.token_urlsafe(24),
            dcql_query=self.policies[policy].query,
            state=secrets.token_urlsafe(24),
            client_metadata=metadata,
        )
        tx = _Transaction(
            transaction_id=secrets.token_urlsafe(24),
            request_id=secrets.token_urlsafe(18),
            policy=policy,
            request=request,
            expires=self._clock.now() + self._ttl,
            key=key,
            request_uri_method=request_uri_method,
        )
        self._store.add(tx)
        if self._signer is None:
            link = request_link(self.client_id, request=request, base=self._link_base)
            return CreatedRequest(tx.transaction_id, link, None, tx.expires)
        request_uri = f"{self.base_url}/oid4vp/request/{quote(tx.request_id)}"
        link = request_link(
            self.client_id,
            request_uri=request_uri,
            request_uri_method=request_uri_method,
            base=self._link_base,
        )
        return CreatedRequest(tx.transaction_id, link, request_uri, tx.expires)

    def _live(self, tx_id: str | None) -> _Transaction:
        tx = self._store.by_tx.get(tx_id or "")
        if tx is None or tx.answered or self._clock.now() > tx.expires:
            raise Refusal(
                ErrorCode.INVALID_TRANSACTION, "unknown, expired or already answered request"
            )
        return tx

    def request_object(
        self, request_id: str, *, method: str = "get", wallet_nonce: str | None = None
    ) -> str:
        """The signed Request Object for ``request_id`` (§5.10): for a POST, with the wallet's
        ``wallet_nonce``. Raises :class:`~kr_ovid.errors.Refusal` (``INVALID_TRANSACTION``)."""
        if self._signer is None:
            raise Refusal(ErrorCode.INVALID_TRANSACTION, "this service sends requests by value")
        with self._store.lock:
            tx = self._live(self._store.by_request.get(request_id))
            if tx.request_uri_method == "post" and method != "post":
                raise Refusal(
                    ErrorCode.INVALID_REQUEST_URI_METHOD, "this request is fetched by POST"
                )
            tx.served += 1
        request = tx.request
        if wallet_nonce is not None:
            request = replace(request, wallet_nonce=wallet_nonce)
        return sign_request(request, self._signer)

    def receive(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """The response endpoint (§8.2, §8.3): find the transaction (by ``state``, or by the
        JWE ``kid`` for an encrypted response), answer it once, verify the VP Token. Returns
        the HTTP status and JSON body for the wallet; the full result waits for the backend
        (:meth:`result`)."""
        try:
            tx, payload = self._open(form)
        except Refusal as exc:
            return 400, {"error": "invalid_request", "error_description": exc.code.value}
        if "error" in payload:
            result = VerificationResult.failure(
                ProblemDetails(ErrorCode.ACCESS_DENIED, "the wallet declined the request")
            )
        else:
            policy = self.policies[tx.policy]
            result = verify_vp_token(payload.get("vp_token"), tx.request, policy.verifiers)
        tx.result = result
        if not result.verified:
            return 400, {"error": "invalid_request", "error_description": result.codes[0].value}
        return 200, {}

    def _open(self, form: Mapping[str, str]) -> tuple[_Transaction, Mapping[str, Any]]:
        """Decrypt when needed and claim the transaction (one-time use) before verifying."""
        jwe = form.get("response")
        with self._store.lock:
            if jwe is not None:
                kid = _jwe_kid(jwe)
                tx = self._live(self._store.by_kid.get(kid or ""))
                tx.answered = True
            else:
                tx = self._live(self._store.by_state.get(form.get("state") or ""))
                if tx.request.encrypted and "error" not in form:
                    tx.answered = True
                    tx.result = VerificationResult.failure(
                        ProblemDetails(
                            ErrorCode.ENCRYPTED_RESPONSE_REQUIRED,
                            "the request asked for direct_post.jwt",
                        )
                    )
                    raise Refusal(ErrorCode.ENCRYPTED_RESPONSE_REQUIRED, "response not encrypted")
                tx.answered = True
        if jwe is None:
            return tx, dict(form)
        try:
            payload = tx.key.decrypt(jwe)
        except Refusal as exc:
            tx.result = VerificationResult(False, None, exc.problems)
            raise
        if payload.get("state") != tx.request.state:
            tx.result = VerificationResult.failure(
                ProblemDetails(ErrorCode.INVALID_TRANSACTION, "state does not match", "/state")
            )
            raise Refusal(ErrorCode.INVALID_TRANSACTION, "state does not match")
        return tx, payload

    def result(self, transaction_id: str) -> VerificationResult | None:
        """The verified result for the backend, ``None`` while the wallet has not answered;
        ``INVALID_TRANSACTION`` for an unknown or expired, unanswered transaction."""
        tx = self._store.by_tx.get(transaction_id)
        if tx is None or (not tx.answered and self._clock.now() > tx.expires):
            return VerificationResult.failure(
                ProblemDetails(ErrorCode.INVALID_TRANSACTION, "unknown or expired transaction")
            )
        return tx.result


_VP_FORMATS = {
    "dc+sd-jwt": {"sd-jwt_alg_values": ["Ed25519"], "kb-jwt_alg_values": ["Ed25519"]},
    "ldp_vc": {"proof_type_values": ["DataIntegrityProof"]},
}


def _jwe_kid(token: str) -> str | None:
    """The ``kid`` of a compact JWE's protected header (unverified: it only finds the key)."""
    from kr_ovid.keys.jwk import b64url_decode

    try:
        header = parse_json(b64url_decode(token.split(".", 1)[0]), limits=JsonLimits(4096))
    except (JsonParseError, ValueError, KrOvidError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None
