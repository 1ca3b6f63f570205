"""Key rotation and compromise for a mission's DID document, in W3C Controlled Identifiers terms.

Why this shape (CID 1.0 §2.2, verification-method ``expires`` and ``revoked``):

* **Standard properties only.** A retired key gets ``expires`` (a dateTimeStamp: the end of the
  window in which it may issue); a compromised key gets ``revoked``. Both are defined by
  Controlled Identifiers 1.0, which DID Core 1.1 builds on, so the document stays a plain DID
  document that any resolver serves and any CID-aware tool reads. No side channel (a separate
  signed rotation record) has to be fetched, trusted and kept in sync.
* **A retired key stays listed,** in ``verificationMethod`` *and* ``assertionMethod``, so IDs it
  issued keep verifying: :func:`kr_ovid.integrity.key_lifetime_problem` accepts a proof by a
  retired key only when the proof's ``created`` precedes ``expires`` (``KEY_RETIRED`` otherwise).
  It leaves ``authentication`` and the capability relationships: those are live uses with no
  history worth keeping.
* **Generic verifiers fail closed.** CID says systems "are expected to not verify any proofs
  associated with the verification method at or after the time of expiration". A generic
  verifier therefore rejects every proof made after retirement too; if it reads that sentence
  by *verification* time it also rejects older IDs — stricter than kr_ovid, never laxer.
* **Revocation is compromise.** ``created`` is written by whoever holds the key, so a thief can
  back-date it into any window; a revoked key's proofs therefore fail whatever their ``created``
  (``KEY_REVOKED``). The revoked key stays in ``assertionMethod`` so verifiers report that
  precise code rather than a vaguer ``KEY_NOT_AUTHORIZED``. Its IDs must be re-issued.
* A key's window has no start in the document: a proof dated before its key was published can
  only be back-dated by the key's own (uncompromised) holder; the mission's accreditation window
  on the trust list bounds issuance from below.

All functions take a document and return a new one; the input is never modified.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kr_ovid.clock import format_datetime, parse_datetime_stamp
from kr_ovid.did.document import split_did_url
from kr_ovid.did.web import KeyInput, multikey_method, validate_did_document
from kr_ovid.errors import ConfigurationError, KeyFormatError, ResolutionError
from kr_ovid.keys.multikey import decode_public_multikey

__all__ = ["active_assertion_method", "is_active", "revoke_key", "rotate_key"]

# Live uses of a key: a retired or revoked key leaves these (assertionMethod keeps it).
_LIVE_RELATIONSHIPS = ("authentication", "capabilityInvocation", "capabilityDelegation")


def _stamp(at: datetime) -> tuple[str, datetime]:
    """``at`` as written (a second-precision dateTimeStamp) and as read back: keys are chosen
    with the instant that lands in the document, not a finer one."""
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise ConfigurationError("'at' must be a timezone-aware datetime")
    text = format_datetime(at)
    parsed = parse_datetime_stamp(text)
    if parsed is None:  # pragma: no cover — format_datetime always yields a dateTimeStamp
        raise ConfigurationError("'at' cannot be written as a dateTimeStamp")
    return text, parsed


def _load(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A validated working copy with every id absolute (ids then compare as strings). Embedded
    methods are refused: rotation edits relationships as lists of ids."""
    try:
        data = validate_did_document(dict(doc)).to_json()
    except ResolutionError as exc:
        raise ConfigurationError(f"not a valid DID document: {exc}") from None
    did = data["id"]
    for rel in ("assertionMethod", *_LIVE_RELATIONSHIPS):
        if any(not isinstance(e, str) for e in data.get(rel, [])):
            raise ConfigurationError(
                "rotation needs verification methods referenced by id, not embedded"
            )
        if rel in data:
            data[rel] = [_absolute(did, e) for e in data[rel]]
    for m in data.get("verificationMethod", []):
        m["id"] = _absolute(did, m["id"])  # one spelling, so ids compare as strings
    return data


def _absolute(did: str, ref: str) -> str:
    return did + ref if ref.startswith("#") else ref


def is_active(method: Mapping[str, Any], at: datetime | None = None) -> bool:
    """Not revoked, and not retired (no ``expires``, or — given ``at`` — ``expires`` after it).

    Controlled Identifiers §2.2 ``expires``/``revoked``. Without ``at`` any retired key is
    inactive: only a key with no end can sign from now on.
    """
    if "revoked" in method:
        return False
    if "expires" not in method:
        return True
    expires = parse_datetime_stamp(method["expires"])
    return at is not None and expires is not None and at < expires


def _active_ids(data: dict[str, Any], at: datetime | None) -> list[str]:
    methods = {m["id"]: m for m in data.get("verificationMethod", [])}
    out = []
    for ref in data.get("assertionMethod", []):
        vm_id = _absolute(data["id"], ref)
        vm = methods.get(vm_id)
        if vm is not None and is_active(vm, at):
            out.append(vm_id)
    return out


def active_assertion_method(doc: Mapping[str, Any], *, at: datetime | None = None) -> str:
    """The verification-method id new credentials should be signed with.

    The newest (last listed) assertion key that is neither revoked nor retired (at ``at``, when
    given). Raises :class:`ConfigurationError` when there is none: after a compromise the
    mission must :func:`rotate_key` before it issues again.
    """
    if at is not None:
        _stamp(at)
    data = _load(doc)
    active = _active_ids(data, at)
    if not active:
        raise ConfigurationError("the DID document has no active assertion key; rotate first")
    return active[-1]


def rotate_key(
    doc: Mapping[str, Any],
    new_key: KeyInput,
    *,
    at: datetime,
    authentication: bool = True,
) -> dict[str, Any]:
    """Retire the active assertion key(s) at ``at`` and publish ``new_key`` (Controlled
    Identifiers §5.4 Verification Method Rotation).

    Each key active at ``at`` gets ``expires = at`` (second precision) and leaves the live
    relationships; the new key joins ``verificationMethod``, ``assertionMethod`` and (unless
    ``authentication=False``) ``authentication``. The new key must have a fresh id and fresh key
    material: re-publishing a retired or revoked key under a new id would resurrect it.
    """
    stamp, when = _stamp(at)
    data = _load(doc)
    did = data["id"]
    new_vm = multikey_method(did, new_key)
    methods: list[dict[str, Any]] = data.setdefault("verificationMethod", [])
    if any(m["id"] == new_vm["id"] for m in methods):
        raise ConfigurationError(f"verification method id {new_vm['id']} is already used")
    new_public = decode_public_multikey(new_vm["publicKeyMultibase"])
    for m in methods:
        try:
            if decode_public_multikey(m.get("publicKeyMultibase")) == new_public:
                raise ConfigurationError("the new key is already published in this document")
        except KeyFormatError:
            continue  # a non-Multikey method cannot hold the same Multikey
    retiring = set(_active_ids(data, when))
    for m in methods:
        if m["id"] in retiring:
            m["expires"] = stamp
    _drop_live(data, retiring)
    methods.append(new_vm)
    data.setdefault("assertionMethod", []).append(new_vm["id"])
    if authentication:
        data.setdefault("authentication", []).append(new_vm["id"])
    return _checked(data)


def revoke_key(doc: Mapping[str, Any], vm_id: str, *, at: datetime) -> dict[str, Any]:
    """Mark a key compromised: ``revoked = at``; every proof it made now fails (``KEY_REVOKED``).

    Controlled Identifiers §5.5 Verification Method Revocation notes that an attacker's use of
    a compromised key cannot be told from the controller's, back to when the key was registered;
    hence every proof fails, not only those dated after ``at``.

    ``vm_id`` is absolute or ``"#fragment"``. A key already revoked keeps its earlier time.
    """
    stamp, _ = _stamp(at)
    data = _load(doc)
    target = _absolute(data["id"], vm_id)
    if split_did_url(target)[0] != data["id"]:
        raise ConfigurationError("vm_id is not a verification method of this DID")
    for m in data.get("verificationMethod", []):
        if m["id"] == target:
            m.setdefault("revoked", stamp)
            break
    else:
        raise ConfigurationError(f"no verification method {target} in the document")
    _drop_live(data, {target})
    return _checked(data)


def _drop_live(data: dict[str, Any], ids: set[str]) -> None:
    """Take ``ids`` out of the live relationships (an emptied one is removed); they stay under
    ``assertionMethod`` so that what they signed keeps verifying."""
    did = data["id"]
    for rel in _LIVE_RELATIONSHIPS:
        if rel in data:
            kept = [r for r in data[rel] if _absolute(did, r) not in ids]
            if kept:
                data[rel] = kept
            else:
                del data[rel]


def _checked(data: dict[str, Any]) -> dict[str, Any]:
    try:
        validate_did_document(data)
    except ResolutionError as exc:  # pragma: no cover — every step above keeps it valid
        raise ConfigurationError(f"rotation produced an invalid document: {exc}") from None
    return data
