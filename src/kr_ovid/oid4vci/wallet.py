"""The wallet's side of OpenID4VCI 1.0 with the Pre-Authorized Code Flow.

:meth:`Wallet.receive` is the whole flow for a scanned offer: read the offer (by value, or
fetched by reference, §4.1), fetch and check the issuer's metadata (§12.2.2: its
``credential_issuer`` must be the offer's, exactly) and its authorization server's (RFC 8414
§3.3), redeem the code with the transaction code the applicant types (§6), then for each
offered configuration fetch a ``c_nonce`` (§7), make one fresh key per copy and a key proof for
each (Appendix F.1), and request the batch (§8). Every credential received must be bound to one
of those keys, each key to at most one credential (§8.3); the copies are kept in the wallet.

:meth:`Wallet.take` hands out one unused copy and forgets it: presenting each SD-JWT copy once
is what keeps two services from linking the presentations (RFC 9901 §10.1), so a copy is never
handed out twice. The copy's :meth:`HeldCredential.holder` signs the presentation with the key
it is bound to.

The offer and everything the issuer sends are untrusted (§13.4); every read is bounded and
strict, and HTTP goes only through the injected :data:`~kr_ovid.oid4vci.transport.Transport`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode

from kr_ovid._json import JsonLimits, JsonParseError, parse_json
from kr_ovid.clock import Clock, SystemClock
from kr_ovid.errors import ConfigurationError, KrOvidError
from kr_ovid.holder import Holder
from kr_ovid.keys.jwk import public_key_from_jwk
from kr_ovid.keys.signer import Ed25519Signer
from kr_ovid.oid4vci.errors import Oid4vciError
from kr_ovid.oid4vci.offer import (
    PRE_AUTHORIZED_GRANT,
    CredentialOffer,
    check_issuer_identifier,
    parse_offer_json,
    parse_offer_link,
    well_known_url,
)
from kr_ovid.oid4vci.proofs import PROOF_TYPE, make_key_proof
from kr_ovid.oid4vci.transport import HttpRequest, HttpResponse, Transport, no_network
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt.holder import parse_issued
from kr_ovid.sdjwt.jws import ACCEPTED_ALGORITHMS

__all__ = ["AccessToken", "HeldCredential", "IssuerMetadata", "Wallet"]

#: Formats whose credential is an SD-JWT string bound by ``cnf.jwk``.
SD_JWT_FORMATS: Final = frozenset({"dc+sd-jwt", "vc+sd-jwt"})
#: Formats this wallet can hold.
SUPPORTED_FORMATS: Final = SD_JWT_FORMATS | {"ldp_vc"}
_JSON_LIMITS: Final = JsonLimits(max_bytes=2_000_000)


def _malformed(message: str) -> Oid4vciError:
    return Oid4vciError(ErrorCode.MALFORMED_VALUE_ERROR, message)


@dataclass(frozen=True, slots=True)
class IssuerMetadata:
    """The parts of a Credential Issuer's metadata (§12.2.4) and its authorization server's
    (RFC 8414) that the wallet uses; ``configurations`` as published."""

    credential_issuer: str
    credential_endpoint: str
    token_endpoint: str
    nonce_endpoint: str | None
    batch_size: int
    configurations: Mapping[str, Mapping[str, Any]]
    display: tuple[Mapping[str, Any], ...] = ()

    def name(self, locale: str = "ko") -> str | None:
        """The issuer's display name for ``locale`` (a language tag prefix), if published."""
        for entry in self.display:
            tag = entry.get("locale")
            if isinstance(tag, str) and tag.split("-")[0] == locale and "name" in entry:
                return str(entry["name"])
        return None


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A redeemed offer's bearer token; never shown in ``repr``."""

    value: str = field(repr=False)
    expires_in: int | None = None


@dataclass(frozen=True, slots=True)
class HeldCredential:
    """One credential (copy) in the wallet: which issuer and configuration, its format, the
    credential as issued (an SD-JWT string or a Data Integrity JSON object) and the key it is
    bound to, which never leaves the wallet."""

    credential_issuer: str
    configuration_id: str
    format: str
    credential: str | dict[str, Any] = field(repr=False)
    key: Ed25519Signer = field(repr=False)

    def holder(self, clock: Clock | None = None) -> Holder:
        """A :class:`~kr_ovid.holder.Holder` signing with this copy's key: the KB-JWT of an
        SD-JWT copy, or the Data Integrity presentation of an ``ldp_vc`` (whose subject is the
        key's did:key)."""
        return Holder(self.key, clock=clock)


class Wallet:
    """The holder's OpenID4VCI client and copy store.

    ``transport`` does every HTTP request (default
    :func:`~kr_ovid.oid4vci.transport.no_network`, which refuses: pass
    :class:`~kr_ovid.oid4vci.transport.UrllibTransport` to reach issuers); ``clock`` dates
    the key proofs; ``allow_loopback_http`` admits ``http`` issuers on a loopback address
    (tests, a demo on one machine); ``new_key`` makes each copy's key (default: fresh
    Ed25519 keys from the operating system's CSPRNG)."""

    def __init__(
        self,
        *,
        transport: Transport | None = None,
        clock: Clock | None = None,
        allow_loopback_http: bool = False,
        new_key: Callable[[], Ed25519Signer] = Ed25519Signer.generate,
    ) -> None:
        self._transport = transport or no_network
        self._clock = clock or SystemClock()
        self._loopback = allow_loopback_http
        self._new_key = new_key
        self._lock = threading.Lock()
        self._copies: list[HeldCredential] = []

    # -- the copy store ---------------------------------------------------------------------
    def unused(self, configuration_id: str | None = None) -> int:
        """How many copies have not been handed out (of one configuration, or all)."""
        with self._lock:
            return sum(
                1
                for c in self._copies
                if configuration_id is None or c.configuration_id == configuration_id
            )

    def take(self, configuration_id: str) -> HeldCredential:
        """One unused copy of ``configuration_id``, removed from the wallet: each copy is
        presented once. :class:`~kr_ovid.errors.ConfigurationError` when none is left (time to
        ask the issuer for a new batch)."""
        with self._lock:
            for i, copy in enumerate(self._copies):
                if copy.configuration_id == configuration_id:
                    return self._copies.pop(i)
        raise ConfigurationError(f"no unused copy of {configuration_id!r} is left")

    def keep(self, copies: Sequence[HeldCredential]) -> None:
        """Add received copies to the store."""
        with self._lock:
            self._copies.extend(copies)

    # -- the flow ---------------------------------------------------------------------------
    def receive(
        self, link: str, *, tx_code: str | None = None, copies: int | None = None
    ) -> list[HeldCredential]:
        """The whole flow for one scanned offer (module docstring); every offered configuration
        is requested, SD-JWT ones with ``copies`` keys (the issuer's batch size by default).
        The received credentials are kept and returned."""
        offer = self.read_offer(link)
        metadata = self.fetch_metadata(offer.credential_issuer)
        unknown = [
            i for i in offer.credential_configuration_ids if i not in metadata.configurations
        ]
        if unknown:
            raise _malformed("the offer names configurations the issuer does not publish")
        token = self.redeem(offer, metadata, tx_code=tx_code)
        received: list[HeldCredential] = []
        for configuration_id in offer.credential_configuration_ids:
            received += self.request_credential(metadata, token, configuration_id, copies=copies)
        self.keep(received)
        return received

    def read_offer(self, link: str) -> CredentialOffer:
        """The offer a link or QR code holds, fetched when it is passed by reference
        (``application/json``, §4.1.3)."""
        found = parse_offer_link(link, allow_loopback_http=self._loopback)
        if isinstance(found, CredentialOffer):
            return found
        answer = self._send(HttpRequest("GET", found, {"Accept": "application/json"}))
        return CredentialOffer.from_json(
            parse_offer_json(answer.body), allow_loopback_http=self._loopback
        )

    def fetch_metadata(self, credential_issuer: str) -> IssuerMetadata:
        """The issuer's metadata and its authorization server's, each checked to name exactly
        the identifier it was fetched for (§12.2.2, RFC 8414 §3.3)."""
        issuer = check_issuer_identifier(credential_issuer, allow_loopback_http=self._loopback)
        meta = self._get_json(well_known_url(issuer, "openid-credential-issuer"))
        if meta.get("credential_issuer") != issuer:
            raise _malformed("the metadata names another credential issuer")
        servers = meta.get("authorization_servers")
        if servers is not None and servers != [issuer]:
            raise _malformed("a separate authorization server is not supported")
        as_meta = self._get_json(well_known_url(issuer, "oauth-authorization-server"))
        if as_meta.get("issuer") != issuer:
            raise _malformed("the authorization server metadata names another issuer")
        configurations = meta.get("credential_configurations_supported")
        if not isinstance(configurations, dict) or not all(
            isinstance(v, dict) for v in configurations.values()
        ):
            raise _malformed("credential_configurations_supported is not an object of objects")
        batch = meta.get("batch_credential_issuance")
        size = batch.get("batch_size") if isinstance(batch, dict) else 1
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise _malformed("batch_size is not a positive integer")
        display = meta.get("display", [])
        nonce_endpoint = meta.get("nonce_endpoint")
        return IssuerMetadata(
            credential_issuer=issuer,
            credential_endpoint=self._endpoint(meta.get("credential_endpoint")),
            token_endpoint=self._endpoint(as_meta.get("token_endpoint")),
            nonce_endpoint=None if nonce_endpoint is None else self._endpoint(nonce_endpoint),
            batch_size=size,
            configurations=configurations,
            display=tuple(d for d in display if isinstance(d, dict))
            if isinstance(display, list)
            else (),
        )

    def redeem(
        self, offer: CredentialOffer, metadata: IssuerMetadata, *, tx_code: str | None = None
    ) -> AccessToken:
        """Exchange the pre-authorized code (and the transaction code, which the offer says
        whether to send) for an access token at the token endpoint (§6.1)."""
        if offer.credential_issuer != metadata.credential_issuer:
            raise _malformed("the metadata is another issuer's")
        form = {
            "grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": offer.pre_authorized_code,
        }
        if offer.tx_code is not None:
            if tx_code is None:
                raise ConfigurationError("the offer asks for its transaction code (tx_code)")
            form["tx_code"] = tx_code
        answer = self._send(
            HttpRequest(
                "POST",
                metadata.token_endpoint,
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                urlencode(form).encode("ascii"),
            )
        )
        body = self._json(answer)
        token, kind = body.get("access_token"), body.get("token_type")
        if not isinstance(token, str) or not token or not isinstance(kind, str):
            raise _malformed("the token response has no access token")
        if kind.lower() != "bearer":
            raise _malformed("the access token is not a bearer token (DPoP is not supported)")
        expires = body.get("expires_in")
        return AccessToken(token, expires if isinstance(expires, int) else None)

    def fetch_nonce(self, metadata: IssuerMetadata) -> str | None:
        """A fresh ``c_nonce`` from the nonce endpoint (§7.1), or ``None`` when the issuer has
        none (then proofs carry no nonce)."""
        if metadata.nonce_endpoint is None:
            return None
        body = self._json(self._send(HttpRequest("POST", metadata.nonce_endpoint, {}, b"")))
        nonce = body.get("c_nonce")
        if not isinstance(nonce, str) or not 0 < len(nonce) <= 512:
            raise _malformed("the nonce response has no c_nonce")
        return nonce

    def request_credential(
        self,
        metadata: IssuerMetadata,
        token: AccessToken,
        configuration_id: str,
        *,
        copies: int | None = None,
        nonce: str | None = None,
    ) -> list[HeldCredential]:
        """Request ``configuration_id`` with one fresh key per copy (§8.2): SD-JWT formats get
        ``copies`` keys (the issuer's batch size by default), ``ldp_vc`` one (its full
        disclosure makes copies pointless). ``nonce`` overrides the fetched ``c_nonce``. The
        credentials are returned, not kept (:meth:`receive` keeps them)."""
        configuration = metadata.configurations.get(configuration_id)
        if configuration is None:
            raise _malformed("the issuer does not publish this configuration")
        fmt = configuration.get("format")
        if fmt not in SUPPORTED_FORMATS:
            raise _malformed("the configuration's format is not one this wallet holds")
        proof_types = configuration.get("proof_types_supported")
        algs = proof_types.get(PROOF_TYPE, {}) if isinstance(proof_types, dict) else {}
        supported = (
            algs.get("proof_signing_alg_values_supported") if isinstance(algs, dict) else None
        )
        if not isinstance(supported, list) or not ACCEPTED_ALGORITHMS & set(supported):
            raise _malformed("the configuration does not take Ed25519 jwt key proofs")
        count = copies if copies is not None else metadata.batch_size
        if fmt not in SD_JWT_FORMATS:
            count = 1
        if not isinstance(count, int) or count < 1:
            raise ConfigurationError("copies must be a positive integer")
        value = nonce if nonce is not None else self.fetch_nonce(metadata)
        if value is None:
            raise _malformed("the issuer has no nonce endpoint; this wallet proves keys with one")
        keys = [self._new_key() for _ in range(count)]
        proofs = [
            make_key_proof(k, audience=metadata.credential_issuer, nonce=value, clock=self._clock)
            for k in keys
        ]
        request = {"credential_configuration_id": configuration_id, "proofs": {PROOF_TYPE: proofs}}
        answer = self._send(
            HttpRequest(
                "POST",
                metadata.credential_endpoint,
                {
                    "Authorization": f"Bearer {token.value}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
                json.dumps(request).encode("utf-8"),
            )
        )
        if answer.status == 202:
            raise Oid4vciError(ErrorCode.INTERNAL_ERROR, "deferred issuance is not supported")
        body = self._json(answer)
        items = body.get("credentials")
        if not isinstance(items, list) or not 0 < len(items) <= count:
            raise _malformed("the response holds no credentials, or more than keys were proved")
        return _bind(items, keys, metadata.credential_issuer, configuration_id, str(fmt))

    # -- HTTP ---------------------------------------------------------------------------------
    def _endpoint(self, value: object) -> str:
        if not isinstance(value, str):
            raise _malformed("an endpoint URL is missing")
        return _check_endpoint(value, self._loopback)

    def _send(self, request: HttpRequest) -> HttpResponse:
        answer = self._transport(request)
        if not 200 <= answer.status < 300:
            raise Oid4vciError.from_response(answer.status, _error_body(answer))
        return answer

    def _get_json(self, url: str) -> dict[str, Any]:
        return self._json(self._send(HttpRequest("GET", url, {"Accept": "application/json"})))

    @staticmethod
    def _json(answer: HttpResponse) -> dict[str, Any]:
        if answer.media_type != "application/json":
            raise _malformed("the issuer's answer is not application/json")
        try:
            value = parse_json(answer.body, limits=_JSON_LIMITS)
        except JsonParseError as exc:
            raise _malformed(f"the issuer's answer is not acceptable JSON ({exc.reason})") from None
        if not isinstance(value, dict):
            raise _malformed("the issuer's answer is not a JSON object")
        return value


def _check_endpoint(value: str, allow_loopback_http: bool) -> str:
    """An endpoint URL from metadata (§12.2.4): ``https`` (``http`` on loopback when allowed);
    unlike the identifier it may carry a query."""
    base, _, _query = value.partition("?")
    check_issuer_identifier(base, allow_loopback_http=allow_loopback_http)
    return value


def _error_body(answer: HttpResponse) -> object:
    try:
        return parse_json(answer.body, limits=JsonLimits(max_bytes=16_384))
    except JsonParseError:
        return None


def _bind(
    items: list[Any],
    keys: Sequence[Ed25519Signer],
    issuer: str,
    configuration_id: str,
    fmt: str,
) -> list[HeldCredential]:
    """Pair each received credential with the key it is bound to: ``cnf.jwk`` for SD-JWT, the
    subject's did:key for ``ldp_vc``. A credential bound to no key of this request, or two
    bound to one key, is refused (``HOLDER_BINDING_ERROR``): the wallet could not present it,
    or its copies would be linkable."""
    by_key = {k.public_key: k for k in keys}
    by_did = {k.controller: k for k in keys}
    held: list[HeldCredential] = []
    used: set[bytes] = set()
    for item in items:
        credential = item.get("credential") if isinstance(item, dict) else None
        key: Ed25519Signer | None = None
        if fmt in SD_JWT_FORMATS and isinstance(credential, str):
            try:
                jwk = parse_issued(credential).cnf_jwk
                key = by_key.get(public_key_from_jwk(jwk)) if jwk is not None else None
            except KrOvidError:
                raise _malformed("a received SD-JWT cannot be read") from None
        elif fmt == "ldp_vc" and isinstance(credential, dict):
            subject = credential.get("credentialSubject")
            did = subject.get("id") if isinstance(subject, dict) else None
            key = by_did.get(did) if isinstance(did, str) else None
        else:
            raise _malformed("a received credential is not of the configuration's format")
        if key is None or key.public_key in used:
            raise Oid4vciError(
                ErrorCode.HOLDER_BINDING_ERROR,
                "a received credential is not bound to one of the keys proved, once",
            )
        used.add(key.public_key)
        held.append(HeldCredential(issuer, configuration_id, fmt, credential, key))
    return held
