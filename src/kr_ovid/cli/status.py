"""``status decode|revoke|suspend|unsuspend|publish``: Bitstring Status Lists of a mission."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kr_ovid._json import JsonParseError, parse_json
from kr_ovid.cli._common import (
    EXIT_OK,
    CliError,
    Progress,
    add_input_format_argument,
    decode_text,
    dumps,
    emit,
    is_file,
    load_signer,
    parse_input,
    read_bytes,
)
from kr_ovid.cli.ovid import load_mission_signer, read_did_document
from kr_ovid.errors import KrOvidError, ResolutionError, StatusListError
from kr_ovid.keys import Ed25519Signer
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt import parse_issued
from kr_ovid.status import (
    PURPOSES,
    AuditRecord,
    SqliteStatusListStore,
    StatusAllocation,
    decode_list,
    parse_status_list_index,
    parse_status_size,
)
from kr_ovid.status.publish import (
    DEFAULT_LIST_VALIDITY,
    default_status_base,
    issue_status_list_credential,
    status_list_url,
)

__all__ = ["register"]

_ENCODED = re.compile(r"u[A-Za-z0-9_-]+")
#: A credential id on the command line (as the stores accept them: a URI without spaces).
_CREDENTIAL_ID = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]{1,250}")
_CHANGES = {
    "revoke": ("revocation", 1),
    "suspend": ("suspension", 1),
    "unsuspend": ("suspension", 0),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser(
        "status", help="Bitstring Status Lists: decode, revoke, suspend, publish"
    )
    cmds = group.add_subparsers(dest="status_command", required=True, metavar="SUBCOMMAND")

    p = cmds.add_parser("decode", help="print the set entries of an encodedList")
    p.add_argument("input", metavar="ENCODED_LIST|LIST_CREDENTIAL.json")
    p.add_argument("--status-size", type=int, default=1, metavar="N", help="bits per entry")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_decode)

    for name, (purpose, value) in _CHANGES.items():
        p = cmds.add_parser(
            name,
            help=f"set the {purpose} status of a credential to {value}, every copy of its issuance",
            description=f"Set the {purpose} status to {value} for a credential and, unless "
            "--only-this, every copy issued with it (the Data Integrity credential and the "
            "SD-JWT copies of one issuance, as the store recorded them). CREDENTIAL is the "
            "credential id (urn:uuid:...; printed by issue) or an issued credential file.",
        )
        p.add_argument(
            "credential",
            metavar="CREDENTIAL",
            help="credential id (urn:uuid:...) or issued credential file (.json or .sd-jwt)",
        )
        p.add_argument(
            "--only-this",
            action="store_true",
            help="change this credential only, not the other copies of its issuance",
        )
        p.add_argument("--db", required=True, metavar="FILE", help="the SQLite status store")
        p.add_argument("--actor", default="kr-ovid-cli", help="staff or system code (audited)")
        p.add_argument("--reason", default="unspecified", help="short reason code (audited)")
        add_input_format_argument(p, "credential")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=cmd_change, purpose=purpose, value=value)

    p = cmds.add_parser("publish", help="write signed status list credentials for every list")
    p.add_argument("--db", required=True, metavar="FILE", help="the SQLite status store")
    p.add_argument("--key", required=True, metavar="FILE", help="the mission's key file")
    p.add_argument(
        "--out", required=True, metavar="DIR", help="directory for <list>-<purpose>.json"
    )
    p.add_argument("--base", metavar="URL", help="status list base URL (default from the DID)")
    p.add_argument(
        "--valid-hours",
        type=float,
        default=DEFAULT_LIST_VALIDITY.total_seconds() / 3600,
        metavar="H",
        help="validity of the published lists",
    )
    p.add_argument("--did-doc", metavar="FILE", help="the mission's DID document (binds the key)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_publish)


def open_store(path: str) -> SqliteStatusListStore:
    """An existing store only: a typo must not silently create an empty one."""
    if not is_file(path):
        raise CliError(f"--db {path}: no such status store")
    return SqliteStatusListStore(path)


# --------------------------------------------------------------------------------------------
# decode
# --------------------------------------------------------------------------------------------
def cmd_decode(args: argparse.Namespace) -> int:
    size = parse_status_size(args.status_size)
    text, purpose = _encoded_list(args.input)
    bits = decode_list(text, status_size=size)
    entries = list(bits.nonzero())
    if args.json:
        out: dict[str, Any] = {"length": bits.length, "statusSize": size}
        if purpose is not None:
            out["statusPurpose"] = purpose
        if size == 1:
            out["set"] = [i for i, _ in entries]
        else:
            out["entries"] = {str(i): v for i, v in entries}
        emit(out)
        return EXIT_OK
    for index, value in entries:
        emit(str(index) if size == 1 else f"{index}: {value}")
    return EXIT_OK


def _encoded_list(arg: str) -> tuple[str, str | None]:
    """(encodedList, statusPurpose) from a literal list or a list credential file."""
    if _ENCODED.fullmatch(arg) and not is_file(arg):
        return arg, None
    text = decode_text(read_bytes(arg), arg)
    try:
        doc = parse_json(text)
    except JsonParseError:
        text = text.strip()
        if _ENCODED.fullmatch(text):
            return text, None
        raise CliError(f"{arg}: neither an encodedList nor a status list credential") from None
    subject = doc.get("credentialSubject") if isinstance(doc, dict) else None
    if not isinstance(subject, dict) or not isinstance(subject.get("encodedList"), str):
        raise CliError(f"{arg}: not a status list credential (no credentialSubject.encodedList)")
    purpose = subject.get("statusPurpose")
    return subject["encodedList"], purpose if isinstance(purpose, str) else None


# --------------------------------------------------------------------------------------------
# revoke / suspend / unsuspend
# --------------------------------------------------------------------------------------------
def _read_credential(path: str, fmt: str) -> dict[str, Any]:
    """A DI credential (JSON) or an issued SD-JWT (its full payload; the signature is not
    checked: the position found must still be the one the store recorded for its id)."""
    credential = parse_input(read_bytes(path), fmt, source=path, what="credential")
    if isinstance(credential, dict):
        return credential
    try:
        return parse_issued(credential).document
    except KrOvidError as exc:
        raise CliError(f"{path}: not an issued SD-JWT ({exc})") from None


def _position_from_entries(credential: dict[str, Any], purpose: str) -> StatusAllocation | None:
    """The position the credential's own ``credentialStatus`` entry for ``purpose`` names."""
    status = credential.get("credentialStatus")
    entries = status if isinstance(status, list) else [status]
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("statusPurpose") != purpose:
            continue
        url = entry.get("statusListCredential")
        segments = urlsplit(url).path.rstrip("/").split("/") if isinstance(url, str) else []
        if len(segments) < 2 or segments[-1] != purpose or not segments[-2].isdigit():
            raise CliError(f"statusListCredential is not a <base>/<list>/{purpose} URL")
        return StatusAllocation(
            int(segments[-2]), parse_status_list_index(entry.get("statusListIndex"))
        )
    return None


def _targets(
    store: SqliteStatusListStore, arg: str, fmt: str, purpose: str, only_this: bool
) -> dict[str, StatusAllocation]:
    """Credential id → position of every credential to change: the one ``arg`` names (an id,
    or a credential file whose id the store knows) and, unless ``only_this``, the other copies
    of its issuance. A credential file without an id falls back to its own status entry."""
    if not is_file(arg) and arg != "-" and _CREDENTIAL_ID.fullmatch(arg):
        found = store.issuance_of(arg)
        if not found:
            raise CliError(f"the status store has no credential {arg}")
        return {arg: found[arg]} if only_this else found
    credential = _read_credential(arg, fmt)
    from_entries = _position_from_entries(credential, purpose)
    cid = credential.get("id")
    if not isinstance(cid, str):
        if from_entries is None:
            raise CliError(f"the credential has no id and no {purpose} status entry")
        return {"(no id)": from_entries}
    found = store.issuance_of(cid) if _CREDENTIAL_ID.fullmatch(cid) else {}
    if not found:
        raise CliError(
            "the status store has no allocation for this credential's id: it was not issued "
            "with this status store"
        )
    if from_entries is not None and from_entries != found[cid]:
        at = found[cid]
        raise CliError(
            "the credential's status entry names another position than the store records "
            f"for its id (list {at.list_id}, index {at.index}); refusing"
        )
    return {cid: found[cid]} if only_this else found


def _record_json(record: AuditRecord) -> dict[str, Any]:
    return {
        "time": record.time.isoformat(),
        "listId": record.list_id,
        "index": record.index,
        "purpose": record.purpose,
        "oldValue": record.old_value,
        "newValue": record.new_value,
        "actor": record.actor,
        "reason": record.reason,
    }


def cmd_change(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    records: list[tuple[str, AuditRecord]] = []
    try:
        targets = _targets(store, args.credential, args.input_format, args.purpose, args.only_this)
        for cid, at in targets.items():
            record = store.set_status(
                at.list_id,
                at.index,
                args.purpose,
                args.value,
                actor=args.actor,
                reason=args.reason,
            )
            records.append((cid, record))
    except StatusListError as exc:
        if exc.code is ErrorCode.CREDENTIAL_REVOKED:
            raise CliError(
                "the credential is revoked, and revocation is permanent: it cannot be undone "
                f"({len(records)} of {len(targets)} copies changed before this one)",
                code=ErrorCode.CREDENTIAL_REVOKED,
            ) from None
        raise
    finally:
        store.close()
    if args.json:
        emit([{"credentialId": cid, **_record_json(r)} for cid, r in records])
        return EXIT_OK
    for cid, record in records:
        emit(
            f"{cid}: {record.purpose} {record.old_value} -> {record.new_value} (list "
            f"{record.list_id} index {record.index}) at {record.time.isoformat()} by "
            f"{record.actor} ({record.reason})"
            + (
                "; unchanged, the request is audited"
                if record.old_value == record.new_value
                else ""
            )
        )
    emit("publish the lists again (status publish) for verifiers to see the change")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# publish
# --------------------------------------------------------------------------------------------
def _default_base(signer: Ed25519Signer) -> str:
    """``https://<host>/<path>/status`` from the signer's did:web DID (as issuance does)."""
    try:
        return default_status_base(signer.controller)
    except ResolutionError:
        raise CliError("--base is required when the key is not a did:web key") from None


def cmd_publish(args: argparse.Namespace) -> int:
    if not 0 < args.valid_hours <= 24 * 366:
        raise CliError("--valid-hours must be in (0, 8784]")
    store = open_store(args.db)
    try:
        signer = load_signer(args.key)
        if args.did_doc is not None:
            doc = read_did_document(args.did_doc)
            signer = load_mission_signer(args.key, str(doc["id"]), doc)
        base = args.base or _default_base(signer)
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise CliError(f"--out {out}: not a directory")
        out.mkdir(parents=True, exist_ok=True)
        written: list[dict[str, Any]] = []
        jobs = [(list_id, purpose) for list_id in store.list_ids() for purpose in PURPOSES]
        progress = Progress("publishing")
        for done, (list_id, purpose) in enumerate(jobs, start=1):
            credential = issue_status_list_credential(
                store,
                list_id,
                purpose,
                signer,
                base=base,
                valid_for=timedelta(hours=args.valid_hours),
            )
            path = out / f"{list_id}-{purpose}.json"
            path.write_text(dumps(credential) + "\n", encoding="utf-8")
            written.append(
                {
                    "file": str(path),
                    "url": status_list_url(base, list_id, purpose),
                    "listId": list_id,
                    "purpose": purpose,
                }
            )
            progress(done, len(jobs))
        progress.close()
    finally:
        store.close()
    if args.json:
        emit(written)
    elif not written:
        emit("the store has no lists yet (nothing issued): nothing to publish")
    else:
        for w in written:
            emit(f"{w['file']}  ->  {w['url']}")
    return EXIT_OK
