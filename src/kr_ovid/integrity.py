"""VC Data Integrity 1.0: add a proof, verify proofs (sets and chains).

https://www.w3.org/TR/vc-data-integrity/#algorithms — §4.2 Add Proof, §4.3 Add Proof Set/Chain,
§4.4 Verify Proof, §4.5 Verify Proof Sets and Chains. Every proof in a document must verify, and
there must be at least one: a verifier that passes when *any* proof passes would accept a
document with one forged proof next to a stale valid one.

``verify_proof`` never raises on hostile input; it returns a
:class:`~kr_ovid.results.VerificationResult` whose errors carry the specification's codes.
"""

from __future__ import annotations

import copy
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from kr_ovid._json import JsonParseError, check_json_value
from kr_ovid.clock import Clock, SystemClock, format_datetime, parse_datetime_stamp
from kr_ovid.context import DEFAULT_SKEW, VerificationContext
from kr_ovid.did.document import DidDocument
from kr_ovid.did.resolver import DidResolver, default_resolver, resolve_verification_method
from kr_ovid.errors import (
    ConfigurationError,
    KeyFormatError,
    KrOvidError,
    ProofGenerationError,
    Refusal,
)
from kr_ovid.jsonld.canon import DEFAULT_LIMITS, JsonLdLimits, JsonLdMode
from kr_ovid.jsonld.loader import StaticDocumentLoader, default_loader
from kr_ovid.keys.methods import ED25519_KEY_TYPES
from kr_ovid.keys.signer import Signer
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerificationResult, VerifiedProof
from kr_ovid.suites import DEFAULT_CRYPTOSUITE, SUITES, Cryptosuite, EddsaCryptosuite

__all__ = [
    "DATA_INTEGRITY_V2_CONTEXT",
    "DEFAULT_SKEW",
    "MAX_PROOFS",
    "MethodCheck",
    "VerifiedProof",
    "add_proof",
    "get_suite",
    "key_lifetime_problem",
    "verify_proof",
]

#: The context defining ``DataIntegrityProof`` and its members (VC Data Integrity §2.4.2).
DATA_INTEGRITY_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"
#: Contexts that define the Data Integrity terms: the VC 2.0 context includes them.
_PROOF_CONTEXTS = frozenset({DATA_INTEGRITY_V2_CONTEXT, "https://www.w3.org/ns/credentials/v2"})
MAX_PROOFS = 8  # each proof costs a canonicalization: bound the work a document can demand
_PROOF_TYPE = "DataIntegrityProof"


#: Extra check on the resolved key (e.g. key-rotation windows): return a problem to reject.
MethodCheck = Callable[[DidDocument, Mapping[str, Any], VerifiedProof], ProblemDetails | None]


def get_suite(name: str) -> Cryptosuite:
    suite = SUITES.get(name)
    if suite is None:
        raise ConfigurationError(f"unsupported cryptosuite {name!r}; known: {sorted(SUITES)}")
    return suite


# --------------------------------------------------------------------------------------------
# Add Proof
# --------------------------------------------------------------------------------------------
def add_proof(
    document: Mapping[str, Any],
    signer: Signer,
    *,
    cryptosuite: str = DEFAULT_CRYPTOSUITE,
    proof_purpose: str = "assertionMethod",
    created: datetime | str | None = None,
    include_created: bool = True,
    expires: datetime | str | None = None,
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
    nonce: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    loader: StaticDocumentLoader | None = None,
    clock: Clock | None = None,
    mode: JsonLdMode = "strict",
    limits: JsonLdLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Return a copy of ``document`` with a ``DataIntegrityProof`` added.

    An existing ``proof`` makes this a proof set (the new proof signs the document without any
    proof) unless ``previous_proof`` names the ids it chains to (then it signs the document
    carrying exactly those proofs, in that order, §4.3).

    A document whose contexts define no Data Integrity terms (neither the VC 2.0 context nor
    ``https://w3id.org/security/data-integrity/v2``: a VC 1.1 credential, a plain JSON-LD
    document) gets the Data Integrity context appended before it is signed (VC Data Integrity
    §2.4.2 Context Injection; vc-di-eddsa §2.2.1), so ``DataIntegrityProof`` and its members mean
    what the suite signs.
    """
    suite = get_suite(cryptosuite)
    if signer.algorithm != suite.required_algorithm:
        raise ConfigurationError(
            f"{cryptosuite} needs an {suite.required_algorithm} signer, not {signer.algorithm!r}"
        )
    if not isinstance(document, Mapping):
        raise ConfigurationError("document must be a JSON object")
    loader = loader or default_loader()
    doc = _with_proof_context(copy.deepcopy(dict(document)))
    existing = _proof_list(doc.get("proof"))
    if existing is None:
        raise ProofGenerationError("existing 'proof' is neither an object nor a list of objects")
    unsecured = {k: v for k, v in doc.items() if k != "proof"}

    options: dict[str, Any] = {}
    if proof_id is not None:
        options["id"] = proof_id
    options["type"] = _PROOF_TYPE
    options["cryptosuite"] = suite.name
    if include_created:
        when = created if created is not None else (clock or SystemClock()).now()
        options["created"] = _as_timestamp(when, "created")
    if expires is not None:
        options["expires"] = _as_timestamp(expires, "expires")
    options["verificationMethod"] = signer.verification_method
    options["proofPurpose"] = proof_purpose
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain if isinstance(domain, str) else list(domain)
    if nonce is not None:
        options["nonce"] = nonce
    signing_input = unsecured
    if previous_proof is not None:
        ids = [previous_proof] if isinstance(previous_proof, str) else list(previous_proof)
        chained = _select_previous(existing, ids)
        if chained is None:
            raise ProofGenerationError(
                "previous_proof names a proof id the document does not carry"
            )
        options["previousProof"] = previous_proof if isinstance(previous_proof, str) else ids
        signing_input = {**unsecured, "proof": chained[0] if len(chained) == 1 else chained}

    try:
        transformed = suite.transform(signing_input, loader=loader, mode=mode, limits=limits)
        proof_config = suite.canonicalize(
            suite.proof_configuration(options, signing_input),
            loader=loader,
            mode=mode,
            limits=limits,
        )
    except KrOvidError as exc:
        raise ProofGenerationError(str(exc), code=exc.code) from None
    proof = dict(options)
    if suite.proof_keeps_context:
        proof["@context"] = unsecured.get("@context")
    proof["proofValue"] = suite.serialize_proof(suite.hash_data(transformed, proof_config), signer)
    if existing:
        doc["proof"] = [*existing, proof]
    else:
        doc["proof"] = proof
    return doc


def _with_proof_context(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with the Data Integrity context appended when none of its contexts defines the
    proof's terms (VC Data Integrity §2.4.2). Contexts that are not a URL or a list are left
    for the transformation to refuse."""
    ctx = doc.get("@context")
    items = [ctx] if isinstance(ctx, str | dict) else ctx
    if not isinstance(items, list) or not items:
        return doc
    if any(isinstance(item, str) and item in _PROOF_CONTEXTS for item in items):
        return doc
    doc["@context"] = [*items, DATA_INTEGRITY_V2_CONTEXT]
    return doc


def _as_timestamp(value: datetime | str, what: str) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, str) and parse_datetime_stamp(value) is not None:
        return value
    raise ConfigurationError(f"{what} must be a timezone-aware datetime or an XSD dateTimeStamp")


def _proof_list(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(p, dict) for p in value):
        return list(value)
    return None


def _select_previous(proofs: list[dict[str, Any]], ids: list[str]) -> list[dict[str, Any]] | None:
    by_id: dict[str, dict[str, Any]] = {}
    for p in proofs:
        pid = p.get("id")
        if isinstance(pid, str):
            if pid in by_id:
                return None  # ambiguous chain
            by_id[pid] = p
    if not ids or any(not isinstance(i, str) or i not in by_id for i in ids):
        return None
    return [by_id[i] for i in ids]


# --------------------------------------------------------------------------------------------
# Verify Proof
# --------------------------------------------------------------------------------------------
def verify_proof(
    document: Any,
    *,
    proof_purpose: str | None = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    resolver: DidResolver | None = None,
    clock: Clock | None = None,
    skew: timedelta = DEFAULT_SKEW,
    loader: StaticDocumentLoader | None = None,
    allowed_suites: Sequence[str] | None = None,
    expected_controller: str | None = None,
    method_check: MethodCheck | None = None,
    max_proofs: int = MAX_PROOFS,
    mode: JsonLdMode = "strict",
    limits: JsonLdLimits = DEFAULT_LIMITS,
    context: VerificationContext | None = None,
    json_checked: bool = False,
) -> VerificationResult:
    """Verify every proof on ``document``; never raises on hostile input.

    ``challenge``/``domain`` are what the caller issued: when given, each proof must carry them.
    ``expected_controller`` pins the DID whose keys may sign (e.g. the credential's issuer).
    ``proof_purpose=None`` verifies each proof for its own ``proofPurpose`` (its key must be
    listed under that relationship of its own controller, §4.4 step 10), as a proof set or chain
    by several parties needs (§4.5); the caller then decides on ``result.proofs`` which
    controllers and purposes it requires (:func:`kr_ovid.credential.issuer_proof_problems`).
    ``mode="generic"`` accepts any JSON-LD pyld can expand safely (W3C suites, foreign
    credentials); no role of this library uses it, since its JSON is not the only spelling of
    what was signed. The default accepts only the strict form (:mod:`kr_ovid.jsonld.strict`).

    ``context`` supplies the resolver, loader, clock, skew, bounds and accepted suites at once
    (what a :class:`~kr_ovid.verifier.Verifier` passes); it cannot be combined with those loose
    arguments. The clock is read once; every proof is checked at that instant. ``json_checked`` says
    the caller has already bounded the JSON (:func:`kr_ovid._json.check_json_value`), as the
    :class:`~kr_ovid.verifier.Verifier`'s parse stage has, so it is not walked twice.
    """
    try:
        if context is not None:
            loose = {
                "resolver": resolver,
                "clock": clock,
                "loader": loader,
                "allowed_suites": allowed_suites,
            }
            given = sorted(k for k, v in loose.items() if v is not None)
            if skew != DEFAULT_SKEW:
                given.append("skew")
            if limits is not DEFAULT_LIMITS:
                given.append("limits")
            if given:
                raise ConfigurationError(f"pass either a context or {given}, not both")
            resolver, clock, loader = context.resolver, context.clock, context.loader
            skew, limits, allowed_suites = (
                context.skew,
                context.limits,
                sorted(context.allowed_suites),
            )
        when = (clock or SystemClock()).now()
        if not isinstance(when, datetime) or when.tzinfo is None:
            raise ConfigurationError("the clock must return timezone-aware times")
        suites = frozenset(allowed_suites) if allowed_suites is not None else frozenset(SUITES)
        unknown = suites - set(SUITES)
        if unknown:
            raise ConfigurationError(f"unsupported cryptosuites requested: {sorted(unknown)}")
    except (ConfigurationError, AttributeError, TypeError) as exc:
        # Caller misuse is still reported as a result: verification never raises.
        return VerificationResult.failure(
            ProblemDetails(ErrorCode.CONFIGURATION_ERROR, f"invalid verifier options: {exc}")
        )
    loader = loader or default_loader()
    resolver = resolver or default_resolver()

    try:
        if not json_checked:
            check_json_value(document)
    except JsonParseError as exc:
        return VerificationResult.failure(ProblemDetails(ErrorCode.PARSING_ERROR, str(exc)))
    if not isinstance(document, dict):
        return VerificationResult.failure(
            ProblemDetails(ErrorCode.PARSING_ERROR, "a secured document must be a JSON object")
        )
    proofs = _proof_list(document.get("proof"))
    if proofs is None:
        return VerificationResult.failure(
            ProblemDetails(
                ErrorCode.MALFORMED_PROOF_ERROR,
                "'proof' must be an object or a list of objects",
                "/proof",
            )
        )
    if not proofs:
        return VerificationResult.failure(
            ProblemDetails(
                ErrorCode.PROOF_VERIFICATION_ERROR, "document carries no proof", "/proof"
            )
        )
    if len(proofs) > max_proofs:
        return VerificationResult.failure(
            ProblemDetails(ErrorCode.SIZE_LIMIT_ERROR, f"more than {max_proofs} proofs", "/proof")
        )
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    many = isinstance(document.get("proof"), list)
    errors: list[ProblemDetails] = []
    verified: list[VerifiedProof] = []
    retryable = False
    for i, proof in enumerate(proofs):
        base = f"/proof/{i}" if many else "/proof"
        try:
            verified.append(
                _verify_one(
                    proof,
                    proofs,
                    unsecured,
                    base,
                    proof_purpose=proof_purpose,
                    challenge=challenge,
                    domain=domain,
                    resolver=resolver,
                    now=when,
                    skew=skew,
                    loader=loader,
                    suites=suites,
                    expected_controller=expected_controller,
                    method_check=method_check,
                    mode=mode,
                    limits=limits,
                )
            )
        except Refusal as fail:
            errors.append(fail.problem)
            retryable = retryable or fail.retryable
        except RecursionError:
            errors.append(
                ProblemDetails(ErrorCode.PARSING_ERROR, "document nests too deeply", base)
            )
        # Safety net for the promise "never raises": an unforeseen failure is a coded "no".
        except Exception as exc:  # noqa: BLE001
            # Most often an injected resolver that failed: worth trying again later.
            errors.append(
                ProblemDetails(ErrorCode.INTERNAL_ERROR, f"unexpected {type(exc).__name__}", base)
            )
            retryable = True
    if errors:
        return VerificationResult(False, None, tuple(errors), (), retryable, ("proof",))
    return VerificationResult(True, document, (), (), False, ("proof",), proofs=tuple(verified))


def _verify_one(
    proof: dict[str, Any],
    proofs: list[dict[str, Any]],
    unsecured: dict[str, Any],
    base: str,
    *,
    proof_purpose: str | None,
    challenge: str | None,
    domain: str | None,
    resolver: DidResolver,
    now: datetime,
    skew: timedelta,
    loader: StaticDocumentLoader,
    suites: frozenset[str],
    expected_controller: str | None,
    method_check: MethodCheck | None,
    mode: JsonLdMode,
    limits: JsonLdLimits,
) -> VerifiedProof:
    """Data Integrity §4.4 Verify Proof for one proof of a set or chain (§4.5)."""
    suite, signature = _check_proof_members(proof, base, suites)
    created, expires = _check_proof_options(
        proof,
        base,
        proof_purpose=proof_purpose,
        challenge=challenge,
        domain=domain,
        now=now,
        skew=skew,
    )
    signing_input = _signing_input(proof, proofs, unsecured, base)
    hash_data = _hash_data(
        suite, proof, signing_input, base, loader=loader, mode=mode, limits=limits
    )
    vm_url = proof["verificationMethod"]
    info = VerifiedProof(
        suite.name,
        vm_url,
        "",
        proof["proofPurpose"],
        created,
        expires,
        proof.get("id") if isinstance(proof.get("id"), str) else None,
    )
    public_key, info = _verification_key(
        suite,
        info,
        base,
        resolver=resolver,
        now=now,
        expected_controller=expected_controller,
        method_check=method_check,
    )
    if not suite.verify_decoded(hash_data, signature, public_key):
        raise Refusal(
            ErrorCode.PROOF_VERIFICATION_ERROR,
            "signature does not verify",
            path=f"{base}/proofValue",
        )
    return info


def _check_proof_members(
    proof: dict[str, Any], base: str, suites: frozenset[str]
) -> tuple[EddsaCryptosuite, bytes]:
    """§4.4 steps 3-5: required members, proof type, a known and allowed cryptosuite, proofValue."""
    for member in ("type", "verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(member), str):
            raise Refusal(
                ErrorCode.MALFORMED_PROOF_ERROR,
                f"proof.{member} is missing or not a string",
                path=f"{base}/{member}",
            )
    if proof["type"] != _PROOF_TYPE:
        raise Refusal(
            ErrorCode.PROOF_TRANSFORMATION_ERROR,
            "proof.type is not DataIntegrityProof",
            path=f"{base}/type",
        )
    name = proof.get("cryptosuite")
    if not isinstance(name, str) or name not in suites:
        raise Refusal(
            ErrorCode.UNSUPPORTED_CRYPTOSUITE,
            "proof.cryptosuite is not an allowed suite",
            path=f"{base}/cryptosuite",
        )
    suite = SUITES[name]
    try:
        signature = suite.decode_proof_value(proof["proofValue"])
    except KeyFormatError as exc:
        raise Refusal(
            ErrorCode.MALFORMED_PROOF_ERROR, str(exc), path=f"{base}/proofValue"
        ) from None
    return suite, signature


def _check_proof_options(
    proof: dict[str, Any],
    base: str,
    *,
    proof_purpose: str | None,
    challenge: str | None,
    domain: str | None,
    now: datetime,
    skew: timedelta,
) -> tuple[datetime | None, datetime | None]:
    """§4.4 steps 6-9: purpose (unless each proof is judged for its own), created/expires,
    challenge and domain as the caller expects."""
    if proof_purpose is not None and proof["proofPurpose"] != proof_purpose:
        raise Refusal(
            ErrorCode.MISMATCHED_PROOF_PURPOSE_ERROR,
            f"proofPurpose is not the expected {proof_purpose!r}",
            path=f"{base}/proofPurpose",
        )
    created = _timestamp(proof, "created", base)
    expires = _timestamp(proof, "expires", base)
    if created is not None and created > now + skew:
        raise Refusal(
            ErrorCode.PROOF_VERIFICATION_ERROR,
            "proof.created is in the future",
            path=f"{base}/created",
        )
    if expires is not None and now > expires + skew:
        raise Refusal(ErrorCode.PROOF_EXPIRED, "proof has expired", path=f"{base}/expires")
    if created is not None and expires is not None and expires < created:
        raise Refusal(
            ErrorCode.MALFORMED_PROOF_ERROR,
            "proof.expires precedes proof.created",
            path=f"{base}/expires",
        )
    if challenge is not None:
        got = proof.get("challenge")
        if not isinstance(got, str) or not hmac.compare_digest(
            got.encode("utf-8", "surrogatepass"), challenge.encode("utf-8", "surrogatepass")
        ):
            raise Refusal(
                ErrorCode.INVALID_CHALLENGE_ERROR,
                "proof.challenge does not match",
                path=f"{base}/challenge",
            )
    if domain is not None:
        got_domain = proof.get("domain")
        domains = got_domain if isinstance(got_domain, list) else [got_domain]
        if domain not in [d for d in domains if isinstance(d, str)]:
            raise Refusal(
                ErrorCode.INVALID_DOMAIN_ERROR, "proof.domain does not match", path=f"{base}/domain"
            )
    return created, expires


def _signing_input(
    proof: dict[str, Any], proofs: list[dict[str, Any]], unsecured: dict[str, Any], base: str
) -> dict[str, Any]:
    """§4.5: a chained proof signs the document carrying exactly its previous proofs."""
    previous = proof.get("previousProof")
    if previous is None:
        return unsecured
    ids = [previous] if isinstance(previous, str) else previous
    chained = _select_previous(proofs, ids) if isinstance(ids, list) else None
    if chained is None or any(p is proof for p in chained):
        raise Refusal(
            ErrorCode.PROOF_VERIFICATION_ERROR,
            "previousProof names no (unique) proof in the set",
            path=f"{base}/previousProof",
        )
    return {**unsecured, "proof": chained[0] if len(chained) == 1 else chained}


def _hash_data(
    suite: EddsaCryptosuite,
    proof: dict[str, Any],
    signing_input: dict[str, Any],
    base: str,
    *,
    loader: StaticDocumentLoader,
    mode: JsonLdMode,
    limits: JsonLdLimits,
) -> bytes:
    """vc-di-eddsa §3.x.2 steps 1-6: transformation, proof configuration and hashing.

    Runs before any key is resolved: a document (or proof) that is not in the accepted JSON-LD
    form is refused without network-shaped work.
    """
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        # The proof's @context must be a prefix of the document's (vc-di-eddsa verify step 4).
        pctx = options["@context"]
        dctx = signing_input.get("@context")
        pl = pctx if isinstance(pctx, list) else [pctx]
        dl = dctx if isinstance(dctx, list) else [dctx]
        if not pl or dl[: len(pl)] != pl:
            raise Refusal(
                ErrorCode.PROOF_VERIFICATION_ERROR,
                "proof @context is not a prefix of the document's",
                path=f"{base}/@context",
            )
        if not suite.proof_keeps_context:
            del options["@context"]
    try:
        document, config = suite.verification_inputs(signing_input, options)
        transformed = suite.transform(document, loader=loader, mode=mode, limits=limits)
    except KrOvidError as exc:
        raise Refusal(exc.code, str(exc), path=exc.path) from None
    try:
        transformed_config = suite.canonicalize(config, loader=loader, mode=mode, limits=limits)
    except KrOvidError as exc:
        raise Refusal(exc.code, f"proof: {exc}", path=f"{base}{exc.path or ''}") from None
    return suite.hash_data(transformed, transformed_config)


def _verification_key(
    suite: EddsaCryptosuite,
    info: VerifiedProof,
    base: str,
    *,
    resolver: DidResolver,
    now: datetime,
    expected_controller: str | None,
    method_check: MethodCheck | None,
) -> tuple[bytes, VerifiedProof]:
    """§4.4 step 10: retrieve the verification method; its controller, purpose and lifetime."""
    vm_url = info.verification_method
    where = f"{base}/verificationMethod"
    try:
        did_doc, method = resolve_verification_method(vm_url, resolver)
    except KrOvidError as exc:
        raise Refusal(exc.code, str(exc), path=where, retryable=exc.retryable) from None
    if expected_controller is not None and did_doc.id != expected_controller:
        raise Refusal(
            ErrorCode.KEY_NOT_AUTHORIZED, "proof is not by the expected controller", path=where
        )
    if not did_doc.authorizes(vm_url, info.proof_purpose):
        raise Refusal(
            ErrorCode.KEY_NOT_AUTHORIZED,
            f"verification method is not listed under {info.proof_purpose}",
            path=where,
        )
    if method.get("type") not in ED25519_KEY_TYPES:
        raise Refusal(
            ErrorCode.KEY_NOT_AUTHORIZED,
            "verification method type is not an Ed25519 key type",
            path=where,
        )
    try:
        public_key = suite.verification_key(method)
    except KeyFormatError as exc:
        raise Refusal(
            ErrorCode.INVALID_DID_DOCUMENT, f"verification method key: {exc}", path=where
        ) from None
    info = replace(info, controller=did_doc.id, public_key=public_key)
    problem = key_lifetime_problem(method, info.created or now)
    if problem is not None:
        raise Refusal(problem.code, problem.detail, path=where)
    if method_check is not None:
        problem = method_check(did_doc, method, info)
        if problem is not None:
            raise Refusal(problem.code, problem.detail, path=problem.path or where)
    return public_key, info


def key_lifetime_problem(method: Mapping[str, Any], signed_at: datetime) -> ProblemDetails | None:
    """Key rotation and compromise, in W3C Controlled Identifiers 1.0 terms (§2.2).

    A verification method may carry ``expires`` (a rotated-out key: valid only for proofs created
    before that instant) and ``revoked`` (kr_ovid treats revocation as compromise: every proof by
    that key fails, whatever its ``created``, because a thief can back-date ``created``).
    """
    if "revoked" in method:
        return ProblemDetails(ErrorCode.KEY_REVOKED, "the signing key has been revoked")
    if "expires" in method:
        retired = parse_datetime_stamp(method["expires"])
        if retired is None:
            return ProblemDetails(
                ErrorCode.INVALID_DID_DOCUMENT,
                "verification method 'expires' is not a dateTimeStamp",
            )
        if signed_at >= retired:
            return ProblemDetails(
                ErrorCode.KEY_RETIRED, "the proof was created after its key was retired"
            )
    return None


def _timestamp(proof: dict[str, Any], member: str, base: str) -> datetime | None:
    if member not in proof:
        return None
    parsed = parse_datetime_stamp(proof[member])
    if parsed is None:
        raise Refusal(
            ErrorCode.MALFORMED_PROOF_ERROR,
            f"proof.{member} is not an XSD dateTimeStamp",
            path=f"{base}/{member}",
        )
    return parsed
