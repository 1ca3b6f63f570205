"""Machine-readable error codes and RFC 9457 problem details.

The codes are the specifications' own where one exists (VC Data Model 2.0 §7.2 Problem Details,
VC Data Integrity §4.7 Processing Errors, Bitstring Status List v1.0 §3.5 Processing Errors), each
with the type URL its specification gives; codes that no specification defines live in kr_ovid's
own namespace.

The OAuth 2.0 and OpenID4VCI error responses (RFC 6749 §5.2, RFC 6750 §3.1, OpenID4VCI 1.0 §6.3
and §8.3.1.2) are codes too: the specifications name them only by their wire string (the code's
value in lower case, :attr:`ErrorCode.oauth_error`), not by a URL, so their ``type`` URL is in
kr_ovid's namespace.

:data:`ERROR_REFERENCE` says, for every code, whether trying again can help, what triggers it
and what a service should do; the documentation's error reference is generated from it, and a
test fails when a code has no entry.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

__all__ = ["ERROR_REFERENCE", "ErrorCode", "ErrorReference", "ProblemDetails", "Retryable"]

_VC = "https://www.w3.org/TR/vc-data-model#"
_DI = "https://w3id.org/security#"
_STATUS = "https://www.w3.org/ns/credentials/status-list#"
_OURS = "https://w3id.org/kr-ovid/errors#"
_OID4VP = "https://openid.net/specs/openid-4-verifiable-presentations-1_0.html#error-response:"


class ErrorCode(str, enum.Enum):
    """Error codes; ``.type_url`` gives the namespace the defining specification uses.

    ``MALFORMED_PROOF_ERROR`` and ``MISMATCHED_PROOF_PURPOSE_ERROR`` come from the 2023
    Candidate Recommendation of VC Data Integrity; the Recommendation folds them into
    ``PROOF_VERIFICATION_ERROR``. They keep the Data Integrity namespace.
    """

    # VC Data Model 2.0
    PARSING_ERROR = "PARSING_ERROR"
    CRYPTOGRAPHIC_SECURITY_ERROR = "CRYPTOGRAPHIC_SECURITY_ERROR"
    MALFORMED_VALUE_ERROR = "MALFORMED_VALUE_ERROR"
    RANGE_ERROR = "RANGE_ERROR"
    # VC Data Integrity 1.0
    PROOF_GENERATION_ERROR = "PROOF_GENERATION_ERROR"
    PROOF_VERIFICATION_ERROR = "PROOF_VERIFICATION_ERROR"
    PROOF_TRANSFORMATION_ERROR = "PROOF_TRANSFORMATION_ERROR"
    INVALID_DOMAIN_ERROR = "INVALID_DOMAIN_ERROR"
    INVALID_CHALLENGE_ERROR = "INVALID_CHALLENGE_ERROR"
    MALFORMED_PROOF_ERROR = "MALFORMED_PROOF_ERROR"
    MISMATCHED_PROOF_PURPOSE_ERROR = "MISMATCHED_PROOF_PURPOSE_ERROR"
    # Bitstring Status List 1.0
    STATUS_RETRIEVAL_ERROR = "STATUS_RETRIEVAL_ERROR"
    STATUS_VERIFICATION_ERROR = "STATUS_VERIFICATION_ERROR"
    STATUS_LIST_LENGTH_ERROR = "STATUS_LIST_LENGTH_ERROR"
    # OpenID for Verifiable Presentations 1.0 §8.5 Error Response (and RFC 6749 §4.1.2.1)
    INVALID_REQUEST = "INVALID_REQUEST"
    ACCESS_DENIED = "ACCESS_DENIED"
    VP_FORMATS_NOT_SUPPORTED = "VP_FORMATS_NOT_SUPPORTED"
    INVALID_REQUEST_URI_METHOD = "INVALID_REQUEST_URI_METHOD"
    # kr_ovid's own
    DATA_LOSS_ERROR = "DATA_LOSS_ERROR"
    UNKNOWN_CONTEXT = "UNKNOWN_CONTEXT"
    UNSUPPORTED_CRYPTOSUITE = "UNSUPPORTED_CRYPTOSUITE"
    PROOF_EXPIRED = "PROOF_EXPIRED"
    DID_RESOLUTION_ERROR = "DID_RESOLUTION_ERROR"
    DID_NOT_FOUND = "DID_NOT_FOUND"
    UNSUPPORTED_DID_METHOD = "UNSUPPORTED_DID_METHOD"
    INVALID_DID_DOCUMENT = "INVALID_DID_DOCUMENT"
    KEY_NOT_AUTHORIZED = "KEY_NOT_AUTHORIZED"
    KEY_RETIRED = "KEY_RETIRED"
    KEY_REVOKED = "KEY_REVOKED"
    ISSUER_NOT_ACCREDITED = "ISSUER_NOT_ACCREDITED"
    TRUST_LIST_ERROR = "TRUST_LIST_ERROR"
    TRUST_LIST_EXPIRED = "TRUST_LIST_EXPIRED"
    TRUST_LIST_ROLLBACK = "TRUST_LIST_ROLLBACK"
    VALIDITY_PERIOD_ERROR = "VALIDITY_PERIOD_ERROR"
    CREDENTIAL_REVOKED = "CREDENTIAL_REVOKED"
    CREDENTIAL_SUSPENDED = "CREDENTIAL_SUSPENDED"
    SCHEMA_ERROR = "SCHEMA_ERROR"
    HOLDER_BINDING_ERROR = "HOLDER_BINDING_ERROR"
    PRESENTATION_EXPIRED = "PRESENTATION_EXPIRED"
    CLAIM_NOT_ALLOWED = "CLAIM_NOT_ALLOWED"
    POLICY_ERROR = "POLICY_ERROR"
    MISSING_CLAIM = "MISSING_CLAIM"
    SIZE_LIMIT_ERROR = "SIZE_LIMIT_ERROR"
    #: A warning: a ``relatedResource`` digest (VC DM 2.0 §5.3) that could not be compared,
    #: because the resource is not held offline and is never fetched.
    RELATED_RESOURCE_NOT_CHECKED = "RELATED_RESOURCE_NOT_CHECKED"
    SD_JWT_ERROR = "SD_JWT_ERROR"
    KEY_BINDING_ERROR = "KEY_BINDING_ERROR"
    CONFIGURATION_ERROR = "CONFIGURATION_ERROR"
    VERIFICATION_FAILED = "VERIFICATION_FAILED"
    USAGE_ERROR = "USAGE_ERROR"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    #: OpenID4VP: a response for a transaction that is unknown, expired or already answered.
    INVALID_TRANSACTION = "INVALID_TRANSACTION"
    #: OpenID4VP: a presentation for a credential query the request did not make.
    CREDENTIAL_NOT_REQUESTED = "CREDENTIAL_NOT_REQUESTED"
    #: OpenID4VP: the presentations do not satisfy the query's credentials or credential_sets.
    MISSING_CREDENTIAL = "MISSING_CREDENTIAL"
    #: OpenID4VP: a plain response where the request asked for an encrypted one (direct_post.jwt).
    ENCRYPTED_RESPONSE_REQUIRED = "ENCRYPTED_RESPONSE_REQUIRED"
    # OAuth 2.0 token endpoint (RFC 6749 §5.2) and protected resource (RFC 6750 §3.1);
    # INVALID_REQUEST (above) is shared with OpenID4VP §8.5.
    INVALID_GRANT = "INVALID_GRANT"
    UNSUPPORTED_GRANT_TYPE = "UNSUPPORTED_GRANT_TYPE"
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 — an error code, not a secret
    # OpenID4VCI 1.0 §8.3.1.2 Credential Request Errors
    INVALID_CREDENTIAL_REQUEST = "INVALID_CREDENTIAL_REQUEST"
    UNKNOWN_CREDENTIAL_CONFIGURATION = "UNKNOWN_CREDENTIAL_CONFIGURATION"
    INVALID_PROOF = "INVALID_PROOF"
    INVALID_NONCE = "INVALID_NONCE"
    INVALID_ENCRYPTION_PARAMETERS = "INVALID_ENCRYPTION_PARAMETERS"
    CREDENTIAL_REQUEST_DENIED = "CREDENTIAL_REQUEST_DENIED"

    @property
    def type_url(self) -> str:
        """The problem ``type`` URL, in the namespace of the specification defining the code."""
        return _NAMESPACE.get(self, _OURS) + self.value

    @property
    def oauth_error(self) -> str:
        """The ``error`` string of an OAuth 2.0 / OpenID4VCI error response (``invalid_grant``,
        ``invalid_proof``…): the code's value in lower case."""
        return self.value.lower()

    @property
    def reference(self) -> ErrorReference:
        """What triggers this code, whether retrying can help, and what a service should do."""
        return ERROR_REFERENCE[self]

    def __str__(self) -> str:
        return self.value


_NAMESPACE: Mapping[ErrorCode, str] = MappingProxyType(
    {
        ErrorCode.PARSING_ERROR: _VC,
        ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR: _VC,
        ErrorCode.MALFORMED_VALUE_ERROR: _VC,
        ErrorCode.RANGE_ERROR: _VC,
        ErrorCode.PROOF_GENERATION_ERROR: _DI,
        ErrorCode.PROOF_VERIFICATION_ERROR: _DI,
        ErrorCode.PROOF_TRANSFORMATION_ERROR: _DI,
        ErrorCode.INVALID_DOMAIN_ERROR: _DI,
        ErrorCode.INVALID_CHALLENGE_ERROR: _DI,
        ErrorCode.MALFORMED_PROOF_ERROR: _DI,
        ErrorCode.MISMATCHED_PROOF_PURPOSE_ERROR: _DI,
        ErrorCode.STATUS_RETRIEVAL_ERROR: _STATUS,
        ErrorCode.STATUS_VERIFICATION_ERROR: _STATUS,
        ErrorCode.STATUS_LIST_LENGTH_ERROR: _STATUS,
        ErrorCode.INVALID_REQUEST: _OID4VP,
        ErrorCode.ACCESS_DENIED: _OID4VP,
        ErrorCode.VP_FORMATS_NOT_SUPPORTED: _OID4VP,
        ErrorCode.INVALID_REQUEST_URI_METHOD: _OID4VP,
    }
)


@dataclass(frozen=True, slots=True)
class ProblemDetails:
    """One failed check (RFC 9457 shape, as VC DM 2.0 §7.2 asks).

    ``detail`` names property paths, URLs or DIDs; it never holds key material or personal values.
    ``path`` is a JSON pointer into the verified document when the problem has a location.
    """

    code: ErrorCode
    detail: str
    path: str | None = None
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def type(self) -> str:
        """RFC 9457 §3.1.1 ``type``: the code's URL in its defining specification's namespace."""
        return self.code.type_url

    def to_dict(self) -> dict[str, Any]:
        """The RFC 9457 object: ``type``, ``title`` (§3.1.3; derived from the code when none was
        given) and ``detail`` (§3.1.4), with ``code``, ``path`` and ``extra`` as extension
        members (§3.2). ``status`` and ``instance`` belong to the HTTP layer that sends it."""
        out: dict[str, Any] = {
            "type": self.type,
            "code": self.code.value,
            "title": self.title or self.code.value.replace("_", " ").lower(),
            "detail": self.detail,
        }
        if self.path is not None:
            out["path"] = self.path
        out.update(self.extra)
        return out


#: ``never``: the same input gets the same answer; ``sometimes``: only when data could not be
#: fetched (``VerificationResult.retryable`` says so for each result); ``always``: the answer
#: depends on fresh data by nature.
Retryable = Literal["never", "sometimes", "always"]


@dataclass(frozen=True, slots=True)
class ErrorReference:
    """One code's entry in the error reference: ``trigger`` (what makes it fire) and ``action``
    (what a service should do), for people; ``retryable`` for programs too."""

    retryable: Retryable
    trigger: str
    action: str


_FIX_INPUT = "Refuse the input; tell the sender what is wrong (the detail and path), never retry."
_REFUSE = "Refuse the credential or presentation; do not retry with the same input."

ERROR_REFERENCE: Mapping[ErrorCode, ErrorReference] = MappingProxyType(
    {
        ErrorCode.PARSING_ERROR: ErrorReference(
            "never",
            "The input is not well-formed: not JSON, a JSON document nested too deeply, a JWS "
            "or SD-JWT that does not split or decode, a JSON-LD document that cannot be read.",
            _FIX_INPUT,
        ),
        ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR: ErrorReference(
            "never",
            "A signature does not verify (SD-JWT issuer JWS, KB-JWT), or a JWS header asks for "
            "something the library refuses on principle (alg none, an embedded jwk).",
            "Refuse: the data was altered or signed with another key. Log the code and path "
            "(never the token) and do not retry.",
        ),
        ErrorCode.MALFORMED_VALUE_ERROR: ErrorReference(
            "never",
            "A value has the wrong type or shape: a member outside the strict JSON-LD form, a bad "
            "date, a malformed key, a JWS header member, a claim that fails the ID's rules.",
            _FIX_INPUT,
        ),
        ErrorCode.RANGE_ERROR: ErrorReference(
            "never",
            "A number is out of its allowed range: a status list index or list id that does not "
            "exist, a status value other than 0 or 1, a statusSize the list cannot hold.",
            "Refuse; for an issuer-side store call this is a bug in the caller (the position "
            "was never allocated).",
        ),
        ErrorCode.PROOF_GENERATION_ERROR: ErrorReference(
            "never",
            "Signing could not produce a proof (a document the suite cannot transform, a signer "
            "that failed).",
            "Issuer side: fix the document or the signer configuration; nothing was issued.",
        ),
        ErrorCode.PROOF_VERIFICATION_ERROR: ErrorReference(
            "never",
            "A Data Integrity proof does not verify, or the document carries no proof, or a "
            "proof's verification method does not match its key.",
            "Refuse: the document was altered after signing or signed by another key.",
        ),
        ErrorCode.PROOF_TRANSFORMATION_ERROR: ErrorReference(
            "never",
            "The document could not be canonicalized (RDFC-1.0 or JCS) for its cryptosuite: a "
            "value RDF cannot express, a labelling run over its bound.",
            _REFUSE,
        ),
        ErrorCode.INVALID_DOMAIN_ERROR: ErrorReference(
            "never",
            "A presentation was made for another service: the proof's domain or the KB-JWT aud "
            "is not this service's identifier.",
            "Refuse; the wallet must present again to this service (a new challenge).",
        ),
        ErrorCode.INVALID_CHALLENGE_ERROR: ErrorReference(
            "never",
            "The presentation's challenge or KB-JWT nonce is not the one this service issued, "
            "was already used, or has expired in the challenge store.",
            "Refuse and issue a new challenge; a replayed presentation must never be accepted.",
        ),
        ErrorCode.MALFORMED_PROOF_ERROR: ErrorReference(
            "never",
            "A proof object lacks a required member or has one of the wrong type (type, "
            "cryptosuite, verificationMethod, proofPurpose, proofValue, created).",
            _REFUSE,
        ),
        ErrorCode.MISMATCHED_PROOF_PURPOSE_ERROR: ErrorReference(
            "never",
            "The proof's proofPurpose is not the one expected (assertionMethod for a credential, "
            "authentication for a presentation).",
            _REFUSE,
        ),
        ErrorCode.STATUS_RETRIEVAL_ERROR: ErrorReference(
            "always",
            "The status list credential named by credentialStatus could not be fetched (the "
            "injected fetcher failed or has no list for the URL).",
            "Answer 'try again later' (HTTP 503), not 'invalid'; retry after the fetcher can "
            "reach the list. Never accept the credential meanwhile.",
        ),
        ErrorCode.STATUS_VERIFICATION_ERROR: ErrorReference(
            "never",
            "The status list credential does not verify (proof, issuer other than the "
            "credential's, purpose mismatch, expired list), or a credentialStatus entry is "
            "malformed.",
            "Refuse; tell the issuing mission its published list is broken.",
        ),
        ErrorCode.STATUS_LIST_LENGTH_ERROR: ErrorReference(
            "never",
            "The decoded bitstring is shorter than the specification's minimum (131,072 "
            "entries) or too short for the credential's index.",
            "Refuse; the list is malformed (or built to single out its holders).",
        ),
        ErrorCode.DATA_LOSS_ERROR: ErrorReference(
            "never",
            "Part of the JSON would not be signed: a member no context defines, a null, an "
            "empty array, a repeated item, a spelling outside the strict form.",
            _REFUSE,
        ),
        ErrorCode.UNKNOWN_CONTEXT: ErrorReference(
            "never",
            "The document names a JSON-LD context that is not among the pinned contexts (the "
            "library never fetches one).",
            "Refuse; to accept a new context, pin it in the loader (kr-ovid verify --context "
            "URL=FILE) after reviewing it.",
        ),
        ErrorCode.UNSUPPORTED_CRYPTOSUITE: ErrorReference(
            "never",
            "The proof's cryptosuite is not eddsa-rdfc-2022 or eddsa-jcs-2022, or not one the "
            "policy allows.",
            _REFUSE,
        ),
        ErrorCode.PROOF_EXPIRED: ErrorReference(
            "never",
            "The proof's expires time is in the past.",
            "Refuse; the holder must obtain a fresh proof or presentation.",
        ),
        ErrorCode.DID_RESOLUTION_ERROR: ErrorReference(
            "sometimes",
            "A DID or its verification method could not be resolved: the injected resolver "
            "failed (retryable), or the DID URL or its document is unusable (not retryable).",
            "If the result is retryable, answer 'try again later'; otherwise refuse.",
        ),
        ErrorCode.DID_NOT_FOUND: ErrorReference(
            "never",
            "The resolver has no document for the DID (offline resolvers serve only what was "
            "registered, e.g. kr-ovid --did-docs DIR).",
            "Refuse; register the mission's DID document (or fix the deployment's resolver).",
        ),
        ErrorCode.UNSUPPORTED_DID_METHOD: ErrorReference(
            "never",
            "The DID method is not one the configured resolver handles (did:key is built in; "
            "did:web needs documents or a fetch function).",
            "Refuse; configure a resolver for the method if it should be accepted.",
        ),
        ErrorCode.INVALID_DID_DOCUMENT: ErrorReference(
            "never",
            "The resolved DID document is malformed: its id is not the DID, a verification "
            "method has no usable key or a bad lifetime.",
            "Refuse; tell the DID's controller that the published document is broken.",
        ),
        ErrorCode.KEY_NOT_AUTHORIZED: ErrorReference(
            "never",
            "The signing key is not listed for the purpose in the issuer's DID document "
            "(assertionMethod, authentication), or belongs to another DID.",
            _REFUSE,
        ),
        ErrorCode.KEY_RETIRED: ErrorReference(
            "never",
            "The proof was created after its key was retired in a rotation (what a key signed "
            "before retirement keeps verifying).",
            "Refuse; the mission must reissue with its current key.",
        ),
        ErrorCode.KEY_REVOKED: ErrorReference(
            "never",
            "The signing key was revoked (compromised): every proof it made fails, whenever made.",
            "Refuse; the holder needs a credential reissued under the mission's new key.",
        ),
        ErrorCode.ISSUER_NOT_ACCREDITED: ErrorReference(
            "never",
            "The trust list does not accredit the issuer for this credential type at the time "
            "it issued (unknown mission, suspended or withdrawn, outside its window).",
            _REFUSE,
        ),
        ErrorCode.TRUST_LIST_ERROR: ErrorReference(
            "sometimes",
            "The trust list is malformed or does not verify against the pinned root DID, or an "
            "injected trust registry failed (retryable).",
            "Keep using the last good trust list; alert the operator. Refuse credentials that "
            "cannot be checked.",
        ),
        ErrorCode.TRUST_LIST_EXPIRED: ErrorReference(
            "always",
            "The trust list is past its nextUpdate plus the grace period.",
            "Fetch and verify the new trust list, then retry; refuse until then.",
        ),
        ErrorCode.TRUST_LIST_ROLLBACK: ErrorReference(
            "never",
            "A trust list older than the version already held was offered (a replayed list "
            "could re-accredit a withdrawn mission).",
            "Keep the newer list and refuse the older one; alert the operator.",
        ),
        ErrorCode.VALIDITY_PERIOD_ERROR: ErrorReference(
            "never",
            "The credential is not valid at the verification time: before validFrom or after "
            "validUntil (SD-JWT: nbf/exp), beyond the allowed clock skew.",
            "Refuse; an expired ID must be renewed at the mission. Check the verifier's clock "
            "if many credentials are 'not yet valid'.",
        ),
        ErrorCode.CREDENTIAL_REVOKED: ErrorReference(
            "never",
            "The revocation bit of the credential's status entry is set (revocation is permanent).",
            "Refuse; the holder must be reissued an ID at the mission.",
        ),
        ErrorCode.CREDENTIAL_SUSPENDED: ErrorReference(
            "never",
            "The suspension bit of the credential's status entry is set.",
            "Refuse now; the mission may lift the suspension, after which a new verification "
            "succeeds.",
        ),
        ErrorCode.SCHEMA_ERROR: ErrorReference(
            "never",
            "The credential does not meet the JSON Schema required for its type (the shipped "
            "ID schema), or names a schema that is not shipped.",
            _REFUSE,
        ),
        ErrorCode.HOLDER_BINDING_ERROR: ErrorReference(
            "never",
            "The presentation was not signed by the credential's subject (DI: the holder DID; "
            "SD-JWT: the cnf key).",
            "Refuse: someone other than the holder is presenting the credential.",
        ),
        ErrorCode.PRESENTATION_EXPIRED: ErrorReference(
            "never",
            "The presentation (its proof created or KB-JWT iat) is older than the policy's "
            "max_presentation_age, or from the future.",
            "Refuse and ask the wallet to present again.",
        ),
        ErrorCode.CLAIM_NOT_ALLOWED: ErrorReference(
            "never",
            "The holder disclosed a claim the service's policy does not allow it to receive.",
            "Refuse and ask for a presentation of the allowed claims only; never store the "
            "extra claims.",
        ),
        ErrorCode.POLICY_ERROR: ErrorReference(
            "never",
            "The policy refuses the input: a format or credential type it does not accept, a "
            "predicate that must be true is false, too many credentials.",
            "Refuse; tell the holder what the service needs.",
        ),
        ErrorCode.MISSING_CLAIM: ErrorReference(
            "never",
            "A claim the policy requires was not disclosed.",
            "Ask for a new presentation that discloses the required claims.",
        ),
        ErrorCode.SIZE_LIMIT_ERROR: ErrorReference(
            "never",
            "The input exceeds a bound checked before any work: bytes, JSON depth, JSON-LD "
            "statements, SD-JWT disclosures, proofs, credentials per presentation.",
            "Refuse (HTTP 413 when the body itself is too large).",
        ),
        ErrorCode.SD_JWT_ERROR: ErrorReference(
            "never",
            "The SD-JWT is malformed: a disclosure that does not decode or is not referenced, a "
            "repeated digest, a reserved claim name disclosed.",
            _REFUSE,
        ),
        ErrorCode.KEY_BINDING_ERROR: ErrorReference(
            "never",
            "The KB-JWT is missing where required, malformed, or its sd_hash does not match the "
            "presented SD-JWT.",
            "Refuse; the wallet must present again with key binding.",
        ),
        ErrorCode.CONFIGURATION_ERROR: ErrorReference(
            "never",
            "The library was called in a way it cannot honour: a missing challenge or domain, "
            "an invalid policy or option, claims that cannot be issued.",
            "Fix the calling code or configuration: this is the caller's mistake, not the "
            "holder's.",
        ),
        ErrorCode.VERIFICATION_FAILED: ErrorReference(
            "never",
            "Raised by VerificationResult.raise_for_errors() when a result is not verified; "
            "the exception carries the result and the first problem's code.",
            "Handle as the result's own codes say.",
        ),
        ErrorCode.USAGE_ERROR: ErrorReference(
            "never",
            "kr-ovid was given a missing or unreadable file, a missing option or options that "
            "do not go together (exit code 2).",
            "Fix the command line; kr-ovid --help and kr-ovid COMMAND --help list the options.",
        ),
        ErrorCode.INVALID_REQUEST: ErrorReference(
            "never",
            "An OAuth 2.0 / OpenID4VP / OpenID4VCI request is malformed: a missing or repeated "
            "parameter, a request object that does not parse or verify, a missing tx_code, a "
            "client_id prefix or response mode the other side does not support.",
            "Fix the request; the error_description names the parameter. A wallet shows the "
            "service as untrusted and does not answer.",
        ),
        ErrorCode.ACCESS_DENIED: ErrorReference(
            "never",
            "OpenID4VP §8.5: the holder declined, or the wallet holds no credential that can "
            "answer the DCQL query.",
            "Tell the user nothing was shared; offer another way (e.g. a visit) rather than "
            "asking again at once.",
        ),
        ErrorCode.VP_FORMATS_NOT_SUPPORTED: ErrorReference(
            "never",
            "OpenID4VP §8.5: the request asks only for credential formats the wallet cannot "
            "present (neither dc+sd-jwt nor ldp_vc).",
            "Request a format the wallet supports; both are listed in the service policies.",
        ),
        ErrorCode.INVALID_REQUEST_URI_METHOD: ErrorReference(
            "never",
            "OpenID4VP §5.10: request_uri_method is neither get nor post.",
            "Fix the request link: use get or post.",
        ),
        ErrorCode.INVALID_TRANSACTION: ErrorReference(
            "never",
            "An OpenID4VP response for a transaction that is unknown, expired or already "
            "answered (a replay, or a response after the request's lifetime).",
            "Refuse; start a new request (a new QR code or link) if the user is still there.",
        ),
        ErrorCode.CREDENTIAL_NOT_REQUESTED: ErrorReference(
            "never",
            "The vp_token answers a credential query the request did not make, or discloses "
            "claims the query did not ask for.",
            _REFUSE + " A wallet that over-discloses is faulty or hostile.",
        ),
        ErrorCode.MISSING_CREDENTIAL: ErrorReference(
            "never",
            "The vp_token does not satisfy the DCQL query: a required credential query, or "
            "every option of a required credential_set, is unanswered.",
            "Refuse; the user may try again with a wallet that holds the credential.",
        ),
        ErrorCode.ENCRYPTED_RESPONSE_REQUIRED: ErrorReference(
            "never",
            "The request asked for direct_post.jwt (an encrypted response) and the wallet "
            "posted a plain one.",
            _REFUSE + " Personal data must not travel unencrypted where encryption was asked.",
        ),
        ErrorCode.INVALID_GRANT: ErrorReference(
            "never",
            "OAuth 2.0 §5.2: the pre-authorized code is wrong, used, or expired, or the "
            "transaction code does not match (repeated wrong codes void the offer).",
            "The applicant asks the mission for a new offer; never retry the same code.",
        ),
        ErrorCode.UNSUPPORTED_GRANT_TYPE: ErrorReference(
            "never",
            "OAuth 2.0 §5.2: the token request uses a grant other than the pre-authorized "
            "code (the only one the issuer offers).",
            "Use the pre-authorized code grant from the credential offer.",
        ),
        ErrorCode.INVALID_TOKEN: ErrorReference(
            "never",
            "RFC 6750 §3.1: the credential request carries no access token, or one that is "
            "unknown, expired or revoked.",
            "Redeem the offer again for a fresh token (if the offer is still open).",
        ),
        ErrorCode.INVALID_CREDENTIAL_REQUEST: ErrorReference(
            "never",
            "OpenID4VCI §8.3.1.2: the credential request is malformed, or asks for more copies "
            "than the batch size in the issuer's metadata.",
            "Fix the request (one key proof per copy, within the batch size).",
        ),
        ErrorCode.UNKNOWN_CREDENTIAL_CONFIGURATION: ErrorReference(
            "never",
            "OpenID4VCI §8.3.1.2: the credential configuration is not one the offer and the "
            "token cover.",
            "Request a configuration listed in the offer.",
        ),
        ErrorCode.INVALID_PROOF: ErrorReference(
            "never",
            "OpenID4VCI §8.3.1.2: a key proof is missing or wrong: bad signature, typ or alg, "
            "another issuer as aud, a stale iat, a small-order key, a key used twice.",
            "The wallet makes fresh proofs with a new c_nonce; a repeat offender is refused.",
        ),
        ErrorCode.INVALID_NONCE: ErrorReference(
            "sometimes",
            "OpenID4VCI §8.3.1.2: the proof's c_nonce is unknown, expired or already used.",
            "Fetch a new c_nonce from the nonce endpoint and make new proofs.",
        ),
        ErrorCode.INVALID_ENCRYPTION_PARAMETERS: ErrorReference(
            "never",
            "OpenID4VCI §8.3.1.2: the request asks for credential response encryption, which "
            "this issuer does not offer.",
            "Request the credential without response encryption.",
        ),
        ErrorCode.CREDENTIAL_REQUEST_DENIED: ErrorReference(
            "never",
            "OpenID4VCI §8.3.1.2: the issuer will not issue this request: the configuration "
            "was already issued for this offer, or the applicant's claims are gone.",
            "The applicant contacts the mission; never retry the same request.",
        ),
        ErrorCode.RELATED_RESOURCE_NOT_CHECKED: ErrorReference(
            "never",
            "A warning, never an error: a relatedResource (VC DM 2.0 §5.3) names a resource "
            "that is not a pinned context, so its digest was not compared (nothing is fetched).",
            "Accept or refuse by your own rule: fetch and compare the digest yourself if the "
            "resource matters to your decision.",
        ),
        ErrorCode.INTERNAL_ERROR: ErrorReference(
            "sometimes",
            "An unexpected failure: most often an injected part (resolver, status fetcher, "
            "trust registry, store) raised; never a verdict on the input.",
            "Answer 'try again later' when retryable, log the detail for the operator, and "
            "never accept the input meanwhile.",
        ),
    }
)
