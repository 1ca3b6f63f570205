"""The service's shared state: one typed object built from the configuration when a worker starts
and closed when it stops, reachable from every handler as ``request.app.state.kr_ovid``.

Why one object: a route written by another module (OpenID4VP, OpenID4VCI) needs the same signer,
stores, resolver and loader as the VC-API routes; handing it one typed :class:`ServiceState`
rather than loose attributes keeps what a worker owns in one place, closed in one place.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kr_ovid._json import JsonParseError, parse_json
from kr_ovid.challenges import ChallengeStore, InMemoryChallengeStore, SqliteChallengeStore
from kr_ovid.clock import Clock, SystemClock
from kr_ovid.context import VerificationContext
from kr_ovid.did.document import split_did_url
from kr_ovid.did.resolver import CompositeResolver, LocalDidResolver
from kr_ovid.did.web import build_did_document, did_web_to_url
from kr_ovid.errors import ConfigurationError, KrOvidError
from kr_ovid.issuer import CredentialIssuer
from kr_ovid.jsonld.loader import StaticDocumentLoader, default_loader
from kr_ovid.keys.signer import Ed25519Signer, Signer
from kr_ovid.ovid.issuance import Issuer
from kr_ovid.ovid.missions import load_missions
from kr_ovid.server.config import ServiceConfig
from kr_ovid.server.status_lists import OwnStatusLists, ServiceStatusFetcher
from kr_ovid.server.trust import IssuerTrust
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.status.sqlite_store import SqliteStatusListStore
from kr_ovid.status.store import InMemoryStatusListStore, StatusListStore
from kr_ovid.trust import TrustListRegistry

if TYPE_CHECKING:
    from kr_ovid.oid4vci.service import IssuanceService
    from kr_ovid.oid4vci.store import SqliteIssuanceStore
    from kr_ovid.oid4vp.verifier import PresentationService

__all__ = ["EXAMPLES_CONTEXTS", "ServiceState", "build_state", "test_mode_signer"]

#: Test mode only: the W3C examples context (VC DM 2.0 §B.1; its whole content is an ``@vocab``),
#: so the W3C test suites' example credentials can be issued and verified. Never served outside
#: test mode: an ``@vocab`` turns any undefined term into an IRI instead of refusing it.
EXAMPLES_CONTEXTS: Mapping[str, Any] = {
    "https://www.w3.org/ns/credentials/examples/v2": {
        "@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}
    },
}


@dataclass(slots=True, kw_only=True)
class ServiceState:
    """What every handler of one worker shares (built by :func:`build_state`).

    ``signer`` signs for ``issuer_did``; ``store`` holds the status lists (shared by all
    workers); ``challenges`` the one-time challenges; ``resolver`` resolves did:key and the
    configured and own DID documents, never over the network; ``loader`` serves the pinned
    contexts (plus the W3C examples context in test mode); ``context`` is the one
    :class:`~kr_ovid.context.VerificationContext` the verify routes use; ``status_fetcher``
    answers the service's own list URLs from ``store`` and others only from configured files;
    ``trust`` decides whom the verify routes trust as issuers; ``did_documents`` maps a URL path
    to the DID document served there; ``trust_list`` is the root-signed list served as
    published.
    """

    config: ServiceConfig
    signer: Signer
    issuer_did: str
    clock: Clock
    store: StatusListStore
    challenges: ChallengeStore
    resolver: CompositeResolver
    loader: StaticDocumentLoader
    context: VerificationContext
    #: None when ``public_url`` is not https: status list URLs go into signed credentials and
    #: must be https (Bitstring Status List §2.1 via did:web-style hosting), so such a service
    #: issues without status.
    status_lists: OwnStatusLists | None
    status_fetcher: ServiceStatusFetcher
    #: Whom the verify routes trust as issuers (``[verifier] trust``).
    trust: IssuerTrust
    did_documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    trust_list: dict[str, Any] | None = None
    #: The overseas-national ID issuer, when ``[issuer] mission`` names the mission this is.
    mission_issuer: Issuer | None = None
    #: The OpenID4VP service (``[oid4vp] enabled``): requests signed with ``signer``.
    presentation: PresentationService | None = None
    #: The OpenID4VCI service (``[oid4vci] enabled``) and its offer store.
    issuance: IssuanceService | None = None
    issuance_store: SqliteIssuanceStore | None = None

    @property
    def test_mode(self) -> bool:
        return self.config.test_mode

    def close(self) -> None:
        """Release the stores' connections (the worker is stopping)."""
        self.store.close()
        if self.issuance_store is not None:
            self.issuance_store.close()
        closer = getattr(self.challenges, "close", None)
        if callable(closer):
            closer()


def test_mode_signer(seed_hex: str | None) -> Ed25519Signer:
    """The test-mode issuer: a did:key from ``seed_hex`` (64 hex characters), else a fresh key."""
    if seed_hex is None:
        return Ed25519Signer.generate()
    return Ed25519Signer.from_seed(bytes.fromhex(seed_hex))


def _issuer_signer(config: ServiceConfig) -> Signer:
    """The issuing key: ``signer_factory`` (an HSM/KMS :class:`~kr_ovid.keys.Signer`), a key
    file, or in test mode a did:key. The private key never leaves the signer (house rule 3)."""
    if config.issuer.signer_factory is not None:
        module_name, _, function = config.issuer.signer_factory.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), function)
        except (ImportError, AttributeError) as exc:
            raise ConfigurationError(
                f"[issuer] signer_factory {config.issuer.signer_factory}: cannot import it "
                f"({type(exc).__name__})"
            ) from None
        signer = factory(config)
        if not isinstance(signer, Signer) or signer.algorithm != "Ed25519":
            raise ConfigurationError(
                "[issuer] signer_factory must return an Ed25519 kr_ovid.keys.Signer"
            )
        return signer
    if config.issuer.key_file is not None:
        return Ed25519Signer.from_key_file(config.issuer.key_file)
    if not config.test_mode:
        raise ConfigurationError("[issuer] key_file is required outside test mode")
    return test_mode_signer(config.issuer.seed)


def _read_json_file(path: Path, what: str) -> Any:
    try:
        return parse_json(path.read_bytes())
    except (OSError, JsonParseError) as exc:
        raise ConfigurationError(f"{what} {path}: cannot read it as JSON ({exc})") from None


def _documents_in(directory: Path | None) -> list[dict[str, Any]]:
    if directory is None:
        return []
    resolver = LocalDidResolver.from_directory(directory)  # validates every document
    docs = []
    for path in sorted(directory.glob("*.json")):
        data = _read_json_file(path, "DID document")
        if isinstance(data, dict) and isinstance(data.get("id"), str) and data["id"] in resolver:
            docs.append(data)
    return docs


def served_path(did: str, public_url: str) -> str | None:
    """The path under ``public_url`` where a did:web DID's document is served, or None when
    the DID's document URL (did-method-web §2.5.2) lies elsewhere."""
    try:
        url = did_web_to_url(did)
    except KrOvidError:
        return None
    base = urlsplit(public_url)
    if base.scheme != "https":
        # did:web documents are always fetched over https; behind a TLS-terminating proxy
        # the public URL is https even when this process listens on http.
        return None
    prefix = f"https://{base.netloc}{base.path.rstrip('/')}"
    if not url.startswith(prefix + "/"):
        return None
    return url[len(prefix) :]


def build_state(config: ServiceConfig, *, clock: Clock | None = None) -> ServiceState:
    """Open everything one worker needs; raise ``ConfigurationError`` on what cannot work."""
    clock = clock or SystemClock()
    base = config.base_url()
    signer = _issuer_signer(config)
    issuer_did, _ = split_did_url(signer.verification_method)

    loader = default_loader()
    if config.test_mode:
        loader = loader.with_documents(EXAMPLES_CONTEXTS)

    documents = _documents_in(config.publish.did_documents)
    known = {d["id"] for d in documents}
    for doc in _documents_in(config.verifier.did_documents):
        if doc["id"] not in known:
            documents.append(doc)
            known.add(doc["id"])
    published = next((d for d in documents if d["id"] == issuer_did), None)
    if published is not None:
        # The key must be the one verifiers will find: listed under assertionMethod and proven
        # by signing a probe (the check CredentialIssuer makes when it is bound to a document).
        CredentialIssuer(signer, issuer=issuer_did, did_document=published, clock=clock)
    elif issuer_did.startswith("did:web:"):
        if not isinstance(signer, Ed25519Signer):
            raise ConfigurationError(
                f"the DID document of {issuer_did} must be in [publish] did_documents"
            )
        documents.append(build_did_document(issuer_did, [signer]))
    web = LocalDidResolver(documents)
    resolver = CompositeResolver({"web": web})
    served: dict[str, dict[str, Any]] = {}
    for doc in documents:
        path = served_path(doc["id"], base)
        if path is not None:
            served[path] = doc

    trust_list = None
    if config.publish.trust_list is not None:
        data = _read_json_file(config.publish.trust_list, "[publish] trust_list")
        if not isinstance(data, dict):
            raise ConfigurationError("[publish] trust_list must be a JSON object")
        trust_list = data

    store = open_status_store(config, clock)
    try:
        challenges: ChallengeStore
        ttl = timedelta(seconds=config.challenges.ttl_seconds)
        if config.challenges.path is None:
            challenges = InMemoryChallengeStore(clock=clock, default_ttl=ttl)
        else:
            challenges = SqliteChallengeStore(config.challenges.path, clock=clock, default_ttl=ttl)
        context = VerificationContext(resolver=resolver, loader=loader, clock=clock)
        own = None
        if base.startswith("https://"):
            own = OwnStatusLists(
                base=f"{base}/status",
                store=store,
                signer=signer,
                issuer=issuer_did,
                clock=clock,
                loader=loader,
                valid_for=timedelta(hours=config.status.list_validity_hours),
                ttl=timedelta(minutes=config.status.list_ttl_minutes),
            )
        other = None
        if config.verifier.status_lists is not None:
            other = LocalStatusListFetcher()
            for file in sorted(config.verifier.status_lists.glob("*.json")):
                other.register(_read_json_file(file, "[verifier] status_lists file"))
        registry = None
        if config.verifier.trust_list is not None:
            if config.verifier.root_did is None:
                raise ConfigurationError("[verifier] trust_list needs root_did")
            registry = TrustListRegistry.from_trust_list(
                _read_json_file(config.verifier.trust_list, "[verifier] trust_list"),
                root_did=config.verifier.root_did,
                resolver=resolver,
                clock=clock,
                loader=loader,
            )
        mission_issuer = None
        if config.issuer.mission is not None:
            mission_issuer = _mission_issuer(
                config,
                signer=signer,
                issuer_did=issuer_did,
                documents=documents,
                store=store,
                own=own,
                clock=clock,
            )
        trust = IssuerTrust(
            config.verifier.trust or "none", own_issuer=issuer_did, registry=registry
        )
        state = ServiceState(
            config=config,
            signer=signer,
            issuer_did=issuer_did,
            clock=clock,
            store=store,
            challenges=challenges,
            resolver=resolver,
            loader=loader,
            context=context,
            status_lists=own,
            status_fetcher=ServiceStatusFetcher(own, other),
            trust=trust,
            did_documents=served,
            trust_list=trust_list,
            mission_issuer=mission_issuer,
        )
        if config.oid4vp.enabled:
            state.presentation = _presentation_service(state)
        if config.oid4vci.enabled:
            _mount_issuance(state)
        return state
    except BaseException:
        store.close()
        raise


def _presentation_service(state: ServiceState) -> PresentationService:
    """``[oid4vp]``: the named purposes' DCQL queries, each judged by a Verifier that shares the
    service's resolver, loader, status lists and trust decision; requests are signed with the
    service's own key (its DID is the client identifier)."""
    from kr_ovid.oid4vp.verifier import PresentationService
    from kr_ovid.ovid.services import presentation_policies

    vp = state.config.oid4vp
    policies = presentation_policies(
        state.trust,
        resolver=state.resolver,
        loader=state.loader,
        status_fetcher=state.status_fetcher,
        policy_overrides={"clock": state.clock},
    )
    if vp.policies:
        policies = {name: policies[name] for name in vp.policies}
    return PresentationService(
        base_url=state.config.base_url(),
        policies=policies,
        signer=state.signer,
        clock=state.clock,
        ttl=timedelta(seconds=vp.request_ttl_seconds),
        response_modes=vp.response_modes,
    )


def _mount_issuance(state: ServiceState) -> None:
    """``[oid4vci]``: the mission's issuance service over the offer store ``kr-ovid offer``
    writes; ``c_nonce`` values live in the service's challenge store (shared by the workers)."""
    from kr_ovid.oid4vci.store import SqliteIssuanceStore
    from kr_ovid.ovid.oid4vci import id_issuance_service

    if state.mission_issuer is None:
        raise ConfigurationError("[oid4vci] needs [issuer] mission")
    vci = state.config.oid4vci
    store = SqliteIssuanceStore(vci.offer_store if vci.offer_store is not None else ":memory:")
    try:
        state.issuance = id_issuance_service(
            state.mission_issuer,
            credential_issuer=vci.issuer_identifier(state.config.base_url()),
            store=store,
            nonces=state.challenges,
            batch_size=vci.batch_size,
            allow_loopback_http=state.test_mode,
        )
    except BaseException:
        store.close()
        raise
    state.issuance_store = store


def _mission_issuer(
    config: ServiceConfig,
    *,
    signer: Signer,
    issuer_did: str,
    documents: list[dict[str, Any]],
    store: StatusListStore,
    own: OwnStatusLists | None,
    clock: Clock,
) -> Issuer:
    """The ID issuer of ``[issuer] mission``: the key must be the mission's DID's, published
    under ``assertionMethod`` in its DID document (checked by signing a probe), and the IDs'
    status lists are this service's."""
    code = config.issuer.mission or ""
    mission = load_missions(config.issuer.missions_file).by_code(code)
    if mission.did != issuer_did:
        raise ConfigurationError(
            f"[issuer] mission {code}: the key file's DID is not the mission's ({mission.did})"
        )
    if own is None:
        raise ConfigurationError("[issuer] mission needs an https public_url (for status lists)")
    document = next((d for d in documents if d["id"] == issuer_did), None)
    return Issuer(
        mission,
        signer,
        clock=clock,
        status_store=store,
        status_base_url=own.base,
        cryptosuite=config.issuer.cryptosuite,
        did_document=document,
    )


def open_status_store(config: ServiceConfig, clock: Clock) -> StatusListStore:
    """The configured store: SQLite (one file all workers open), PostgreSQL (DSN from the
    environment), or, in test mode with one worker and no path, in memory."""
    st = config.status
    if st.store == "postgres":
        from kr_ovid.status.postgres_store import PostgresStatusListStore

        dsn = os.environ.get(st.dsn_env)
        if not dsn:
            raise ConfigurationError(
                f"[status] store = 'postgres' reads its DSN from ${st.dsn_env}, which is not set"
            )
        return PostgresStatusListStore(dsn, schema=st.schema, list_size=st.list_size, clock=clock)
    if st.path is None:
        if not config.test_mode or config.workers != 1:
            raise ConfigurationError("[status] path is required")
        return InMemoryStatusListStore(list_size=st.list_size, clock=clock)
    return SqliteStatusListStore(st.path, list_size=st.list_size, clock=clock)
