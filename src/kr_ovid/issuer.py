"""The issuing role: one issuer DID, its :class:`~kr_ovid.keys.Signer`, a clock, an optional
status store. Spec layers below do the work; this recipe fixes the safe defaults (urn:uuid ids,
validity, status entries, eddsa-rdfc-2022, JSON Schema before signing, SD-JWT plans).

How it maps to the specifications: the unsigned credential follows VC DM 2.0 §4 (``id`` §4.4,
``issuer`` §4.7, ``validFrom``/``validUntil`` §4.9, ``credentialStatus`` §4.10 with Bitstring
Status List v1.0 §2.1 entries); the Data Integrity form is VC Data Integrity §4.2 Add Proof
with vc-di-eddsa §3.2.1 Create Proof (eddsa-rdfc-2022) by default; the SD-JWT copies are
RFC 9901 §4 in the VC-JOSE-COSE §3.2.1 ``vc+sd-jwt`` form or the IETF SD-JWT VC ``dc+sd-jwt``
form (:mod:`kr_ovid.sdjwt.vc`), one per holder key (§10.1).
"""

from __future__ import annotations

import copy
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from kr_ovid.clock import Clock, SystemClock, format_datetime
from kr_ovid.credential import check_structure, issuer_id
from kr_ovid.did.document import DidDocument, split_did_url
from kr_ovid.errors import ConfigurationError, KeyFormatError, ProofGenerationError
from kr_ovid.integrity import add_proof, get_suite, key_lifetime_problem
from kr_ovid.jsonld.loader import StaticDocumentLoader, default_loader
from kr_ovid.keys.jwk import public_key_from_jwk
from kr_ovid.keys.methods import method_public_key
from kr_ovid.keys.signer import Signer, verify_ed25519
from kr_ovid.problems import ErrorCode
from kr_ovid.resource_integrity import check_related_resources
from kr_ovid.sdjwt.disclosure import VC_SD_JWT_TYP
from kr_ovid.sdjwt.issuer import issue_sd_jwt
from kr_ovid.sdjwt.vc import (
    DC_SD_JWT_TYP,
    sd_jwt_vc_payload,
    sd_jwt_vc_plan,
    vct_for_credential_type,
)
from kr_ovid.status.publish import status_entries, status_list_url
from kr_ovid.status.store import StatusAllocation, StatusListStore
from kr_ovid.suites import DEFAULT_CRYPTOSUITE

__all__ = ["CredentialIssuer", "IssuedCredential", "SdJwtCopy", "refuse_nonconforming"]

Format = Literal["di", "sd-jwt", "dc+sd-jwt"]
_FORMATS = ("di", "sd-jwt", "dc+sd-jwt")
#: Members the issuer sets itself; a body that sets one is refused, never merged.
_RESERVED = frozenset({"id", "issuer", "validFrom", "validUntil", "credentialStatus", "proof"})
#: Checks the unsigned credential (e.g. a JSON Schema); raise to refuse issuing it.
CredentialCheck = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class SdJwtCopy:
    """One SD-JWT copy of a batch: its own credential id, status position and holder key;
    ``format`` is ``vc+sd-jwt`` (VC-JOSE-COSE) or ``dc+sd-jwt`` (IETF SD-JWT VC)."""

    credential_id: str
    sd_jwt: str
    status: StatusAllocation | None
    format: str = "vc+sd-jwt"


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """What one issuance produced. ``credential`` is the Data Integrity form (full disclosure)."""

    credential_id: str | None
    credential: dict[str, Any] | None
    status: StatusAllocation | None
    sd_jwts: tuple[SdJwtCopy, ...] = field(default=())


class CredentialIssuer:
    """Signs credentials for one issuer DID.

    Built once per issuing key: the signer's algorithm must match the suite, and the signer's
    verification method must belong to ``issuer``'s DID. With ``did_document`` given, the key is
    also checked to be listed under ``assertionMethod`` and to *be* the key published there (the
    signer signs a random probe that is verified against the published public key: a KMS or
    HSM signer proves possession without revealing anything).
    """

    def __init__(
        self,
        signer: Signer,
        *,
        issuer: str | Mapping[str, Any],
        clock: Clock | None = None,
        status_store: StatusListStore | None = None,
        status_base_url: str | None = None,
        cryptosuite: str = DEFAULT_CRYPTOSUITE,
        did_document: DidDocument | Mapping[str, Any] | None = None,
        loader: StaticDocumentLoader | None = None,
        id_factory: Callable[[], str] | None = None,
    ) -> None:
        """``id_factory`` replaces the random ``urn:uuid`` credential ids (reproducible examples).

        A bad ``status_base_url`` is refused here, before any status position is allocated: a
        store never hands a position out twice, so a failure after allocating would waste one.
        """
        suite = get_suite(cryptosuite)
        if signer.algorithm != suite.required_algorithm:
            raise ConfigurationError(
                f"{cryptosuite} needs an {suite.required_algorithm} signer, not {signer.algorithm!r}"
            )
        issuer_id = issuer if isinstance(issuer, str) else issuer.get("id")
        if not isinstance(issuer_id, str):
            raise ConfigurationError("issuer must be a DID or an object with an id")
        did, fragment = split_did_url(signer.verification_method)
        if did != issuer_id or not fragment:
            raise ConfigurationError(
                "the signer's verification method does not belong to the issuer's DID"
            )
        if (status_store is None) != (status_base_url is None):
            raise ConfigurationError("status_store and status_base_url go together")
        if status_base_url is not None:
            status_list_url(
                status_base_url, 1, "revocation"
            )  # refuse a bad base before any allocation
        if did_document is not None:
            _check_published_key(signer, did_document, (clock or SystemClock()).now())
        self._signer = signer
        self._issuer: str | dict[str, Any] = issuer if isinstance(issuer, str) else dict(issuer)
        self._issuer_id = issuer_id
        self._clock = clock or SystemClock()
        self._store = status_store
        self._status_base = status_base_url
        self._suite = cryptosuite
        self._loader = loader
        self._new_id = id_factory or (lambda: f"urn:uuid:{uuid.uuid4()}")

    @property
    def issuer_id(self) -> str:
        """The issuer DID every credential names (VC DM 2.0 §4.7); the signing key is one of its
        verification methods."""
        return self._issuer_id

    @property
    def clock(self) -> Clock:
        """Source of ``validFrom``, proof ``created`` and SD-JWT ``iat``; a subclass that judges
        eligibility reads the same clock, so the check and the dates agree."""
        return self._clock

    @property
    def cryptosuite(self) -> str:
        """The Data Integrity cryptosuite of the credentials it signs (``eddsa-rdfc-2022``…):
        what an OpenID4VCI ``ldp_vc`` configuration states as its signing algorithm."""
        return self._suite

    @property
    def verification_method(self) -> str:
        """The DID URL that signs: the proof's ``verificationMethod`` and the SD-JWT ``kid``."""
        return self._signer.verification_method

    def issue(
        self,
        body: Mapping[str, Any],
        *,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        formats: Iterable[Format] = ("di",),
        sd_jwt_body: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        disclosable: Iterable[str] = (),
        holder_jwks: Sequence[Mapping[str, Any]] = (),
        sd_jwt_iat: datetime | None = None,
        check: CredentialCheck | None = None,
        vct: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> IssuedCredential:
        """Issue ``body`` (contexts, types, subject, evidence, schema reference…).

        ``"di"``: one Data Integrity credential. ``"sd-jwt"``: one SD-JWT copy per holder JWK,
        each with its own id and status position, so copies share no salt, digest order, key,
        id or status index; ``sd_jwt_body`` may coarsen values that would otherwise link copies.
        ``"dc+sd-jwt"``: the same copies as IETF SD-JWT VCs (claims at the top level, ``vct``
        — by default the shipped one for the credential's type — ``iss``, ``nbf``/``exp``,
        ``status``); the plan's ``/credentialSubject/x`` pointers become ``/x``. The two SD-JWT
        forms are issued in separate calls, so each copy keeps a holder key of its own.
        ``check`` runs on every unsigned credential before it is signed: a signed credential
        can only be revoked, never recalled, so a bad one must not be signed at all.
        With a status store, every credential of the call gets its position in one store
        transaction (``allocate_many``) before anything is signed, and the positions are linked
        as one issuance in the store (:meth:`~kr_ovid.status.StatusListStore.issuance_of`),
        never in anything a verifier sees. ``progress(done, total)`` is called after each
        credential is signed (a batch's progress bar).
        """
        wanted = list(dict.fromkeys(formats))
        if not wanted or any(f not in _FORMATS for f in wanted):
            raise ConfigurationError(f"formats must be a non-empty subset of {_FORMATS}")
        sd_forms = [f for f in wanted if f != "di"]
        if len(sd_forms) > 1:
            raise ConfigurationError(
                "issue vc+sd-jwt and dc+sd-jwt copies in separate calls, each with its own keys"
            )
        if sd_forms and not holder_jwks:
            raise ConfigurationError("SD-JWT issuance needs at least one holder JWK (cnf)")
        # Each cnf key parsed now, before any status position is allocated (a bad one would
        # otherwise fail at its copy, after the positions and the DI credential were spent), and
        # compared as a key: the same x with another kid is still the same key.
        keys = [public_key_from_jwk(dict(jwk)) for jwk in holder_jwks]
        if len(set(keys)) != len(keys):
            # The same cnf key in two copies would link them at every service that sees both.
            raise ConfigurationError("every SD-JWT copy needs its own holder key")
        for when in (valid_from, valid_until):
            if when is not None and when.tzinfo is None:
                raise ConfigurationError("valid_from/valid_until must be timezone-aware")
        now = self._clock.now()
        start = valid_from or now
        if valid_until is not None and valid_until <= start:
            raise ConfigurationError("valid_until must be after valid_from")

        # Refused before any status position is allocated (a store never hands one out twice).
        clash = _RESERVED & set(body)
        if clash:
            raise ConfigurationError(f"the issuer sets these members itself: {sorted(clash)}")
        # The data model's MUSTs, checked on the credential as it will be signed (its id and
        # status entries are the issuer's own), before a position is spent.
        probe = self._unsigned(body, start, valid_until, self._new_id(), None)
        refuse_nonconforming(probe, self._loader)
        # One id per credential, and every status position in one store transaction, linked as
        # one issuance: a batch is allocated whole or not at all, no credential is signed before
        # its position, and revoking a person's ID later reaches every copy at once.
        di_id = self._new_id() if "di" in wanted else None
        copy_ids = [self._new_id() for _ in holder_jwks] if sd_forms else []
        all_ids = ([di_id] if di_id is not None else []) + copy_ids
        allocations: dict[str, StatusAllocation] = {}
        if self._store is not None and self._status_base is not None:
            allocations = dict(
                zip(all_ids, self._store.allocate_many(all_ids, one_issuance=True), strict=True)
            )
        done = 0

        def step() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, len(all_ids))

        credential: dict[str, Any] | None = None
        allocation: StatusAllocation | None = None
        if di_id is not None:
            allocation = allocations.get(di_id)
            unsigned = self._unsigned(body, start, valid_until, di_id, allocation)
            if check is not None:
                check(unsigned)
            credential = add_proof(
                unsigned, self._signer, cryptosuite=self._suite, created=now, loader=self._loader
            )
            step()

        copies: list[SdJwtCopy] = []
        plan = list(disclosable) if not isinstance(disclosable, str) else disclosable
        for form in sd_forms:
            type_id = vct if form == "dc+sd-jwt" else None
            if form == "dc+sd-jwt" and type_id is None:
                types = body.get("type")
                names = types if isinstance(types, list) else [types]
                found = {vct_for_credential_type(t) for t in names if isinstance(t, str)} - {None}
                if len(found) != 1:
                    raise ConfigurationError("no single shipped vct for this type; pass vct=")
                type_id = found.pop()
            for cid, jwk in zip(copy_ids, holder_jwks, strict=True):
                alloc = allocations.get(cid)
                unsigned = self._unsigned(body, start, valid_until, cid, alloc)
                payload = sd_jwt_body(unsigned) if sd_jwt_body is not None else unsigned
                if check is not None:
                    check(payload)
                if type_id is not None:
                    payload = sd_jwt_vc_payload(payload, vct=type_id)
                token = issue_sd_jwt(
                    payload,
                    self._signer,
                    disclosable=plan if type_id is None else sd_jwt_vc_plan(plan, payload),
                    holder_jwk=jwk,
                    typ=VC_SD_JWT_TYP if type_id is None else DC_SD_JWT_TYP,
                    cty="vc" if type_id is None else None,
                    iat=sd_jwt_iat or now,
                )
                copies.append(SdJwtCopy(cid, token, alloc, form))
                step()
        return IssuedCredential(di_id, credential, allocation, tuple(copies))

    def sign(
        self, credential: Mapping[str, Any], *, cryptosuite: str | None = None
    ) -> dict[str, Any]:
        """Sign a credential as given, ``id``, validity, ``credentialStatus`` and all (what a
        VC-API ``/credentials/issue`` does with its client's credential): a VC 2.0 or a VC 1.1
        credential (``issuanceDate``), with the Data Integrity context added when its contexts
        lack it (:func:`~kr_ovid.integrity.add_proof`).

        Refused, with the code and JSON pointer of the first problem
        (:class:`~kr_ovid.errors.ProofGenerationError`): a credential that breaks a data model
        MUST (:func:`refuse_nonconforming`), one whose ``issuer`` is not this issuer
        (``MALFORMED_VALUE_ERROR`` at ``/issuer``: the proof would not be the issuer's), and one
        that already carries a proof.
        """
        if not isinstance(credential, Mapping):
            raise ProofGenerationError(
                "a credential must be a JSON object", code=ErrorCode.PARSING_ERROR
            )
        document = copy.deepcopy(dict(credential))
        refuse_nonconforming(document, self._loader)
        if issuer_id(document) != self._issuer_id:
            raise ProofGenerationError(
                "the credential names another issuer than this issuer",
                code=ErrorCode.MALFORMED_VALUE_ERROR,
                path="/issuer",
            )
        if "proof" in document:
            raise ProofGenerationError(
                "the credential is already secured",
                code=ErrorCode.MALFORMED_VALUE_ERROR,
                path="/proof",
            )
        return add_proof(
            document,
            self._signer,
            cryptosuite=cryptosuite or self._suite,
            created=self._clock.now(),
            loader=self._loader,
        )

    def _unsigned(
        self,
        body: Mapping[str, Any],
        start: datetime,
        until: datetime | None,
        credential_id: str,
        allocation: StatusAllocation | None,
    ) -> dict[str, Any]:
        """One unsigned credential, members in a fixed order (``@context``, ``id``, ``type``,
        ``issuer``, validity, then the body), with the status entries of its own position. The
        members the issuer answers for (:data:`_RESERVED`) come only from here: :meth:`issue`
        refuses a body that sets one."""
        doc: dict[str, Any] = {}
        for key in ("@context", "id", "type"):
            if key == "id":
                doc["id"] = credential_id
            elif key in body:
                doc[key] = copy.deepcopy(body[key])
        doc["issuer"] = copy.deepcopy(self._issuer)
        doc["validFrom"] = format_datetime(start)
        if until is not None:
            doc["validUntil"] = format_datetime(until)
        for key, value in body.items():
            if key not in doc:
                doc[key] = copy.deepcopy(value)
        if allocation is not None and self._status_base is not None:
            doc["credentialStatus"] = status_entries(allocation, self._status_base)
        return doc


def refuse_nonconforming(
    credential: Mapping[str, Any], loader: StaticDocumentLoader | None = None
) -> None:
    """Refuse to sign a credential that breaks a MUST of its data model (VC DM 2.0 §4, §5.3; VC DM
    1.1 for a v1 credential): :func:`~kr_ovid.credential.check_structure`, and every
    ``relatedResource`` digest of a pinned context must match the pinned bytes. A signed
    credential can only be revoked, never recalled, so the verifier's refusal comes first here.
    Raises :class:`~kr_ovid.errors.ProofGenerationError` with the first problem's code and path.
    """
    problems = check_structure(credential)
    if not problems:
        problems, _ = check_related_resources(credential, (loader or default_loader()).pinned_bytes)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ProofGenerationError(
            f"not a conforming credential: {first.detail}{more}", code=first.code, path=first.path
        )


def _check_published_key(
    signer: Signer, did_document: DidDocument | Mapping[str, Any], now: datetime
) -> None:
    """The signer's key is what verifiers will find (DID Core §5.3.2 Assertion; Controlled
    Identifiers §3.3 Retrieve Verification Method): listed under ``assertionMethod``, neither
    retired nor revoked now, an Ed25519 key, and the very key the signer holds. The probe
    catches a signer bound to the right id but the wrong key, which would otherwise issue
    credentials that no verifier accepts."""
    doc = (
        did_document
        if isinstance(did_document, DidDocument)
        else DidDocument.from_json(did_document)
    )
    vm = signer.verification_method
    if not doc.authorizes(vm, "assertionMethod"):
        raise ConfigurationError(
            "the signer's key is not listed under assertionMethod in the DID document"
        )
    method = doc.method(vm) or {}
    if key_lifetime_problem(method, now) is not None:
        raise ConfigurationError("the signer's key is retired or revoked in the DID document")
    try:
        public = method_public_key(method)
    except KeyFormatError:
        raise ConfigurationError(
            "the DID document's key for the signer is not an Ed25519 key"
        ) from None
    probe = b"kr_ovid key possession probe " + secrets.token_bytes(32)
    if not verify_ed25519(public, signer.sign(probe), probe):
        raise ConfigurationError("the signer's key is not the key published in the DID document")
