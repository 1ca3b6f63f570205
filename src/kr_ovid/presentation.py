"""Verifiable Presentations (VC DM 2.0 §4.13) secured with Data Integrity.

The holder wraps credentials in a ``VerifiablePresentation``, names itself as ``holder`` and
signs with an ``authentication`` proof bound to the verifier's ``challenge`` and ``domain``.
SD-JWT credentials travel inside as ``EnvelopedVerifiableCredential`` (a ``data:`` URL of media
type ``application/vc+sd-jwt``: VC DM 2.0 §4.13, "Enveloped Verifiable Credentials"; VC-JOSE-COSE
§6.1.3) so one presentation can carry both formats.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kr_ovid.clock import Clock
from kr_ovid.credential import VC_V2_CONTEXT
from kr_ovid.errors import ConfigurationError
from kr_ovid.integrity import add_proof
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys.signer import Signer
from kr_ovid.suites import DEFAULT_CRYPTOSUITE

__all__ = [
    "SD_JWT_DATA_PREFIX",
    "create_presentation",
    "enveloped_credential",
    "sign_presentation",
    "unwrap_enveloped",
]

SD_JWT_MEDIA_TYPE = "application/vc+sd-jwt"
SD_JWT_DATA_PREFIX = f"data:{SD_JWT_MEDIA_TYPE},"


def enveloped_credential(sd_jwt: str) -> dict[str, Any]:
    """An SD-JWT (presentation form) as an ``EnvelopedVerifiableCredential`` (VC DM 2.0 §4.13:
    ``@context``, a ``data:`` URL as ``id``, the type); a string without ``~`` is refused."""
    if not isinstance(sd_jwt, str) or "~" not in sd_jwt:
        raise ConfigurationError("an SD-JWT compact serialization is expected")
    return {
        "@context": VC_V2_CONTEXT,
        "id": SD_JWT_DATA_PREFIX + sd_jwt,
        "type": "EnvelopedVerifiableCredential",
    }


def unwrap_enveloped(value: Any) -> str | None:
    """The SD-JWT inside an ``EnvelopedVerifiableCredential``, or None if it is not one. Any
    other envelope is never decoded: the verifier checks it as a JSON credential, and it fails."""
    if not isinstance(value, dict) or value.get("type") != "EnvelopedVerifiableCredential":
        return None
    ident = value.get("id")
    if isinstance(ident, str) and ident.startswith(SD_JWT_DATA_PREFIX):
        return ident[len(SD_JWT_DATA_PREFIX) :]
    return None


def create_presentation(
    credentials: Sequence[dict[str, Any] | str],
    *,
    holder: str,
    presentation_id: str | None = None,
    extra_contexts: Sequence[str] = (),
) -> dict[str, Any]:
    """An unsigned presentation; strings are taken to be SD-JWTs and are enveloped. ``@context``
    is the v2 context first (VC DM 2.0 §4.3), then every context the credentials use."""
    if not credentials:
        raise ConfigurationError("a presentation needs at least one credential")
    items = [enveloped_credential(c) if isinstance(c, str) else c for c in credentials]
    contexts: list[str] = [VC_V2_CONTEXT]
    for c in items:
        ctx = c.get("@context")
        for u in ctx if isinstance(ctx, list) else [ctx]:
            if isinstance(u, str) and u not in contexts:
                contexts.append(u)
    contexts.extend(u for u in extra_contexts if u not in contexts)
    return {
        "@context": contexts,
        "id": presentation_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": items if len(items) > 1 else items[0],
    }


def sign_presentation(
    presentation: dict[str, Any],
    signer: Signer,
    *,
    challenge: str,
    domain: str,
    cryptosuite: str = DEFAULT_CRYPTOSUITE,
    created: datetime | None = None,
    expires: datetime | None = None,
    clock: Clock | None = None,
    loader: StaticDocumentLoader | None = None,
) -> dict[str, Any]:
    """Add the holder's ``authentication`` proof with the verifier's challenge and domain.

    Data Integrity §2.2 Proof Purposes (``authentication``) with ``challenge`` and ``domain``,
    which the verifier's §4.4 checks and VC DM 2.0 §9.5.2 Replay Attack call for. The key must
    belong to the ``holder``: the verifier checks the proof's controller against it, so a
    mismatch is refused here instead of yielding a presentation that no verifier accepts.
    """
    if not challenge or not domain:
        raise ConfigurationError("challenge and domain are required for a presentation proof")
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if signer.verification_method.split("#", 1)[0] != holder_id:
        raise ConfigurationError("the signing key is not controlled by the presentation's holder")
    return add_proof(
        presentation,
        signer,
        cryptosuite=cryptosuite,
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
        created=created,
        expires=expires,
        clock=clock,
        loader=loader,
    )
