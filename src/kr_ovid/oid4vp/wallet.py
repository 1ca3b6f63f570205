"""The wallet side of OpenID4VP 1.0: read a request, match its DCQL query against the held
credentials, show what would be disclosed, build the response and post it.

::

    wallet = Wallet(credentials, keys, resolver=resolver, transport=urllib_transport())
    request = wallet.read(link).claims            # verified AuthorizationRequest (or problems)
    offer = wallet.match(request)                  # what would be disclosed, per credential query
    answer = wallet.respond(request, offer)        # builds vp_token, posts it (direct_post[.jwt])

Held credentials are ``dc+sd-jwt`` strings (issued SD-JWT VCs) and Data Integrity credential
objects (``ldp_vc``). ``keys`` are the holder's signers: a ``dc+sd-jwt`` is bound to the signer
whose public key is its ``cnf`` key (§B.3.6 KB-JWT ``aud`` = client_id, ``nonce``); an
``ldp_vc`` presentation is signed by the signer whose DID is the credential subject (§B.1.3.2.5
``challenge`` = nonce, ``domain`` = client_id).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kr_ovid.clock import Clock, SystemClock
from kr_ovid.did.resolver import DidResolver
from kr_ovid.errors import ConfigurationError, KeyFormatError, KrOvidError, Refusal
from kr_ovid.holder import Holder
from kr_ovid.jsonld.loader import StaticDocumentLoader, default_loader
from kr_ovid.keys.jwk import public_key_from_jwk
from kr_ovid.keys.signer import Signer
from kr_ovid.oid4vp.dcql import CredentialQuery, select_claims
from kr_ovid.oid4vp.request import AuthorizationRequest, verify_request
from kr_ovid.oid4vp.transport import HttpRequest, Transport, no_network
from kr_ovid.oid4vp.types import expanded_types
from kr_ovid.problems import ErrorCode
from kr_ovid.results import VerificationResult
from kr_ovid.sdjwt.holder import HeldSdJwt, parse_issued, present
from kr_ovid.sdjwt.jws import SdJwtError, media_type_matches
from kr_ovid.sdjwt.vc import DC_SD_JWT_TYP

__all__ = ["Offer", "Selection", "Wallet", "WalletAnswer"]


@dataclass(frozen=True, slots=True)
class Selection:
    """One credential chosen for one credential query, and exactly what it would disclose
    (JSON pointers and values), to show the holder before consent (§6.4.3)."""

    query_id: str
    format: str
    credential: str | dict[str, Any]
    disclose: tuple[str, ...]
    shown: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Offer:
    """The wallet's answer to a DCQL query before consent: a selection per returned query id.
    Empty ``selections`` with ``problems``: the wallet cannot answer (``ACCESS_DENIED``)."""

    selections: tuple[Selection, ...]
    problems: tuple[str, ...] = ()

    @property
    def possible(self) -> bool:
        return bool(self.selections) and not self.problems


@dataclass(frozen=True, slots=True)
class WalletAnswer:
    """What the response endpoint answered (§8.2: HTTP 200 with a JSON object)."""

    status: int
    body: Mapping[str, Any]

    @property
    def redirect_uri(self) -> str | None:
        value = self.body.get("redirect_uri")
        return value if isinstance(value, str) else None


def _pointer(at: tuple[str | int, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in at)


class Wallet:
    """A holder's wallet for OpenID4VP: held credentials, the holder's signers, DID resolution
    for the service's ``decentralized_identifier`` and a transport (none by default)."""

    def __init__(
        self,
        credentials: Sequence[str | Mapping[str, Any]],
        keys: Sequence[Signer],
        *,
        resolver: DidResolver,
        transport: Transport = no_network,
        clock: Clock | None = None,
        loader: StaticDocumentLoader | None = None,
    ) -> None:
        self._held: list[tuple[str, str | dict[str, Any], HeldSdJwt | None]] = []
        for item in credentials:
            if isinstance(item, str):
                try:
                    parsed = parse_issued(item)
                except (SdJwtError, KrOvidError):
                    raise ConfigurationError("a held SD-JWT could not be read") from None
                if media_type_matches(parsed.header.get("typ"), DC_SD_JWT_TYP):
                    self._held.append(("dc+sd-jwt", item, parsed))
            elif isinstance(item, Mapping):
                self._held.append(("ldp_vc", dict(item), None))
        self._keys = list(keys)
        self._resolver = resolver
        self._transport = transport
        self._clock = clock or SystemClock()
        self._loader = loader or default_loader()

    def read(
        self, link: str | Mapping[str, str], *, wallet_nonce: str | None = None
    ) -> VerificationResult:
        """:func:`~kr_ovid.oid4vp.request.verify_request` with this wallet's transport and
        resolver; ``claims`` is the :class:`AuthorizationRequest` when verified."""
        metadata: dict[str, Any] = {"vp_formats_supported": {"dc+sd-jwt": {}, "ldp_vc": {}}}
        return verify_request(
            link,
            transport=self._transport,
            resolver=self._resolver,
            wallet_nonce=wallet_nonce,
            wallet_metadata=metadata,
        )

    # ------------------------------------------------------------------ matching (§6.4)
    def _candidates(self, query: CredentialQuery) -> list[Selection]:
        out = []
        for fmt, credential, held in self._held:
            if fmt != query.format:
                continue
            if held is not None:
                if not query.accepts_type(vct=held.document.get("vct")):
                    continue
                if query.require_cryptographic_holder_binding and held.cnf_jwk is None:
                    continue
                document: Mapping[str, Any] = held.document
            else:
                held_document = credential if isinstance(credential, dict) else {}
                if not query.accepts_type(types=expanded_types(held_document, self._loader)):
                    continue
                document = held_document
            found = select_claims(query, document)
            if found is None:
                continue
            shown = []
            for at in found:
                node: Any = document
                for seg in at:
                    node = node[seg]
                shown.append((_pointer(at), node))
            disclose = tuple(p for p, _ in shown) if held is not None else ()
            out.append(Selection(query.id, fmt, credential, disclose, tuple(shown)))
        return out

    def match(self, request: AuthorizationRequest) -> Offer:
        """Select credentials and claims for the request's DCQL query (§6.4): the first
        matching credential per query; with ``credential_sets``, the first satisfiable option
        of each required set (optional sets are left out: disclose least, §6.4.2)."""
        query = request.dcql_query
        best = {}
        for cq in query.credentials:
            found = self._candidates(cq)
            if found:
                best[cq.id] = found[0]
        if query.credential_sets is None:
            missing = sorted(query.ids - set(best))
            if missing:
                return Offer((), tuple(f"no credential matches {m}" for m in missing))
            return Offer(tuple(best[c.id] for c in query.credentials))
        chosen: list[str] = []
        for i, cs in enumerate(query.credential_sets):
            if not cs.required:
                continue
            option = next((o for o in cs.options if all(x in best for x in o)), None)
            if option is None:
                return Offer((), (f"no option of credential set {i} can be met",))
            chosen.extend(x for x in option if x not in chosen)
        return Offer(tuple(best[x] for x in chosen))

    # ------------------------------------------------------------------ response (§8)
    def _signer_for_jwk(self, jwk: Mapping[str, Any] | None) -> Signer:
        try:
            bound = public_key_from_jwk(dict(jwk)) if jwk is not None else None
        except KeyFormatError:
            bound = None
        for signer in self._keys:
            if bound is not None and getattr(signer, "public_key", None) == bound:
                return signer
        raise ConfigurationError("the wallet holds no key for this credential's cnf")

    def _signer_for_did(self, did: object) -> Signer:
        for signer in self._keys:
            if signer.verification_method.split("#", 1)[0] == did:
                return signer
        raise ConfigurationError("the wallet holds no key for this credential's subject")

    def vp_token(self, request: AuthorizationRequest, offer: Offer) -> dict[str, list[Any]]:
        """The ``vp_token`` (§8.1): query id → presentations. ``dc+sd-jwt``: the chosen
        disclosures and a KB-JWT with ``aud`` = client_id and the request ``nonce``; ``ldp_vc``:
        a presentation signed by the subject with ``challenge`` = nonce, ``domain`` = client_id."""
        if not offer.possible:
            raise ConfigurationError("the offer cannot answer the request")
        out: dict[str, list[Any]] = {}
        for sel in offer.selections:
            if sel.format == "dc+sd-jwt" and isinstance(sel.credential, str):
                held = parse_issued(sel.credential)
                out[sel.query_id] = [
                    present(
                        held,
                        sel.disclose,
                        holder_signer=self._signer_for_jwk(held.cnf_jwk),
                        nonce=request.nonce,
                        aud=request.client_id,
                        clock=self._clock,
                    )
                ]
            elif isinstance(sel.credential, dict):
                subject = sel.credential.get("credentialSubject")
                did = subject.get("id") if isinstance(subject, dict) else None
                holder = Holder(self._signer_for_did(did), clock=self._clock, loader=self._loader)
                out[sel.query_id] = [
                    holder.present(
                        [sel.credential], challenge=request.nonce, domain=request.client_id
                    )
                ]
        return out

    def response_form(self, request: AuthorizationRequest, offer: Offer) -> dict[str, str]:
        """The form body for the response URI: ``vp_token`` and ``state`` (§8.2), or, for
        ``direct_post.jwt``, one ``response`` JWE encrypted to the request's key (§8.3)."""
        payload: dict[str, Any] = {"vp_token": self.vp_token(request, offer)}
        if request.state is not None:
            payload["state"] = request.state
        if request.encrypted:
            from kr_ovid.oid4vp.jwe import encrypt_response

            try:
                jwk, enc = request.encryption_jwk(), request.enc()
            except Refusal as exc:
                raise ConfigurationError(str(exc)) from None
            return {"response": encrypt_response(payload, jwk, enc)}
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()}

    def respond(self, request: AuthorizationRequest, offer: Offer) -> WalletAnswer:
        """Build the response and POST it to the ``response_uri`` (§8.2); the endpoint's JSON
        answer (e.g. a ``redirect_uri``) is returned."""
        return self.post(request, self.response_form(request, offer))

    def decline(self, request: AuthorizationRequest, error: str = "access_denied") -> WalletAnswer:
        """An Authorization Error Response (§8.5) to the response URI."""
        form = {"error": error}
        if request.state is not None:
            form["state"] = request.state
        return self.post(request, form)

    def post(self, request: AuthorizationRequest, form: Mapping[str, str]) -> WalletAnswer:
        """POST ``form`` to the request's response URI; the JSON answer is bounded and parsed."""
        answer = self._transport(HttpRequest("POST", request.response_uri, form=dict(form)))
        try:
            body = json.loads(answer.body.decode("utf-8")) if answer.body else {}
        except (UnicodeDecodeError, ValueError):
            body = {}
        if not isinstance(body, dict):
            body = {}
        if answer.status != 200 and "error" not in body:
            body = {**body, "error": ErrorCode.INVALID_REQUEST.value.lower()}
        return WalletAnswer(answer.status, body)
