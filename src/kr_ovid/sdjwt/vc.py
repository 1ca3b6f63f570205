"""IETF SD-JWT VC (draft-ietf-oauth-sd-jwt-vc): the ``dc+sd-jwt`` form beside ``vc+sd-jwt``.

An SD-JWT VC is plain JSON, not JSON-LD: the claims about the subject sit at the top level of
the payload beside the JWT claims ``iss``, ``iat``, ``nbf``, ``exp``, ``cnf``, ``vct`` (the
credential type, §3.2.2.1) and ``status`` (§3.2.2.2). This module maps a VC Data Model 2.0
credential that the issuer has already built and checked onto that payload, reads the shipped
SD-JWT VC Type Metadata (§6: display names and claim metadata) and links each ``vct`` to the
credential type the trust list accredits, so the verifier's trust, status and schema stages
apply to both SD-JWT forms alike.

Status travels as kr_ovid's Bitstring Status List entries under ``status.bitstring_status_list``
(the ``status`` claim is an object whose members name status mechanisms; Token Status List's
``status_list`` is one, which kr_ovid does not check and so refuses where status is required).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from kr_ovid._resources import _data_dir
from kr_ovid.clock import parse_datetime_stamp
from kr_ovid.errors import ConfigurationError
from kr_ovid.sdjwt.disclosure import parse_pointer
from kr_ovid.sdjwt.jws import SdJwtError, decode_compact_jws

__all__ = [
    "BITSTRING_STATUS_MEMBER",
    "DC_SD_JWT_TYP",
    "JWT_CLAIMS",
    "credential_type_for_vct",
    "header_typ",
    "sd_jwt_vc_payload",
    "sd_jwt_vc_plan",
    "status_entries",
    "subject_claims",
    "type_metadata",
    "vct_for_credential_type",
]

#: ``typ`` of the issuer-signed JWT of an SD-JWT VC (§3.2.1) and its media type (§10.3).
DC_SD_JWT_TYP = "dc+sd-jwt"
#: The member of ``status`` that carries kr_ovid's Bitstring Status List entries.
BITSTRING_STATUS_MEMBER = "bitstring_status_list"
#: JWT claims of the payload (§3.2.2.2, RFC 7519 §4.1): what the credential is, not the person.
JWT_CLAIMS: frozenset[str] = frozenset(
    {"iss", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "aka_vcts", "status", "sub", "jti"}
)
#: VC Data Model members an SD-JWT VC does not carry (they are JSON-LD, or become JWT claims).
_VC_ONLY = frozenset(
    {
        "@context",
        "id",
        "type",
        "issuer",
        "validFrom",
        "validUntil",
        "credentialStatus",
        "credentialSchema",
        "evidence",
        "name",
        "description",
        "proof",
    }
)


@functools.cache
def _shipped() -> Mapping[str, Mapping[str, Any]]:
    """vct → Type Metadata document, read once from the package's ``typemetadata/``."""
    out: dict[str, Mapping[str, Any]] = {}
    for path in sorted(_data_dir("typemetadata").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        vct = doc.get("vct") if isinstance(doc, dict) else None
        if not isinstance(vct, str) or not vct or vct in out:
            raise ConfigurationError(f"type metadata {path.name} has no vct of its own")
        if not isinstance(doc.get("claims", []), list):
            raise ConfigurationError(f"type metadata {path.name}: claims is not an array")
        out[vct] = MappingProxyType(doc)
    return MappingProxyType(out)


def type_metadata(vct: str) -> dict[str, Any]:
    """A private copy of the shipped Type Metadata for ``vct`` (§6.2); ``ConfigurationError``
    when none ships. Type Metadata is never fetched (§6.3.4: from a local cache)."""
    doc = _shipped().get(vct)
    if doc is None:
        raise ConfigurationError(f"no type metadata ships for vct {vct!r}")
    return copy.deepcopy(dict(doc))


def credential_type_for_vct(vct: object) -> str | None:
    """The credential type (as the trust list accredits it) that a shipped ``vct`` names, from
    the metadata's ``credentialType`` member; ``None`` for an unknown ``vct``."""
    doc = _shipped().get(vct) if isinstance(vct, str) else None
    found = doc.get("credentialType") if doc is not None else None
    return found if isinstance(found, str) else None


def vct_for_credential_type(credential_type: str) -> str | None:
    """The shipped ``vct`` for a credential type, or ``None``."""
    for vct, doc in _shipped().items():
        if doc.get("credentialType") == credential_type:
            return vct
    return None


def _numeric(stamp: object, name: str) -> int:
    when = parse_datetime_stamp(stamp)
    if when is None:
        raise ConfigurationError(f"{name} is not an XML Schema dateTime stamp")
    return int(when.timestamp())


def sd_jwt_vc_payload(credential: Mapping[str, Any], *, vct: str) -> dict[str, Any]:
    """The SD-JWT VC payload for a checked, unsigned VC DM 2.0 credential (§3.2.2).

    ``issuer`` becomes ``iss``, ``validFrom``/``validUntil`` ``nbf``/``exp``, the status entries
    ``status.bitstring_status_list``, and the subject's claims (without ``id``/``type``) the
    top-level claims. JSON-LD members (``@context``, ``credentialSchema``, ``evidence``, …)
    have no place in plain JSON and are left out; ``vct`` names the type instead.
    """
    issuer = credential.get("issuer")
    iss = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    subject = credential.get("credentialSubject")
    if not isinstance(iss, str) or not isinstance(subject, Mapping):
        raise ConfigurationError("the credential needs an issuer id and one credentialSubject")
    payload: dict[str, Any] = {"iss": iss, "vct": vct}
    if "validFrom" in credential:
        payload["nbf"] = _numeric(credential["validFrom"], "validFrom")
    if "validUntil" in credential:
        payload["exp"] = _numeric(credential["validUntil"], "validUntil")
    if "credentialStatus" in credential:
        status = credential["credentialStatus"]
        entries = status if isinstance(status, list) else [status]
        payload["status"] = {BITSTRING_STATUS_MEMBER: copy.deepcopy(entries)}
    clash = sorted(JWT_CLAIMS & set(subject))
    if clash:
        raise ConfigurationError(f"subject claims collide with JWT claims: {clash}")
    for name, value in subject.items():
        if name not in {"id", "type"}:
            payload[name] = copy.deepcopy(value)
    extra = sorted(set(credential) - _VC_ONLY - {"credentialSubject"})
    if extra:
        raise ConfigurationError(f"members with no SD-JWT VC form: {extra}")
    return payload


def sd_jwt_vc_plan(disclosable: Iterable[str], payload: Mapping[str, Any]) -> list[str]:
    """A VC disclosure plan moved onto the SD-JWT VC payload: ``/credentialSubject/x`` becomes
    ``/x``; a pointer into a member the payload does not carry (``/evidence``) is dropped."""
    if isinstance(disclosable, str):
        raise ConfigurationError("disclosable is a collection of JSON pointers, not one string")
    out: list[str] = []
    for pointer in disclosable:
        segments = parse_pointer(pointer)
        if segments[:1] == ("credentialSubject",) and len(segments) > 1:
            out.append("/" + pointer.split("/", 2)[2])
        elif segments and segments[0] in payload:
            out.append(pointer)
    return out


def header_typ(token: object) -> str | None:
    """The ``typ`` of an SD-JWT's issuer-signed JWT, unverified: it only picks which form to
    verify as; the verification then holds the signed header to that form. Never raises."""
    if not isinstance(token, str):
        return None
    try:
        typ = decode_compact_jws(token.split("~", 1)[0]).header.get("typ")
    except SdJwtError:
        return None
    return typ if isinstance(typ, str) else None


def subject_claims(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The claims about the subject: the payload without its JWT claims."""
    return {k: v for k, v in payload.items() if k not in JWT_CLAIMS}


def status_entries(payload: Mapping[str, Any]) -> tuple[object, bool]:
    """``(entries, known)`` of the ``status`` claim: the Bitstring Status List entries when the
    claim uses kr_ovid's member (``known``), else whatever is there (``None`` when absent)."""
    status = payload.get("status")
    if status is None:
        return None, True
    if isinstance(status, dict) and set(status) == {BITSTRING_STATUS_MEMBER}:
        return status[BITSTRING_STATUS_MEMBER], True
    return status, False
