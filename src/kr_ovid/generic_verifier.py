"""A verifier for any W3C Verifiable Credential, with no trust list and no service policy.

A generic VC-API verifier (and the W3C test suites behind one) asks only what the data model
and its securing mechanism say: is this a conforming credential (VC DM 2.0 §4), do its proofs
verify (VC Data Integrity §4.4/§4.5), is it inside its validity period now (§4.9), and is it
neither revoked nor suspended (§4.10 through Bitstring Status List v1.0 §3.2)? Whom to trust and
what a service needs (Appendix A.3, A.10) are left to the caller; the overseas-ID services use
:class:`~kr_ovid.verifier.Verifier` with a :class:`~kr_ovid.verifier.VerifierPolicy` instead.

The steps are the ones :class:`~kr_ovid.verifier.Verifier` runs (:mod:`kr_ovid.stages`), so
both decide alike on the same document: the strict JSON-LD form, pinned contexts only, every
proof verified. What is generic:

* proofs: each verifies for its own controller and its own purpose (a witness or notary may
  start or join a chain); with ``require_issuer_proof`` at least one ``assertionMethod`` proof
  must be the issuer's;
* status: checked whenever an entry is present, never required; a list that cannot be had
  (unknown to the fetcher, unreachable) is a retryable ``STATUS_RETRIEVAL_ERROR``, a list that
  does not verify ``STATUS_VERIFICATION_ERROR``; an entry of a type other than
  ``BitstringStatusListEntry`` cannot be checked and is a warning;
* schemas: a shipped schema governing the credential's type, or named in ``credentialSchema``,
  is applied; a schema that is not shipped is never fetched and is reported as a warning;
* presentations: ``holder`` and ``verifiableCredential`` are optional (§4.13); the
  ``authentication`` proof is verified against ``challenge`` and ``domain`` when given, and is
  the holder's when a holder is named. Freshness, one-time challenges and holder binding are
  service policy, not the data model's.

Time is read once per verification from ``context.clock`` (a
:class:`~kr_ovid.clock.FixedClock` verifies at another instant). Like every verifier here, it
never raises on hostile input.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from kr_ovid.context import VerificationContext
from kr_ovid.errors import CanonicalizationError, ConfigurationError
from kr_ovid.jsonld.expanded import JsonLdForm, pinned_view
from kr_ovid.results import VerificationResult
from kr_ovid.schema import schemas_by_type
from kr_ovid.stages import (
    IssuerProofs,
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

__all__ = ["GenericVerifier"]


class GenericVerifier:
    """Verifies any W3C VC (2.0, and 1.1 where issue 17 asks) with no trust list and no service
    policy: data-model checks, proofs, validity period, status (whenever an entry is present).

    ``context`` supplies the DID resolver, context loader, clock, skew, JSON-LD bounds and
    accepted suites (default: did:key only, the pinned contexts, the system clock);
    ``status_fetcher`` supplies status list credentials (default: none registered, so a
    credential with a status entry fails closed). ``require_issuer_proof``: at least one
    ``assertionMethod`` proof must be by the credential's issuer (VC DM 2.0 §4.7); off, the
    proofs are verified for their own controllers only. ``jsonld="expanded"`` also accepts a
    document outside the strict JSON-LD form (inline ``@context`` objects, VC DM 2.0 §4.3) and
    decides everything on its pinned view (:func:`~kr_ovid.jsonld.expanded.pinned_view`: the
    expanded document compacted with the pinned contexts only, whose RDF must be the
    document's); the default reads only the strict form.
    """

    def __init__(
        self,
        *,
        context: VerificationContext | None = None,
        status_fetcher: StatusListFetcher | None = None,
        require_issuer_proof: bool = True,
        jsonld: JsonLdForm = "strict",
    ) -> None:
        if jsonld not in ("strict", "expanded"):
            raise ConfigurationError("jsonld must be 'strict' or 'expanded'")
        self._jsonld: JsonLdForm = jsonld
        self._context = context if context is not None else VerificationContext()
        self._status = StatusChecker(status_fetcher, context=self._context)
        self._issuer_proofs: IssuerProofs = "one" if require_issuer_proof else "none"

    @property
    def context(self) -> VerificationContext:
        """The parts and bounds every verification of this verifier uses."""
        return self._context

    def verify_credential(self, credential: Any) -> VerificationResult:
        """A Data Integrity credential (a JSON object): VC DM 2.0 §7.1 Verification. Never
        raises; every failed check is a coded problem in the result."""
        run = Run()
        return never_raises(run, lambda: self._verify_credential(credential, run))

    def verify_presentation(
        self,
        presentation: Any,
        *,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> VerificationResult:
        """A Data Integrity ``VerifiablePresentation`` and each credential it carries.
        ``challenge`` and ``domain``, when given, must be in the presentation's proof (VC Data
        Integrity §4.4 steps 8-9); spending a challenge once is the caller's (a service's)
        part. ``result.credentials`` holds the verified credentials."""
        run = Run()
        return never_raises(
            run, lambda: self._verify_presentation(presentation, challenge, domain, run)
        )

    # ------------------------------------------------------------------ internals
    def _verify_credential(self, credential: Any, run: Run) -> VerificationResult:
        now = self._context.now()
        document = self._credential(credential, run, now=now, prefix="")
        return run.result(document)

    def _verify_presentation(
        self, vp: Any, challenge: str | None, domain: str | None, run: Run
    ) -> VerificationResult:
        """Parse, contexts, structure (§4.13), the presentation's proof, then every credential on
        its own, even after a failed proof, so every problem is reported."""
        now = self._context.now()
        if not check_parse(vp, run):
            return run.result(None)
        viewed = self._viewed(vp, run, "", self._context)
        if viewed is None:
            return run.result(None)
        vp, context = viewed
        check_contexts(vp, context.loader, run, "")
        check_data_model(vp, context.loader, run, "", kind="VerifiablePresentation")
        if run.errors:
            return run.result(None)
        holder = vp.get("holder")
        holder_id = holder.get("id") if isinstance(holder, dict) else holder
        verify_presentation_proofs(
            vp,
            context,
            run,
            now=now,
            challenge=challenge,
            domain=domain,
            holder=holder_id if isinstance(holder_id, str) else None,
        )
        items = presented_credentials(vp, run)
        if items is None:
            return run.result(None)
        verified = [
            document
            for prefix, item in items
            if (document := self._credential(item, run, now=now, prefix=prefix, context=context))
            is not None
        ]
        return run.result(vp, None, tuple(verified))

    def _viewed(
        self, document: dict[str, Any], run: Run, prefix: str, context: VerificationContext
    ) -> tuple[dict[str, Any], VerificationContext] | None:
        """The document every later stage reads, and the context it is read in: itself, or
        with ``jsonld="expanded"`` its pinned view and a context whose loader serves the view's
        contexts (house rule 5: decisions read the signed meaning); ``None`` when it has none
        (the reason is in ``run``)."""
        if self._jsonld == "strict":
            return document, context
        run.checks.append("expanded")
        try:
            view = pinned_view(document, loader=context.loader)
        except CanonicalizationError as exc:
            run.fail(exc.code, f"no pinned view: {exc}", join(prefix, exc.path) or None)
            return None
        if view.loader is context.loader:
            return view.document, context
        return view.document, dataclasses.replace(context, loader=view.loader)

    def _credential(
        self,
        credential: Any,
        run: Run,
        *,
        now: datetime,
        prefix: str,
        context: VerificationContext | None = None,
    ) -> dict[str, Any] | None:
        """One credential through parse → contexts → structure → proof → validity → status →
        schema; ``None`` when any failed (the problems are in ``run``)."""
        before = len(run.errors)
        # An embedded credential was bounded with its presentation: only its shape is new.
        if not check_parse(credential, run, prefix, bounded=bool(prefix)):
            return None
        viewed = self._viewed(credential, run, prefix, context or self._context)
        if viewed is None:
            return None
        document, context = viewed
        check_contexts(document, context.loader, run, prefix)
        check_data_model(document, context.loader, run, prefix)
        if len(run.errors) > before:
            return None
        proofs = verify_credential_proofs(
            document, context, run, prefix, now=now, issuer_proofs=self._issuer_proofs
        )
        if proofs is None:
            return None
        check_validity(document, run, prefix, now=now, context=context)
        check_status(
            document,
            self._status,
            run,
            prefix,
            now=now,
            require_status=False,
            require_known=False,
        )
        check_schemas(
            document,
            run,
            prefix,
            required_schemas=schemas_by_type(),
            partial=False,
            unshipped_is_error=False,
        )
        if len(run.errors) > before:
            return None
        return document
