"""The Credential Issuer's side of OpenID4VCI 1.0 with the Pre-Authorized Code Flow.

Each endpoint is a method over plain values, so the HTTP layer (:mod:`kr_ovid.server.oid4vci_routes`)
only moves bytes: :meth:`IssuanceService.metadata` (§12.2), the authorization server metadata
(RFC 8414, §12.3), :func:`create_offer` (§4.1, at the desk), :meth:`~IssuanceService.token`
(§6), :meth:`~IssuanceService.nonce` (§7) and :meth:`~IssuanceService.credential` (§8). On
hostile input a method raises :class:`~kr_ovid.oid4vci.errors.Oid4vciError` and nothing else.

The order of the credential endpoint's steps is what makes it safe:

1. the access token takes the right to issue the requested configuration (one atomic store
   step: a configuration is issued at most once per offer, also across processes);
2. the key proofs are checked (Appendix F.4), then their ``c_nonce`` spent (a replayed proof
   finds its nonce gone);
3. the maker signs, allocating every status position of the batch in one store transaction;
4. the store records the credential ids and, once every configuration is issued, wipes the
   applicant's claims. If step 2 or 3 refuses or fails, the right is given back.

Nothing here logs, and no error message repeats a code, token, claim or key.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from kr_ovid.challenges import ChallengeStore
from kr_ovid.clock import Clock, SystemClock
from kr_ovid.errors import ConfigurationError, KrOvidError
from kr_ovid.oid4vci.configuration import CredentialConfiguration, MadeCredentials
from kr_ovid.oid4vci.errors import Oid4vciError
from kr_ovid.oid4vci.offer import (
    PRE_AUTHORIZED_GRANT,
    CredentialOffer,
    TxCode,
    check_issuer_identifier,
    offer_link,
)
from kr_ovid.oid4vci.proofs import check_key_proofs, distinct_nonces
from kr_ovid.oid4vci.store import IssuanceStore, NewOffer, Redemption
from kr_ovid.problems import ErrorCode

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "IssuanceService",
    "IssuedOffer",
    "create_offer",
    "parse_form",
]

DEFAULT_BATCH_SIZE: Final = 10
DEFAULT_OFFER_TTL: Final = timedelta(minutes=15)
DEFAULT_TOKEN_TTL: Final = timedelta(minutes=10)
DEFAULT_NONCE_TTL: Final = timedelta(minutes=5)
DEFAULT_TX_CODE_LENGTH: Final = 6
MAX_TX_ATTEMPTS: Final = 5
_MAX_FORM_FIELDS: Final = 16
_MAX_PARAM_CHARS: Final = 512

#: Endpoint paths below the Credential Issuer Identifier.
TOKEN_PATH: Final = "/token"  # noqa: S105 — a path, not a secret
NONCE_PATH: Final = "/nonce"
CREDENTIAL_PATH: Final = "/credential"
OFFER_PATH: Final = "/credential-offer/"


def _sha256(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def _refuse(code: ErrorCode, message: str) -> Oid4vciError:
    return Oid4vciError(code, message)


@dataclass(frozen=True, slots=True)
class IssuedOffer:
    """A new offer as the desk hands it out: the ``link`` (and QR content), the
    ``tx_code`` to give the applicant on another channel (``None`` when none is asked for),
    ``offer_id`` (for the mission's records: it finds the credentials issued under the offer)
    and the expiry. The link holds a bearer secret until redeemed."""

    offer: CredentialOffer
    offer_id: str
    link: str
    tx_code: str | None
    expires: datetime
    offer_uri: str | None = None

    def __repr__(self) -> str:
        return f"IssuedOffer({self.offer_id!r}, expires={self.expires.isoformat()})"


def _new_tx_code(length: int) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(length))


def create_offer(
    store: IssuanceStore,
    *,
    credential_issuer: str,
    configuration_ids: Sequence[str],
    claims: Mapping[str, Any],
    clock: Clock | None = None,
    ttl: timedelta = DEFAULT_OFFER_TTL,
    tx_code: bool = True,
    tx_code_length: int = DEFAULT_TX_CODE_LENGTH,
    tx_code_description: str | None = None,
    by_reference: bool = False,
    allow_loopback_http: bool = False,
) -> IssuedOffer:
    """Make and store a single-use Credential Offer with the pre-authorized code grant
    (§4.1.1): a 256-bit code, a numeric transaction code of ``tx_code_length`` digits unless
    ``tx_code`` is false, valid for ``ttl``. By reference (§4.1.3) the link holds only the URL
    the wallet fetches the offer from. The claims are the caller's to check first: the store
    keeps them as given until issuance."""
    issuer = check_issuer_identifier(credential_issuer, allow_loopback_http=allow_loopback_http)
    ids = tuple(dict.fromkeys(configuration_ids))
    if isinstance(configuration_ids, str) or not ids:
        raise ConfigurationError("configuration_ids is a non-empty list of configuration ids")
    if not timedelta(0) < ttl <= timedelta(days=1):
        raise ConfigurationError("an offer lives more than nothing and at most a day")
    if not 4 <= tx_code_length <= 12:
        raise ConfigurationError("the transaction code has 4 to 12 digits")
    now = (clock or SystemClock()).now()
    code = secrets.token_urlsafe(32)
    tx_value = _new_tx_code(tx_code_length) if tx_code else None
    tx_spec = (
        TxCode("numeric", tx_code_length, tx_code_description) if tx_value is not None else None
    )
    offer = CredentialOffer(issuer, ids, code, tx_spec)
    offer_id = secrets.token_urlsafe(24)
    offer_uri = issuer.rstrip("/") + OFFER_PATH + offer_id if by_reference else None
    store.add_offer(
        NewOffer(
            offer_id=offer_id,
            code_hash=_sha256(code),
            tx_code_hash=None if tx_value is None else _sha256(code, tx_value),
            configuration_ids=ids,
            claims=dict(claims),
            expires=now + ttl,
            offer_json=offer.to_json() if by_reference else None,
        ),
        now=now,
    )
    link = offer_link(offer_uri=offer_uri) if offer_uri is not None else offer_link(offer)
    return IssuedOffer(offer, offer_id, link, tx_value, now + ttl, offer_uri)


def parse_form(body: bytes | str) -> list[tuple[str, str]]:
    """An ``application/x-www-form-urlencoded`` body (RFC 6749 Appendix B), bounded: at most
    16 fields; ``INVALID_REQUEST`` when it is not one."""
    if isinstance(body, bytes):
        try:
            body = body.decode("ascii")
        except UnicodeDecodeError:
            raise _refuse(ErrorCode.INVALID_REQUEST, "the form body is not ASCII") from None
    if len(body) > 4 * _MAX_PARAM_CHARS * _MAX_FORM_FIELDS:
        raise _refuse(ErrorCode.INVALID_REQUEST, "the form body is too large")
    try:
        return parse_qsl(
            body,
            keep_blank_values=True,
            strict_parsing=bool(body),
            max_num_fields=_MAX_FORM_FIELDS,
            errors="strict",
        )
    except (ValueError, UnicodeDecodeError):
        raise _refuse(ErrorCode.INVALID_REQUEST, "the form body is malformed") from None


class IssuanceService:
    """A Credential Issuer and its Authorization Server in one (§12.2.4 ``authorization_servers``
    omitted), issuing ``configurations`` through the Pre-Authorized Code Flow.

    ``credential_issuer`` is the Credential Issuer Identifier (``https``; ``http`` on loopback
    only with ``allow_loopback_http``). ``store`` keeps offers and tokens; ``nonces`` the
    ``c_nonce`` values (any :class:`~kr_ovid.challenges.ChallengeStore`, whose single-use
    ``consume`` is what refuses a replayed proof). ``batch_size`` is the most keys one request
    may prove (``batch_credential_issuance``, §12.2.4); ``display`` the issuer's names per
    locale; ``check_claims`` runs on the claims of every new offer (raise to refuse them)."""

    def __init__(
        self,
        credential_issuer: str,
        configurations: Sequence[CredentialConfiguration],
        *,
        store: IssuanceStore,
        nonces: ChallengeStore,
        clock: Clock | None = None,
        display: Sequence[Mapping[str, Any]] = (),
        batch_size: int = DEFAULT_BATCH_SIZE,
        offer_ttl: timedelta = DEFAULT_OFFER_TTL,
        token_ttl: timedelta = DEFAULT_TOKEN_TTL,
        nonce_ttl: timedelta = DEFAULT_NONCE_TTL,
        check_claims: Callable[[Mapping[str, Any]], None] | None = None,
        allow_loopback_http: bool = False,
    ) -> None:
        self.identifier = check_issuer_identifier(
            credential_issuer, allow_loopback_http=allow_loopback_http
        )
        self._configurations = {c.id: c for c in configurations}
        if not self._configurations or len(self._configurations) != len(configurations):
            raise ConfigurationError("configurations must be non-empty with unique ids")
        if not isinstance(batch_size, int) or not 1 <= batch_size <= 100:
            raise ConfigurationError("batch_size must be 1..100")
        for ttl in (offer_ttl, token_ttl, nonce_ttl):
            if ttl <= timedelta(0):
                raise ConfigurationError("lifetimes must be positive")
        self._store = store
        self._nonces = nonces
        self._clock = clock or SystemClock()
        self._display = [dict(d) for d in display]
        self.batch_size = batch_size
        self._offer_ttl = offer_ttl
        self._token_ttl = token_ttl
        self._nonce_ttl = nonce_ttl
        self._check_claims = check_claims
        self._loopback = allow_loopback_http
        self._base = self.identifier.rstrip("/")

    # -- metadata ---------------------------------------------------------------------------
    @property
    def path(self) -> str:
        """The identifier's path ("" at the host's root): every endpoint lives below it."""
        return urlsplit(self._base).path

    @property
    def configuration_ids(self) -> tuple[str, ...]:
        """The ids of ``credential_configurations_supported``, in the order given."""
        return tuple(self._configurations)

    def metadata(self) -> dict[str, Any]:
        """Credential Issuer Metadata (§12.2.4), unsigned (``application/json``)."""
        out: dict[str, Any] = {
            "credential_issuer": self.identifier,
            "credential_endpoint": self._base + CREDENTIAL_PATH,
            "nonce_endpoint": self._base + NONCE_PATH,
        }
        if self.batch_size >= 2:  # §12.2.4: batch_size MUST be 2 or greater
            out["batch_credential_issuance"] = {"batch_size": self.batch_size}
        if self._display:
            out["display"] = [dict(d) for d in self._display]
        out["credential_configurations_supported"] = {
            cid: c.to_json() for cid, c in self._configurations.items()
        }
        return out

    def authorization_server_metadata(self) -> dict[str, Any]:
        """OAuth 2.0 Authorization Server Metadata (RFC 8414 §2, OpenID4VCI §12.3): only the
        pre-authorized code grant, anonymous (no client authentication)."""
        return {
            "issuer": self.identifier,
            "token_endpoint": self._base + TOKEN_PATH,
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "token_endpoint_auth_methods_supported": ["none"],
            "pre-authorized_grant_anonymous_access_supported": True,
        }

    # -- the desk ---------------------------------------------------------------------------
    def create_offer(
        self,
        claims: Mapping[str, Any],
        configuration_ids: Sequence[str] | None = None,
        *,
        tx_code: bool = True,
        tx_code_description: str | None = None,
        by_reference: bool = False,
    ) -> IssuedOffer:
        """:func:`create_offer` for this issuer (all its configurations by default), after
        ``check_claims``: claims that could not be issued are refused at the desk, not later
        at the phone."""
        ids = (
            list(configuration_ids) if configuration_ids is not None else list(self._configurations)
        )
        unknown = [i for i in ids if i not in self._configurations]
        if unknown:
            raise ConfigurationError(f"unknown credential configurations: {unknown}")
        if self._check_claims is not None:
            self._check_claims(claims)
        return create_offer(
            self._store,
            credential_issuer=self.identifier,
            configuration_ids=ids,
            claims=claims,
            clock=self._clock,
            ttl=self._offer_ttl,
            tx_code=tx_code,
            tx_code_description=tx_code_description,
            by_reference=by_reference,
            allow_loopback_http=self._loopback,
        )

    def offer_document(self, offer_id: str) -> dict[str, Any] | None:
        """The offer behind a ``credential_offer_uri`` (§4.1.3) while it is live and not yet
        redeemed; ``None`` otherwise (the HTTP layer answers 404)."""
        return self._store.offer_by_reference(offer_id, now=self._clock.now())

    # -- token endpoint ---------------------------------------------------------------------
    def token(self, form: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """The Token Endpoint (§6) for the pre-authorized code grant: a single-use, expiring
        code, and the transaction code when the offer asked for one (§6.1, errors §6.3)."""
        params: dict[str, str] = {}
        for name, value in form:
            if name in params:
                raise _refuse(ErrorCode.INVALID_REQUEST, f"parameter {name!r} is repeated")
            if len(value) > _MAX_PARAM_CHARS:
                raise _refuse(ErrorCode.INVALID_REQUEST, f"parameter {name!r} is too long")
            params[name] = value
        grant_type = params.get("grant_type")
        if not grant_type:
            raise _refuse(ErrorCode.INVALID_REQUEST, "grant_type is missing")
        if grant_type != PRE_AUTHORIZED_GRANT:
            raise _refuse(ErrorCode.UNSUPPORTED_GRANT_TYPE, "only the pre-authorized code grant")
        if "authorization_details" in params:
            raise _refuse(ErrorCode.INVALID_REQUEST, "authorization_details is not supported")
        code = params.get("pre-authorized_code")
        if not code:
            raise _refuse(ErrorCode.INVALID_REQUEST, "pre-authorized_code is missing")
        tx_value = params.get("tx_code")
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        outcome = self._store.redeem(
            _sha256(code),
            None if tx_value is None else _sha256(code, tx_value),
            token_hash=_sha256(token),
            token_expires=now + self._token_ttl,
            now=now,
            max_tx_attempts=MAX_TX_ATTEMPTS,
        )
        if outcome is Redemption.REDEEMED:
            return {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": int(self._token_ttl.total_seconds()),
            }
        raise _refuse(*_REDEMPTION_ERRORS[outcome])

    # -- nonce endpoint ---------------------------------------------------------------------
    def nonce(self) -> dict[str, str]:
        """The Nonce Endpoint (§7): a fresh, unpredictable ``c_nonce`` for this issuer, spent
        by the first credential request that uses it, valid until then for ``nonce_ttl``."""
        return {"c_nonce": self._nonces.issue(self.identifier, ttl=self._nonce_ttl).value}

    # -- credential endpoint ----------------------------------------------------------------
    def credential(self, authorization: str | None, body: object) -> dict[str, Any]:
        """The Credential Endpoint (§8): see the module docstring for the order of steps.
        ``authorization`` is the HTTP ``Authorization`` header; ``body`` the parsed JSON."""
        token_hash = _sha256(_bearer(authorization))
        if not isinstance(body, dict):
            raise _refuse(ErrorCode.INVALID_CREDENTIAL_REQUEST, "the request is not a JSON object")
        if "credential_response_encryption" in body:
            raise _refuse(
                ErrorCode.INVALID_ENCRYPTION_PARAMETERS, "response encryption is not supported"
            )
        if "credential_identifier" in body:
            raise _refuse(
                ErrorCode.INVALID_CREDENTIAL_REQUEST,
                "credential_identifier is not used: no token response carries identifiers",
            )
        configuration_id = body.get("credential_configuration_id")
        if not isinstance(configuration_id, str) or not configuration_id:
            raise _refuse(
                ErrorCode.INVALID_CREDENTIAL_REQUEST, "credential_configuration_id is missing"
            )
        configuration = self._configurations.get(configuration_id)
        if configuration is None:
            raise _refuse(
                ErrorCode.UNKNOWN_CREDENTIAL_CONFIGURATION, "no such credential configuration"
            )
        now = self._clock.now()
        taken = self._store.claim(token_hash, configuration_id, now=now)
        if taken.claims is None:
            raise _refuse(*_CLAIM_ERRORS[taken.refusal or "token"])
        try:
            made = self._issue(configuration, taken.claims, body.get("proofs"), now)
        except BaseException:
            self._store.release(token_hash, configuration_id)
            raise
        self._store.complete(token_hash, configuration_id, made.credential_ids)
        return {"credentials": [{"credential": c} for c in made.credentials]}

    def _issue(
        self,
        configuration: CredentialConfiguration,
        claims: Mapping[str, Any],
        proofs: object,
        now: datetime,
    ) -> MadeCredentials:
        checked = check_key_proofs(
            proofs, audience=self.identifier, now=now, max_count=self.batch_size
        )
        for value in distinct_nonces(checked):
            if not self._nonces.consume(value, self.identifier):
                raise _refuse(ErrorCode.INVALID_NONCE, "the c_nonce is unknown, spent or expired")
        try:
            return configuration.maker(claims, [p.public_key for p in checked])
        except Oid4vciError:
            raise
        except ConfigurationError:
            # The claims can no longer be issued (e.g. the passport expired since the offer).
            raise _refuse(
                ErrorCode.CREDENTIAL_REQUEST_DENIED, "the credential cannot be issued"
            ) from None
        except KrOvidError as exc:
            raise Oid4vciError(ErrorCode.INTERNAL_ERROR, "issuance failed", status=500) from exc


def _bearer(authorization: str | None) -> str:
    """The access token of an ``Authorization: Bearer`` header (RFC 6750 §2.1)."""
    if not isinstance(authorization, str):
        raise _refuse(ErrorCode.INVALID_TOKEN, "no bearer access token")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > _MAX_PARAM_CHARS or " " in token:
        raise _refuse(ErrorCode.INVALID_TOKEN, "no bearer access token")
    return token


# Fresh exceptions per request (an exception object carries its traceback): (code, message).
_REDEMPTION_ERRORS: Final[Mapping[Redemption, tuple[ErrorCode, str]]] = {
    Redemption.UNKNOWN: (ErrorCode.INVALID_GRANT, "the pre-authorized code is not valid"),
    Redemption.EXPIRED: (ErrorCode.INVALID_GRANT, "the pre-authorized code has expired"),
    Redemption.USED: (ErrorCode.INVALID_GRANT, "the pre-authorized code was already used"),
    Redemption.TX_CODE_MISSING: (ErrorCode.INVALID_REQUEST, "tx_code is missing"),
    Redemption.TX_CODE_UNEXPECTED: (ErrorCode.INVALID_REQUEST, "no tx_code is expected"),
    Redemption.TX_CODE_WRONG: (ErrorCode.INVALID_GRANT, "the tx_code is wrong"),
    Redemption.TX_CODE_LOCKED: (
        ErrorCode.INVALID_GRANT,
        "the tx_code is wrong; too many attempts, the offer is void",
    ),
}

_CLAIM_ERRORS: Final[Mapping[str, tuple[ErrorCode, str]]] = {
    "token": (ErrorCode.INVALID_TOKEN, "the access token is not valid"),
    "not-offered": (
        ErrorCode.CREDENTIAL_REQUEST_DENIED,
        "the offer did not include this configuration",
    ),
    "already-issued": (
        ErrorCode.CREDENTIAL_REQUEST_DENIED,
        "this configuration was already issued",
    ),
}
