"""Hostile issuers, holders and relays against the pinned view (GenericVerifier(jsonld="expanded"))
and the strict form it lands in.

Each attack signs (or re-spells) a document so that its RDF states a decision-relevant fact
(an expiry, a status entry) somewhere the JSON the verifier reads does not show it. The ones that
worked are fixed and pinned here with the exact code; the ones that failed stay as cheap
regression tests.
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from kr_ovid import FixedClock, GenericVerifier, VerificationContext
from kr_ovid.errors import CanonicalizationError
from kr_ovid.integrity import add_proof
from kr_ovid.jsonld.canon import check_strict
from kr_ovid.jsonld.expanded import pinned_view
from kr_ovid.keys import Ed25519Signer
from kr_ovid.problems import ErrorCode
from kr_ovid.status import InMemoryStatusListStore
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.status.publish import issue_status_list_credential, status_entries

from support import vector_loader

ISSUER = Ed25519Signer.from_seed(b"\x41" * 32)
HOLDER = Ed25519Signer.from_seed(b"\x43" * 32)
NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
V2 = "https://www.w3.org/ns/credentials/v2"
CRED = "https://www.w3.org/2018/credentials#"
ID = "urn:uuid:5b0e6d1c-2f4a-4c8e-9d3b-7a1f0c2e4b68"
BASE = "https://status.example/lists"
LOADER = vector_loader()


def credential(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V2],
        "id": ID,
        "type": ["VerifiableCredential"],
        "issuer": ISSUER.controller,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": HOLDER.controller},
    }
    doc.update(changes)
    return doc


def signed(doc: dict[str, Any], *, mode: str = "generic") -> dict[str, Any]:
    """Signed by the issuer over the RDF pyld makes (a hostile issuer signs what it likes)."""
    return add_proof(doc, ISSUER, created=NOW, loader=LOADER, mode=mode)  # type: ignore[arg-type]


def verifier(jsonld: str = "expanded", **kw: Any) -> GenericVerifier:
    context = VerificationContext(clock=FixedClock(NOW), loader=LOADER)
    return GenericVerifier(context=context, jsonld=jsonld, **kw)  # type: ignore[arg-type]


def revoked_entry() -> tuple[dict[str, Any], LocalStatusListFetcher]:
    store = InMemoryStatusListStore(clock=FixedClock(NOW))
    allocation = store.allocate(credential_id=ID)
    store.set_status(allocation.list_id, allocation.index, "revocation", 1, actor="t", reason="t")
    fetcher = LocalStatusListFetcher()
    fetcher.register(
        issue_status_list_credential(
            store,
            allocation.list_id,
            "revocation",
            ISSUER,
            base=BASE,
            issuer=ISSUER.controller,
            clock=FixedClock(NOW),
        )
    )
    return status_entries(allocation, BASE)[0], fetcher


# --------------------------------------------------------------------------- findings


def _hidden(member: str, value: Any) -> dict[str, Any]:
    """The credential's own node described a second time, inside ``evidence``: the RDF gives the
    credential ``member`` (one graph, one subject), the top-level JSON does not show it."""
    return credential(evidence={"id": ID, "type": "VerifiableCredential", member: value})


@pytest.mark.parametrize("jsonld", ["strict", "expanded"])
def test_an_expiry_on_a_second_description_of_the_credential_is_refused(jsonld: str) -> None:
    vc = signed(_hidden("validUntil", "2020-01-01T00:00:00Z"))
    result = verifier(jsonld).verify_credential(vc)
    assert not result.verified
    assert ErrorCode.MALFORMED_VALUE_ERROR in result.codes


@pytest.mark.parametrize("jsonld", ["strict", "expanded"])
def test_a_status_entry_on_a_second_description_of_the_credential_is_refused(jsonld: str) -> None:
    entry, fetcher = revoked_entry()
    vc = signed(_hidden("credentialStatus", entry))
    result = verifier(jsonld, status_fetcher=fetcher).verify_credential(vc)
    assert not result.verified
    assert ErrorCode.MALFORMED_VALUE_ERROR in result.codes


def test_the_same_attack_under_inline_contexts_is_refused() -> None:
    doc = _hidden("validUntil", "2020-01-01T00:00:00Z")
    doc["@context"] = [V2, {"Extra": "https://example.org/#Extra"}]
    doc["type"] = ["VerifiableCredential", "Extra"]
    result = verifier().verify_credential(signed(doc))
    assert not result.verified
    assert result.codes == (ErrorCode.MALFORMED_VALUE_ERROR,)


def test_the_strict_form_refuses_a_second_description_of_the_root_node() -> None:
    with pytest.raises(CanonicalizationError) as caught:
        check_strict(_hidden("validUntil", "2020-01-01T00:00:00Z"), loader=LOADER)
    assert caught.value.code is ErrorCode.MALFORMED_VALUE_ERROR
    assert caught.value.path == "/evidence"


def test_a_bare_reference_to_the_credential_is_still_accepted() -> None:
    # A link to the credential states one triple about another node; it describes nothing.
    doc = credential(credentialSubject={"id": HOLDER.controller, "seeAlso": ID})
    doc["@context"] = [V2, {"seeAlso": {"@id": "https://example.org/#seeAlso", "@type": "@id"}}]
    result = verifier().verify_credential(signed(doc))
    assert result.verified, result.errors
    assert result.document is not None
    assert result.document["credentialSubject"]["seeAlso"] == {"id": ID}


@pytest.mark.parametrize("jsonld", ["strict", "expanded"])
@pytest.mark.parametrize("first", ["credentialStatus", "evidence"])
def test_a_status_entry_described_a_second_time_is_refused(jsonld: str, first: str) -> None:
    # The RDF gives the entry two indexes (the revoked one under evidence); the status check read
    # only the entry at credentialStatus and called a revoked credential valid.
    entry, fetcher = revoked_entry()
    entry_id = "https://status.example/entries/1"
    shown = dict(entry, id=entry_id, statusListIndex=str(int(entry["statusListIndex"]) + 1))
    hidden = {
        "id": entry_id,
        "type": "BitstringStatusListEntry",
        "statusListIndex": entry["statusListIndex"],
    }
    members = {"credentialStatus": shown, "evidence": hidden}
    other = "evidence" if first == "credentialStatus" else "credentialStatus"
    doc = credential(**{first: members[first], other: members[other]})
    result = verifier(jsonld, status_fetcher=fetcher).verify_credential(signed(doc))
    assert not result.verified
    assert result.codes == (ErrorCode.MALFORMED_VALUE_ERROR,)


def test_a_schema_also_described_by_a_related_resource_digest_is_accepted() -> None:
    # VC DM 2.0 §5.3: a relatedResource may pin the digest of the schema credentialSchema names;
    # both describe one node, and that is not refused (only a status entry is read at one place).
    schema = "https://schemas.example/degree.json"
    doc = credential(
        credentialSchema={"id": schema, "type": "JsonSchema"},
        relatedResource={"id": schema, "digestSRI": "sha384-" + "A" * 64},
    )
    check_strict(doc, loader=LOADER)


@pytest.mark.parametrize("jsonld", ["strict", "expanded"])
@pytest.mark.parametrize(
    "respelled",
    [["BitstringStatusListEntry"], ["BitstringStatusListEntry", "https://example.org/#Other"]],
)
def test_a_status_entry_type_written_as_an_array_is_still_checked(
    jsonld: str, respelled: list[str]
) -> None:
    # A one-item array is the same RDF as the string: any relay could respell an issued entry.
    # The status check compared the JSON value with the string, called the entry of an unknown
    # type, and (status not required) only warned: a revoked credential verified.
    entry, fetcher = revoked_entry()
    doc = credential(credentialStatus=dict(entry, type=respelled))
    result = verifier(jsonld, status_fetcher=fetcher).verify_credential(signed(doc))
    assert not result.verified
    assert result.codes == (ErrorCode.CREDENTIAL_REVOKED,)


def test_a_relayed_one_item_type_array_keeps_the_signature_and_is_revoked() -> None:
    entry, fetcher = revoked_entry()
    vc = signed(credential(credentialStatus=entry), mode="strict")
    relayed = copy.deepcopy(vc)
    relayed["credentialStatus"]["type"] = ["BitstringStatusListEntry"]
    result = verifier("strict", status_fetcher=fetcher).verify_credential(relayed)
    assert "proof" in result.checks and not result.verified
    assert result.codes == (ErrorCode.CREDENTIAL_REVOKED,)


def test_a_declared_schema_type_written_as_an_array_is_still_applied() -> None:
    # The shipped overseas-ID schema, declared by a credential it does not fit: applied (its
    # findings are errors), whether its type is a string or a one-item array.
    schema = "https://w3id.org/kr-ovid/schemas/overseas-national-id.json"
    codes = []
    for spelled in ("JsonSchema", ["JsonSchema"]):
        doc = credential(credentialSchema={"id": schema, "type": spelled})
        codes.append(verifier().verify_credential(signed(doc)).codes)
    assert codes[0] and set(codes[0]) == {ErrorCode.MALFORMED_VALUE_ERROR}  # the schema's findings
    assert codes[1] and set(codes[1]) == set(codes[0])  # (the array spelling: one finding more)


def _scoped_bomb(terms: int, uses: int) -> dict[str, Any]:
    """An unsigned document whose property-scoped context of ``terms`` definitions is processed
    again for each node using its term (pyld memoises only pinned contexts): terms × uses²
    from a few hundred kilobytes, all before any signature is looked at."""
    big = {f"t{i}": f"https://example.org/#t{i}" for i in range(terms)}
    doc = credential()
    doc["@context"] = [V2, {"n": {"@id": "https://example.org/#n", "@context": big}}]
    doc["credentialSubject"] = {
        "id": HOLDER.controller,
        "n": [{"n": [{"t1": f"{i}.{j}"} for j in range(uses)]} for i in range(uses)],
    }
    return doc


def test_context_processing_work_is_bounded() -> None:
    with pytest.raises(CanonicalizationError) as caught:
        pinned_view(_scoped_bomb(1_000, 30), loader=LOADER)
    assert caught.value.code is ErrorCode.SIZE_LIMIT_ERROR
    assert "characters of contexts" in str(caught.value)
    result = verifier().verify_credential(_scoped_bomb(1_000, 30))
    assert result.codes == (ErrorCode.SIZE_LIMIT_ERROR,)


def test_a_scoped_context_used_a_few_times_is_within_the_bound() -> None:
    vc = signed(_scoped_bomb(50, 5))
    assert verifier().verify_credential(vc).verified


# --------------------------------------------------------------------------- attacks that failed

PAST = "2026-02-01T00:00:00Z"  # after validFrom, before NOW: expired, not malformed
EVIL = "https://evil.example/"


def _respelled(context: dict[str, Any], **members: Any) -> dict[str, Any]:
    doc = credential(**members)
    doc["@context"] = [V2, context]
    return doc


# Each signed by the issuer with an expired validUntil or a revoked status entry, respelled under
# an inline context: the verdict is the signed meaning (expired, revoked) or a refusal, never
# verified.
REFUSED_OR_READ: dict[str, tuple[dict[str, Any], dict[str, Any], set[ErrorCode]]] = {
    "@nest": ({"meta": "@nest"}, {"meta": {"validUntil": PAST}}, {ErrorCode.VALIDITY_PERIOD_ERROR}),
    "@base": ({"@base": EVIL}, {"validUntil": PAST}, {ErrorCode.VALIDITY_PERIOD_ERROR}),
    "@id alias": ({"myid": "@id"}, {"validUntil": PAST}, {ErrorCode.VALIDITY_PERIOD_ERROR}),
    "@propagate": (
        {"@propagate": False, "x": "https://example.org/#x"},
        {"validUntil": PAST},
        {ErrorCode.VALIDITY_PERIOD_ERROR},
    ),
    "view term named validUntil": (
        {"vu": EVIL + "validUntil"},
        {"vu": PAST},
        {ErrorCode.MALFORMED_VALUE_ERROR},
    ),
    "view term named credentialStatus": (
        {"cs": EVIL + "credentialStatus"},
        {"cs": "x"},
        {ErrorCode.MALFORMED_VALUE_ERROR},
    ),
    "validUntil as @json": (
        {"vu": {"@id": CRED + "validUntil", "@type": "@json"}},
        {"vu": PAST},
        {ErrorCode.MALFORMED_VALUE_ERROR},
    ),
    "validUntil as @id": (
        {"vu": {"@id": CRED + "validUntil", "@type": "@id"}},
        {"vu": "urn:example:x"},
        {ErrorCode.MALFORMED_VALUE_ERROR},
    ),
    "validUntil as plain string": (
        {"vu": {"@id": CRED + "validUntil"}},
        {"vu": PAST},
        {ErrorCode.MALFORMED_VALUE_ERROR},
    ),
    "validUntil in a @language map": (
        {"vu": {"@id": CRED + "validUntil", "@container": "@language"}},
        {"vu": {"en": PAST}},
        {ErrorCode.MALFORMED_VALUE_ERROR},
    ),
    "@graph container": (
        {"g": {"@id": "https://example.org/#g", "@container": "@graph"}},
        {"g": {"id": ID, "type": "VerifiableCredential", "validUntil": PAST}},
        {ErrorCode.MALFORMED_VALUE_ERROR},
    ),
    "@reverse of credentialSubject": (
        {"r": {"@reverse": CRED + "credentialSubject"}},
        {"r": {"id": "did:example:other"}},
        {ErrorCode.MALFORMED_VALUE_ERROR},
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED_OR_READ))
def test_a_respelling_under_an_inline_context_is_read_or_refused(name: str) -> None:
    context, members, codes = REFUSED_OR_READ[name]
    result = verifier().verify_credential(signed(_respelled(context, **members)))
    assert not result.verified
    assert codes <= set(result.codes)


@pytest.mark.parametrize(
    ("name", "context", "container_value"),
    [
        ("@index map", {"m": {"@id": CRED + "credentialStatus", "@container": "@index"}}, "a"),
        ("@id map", {"m": {"@id": CRED + "credentialStatus", "@container": "@id"}}, "id"),
        ("@type map", {"m": {"@id": CRED + "credentialStatus", "@container": "@type"}}, "type"),
        ("@json", {"m": {"@id": CRED + "credentialStatus", "@type": "@json"}}, None),
        ("@vocab", {"m": {"@id": CRED + "credentialStatus", "@type": "@vocab"}}, "vocab"),
    ],
)
def test_a_status_entry_respelled_in_a_map_is_revoked_or_refused(
    name: str, context: dict[str, Any], container_value: str | None
) -> None:
    entry, fetcher = revoked_entry()
    value: Any = entry
    if container_value == "a":
        value = {"a": entry}
    elif container_value in ("id", "type"):
        key = entry[container_value]
        value = {key: {k: v for k, v in entry.items() if k != container_value}}
    elif container_value == "vocab":
        value = "BitstringStatusListEntry"
    doc = _respelled(context, m=value)
    result = verifier(status_fetcher=fetcher).verify_credential(signed(doc))
    assert not result.verified, name
    assert result.codes in ((ErrorCode.CREDENTIAL_REVOKED,), (ErrorCode.MALFORMED_VALUE_ERROR,))


@pytest.mark.parametrize(
    ("name", "context"),
    [
        ("@import of an unpinned URL", {"@import": EVIL + "ctx"}),
        ("@import on loopback", {"@import": "http://127.0.0.1:9/ctx"}),
        ("scoped context URL", {"a": {"@id": "https://example.org/#a", "@context": EVIL + "c"}}),
    ],
)
def test_a_context_that_is_not_pinned_is_never_fetched(name: str, context: dict[str, Any]) -> None:
    # (The suite's socket guard fails any connection: refusal here is the static loader's.)
    doc = credential(credentialSubject={"id": HOLDER.controller, "a": {"b": "c"}})
    doc["@context"] = [V2, context]
    result = verifier().verify_credential(doc)
    assert result.codes == (ErrorCode.UNKNOWN_CONTEXT,), name


def test_relays_cannot_move_an_expiry_out_of_the_top_node() -> None:
    vc = signed(credential(validUntil=PAST), mode="strict")
    included = copy.deepcopy(vc)
    included["@included"] = [{"id": ID, "validUntil": included.pop("validUntil")}]
    top = copy.deepcopy(vc)
    subject = top.pop("credentialSubject")
    reversed_doc = {
        "@context": top.pop("@context"),
        "id": subject["id"],
        "@reverse": {CRED + "credentialSubject": top},
    }
    for doc in (included, reversed_doc):
        result = verifier().verify_credential(doc)
        assert not result.verified
        assert set(result.codes) <= {ErrorCode.DATA_LOSS_ERROR, ErrorCode.MALFORMED_VALUE_ERROR}


def test_the_overseas_id_verifier_takes_no_jsonld_form() -> None:
    # Only GenericVerifier has the expanded path; the ID verifier and its policies read the
    # strict form, and a document with an inline context is refused before anything else.
    import inspect

    from kr_ovid.verifier import Verifier, VerifierPolicy

    assert "jsonld" not in inspect.signature(Verifier).parameters
    assert "jsonld" not in {f.name for f in dataclasses.fields(VerifierPolicy)}
