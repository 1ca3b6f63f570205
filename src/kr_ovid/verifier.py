"""The verifying role: one entry point for a credential, a Data Integrity presentation or an
SD-JWT presentation, governed by an immutable :class:`VerifierPolicy`.

Checks run in this order and *all* failures are reported: parse and size limits →
contexts known and pinned → structure (VC DM 2.0) → proof(s) → key authorised by the issuer's DID
document for the purpose (and not retired or revoked at signing time) → issuer accredited by the
trust list at issuance time → validity period → status (revocation, suspension) → JSON Schema →
service policy (required and allowed claims, holder binding, challenge/nonce, audience/domain,
freshness). A later stage that depends on an earlier one is skipped when that one failed (there is
no point checking the status of a credential whose signature is forged), and the skipped stage is
not reported as passed. For SD-JWT the credential exists only once the signature and digests
are verified (the disclosures rebuild it), so there ``proof`` comes before ``contexts`` and
``structure``.

How it maps to the specifications. VC Data Model 2.0 §7.1 Verification hands the proof to the
securing mechanism and asks for a conforming document and coded problems (§7.2 Problem
Details); the rest is the validation the data model leaves to verifiers (Appendix A,
Validation). ``parse`` and ``structure`` are the conforming-document check (§4 Basic Concepts);
``contexts`` is VC Data Integrity §2.4.1 Validating Contexts, done by accepting local pinned
copies only; ``proof`` is VC Data Integrity §4.4/§4.5 (:mod:`kr_ovid.integrity`) or RFC 9901
§7.1/§7.3 (:mod:`kr_ovid.sdjwt.verifier`), the key check included (Controlled Identifiers §3.3
Retrieve Verification Method, DID Core §5.3 Verification Relationships); ``trust`` is Appendix
A.3 Issuer against the trust list; ``validity`` is §4.9 Validity Period; ``status`` is
Bitstring Status List v1.0 §3.2 Validate Algorithm; ``schema`` is §4.11 Data Schemas; the
policy stage is Appendix A.10 Fitness for Purpose plus the data minimisation of §8.9; the
single-use challenge answers §9.5.2 Replay Attack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from kr_ovid.challenges import ChallengeStore
from kr_ovid.clock import Clock, FixedClock, SystemClock, parse_datetime_stamp
from kr_ovid.context import DEFAULT_SKEW, VerificationContext
from kr_ovid.credential import credential_types, issuer_id
from kr_ovid.did.document import split_did_url
from kr_ovid.did.resolver import DidResolver, default_resolver, resolve_verification_method
from kr_ovid.errors import ConfigurationError, KeyFormatError, KrOvidError, SchemaError
from kr_ovid.integrity import key_lifetime_problem
from kr_ovid.jsonld.canon import JsonLdLimits
from kr_ovid.jsonld.loader import StaticDocumentLoader, default_loader
from kr_ovid.keys.methods import method_public_key
from kr_ovid.presentation import unwrap_enveloped
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerificationResult
from kr_ovid.schema import load_schema, schemas_by_type, validate_claims
from kr_ovid.sdjwt.disclosure import VC_SD_JWT_TYP
from kr_ovid.sdjwt.jws import ACCEPTED_ALGORITHMS, media_type_matches
from kr_ovid.sdjwt.vc import (
    BITSTRING_STATUS_MEMBER,
    DC_SD_JWT_TYP,
    credential_type_for_vct,
    header_typ,
    status_entries,
    subject_claims,
)
from kr_ovid.sdjwt.verifier import verify_sd_jwt
from kr_ovid.stages import (
    Run,
    check_contexts,
    check_data_model,
    check_parse,
    check_schemas,
    check_status,
    check_validity,
    join,
    never_raises,
    presented_credentials,
    verify_credential_proofs,
    verify_presentation_proofs,
)
from kr_ovid.status.check import StatusChecker, StatusListFetcher
from kr_ovid.suites import SUITES
from kr_ovid.trust import TrustRegistry

__all__ = ["Verifier", "VerifierPolicy"]

#: Subject members that describe the credential rather than the person; never "personal claims".
STRUCTURAL_SUBJECT_MEMBERS = frozenset({"id", "type"})
#: ``di``: Data Integrity; ``sd-jwt``: ``vc+sd-jwt`` (VC-JOSE-COSE); ``dc+sd-jwt``: IETF SD-JWT VC.
FORMATS = frozenset({"di", "sd-jwt", "dc+sd-jwt"})


@dataclass(frozen=True, kw_only=True, slots=True)
class VerifierPolicy:
    """What a service accepts. Keyword-only and immutable; a new service is a new policy.

    ``trust_registry`` is required: there is no default trust. ``required_claims`` must be
    present (disclosed) in the credential subject; ``allowed_claims``, when set, is the most a
    service may receive — anything disclosed beyond it (apart from ``always_visible``) fails with
    ``CLAIM_NOT_ALLOWED`` so a service cannot collect more than its policy says.
    ``required_true`` names boolean predicates that must be true (an age check).
    ``claims_check``, when set, is one more fitness-for-purpose rule over the disclosed subject
    at the verification time (the age check's birth-date alternative,
    :class:`kr_ovid.ovid.services.MinimumAge`); it returns problems with paths relative to the
    subject.
    ``claims_view`` turns the verified subject into a typed object for ``result.claims``.

    The data model leaves trust, accepted types and claim needs to the verifier (VC DM 2.0
    Appendix A.3 Issuer, A.10 Fitness for Purpose); they live here, in one immutable object, so
    that no verification can run under a half-configured or changing policy.
    """

    trust_registry: TrustRegistry
    name: str = "verifier"
    allowed_suites: frozenset[str] = frozenset({"eddsa-rdfc-2022", "eddsa-jcs-2022"})
    #: JWS ``alg`` values accepted in SD-JWT issuer signatures and KB-JWTs (both mean Ed25519).
    allowed_algorithms: frozenset[str] = frozenset({"Ed25519", "EdDSA"})
    allowed_formats: frozenset[str] = FORMATS
    clock: Clock = field(default_factory=SystemClock)
    skew: timedelta = DEFAULT_SKEW
    require_status: bool = True
    accepted_types: frozenset[str] = frozenset()
    required_claims: frozenset[str] = frozenset()
    allowed_claims: frozenset[str] | None = None
    always_visible: frozenset[str] = frozenset()
    required_true: frozenset[str] = frozenset()
    claims_check: Callable[[Mapping[str, Any], datetime], Sequence[ProblemDetails]] | None = None
    max_presentation_age: timedelta = timedelta(minutes=5)
    require_holder_binding: bool = True
    validate_schema: bool = True
    #: Work bounds for the JSON-LD of every Data Integrity document this policy verifies.
    jsonld_limits: JsonLdLimits = field(default_factory=JsonLdLimits)
    #: Credential type → the id of the shipped JSON Schema every credential of that type must
    #: meet, whatever its ``credentialSchema`` says (default: each shipped schema's own
    #: ``credentialType``).
    required_schemas: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(dict(schemas_by_type()))
    )
    claims_view: Callable[[Mapping[str, Any]], Any] | None = None
    #: Issuers of unlinkable SD-JWT copies round ``iat`` down (kr_ovid: to the UTC day), so the
    #: signing instant is only known to lie in ``[iat, iat + granularity)``; the trust check
    #: accepts accreditation at either end of that window.
    sd_jwt_time_granularity: timedelta = timedelta(0)
    #: Every proof on a credential must be an ``assertionMethod`` proof by its issuer (on for the
    #: overseas-ID services: no second party's signature rides along). Off, each proof verifies
    #: for its own controller and purpose and at least one ``assertionMethod`` proof must be the
    #: issuer's, so a proof set or chain a witness or notary took part in verifies (VC Data
    #: Integrity §4.5).
    only_issuer_proofs: bool = True

    def __post_init__(self) -> None:
        """Refuse a policy that could not be enforced as written, now rather than at the first
        verification (no trust registry, an unknown suite or ``alg``, a required claim that
        ``allowed_claims`` forbids), and freeze every collection so that a policy shared by
        threads cannot change under them."""
        if self.trust_registry is None or not hasattr(self.trust_registry, "is_accredited"):
            raise ConfigurationError("VerifierPolicy needs a trust registry")
        if not set(self.allowed_algorithms) <= ACCEPTED_ALGORITHMS or not self.allowed_algorithms:
            raise ConfigurationError(
                f"allowed_algorithms must be a non-empty subset of {sorted(ACCEPTED_ALGORITHMS)}"
            )
        unknown = set(self.allowed_suites) - set(SUITES)
        if unknown:
            raise ConfigurationError(f"unknown cryptosuites in policy: {sorted(unknown)}")
        if not set(self.allowed_formats) <= FORMATS or not self.allowed_formats:
            raise ConfigurationError(
                f"allowed_formats must be a non-empty subset of {sorted(FORMATS)}"
            )
        if not timedelta(0) <= self.sd_jwt_time_granularity <= timedelta(days=7):
            raise ConfigurationError("sd_jwt_time_granularity must be between 0 and 7 days")
        if self.claims_check is not None and not callable(self.claims_check):
            raise ConfigurationError("claims_check must be callable")
        if self.skew < timedelta(0) or self.max_presentation_age <= timedelta(0):
            raise ConfigurationError("skew must be >= 0 and max_presentation_age > 0")
        for name in (
            "allowed_suites",
            "allowed_algorithms",
            "allowed_formats",
            "accepted_types",
            "required_claims",
            "always_visible",
            "required_true",
        ):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        if not isinstance(self.jsonld_limits, JsonLdLimits):
            raise ConfigurationError("jsonld_limits must be a JsonLdLimits")
        if not isinstance(self.required_schemas, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.required_schemas.items()
        ):
            raise ConfigurationError("required_schemas maps credential types to schema ids")
        object.__setattr__(self, "required_schemas", MappingProxyType(dict(self.required_schemas)))
        if self.allowed_claims is not None:
            object.__setattr__(self, "allowed_claims", frozenset(self.allowed_claims))
            missing = (self.required_claims | self.required_true) - self.allowed_claims
            if missing:
                raise ConfigurationError(
                    f"required claims not in allowed_claims: {sorted(missing)}"
                )


@dataclass(frozen=True, slots=True)
class _Verified:
    """A credential that passed its own checks, with what the presentation layer needs."""

    document: dict[str, Any]
    subject: dict[str, Any]
    holder_key: bytes | None  # cnf key of an SD-JWT credential
    #: Where the subject's claims are: ``/credentialSubject``, or the top level (SD-JWT VC).
    subject_path: str = "/credentialSubject"


class Verifier:
    """Verifies credentials and presentations under one policy.

    ``resolver`` resolves mission DIDs (default: did:key only); ``status_fetcher`` (or a ready
    ``status_checker``) supplies status lists (default: none registered, so status checks fail
    closed); ``challenge_store``, when given, makes every presentation's challenge/nonce single-use.

    Every injected part is trusted for its answers, not for its behaviour: whatever it raises
    becomes a coded failure (see :func:`never_raises`), never an exception to the caller.
    """

    def __init__(
        self,
        policy: VerifierPolicy,
        *,
        resolver: DidResolver | None = None,
        status_fetcher: StatusListFetcher | Callable[[str], Mapping[str, Any]] | None = None,
        status_checker: StatusChecker | None = None,
        challenge_store: ChallengeStore | None = None,
        loader: StaticDocumentLoader | None = None,
    ) -> None:
        """Only a :class:`VerifierPolicy` is accepted (its checks ran when it was built). The
        default status checker shares this verifier's resolver, loader, clock and skew, so a
        status list credential is verified under the same rules as the credentials it governs
        (Bitstring Status List v1.0 §3.2 step 4: every proof of the list must verify)."""
        if not isinstance(policy, VerifierPolicy):
            raise ConfigurationError("Verifier needs a VerifierPolicy")
        self.policy = policy
        self._resolver = resolver or default_resolver()
        self._loader = loader or default_loader()
        #: Built once from the policy and the injected parts; every layer below reads it.
        self.context = VerificationContext(
            resolver=self._resolver,
            loader=self._loader,
            clock=policy.clock,
            skew=policy.skew,
            limits=policy.jsonld_limits,
            allowed_suites=policy.allowed_suites,
        )
        self._status = status_checker or StatusChecker(status_fetcher, context=self.context)
        self._challenges = challenge_store

    # ------------------------------------------------------------------ public entry points
    def verify_credential(self, credential: Any) -> VerificationResult:
        """A Data Integrity credential (a JSON object) or an issued SD-JWT (a string).

        VC DM 2.0 §7.1 Verification and the Appendix A validation for one credential, in the
        module's stage order. No holder binding and no challenge: a bare credential proves who
        issued it, not who shows it; services that need the holder call
        :meth:`verify_presentation`.

        Never raises: an exception from an injected part (trust registry, DID resolver, status
        fetcher, claims view) becomes a retryable coded failure.
        """
        run = Run()
        return never_raises(run, lambda: self._verify_credential(credential, run))

    def _verify_credential(self, credential: Any, run: Run) -> VerificationResult:
        """One reading of the clock for the whole verification, so that every stage judges the
        same instant."""
        now = self.policy.clock.now()
        verified = self._credential(credential, run, now=now, prefix="", key_binding=None)
        if verified is None:
            return run.result(None)
        self._claims_policy(verified.subject, run, verified.subject_path)
        claims = self._view(verified.subject, run)
        return run.result(verified.document, claims)

    def verify_presentation(
        self,
        presentation: Any,
        *,
        challenge: str | None = None,
        domain: str | None = None,
        nonce: str | None = None,
        audience: str | None = None,
    ) -> VerificationResult:
        """A DI ``VerifiablePresentation`` (object) or an SD-JWT+KB presentation (string).

        ``challenge``/``nonce`` and ``domain``/``audience`` are aliases: the value the service
        issued and its own identifier; both are required. Without them a presentation could be
        replayed to any service at any time (VC DM 2.0 §9.5.2 Replay Attack), so a missing value
        fails the verification (``CONFIGURATION_ERROR``) instead of skipping the check.
        """
        run = Run()
        return never_raises(
            run,
            lambda: self._verify_presentation(
                presentation, challenge, domain, nonce, audience, run
            ),
        )

    def _verify_presentation(  # noqa: PLR0917
        self,
        presentation: Any,
        challenge: str | None,
        domain: str | None,
        nonce: str | None,
        audience: str | None,
        run: Run,
    ) -> VerificationResult:
        """Merge the aliases once, then route by shape: a string is an SD-JWT(+KB), anything
        else a Data Integrity ``VerifiablePresentation``."""
        expected_challenge = challenge if challenge is not None else nonce
        expected_domain = domain if domain is not None else audience
        if not _nonempty(expected_challenge) or not _nonempty(expected_domain):
            run.fail(
                ErrorCode.CONFIGURATION_ERROR,
                "a presentation is verified against a challenge/nonce and a domain/audience",
            )
            return run.result(None)
        expected = str(expected_challenge), str(expected_domain)
        now = self.policy.clock.now()
        if isinstance(presentation, str):
            return self._sd_jwt_presentation(presentation, expected[0], expected[1], run, now)
        return self._di_presentation(presentation, expected[0], expected[1], run, now)

    # ------------------------------------------------------------------ presentations
    def _di_presentation(
        self, vp: Any, challenge: str, domain: str, run: Run, now: datetime
    ) -> VerificationResult:
        """A VC DM 2.0 §4.13 presentation secured with Data Integrity.

        Contexts, structure and a named holder first: a presentation failing them is not
        checked further (its proof is verified against the holder's DID). Then the holder's
        ``authentication`` proof (Data Integrity
        §2.2 Proof Purposes; §4.4 with the service's challenge and domain); a proof without
        ``created`` cannot be judged fresh and fails rather than passing as timeless. The
        challenge is spent only once that proof verified, so a forged presentation cannot burn a
        genuine holder's challenge. Each embedded credential (an enveloped SD-JWT included) is
        then verified on its own, even after a failed proof, so every problem is reported.
        """
        policy = self.policy
        if not check_parse(vp, run):
            return run.result(None)
        if "di" not in policy.allowed_formats:
            run.fail(
                ErrorCode.POLICY_ERROR,
                "Data Integrity presentations are not accepted by this policy",
            )
            return run.result(None)
        check_contexts(vp, self._loader, run, "")
        check_data_model(vp, self._loader, run, "", kind="VerifiablePresentation")
        holder = vp.get("holder")
        holder_id = holder.get("id") if isinstance(holder, dict) else holder
        if not isinstance(holder_id, str):
            run.fail(ErrorCode.MALFORMED_VALUE_ERROR, "the presentation names no holder", "/holder")
        if run.errors:
            return run.result(None)
        proofs = verify_presentation_proofs(
            vp, self.context, run, now=now, challenge=challenge, domain=domain, holder=holder_id
        )
        holder_keys: list[bytes] = []
        if proofs is not None:
            for info in proofs:
                if info.created is None:
                    run.fail(
                        ErrorCode.PRESENTATION_EXPIRED,
                        "presentation proof has no created time to judge freshness",
                        "/proof",
                    )
                elif now - info.created > policy.max_presentation_age + policy.skew:
                    run.fail(
                        ErrorCode.PRESENTATION_EXPIRED,
                        "presentation is older than the policy allows",
                        "/proof/created",
                    )
                holder_keys.append(info.public_key)
            self._consume(challenge, domain, run)
        items = presented_credentials(vp, run)
        if items is None:
            return run.result(None)
        if not items:
            run.fail(
                ErrorCode.MISSING_CLAIM,
                "the presentation carries no credential",
                "/verifiableCredential",
            )
        verified: list[_Verified] = []
        for prefix, item in items:
            sd_jwt = unwrap_enveloped(item)
            cred = self._credential(
                sd_jwt if sd_jwt is not None else item,
                run,
                now=now,
                prefix=prefix,
                key_binding=None,
                enveloped=True,
            )
            if cred is None:
                continue
            verified.append(cred)
            self._holder_binding(
                cred, str(holder_id), holder_keys if proofs is not None else None, run, prefix
            )
            self._claims_policy(cred.subject, run, prefix + cred.subject_path)
        claims = (
            self._view(verified[0].subject, run)
            if len(verified) == 1
            else [self._view(v.subject, run) for v in verified]
        )
        return run.result(vp, claims, tuple(v.document for v in verified))

    def _sd_jwt_presentation(
        self, token: str, nonce: str, audience: str, run: Run, now: datetime
    ) -> VerificationResult:
        """RFC 9901 §7.3: the credential with a Key Binding JWT over ``nonce`` and ``audience``.
        Holder binding *is* the KB-JWT signature by the ``cnf`` key, so no separate holder check
        follows."""
        if not {"sd-jwt", "dc+sd-jwt"} & self.policy.allowed_formats:
            run.fail(ErrorCode.POLICY_ERROR, "SD-JWT presentations are not accepted by this policy")
            return run.result(None)
        cred = self._credential(token, run, now=now, prefix="", key_binding=(nonce, audience))
        if cred is None:
            return run.result(None)
        self._claims_policy(cred.subject, run, cred.subject_path)
        return run.result(cred.document, self._view(cred.subject, run))

    # ------------------------------------------------------------------ one credential
    def _credential(
        self,
        credential: Any,
        run: Run,
        *,
        now: datetime,
        prefix: str,
        key_binding: tuple[str, str] | None,
        enveloped: bool = False,
    ) -> _Verified | None:
        """One credential through the stages in the module's order; ``None`` when it failed
        (the problems are in ``run``), so a presentation can go on with its other credentials.
        An SD-JWT whose header says ``dc+sd-jwt`` is an IETF SD-JWT VC (:meth:`_sd_jwt_vc`),
        unless it came enveloped (whose media type is ``vc+sd-jwt``).

        Trust is asked for the instant of issuance (the earliest proof ``created``, the SD-JWT
        ``iat``, else ``validFrom``, else now), not of verification: an ID issued while its
        mission was accredited stays valid after the accreditation ends. An SD-JWT's schema is
        checked ``partial``: a claim the holder withheld is not a missing claim.
        """
        before = len(run.errors)
        if isinstance(credential, str):
            dc = not enveloped and media_type_matches(header_typ(credential), DC_SD_JWT_TYP)
            parsed = self._sd_jwt_credential(
                credential, run, now=now, prefix=prefix, key_binding=key_binding, dc=dc
            )
            if parsed is None:
                return None
            document, issued_at, holder_key = parsed
            if dc:
                return self._sd_jwt_vc(document, issued_at, holder_key, run, now, prefix, before)
            partial = True
        else:
            # An embedded credential was bounded with its presentation: only its shape is new.
            if not check_parse(credential, run, prefix, bounded=bool(prefix)):
                return None
            if "di" not in self.policy.allowed_formats:
                run.fail(
                    ErrorCode.POLICY_ERROR,
                    "Data Integrity credentials are not accepted by this policy",
                    prefix or None,
                )
                return None
            document, holder_key, partial = credential, None, False
            check_contexts(document, self._loader, run, prefix)
            check_data_model(document, self._loader, run, prefix)
            if len(run.errors) > before:
                return None
            proofs = verify_credential_proofs(
                document,
                self.context,
                run,
                prefix,
                now=now,
                issuer_proofs="every" if self.policy.only_issuer_proofs else "one",
            )
            if proofs is None:
                return None
            issuer = issuer_id(document)
            issued_at = min(
                (
                    p.created
                    for p in proofs
                    if p.created is not None
                    and p.controller == issuer
                    and p.proof_purpose == "assertionMethod"
                ),
                default=None,
            )
        if issued_at is None:
            issued_at = parse_datetime_stamp(document.get("validFrom")) or now
        times = [issued_at]
        granularity = self.policy.sd_jwt_time_granularity
        if partial and granularity > timedelta(0):
            times.append(min(issued_at + granularity - timedelta(seconds=1), now))
        self._trust(document, times, run, prefix)
        check_validity(document, run, prefix, now=now, context=self.context)
        check_status(
            document,
            self._status,
            run,
            prefix,
            now=now,
            require_status=self.policy.require_status,
            require_known=self.policy.require_status,
        )
        if self.policy.validate_schema:
            check_schemas(
                document,
                run,
                prefix,
                required_schemas=self.policy.required_schemas,
                partial=partial,
                unshipped_is_error=True,
            )
        subject = document.get("credentialSubject")
        if len(run.errors) > before or not isinstance(subject, dict):
            if not isinstance(subject, dict) and len(run.errors) == before:
                run.fail(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    "credentialSubject must be one object",
                    join(prefix, "/credentialSubject"),
                )
            return None
        return _Verified(document, subject, holder_key)

    def _sd_jwt_credential(
        self,
        token: str,
        run: Run,
        *,
        now: datetime,
        prefix: str,
        key_binding: tuple[str, str] | None,
        dc: bool = False,
    ) -> tuple[dict[str, Any], datetime | None, bytes | None] | None:
        """RFC 9901 §7.1 (and §7.3 with ``key_binding``) with the issuer key found through the
        ``kid`` DID URL (VC-JOSE-COSE §4.1.1 ``kid``).

        The key must be an ``assertionMethod`` of its DID (DID Core §5.3.2 Assertion), not
        retired or revoked at ``iat`` (Controlled Identifiers §2.2 ``expires``/``revoked``), and
        its DID must be the credential's ``issuer``: a valid signature by someone else's key
        says nothing about this issuer. The JOSE claims are set aside before the VC DM checks.
        With ``dc`` (SD-JWT VC §3.2, ``typ`` ``dc+sd-jwt``) the payload is plain JSON: no
        contexts or VC structure, ``iss`` must be the key's DID and ``vct`` a string (§3.2.2.2),
        and the whole payload is returned.
        Returns ``(credential, iat, cnf key)``, or ``None`` on failure.
        """
        policy = self.policy
        before = len(run.errors)
        run.checks.append("parse")
        if ("dc+sd-jwt" if dc else "sd-jwt") not in policy.allowed_formats:
            run.fail(
                ErrorCode.POLICY_ERROR,
                f"{'dc+sd-jwt' if dc else 'vc+sd-jwt'} credentials are not accepted by this policy",
                prefix or None,
            )
            return None
        methods: dict[str, Mapping[str, Any]] = {}

        def resolve_key(kid: str, header: dict[str, Any]) -> bytes | None:
            """The :data:`~kr_ovid.sdjwt.jws.KeyResolver`: an assertion key of the ``kid`` DID,
            or a refusal; the method is kept so its lifetime can be judged once ``iat`` is
            known (that needs the verified payload)."""
            doc, method = resolve_verification_method(kid, self._resolver)
            if not doc.authorizes(kid, "assertionMethod"):
                raise KrOvidError(
                    "the SD-JWT key is not an assertion key of its DID",
                    code=ErrorCode.KEY_NOT_AUTHORIZED,
                )
            methods[kid] = method
            try:
                return method_public_key(method)
            except KeyFormatError:
                return None

        nonce, audience = key_binding if key_binding is not None else (None, None)
        run.checks.append("proof")
        result = verify_sd_jwt(
            token,
            resolve_key=resolve_key,
            nonce=nonce,
            audience=audience,
            expected_typ=DC_SD_JWT_TYP if dc else VC_SD_JWT_TYP,
            require_key_binding=key_binding is not None and policy.require_holder_binding,
            clock=FixedClock(now),
            iat_window=policy.max_presentation_age + policy.skew,  # same freshness as DI
            clock_skew=policy.skew,
            allowed_algorithms=policy.allowed_algorithms,
        )
        if not result.verified:
            run.extend(result.errors, prefix)
            run.retryable = run.retryable or result.retryable
            return None
        document = dict(result.document)
        facts = result.sd_jwt
        if facts is None:  # a verified SD-JWT result always carries its facts
            run.fail(ErrorCode.INTERNAL_ERROR, "SD-JWT verification gave no facts", prefix or None)
            return None
        kid = facts.kid
        did, _ = split_did_url(kid)
        issued_at = _numeric_date(document.get("iat"))
        method = methods.get(kid)
        if method is not None:
            lifetime = key_lifetime_problem(method, issued_at or now)
            if lifetime is not None:
                run.fail(lifetime.code, lifetime.detail, join(prefix, "/kid"))
                return None
        if dc:
            if document.get("iss") != did:
                run.fail(
                    ErrorCode.KEY_NOT_AUTHORIZED,
                    "the SD-JWT VC is signed by a key of another DID than its iss",
                    join(prefix, "/iss"),
                )
            if not _nonempty(document.get("vct")):
                run.fail(
                    ErrorCode.MALFORMED_VALUE_ERROR, "vct is not a string", join(prefix, "/vct")
                )
            if key_binding is not None and facts.key_bound:
                self._consume(key_binding[0], key_binding[1], run)
            if len(run.errors) > before:
                return None
            return document, issued_at, facts.holder_key
        check_contexts(document, self._loader, run, prefix)
        # JOSE claims live beside the VC members in the payload (VC-JOSE-COSE §3.1.1).
        vc = {
            k: v for k, v in document.items() if k not in {"iat", "nbf", "exp", "cnf", "iss", "sub"}
        }
        check_data_model(vc, self._loader, run, prefix)
        if issuer_id(vc) != did:
            run.fail(
                ErrorCode.KEY_NOT_AUTHORIZED,
                "the SD-JWT is signed by a key of another DID than its issuer",
                join(prefix, "/issuer"),
            )
        if key_binding is not None and facts.key_bound:
            # Whenever a KB-JWT bound this presentation to the nonce, the nonce is single-use.
            self._consume(key_binding[0], key_binding[1], run)
        holder_key = facts.holder_key
        if len(run.errors) > before:
            return None
        return vc, issued_at, holder_key

    def _sd_jwt_vc(  # noqa: PLR0917
        self,
        payload: dict[str, Any],
        issued_at: datetime | None,
        holder_key: bytes | None,
        run: Run,
        now: datetime,
        prefix: str,
        before: int,
    ) -> _Verified | None:
        """The stages after the proof for an IETF SD-JWT VC (SD-JWT VC §3.4): trust for the
        credential type its ``vct`` names (shipped Type Metadata; an unknown ``vct`` accredits
        nothing), status from ``status`` (§3.2.2.2; kr_ovid's Bitstring Status List member, any
        other mechanism cannot be checked), and the type's schema on the disclosed claims.
        Validity is the JWT ``nbf``/``exp`` the SD-JWT layer already checked."""
        iss = payload.get("iss")
        credential_type = credential_type_for_vct(payload.get("vct"))
        view = {
            "issuer": iss,
            "type": ["VerifiableCredential", *([credential_type] if credential_type else [])],
        }
        times = [issued_at or now]
        granularity = self.policy.sd_jwt_time_granularity
        if issued_at is not None and granularity > timedelta(0):
            times.append(min(issued_at + granularity - timedelta(seconds=1), now))
        self._trust(view, times, run, prefix, paths=("/iss", "/vct"))
        run.checks.append("validity")  # nbf/exp: checked with the signature (RFC 9901 §7.1 6)
        self._sd_jwt_vc_status(payload, run, prefix, now)
        claims = subject_claims(payload)
        schema_id = self.policy.required_schemas.get(credential_type or "")
        if self.policy.validate_schema and schema_id is not None:
            run.checks.append("schema")
            try:
                run.extend(validate_claims(claims, schema_id=schema_id), prefix)
                # The type's validity members, which this form carries as JWT claims: a copy
                # whose issuer concealed them (SD-JWT VC §3.2.2.2 forbids it) could otherwise
                # be shown expired with the expiry withheld.
                required = load_schema(schema_id).get("required", ())
                for member, claim in (("validFrom", "nbf"), ("validUntil", "exp")):
                    if member in required and claim not in payload:
                        run.fail(
                            ErrorCode.MALFORMED_VALUE_ERROR,
                            f"{claim} is missing; the type's schema requires {member}",
                            join(prefix, f"/{claim}"),
                        )
            except SchemaError as exc:
                run.fail(ErrorCode.SCHEMA_ERROR, str(exc), join(prefix, "/vct"))
        if len(run.errors) > before:
            return None
        return _Verified(payload, claims, holder_key, "")

    def _sd_jwt_vc_status(
        self, payload: Mapping[str, Any], run: Run, prefix: str, now: datetime
    ) -> None:
        """SD-JWT VC §3.2.2.2 ``status``: the Bitstring Status List entries under kr_ovid's
        member are checked like ``credentialStatus`` (problems point into ``status``); another
        mechanism cannot be checked, which a policy requiring status refuses."""
        entries, known = status_entries(payload)
        where = join(prefix, "/status") or "/status"
        if entries is None and not self.policy.require_status:
            return
        run.checks.append("status")
        if entries is None or not known:
            problem = ProblemDetails(
                ErrorCode.STATUS_VERIFICATION_ERROR,
                "the policy requires a status check but the credential has no status"
                if entries is None
                else "status mechanism is not a Bitstring Status List: it cannot be checked",
                where,
            )
            (run.extend if self.policy.require_status else run.warn)([problem])
            return
        outcome = self._status.check(
            {"issuer": payload.get("iss"), "credentialStatus": entries},
            now=now,
            require_known=self.policy.require_status,
        )
        moved = join(prefix, "/status/" + BITSTRING_STATUS_MEMBER) or ""
        run.extend(_moved(outcome.errors, "/credentialStatus", moved))
        run.warn(_moved(outcome.warnings, "/credentialStatus", moved))
        run.retryable = run.retryable or outcome.retryable

    # ------------------------------------------------------------------ stages
    def _trust(
        self,
        document: Mapping[str, Any],
        times: Sequence[datetime],
        run: Run,
        prefix: str,
        *,
        paths: tuple[str, str] = ("/issuer", "/type"),
    ) -> None:
        """Issuer accreditation (VC DM 2.0 Appendix A.3 Issuer: whom to trust is the verifier's
        call; here the trust list).

        Every specific type must be accredited for the issuer (``VerifiableCredential`` alone
        accredits nothing), and ``accepted_types`` narrows what this service takes. With several
        instants (an SD-JWT ``iat`` rounded down) accreditation at any one suffices. A registry
        error ends that type's check with its own code and retryability; a registry that raises
        something else is a retryable ``TRUST_LIST_ERROR``.
        """
        run.checks.append("trust")
        issuer_path, type_path = paths
        issuer = issuer_id(document)
        types = [t for t in credential_types(document) if t != "VerifiableCredential"]
        accepted = self.policy.accepted_types
        if accepted and not set(types) & accepted:
            run.fail(
                ErrorCode.POLICY_ERROR,
                f"credential type not accepted by {self.policy.name}",
                join(prefix, type_path),
            )
        if issuer is None or not types:
            run.fail(
                ErrorCode.ISSUER_NOT_ACCREDITED,
                "credential has no issuer or no specific type to accredit",
                join(prefix, issuer_path),
            )
            return
        for t in types:
            refusal = None
            for at in times:
                try:
                    answer = self.policy.trust_registry.is_accredited(issuer, t, at)
                except KrOvidError as exc:
                    run.fail(exc.code, str(exc), join(prefix, issuer_path))
                    run.retryable = run.retryable or exc.retryable
                    refusal = None
                    break
                except Exception as exc:  # noqa: BLE001 — an injected registry may fail in any way
                    run.fail(
                        ErrorCode.TRUST_LIST_ERROR,
                        f"the trust registry failed: {type(exc).__name__}",
                        join(prefix, issuer_path),
                    )
                    run.retryable = True
                    refusal = None
                    break
                if answer.accredited:
                    refusal = None
                    break
                if refusal is None:
                    refusal = answer
            if refusal is not None:
                run.fail(
                    refusal.code or ErrorCode.ISSUER_NOT_ACCREDITED,
                    refusal.reason,
                    join(prefix, issuer_path),
                )
                run.retryable = run.retryable or refusal.retryable

    def _holder_binding(
        self, cred: _Verified, holder: str, holder_keys: list[bytes] | None, run: Run, prefix: str
    ) -> None:
        """The credential belongs to whoever signed the presentation (VC DM 2.0 §9.5.3 Spoofing
        Attack; Appendix A.4 Holder).

        An SD-JWT is bound by its ``cnf`` key, which must be one of the keys that signed the
        presentation; any other credential by ``credentialSubject.id`` equal to ``holder``.
        ``holder_keys`` is None when the presentation proof failed: the cnf key cannot be
        compared then (that failure is already reported), but the subject id still can."""
        if not self.policy.require_holder_binding:
            return
        if cred.holder_key is not None:
            if holder_keys is not None and cred.holder_key not in holder_keys:
                run.fail(
                    ErrorCode.HOLDER_BINDING_ERROR,
                    "the SD-JWT's cnf key did not sign the presentation",
                    join(prefix, "/cnf"),
                )
            return
        if cred.subject.get("id") != holder:
            run.fail(
                ErrorCode.HOLDER_BINDING_ERROR,
                "the credential subject is not the presentation's holder",
                join(prefix, "/credentialSubject/id"),
            )

    def _claims_policy(self, subject: Mapping[str, Any], run: Run, path: str) -> None:
        """Fitness for purpose (VC DM 2.0 Appendix A.10) and data minimisation (§8.9): every
        required claim disclosed, every ``required_true`` predicate true, and nothing disclosed
        beyond ``allowed_claims`` (``CLAIM_NOT_ALLOWED``), so a service cannot collect more
        than its policy declares even when a holder over-shares."""
        policy = self.policy
        run.checks.append("policy")
        present = set(subject) - STRUCTURAL_SUBJECT_MEMBERS
        for claim in sorted(policy.required_claims - present):
            run.fail(
                ErrorCode.MISSING_CLAIM,
                f"required claim {claim} was not disclosed",
                f"{path}/{claim}",
            )
        for claim in sorted(policy.required_true):
            if claim in subject and subject[claim] is not True:
                run.fail(ErrorCode.POLICY_ERROR, f"{claim} is not true", f"{path}/{claim}")
            elif claim not in subject and claim not in policy.required_claims:
                run.fail(
                    ErrorCode.MISSING_CLAIM,
                    f"required claim {claim} was not disclosed",
                    f"{path}/{claim}",
                )
        if policy.claims_check is not None:
            self._claims_check(policy.claims_check, subject, run, path)
        if policy.allowed_claims is not None:
            extra = present - policy.allowed_claims - policy.always_visible
            for claim in sorted(extra):
                run.fail(
                    ErrorCode.CLAIM_NOT_ALLOWED,
                    f"{claim} was disclosed but {policy.name} may not receive it",
                    f"{path}/{claim}",
                )

    def _claims_check(
        self,
        check: Callable[[Mapping[str, Any], datetime], Sequence[ProblemDetails]],
        subject: Mapping[str, Any],
        run: Run,
        path: str,
    ) -> None:
        """The policy's ``claims_check`` at the verification time; an injected rule that fails
        is a refusal, never a pass."""
        try:
            found = list(check(MappingProxyType(dict(subject)), self.policy.clock.now()))
        except Exception as exc:  # noqa: BLE001 — an injected rule may fail in any way
            found = [ProblemDetails(ErrorCode.POLICY_ERROR, f"claims check: {type(exc).__name__}")]
        for problem in found:
            run.fail(problem.code, problem.detail, path + (problem.path or ""))

    def _consume(self, challenge: str, domain: str, run: Run) -> None:
        """Spend the challenge (VC DM 2.0 §9.5.2 Replay Attack: the verifier enforces challenge
        uniqueness). Without a store the proof still binds challenge and domain, but a replay
        within the freshness window is then the caller's to detect."""
        if self._challenges is None:
            return
        run.checks.append("challenge")
        if not self._challenges.consume(challenge, domain):
            run.fail(
                ErrorCode.INVALID_CHALLENGE_ERROR,
                "challenge unknown, expired, for another audience or already used",
            )

    def _view(self, subject: Mapping[str, Any], run: Run) -> Any:
        """The policy's typed view of a verified subject; never built from data that failed."""
        view = self.policy.claims_view
        if view is None or run.errors:
            return None
        try:
            return view(subject)
        except Exception as exc:  # noqa: BLE001 — an injected view may fail in any way
            run.fail(
                ErrorCode.MALFORMED_VALUE_ERROR,
                f"claims could not be read: {type(exc).__name__}",
                "/credentialSubject",
            )
            return None


def _moved(problems: Sequence[ProblemDetails], old: str, new: str) -> list[ProblemDetails]:
    """``problems`` with the path prefix ``old`` replaced by ``new``."""
    return [
        ProblemDetails(
            p.code,
            p.detail,
            new + p.path[len(old) :] if p.path and p.path.startswith(old) else p.path,
            p.title,
            p.extra,
        )
        for p in problems
    ]


def _nonempty(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _numeric_date(value: object) -> datetime | None:
    """A JWT NumericDate (RFC 7519 §2) as a UTC datetime, or ``None``: whole seconds in
    ``[0, 2**40)`` only, so that a hostile ``iat`` cannot overflow ``datetime``."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**40:
        from datetime import UTC

        return datetime.fromtimestamp(value, UTC)
    return None
