"""VC Data Model 2.0 §5.3 Integrity of Related Resources: ``relatedResource``.

An issuer may list resources the credential depends on (its JSON-LD contexts, an image, a
schema), each with one or more digests, so that a verifier holding a copy can tell whether it is
the copy the issuer meant. §5.3: the value is one or more objects; each has an ``id`` (§4.4, a
URL) unique among them, an optional ``mediaType``, and at least a ``digestSRI`` (Subresource
Integrity §3.5 ``hash-expression``: ``sha256-``/``sha384-``/``sha512-`` and base64) or a
``digestMultibase`` (VC Data Integrity §2.6: a multibase-encoded multihash).

kr_ovid never fetches a resource. What it can check, it checks: when the ``id`` is a context the
loader serves from its pinned files, every digest listed must match those bytes, else the
credential fails with ``CRYPTOGRAPHIC_SECURITY_ERROR`` (the issuer signed with other contexts
than the verifier uses: exactly what §5.3 protects against). Any other ``id`` cannot be checked
offline: a warning (``RELATED_RESOURCE_NOT_CHECKED``) says so, and the caller that fetches the
resource must compare it with :func:`digest_matches`. A digest in an algorithm this module does
not know, or one that does not parse, is ``MALFORMED_VALUE_ERROR``: it is never skipped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kr_ovid.errors import KeyFormatError
from kr_ovid.jsonld.iri import is_absolute_iri
from kr_ovid.keys.multikey import decode_multibase_base58btc
from kr_ovid.problems import ErrorCode, ProblemDetails

__all__ = [
    "ResourceDigest",
    "check_related_resource_shape",
    "check_related_resources",
    "digest_matches",
    "parse_digest_multibase",
    "parse_digest_sri",
]

#: Subresource Integrity §3.2 (sha256, sha384, sha512) by SRI token.
_SRI_ALGORITHMS: Mapping[str, str] = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
#: Multihash codes (multicodec table) → hashlib name and digest length.
_MULTIHASH: Mapping[int, tuple[str, int]] = {
    0x12: ("sha256", 32),
    0x13: ("sha512", 64),
    0x20: ("sha384", 48),
    0x16: ("sha3_256", 32),
    0x15: ("sha3_384", 48),
    0x14: ("sha3_512", 64),
}
#: A multibase value without a multihash header: a SHA-2 digest by its length.
_RAW_SHA2: Mapping[int, str] = {32: "sha256", 48: "sha384", 64: "sha512"}
_SRI = re.compile(r"^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?[\x21-\x7e]*)?$")
_MAX_DIGESTS = 8


@dataclass(frozen=True, slots=True)
class ResourceDigest:
    """One digest of a related resource: the hashlib algorithm and the expected bytes."""

    algorithm: str
    value: bytes


def parse_digest_sri(value: str) -> list[ResourceDigest]:
    """SRI §3.5 ``integrity`` metadata: whitespace-separated ``hash-expression``s (options after
    ``?`` are allowed and ignored, as SRI says). Raises ``KeyFormatError`` on anything else."""
    expressions = value.split()
    if not expressions:
        raise KeyFormatError("digestSRI holds no hash expression")
    out = []
    for expression in expressions:
        match = _SRI.match(expression)
        if match is None:
            raise KeyFormatError("digestSRI is not an SRI hash expression (sha256/384/512)")
        algorithm = _SRI_ALGORITHMS[match.group(1)]
        try:
            digest = base64.b64decode(match.group(2), validate=True)
        except (binascii.Error, ValueError):
            raise KeyFormatError("digestSRI is not base64") from None
        if len(digest) != hashlib.new(algorithm).digest_size:
            raise KeyFormatError("digestSRI has the wrong length for its algorithm")
        out.append(ResourceDigest(algorithm, digest))
    return out


def parse_digest_multibase(value: str) -> ResourceDigest:
    """VC Data Integrity §2.6 ``digestMultibase``: multibase (``u`` base64url without padding or
    ``z`` base58btc) of a multihash (sha2-256/384/512, sha3-256/384/512), or of a bare SHA-2
    digest (32, 48 or 64 bytes: sha256, sha384, sha512), as VC DM 2.0 §5.3 Example 42 writes
    it."""
    if value.startswith("u"):
        text = value[1:]
        if not re.fullmatch(r"[A-Za-z0-9_-]+", text):
            raise KeyFormatError("digestMultibase is not base64url")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise KeyFormatError("digestMultibase is not base64url") from None
    elif value.startswith("z"):
        raw = decode_multibase_base58btc(value, what="digestMultibase")
    else:
        raise KeyFormatError("digestMultibase must be base64url (u) or base58btc (z)")
    known = _MULTIHASH.get(raw[0]) if len(raw) >= 2 else None
    if known is not None and raw[1] == known[1] and len(raw) == 2 + known[1]:
        return ResourceDigest(known[0], raw[2:])
    if len(raw) in _RAW_SHA2:
        # A bare SHA-2 digest, as VC DM 2.0 §5.3's own example (and the W3C suite) writes it;
        # its lengths (32, 48, 64) are never those of a multihash (34, 50, 66).
        return ResourceDigest(_RAW_SHA2[len(raw)], raw)
    if known is None:
        raise KeyFormatError("digestMultibase is not a known multihash")
    raise KeyFormatError("digestMultibase has the wrong length for its algorithm")


def digest_matches(digest: ResourceDigest, data: bytes) -> bool:
    """Whether ``data`` has this digest (constant-time comparison)."""
    return hmac.compare_digest(hashlib.new(digest.algorithm, data).digest(), digest.value)


def _strings(value: Any) -> list[str] | None:
    """One string or a non-empty list of strings ("one or more digests"); else ``None``."""
    if isinstance(value, str):
        return [value]
    if (
        isinstance(value, list)
        and 0 < len(value) <= _MAX_DIGESTS
        and all(isinstance(v, str) for v in value)
    ):
        return list(value)
    return None


def _digests(
    entry: Mapping[str, Any], where: str
) -> tuple[list[ResourceDigest], ProblemDetails | None]:
    out: list[ResourceDigest] = []
    for member, parse in (("digestSRI", parse_digest_sri), ("digestMultibase", None)):
        if member not in entry:
            continue
        values = _strings(entry[member])
        if values is None:
            return [], ProblemDetails(
                ErrorCode.MALFORMED_VALUE_ERROR,
                f"{member} must be a string or a list of strings",
                f"{where}/{member}",
            )
        for text in values:
            try:
                if parse is not None:
                    out.extend(parse(text))
                else:
                    out.append(parse_digest_multibase(text))
            except KeyFormatError as exc:
                return [], ProblemDetails(
                    ErrorCode.MALFORMED_VALUE_ERROR, str(exc), f"{where}/{member}"
                )
    return out, None


def _entries(document: Mapping[str, Any]) -> tuple[list[tuple[str, Any]], bool]:
    value = document.get("relatedResource")
    if isinstance(value, list):
        return [(f"/relatedResource/{i}", v) for i, v in enumerate(value)], bool(value)
    return [("/relatedResource", value)], True


def check_related_resource_shape(document: Mapping[str, Any]) -> list[ProblemDetails]:
    """§5.3's MUSTs on the form: objects, each with a URL ``id`` unique among them, and at least
    one well-formed ``digestSRI`` or ``digestMultibase``. ``MALFORMED_VALUE_ERROR`` each."""
    if "relatedResource" not in document:
        return []
    entries, nonempty = _entries(document)
    if not nonempty:
        return [
            ProblemDetails(
                ErrorCode.MALFORMED_VALUE_ERROR,
                "relatedResource must be one or more objects",
                "/relatedResource",
            )
        ]
    problems: list[ProblemDetails] = []
    seen: set[str] = set()
    for where, entry in entries:
        if not isinstance(entry, dict):
            problems.append(
                ProblemDetails(
                    ErrorCode.MALFORMED_VALUE_ERROR, "relatedResource must hold objects", where
                )
            )
            continue
        rid = entry.get("id")
        if not isinstance(rid, str) or not is_absolute_iri(rid):
            problems.append(
                ProblemDetails(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    "a related resource needs an id URL",
                    f"{where}/id",
                )
            )
        elif rid in seen:
            problems.append(
                ProblemDetails(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    "related resource ids must be unique",
                    f"{where}/id",
                )
            )
        else:
            seen.add(rid)
        if "mediaType" in entry and not isinstance(entry["mediaType"], str):
            problems.append(
                ProblemDetails(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    "mediaType must be a string",
                    f"{where}/mediaType",
                )
            )
        if "digestSRI" not in entry and "digestMultibase" not in entry:
            problems.append(
                ProblemDetails(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    "a related resource needs digestSRI or digestMultibase",
                    where,
                )
            )
            continue
        _, problem = _digests(entry, where)
        if problem is not None:
            problems.append(problem)
    return problems


def check_related_resources(
    document: Mapping[str, Any], pinned_bytes: Callable[[str], bytes | None]
) -> tuple[list[ProblemDetails], list[ProblemDetails]]:
    """§5.3 digests against the resources kr_ovid holds: ``(errors, warnings)``.

    ``pinned_bytes`` gives the bytes of a pinned resource (a context file) or ``None``. A
    well-formed entry whose resource is pinned must match every digest it lists
    (``CRYPTOGRAPHIC_SECURITY_ERROR`` otherwise); one whose resource is not pinned is a warning
    (``RELATED_RESOURCE_NOT_CHECKED``): it was not fetched, so it could not be compared.
    Malformed entries are left to :func:`check_related_resource_shape`.
    """
    errors: list[ProblemDetails] = []
    warnings: list[ProblemDetails] = []
    if "relatedResource" not in document:
        return errors, warnings
    for where, entry in _entries(document)[0]:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        digests, problem = _digests(entry, where)
        if problem is not None or not digests:
            continue
        data = pinned_bytes(entry["id"])
        if data is None:
            warnings.append(
                ProblemDetails(
                    ErrorCode.RELATED_RESOURCE_NOT_CHECKED,
                    "related resource is not held offline: its digest was not checked",
                    f"{where}/id",
                )
            )
            continue
        if not all(digest_matches(d, data) for d in digests):
            errors.append(
                ProblemDetails(
                    ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,
                    "related resource digest does not match the pinned copy",
                    where,
                )
            )
    return errors, warnings
