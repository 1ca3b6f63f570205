"""Status entries in ID credentials and the signed ``BitstringStatusListCredential`` documents a mission
publishes (Bitstring Status List v1.0 §2.1, §2.2, and §3.1 Generate Algorithm).

URL layout (one list credential per list and purpose, so revocation and suspension can be
cached and replaced independently): ``{base}/{list_id}/{purpose}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from kr_ovid.clock import Clock, SystemClock, format_datetime
from kr_ovid.credential import VC_V2_CONTEXT
from kr_ovid.did.web import did_web_to_url
from kr_ovid.errors import ConfigurationError
from kr_ovid.integrity import add_proof
from kr_ovid.jsonld.iri import is_absolute_iri
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys.signer import Signer
from kr_ovid.status.bitstring import encode_list
from kr_ovid.status.store import PURPOSES, StatusAllocation, StatusListStore

__all__ = [
    "DEFAULT_LIST_TTL",
    "DEFAULT_LIST_VALIDITY",
    "default_status_base",
    "issue_status_list_credential",
    "status_entries",
    "status_list_url",
]

#: How long verifiers may cache a list (the ``ttl`` member, in milliseconds on the wire).
DEFAULT_LIST_TTL = timedelta(minutes=15)
#: A published list credential is valid this long; the mission republishes well before.
DEFAULT_LIST_VALIDITY = timedelta(days=2)


def _check_base(base: str) -> str:
    """An https URL with a host and a path only (no userinfo, query or fragment)."""
    if not isinstance(base, str) or not is_absolute_iri(base):
        raise ConfigurationError("status list base URL must be an absolute https URL")
    parts = urlsplit(base)
    if (
        parts.scheme != "https"
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or "#" in base
        or "?" in base
    ):
        raise ConfigurationError("status list base URL must be https://host[/path], nothing else")
    return f"https://{parts.netloc}{parts.path.rstrip('/')}"


def default_status_base(did: str) -> str:
    """``https://<host>/<path>/status``: status lists beside a did:web DID's document.

    Raises :class:`~kr_ovid.errors.ResolutionError` for a DID that is not did:web.
    """
    url = did_web_to_url(did)
    return url.removesuffix("/.well-known/did.json").removesuffix("/did.json") + "/status"


def status_list_url(base: str, list_id: int, purpose: str) -> str:
    """The ``statusListCredential`` URL (§2.1) of one list and purpose. The base is checked on
    every call: the URL ends up in signed credentials, where a mistake cannot be corrected."""
    if purpose not in PURPOSES:
        raise ConfigurationError(f"unknown status purpose {purpose!r}")
    return f"{_check_base(base)}/{int(list_id)}/{purpose}"


def status_entries(allocation: StatusAllocation, base: str) -> list[dict[str, Any]]:
    """One ``BitstringStatusListEntry`` per purpose; ``statusListIndex`` is a string (§2.1).

    Both entries use the same index; each ``id`` is ``<list URL>#<index>``, since §2.1 forbids
    an entry ``id`` that is the status list's own URL.
    """
    out = []
    for purpose in PURPOSES:
        url = status_list_url(base, allocation.list_id, purpose)
        out.append(
            {
                "id": f"{url}#{allocation.index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(allocation.index),
                "statusListCredential": url,
            }
        )
    return out


def issue_status_list_credential(
    store: StatusListStore,
    list_id: int,
    purpose: str,
    signer: Signer,
    *,
    base: str,
    issuer: str | Mapping[str, Any] | None = None,
    valid_for: timedelta = DEFAULT_LIST_VALIDITY,
    ttl: timedelta = DEFAULT_LIST_TTL,
    clock: Clock | None = None,
    loader: StaticDocumentLoader | None = None,
) -> dict[str, Any]:
    """The signed list credential for ``list_id``/``purpose`` as the store holds it now.

    §3.1 Generate Algorithm: a §2.2 ``BitstringStatusListCredential`` whose ``id`` is the URL
    the credentials' entries point to (verifiers require that match), valid for ``valid_for``
    (§7.2 Validity Periods) with ``ttl`` in milliseconds, secured with Data Integrity. A list
    the store does not have is refused.
    """
    if list_id not in store.list_ids():
        raise ConfigurationError(f"status list {list_id} does not exist in the store")
    now: datetime = (clock or SystemClock()).now()
    url = status_list_url(base, list_id, purpose)
    issuer_value: Any = (
        issuer if issuer is not None else signer.verification_method.split("#", 1)[0]
    )
    credential = {
        "@context": [VC_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_value,
        "validFrom": format_datetime(now),
        "validUntil": format_datetime(now + valid_for),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_list(store.bitstring(list_id, purpose)),
            "ttl": int(ttl.total_seconds() * 1000),
        },
    }
    return add_proof(credential, signer, created=now, loader=loader)
