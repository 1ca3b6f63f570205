"""GenericVerifier(jsonld="expanded"): documents with inline contexts, decided on their pinned view.

The attacks of ``test_signed_members.py`` (a status entry, a validity date or a type respelled so
that a reader of the JSON misses it) are replayed under inline contexts, each signed by the
issuer: in the expanded mode every one is decided from the signed meaning (the status is checked,
the date is read), never skipped; the default mode refuses the documents outright.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from kr_ovid import FixedClock, GenericVerifier, VerificationContext
from kr_ovid.errors import CanonicalizationError, ConfigurationError
from kr_ovid.integrity import add_proof
from kr_ovid.jsonld.expanded import pinned_view
from kr_ovid.jsonld.loader import default_loader
from kr_ovid.keys import Ed25519Signer
from kr_ovid.problems import ErrorCode
from kr_ovid.status import InMemoryStatusListStore
from kr_ovid.status.check import LocalStatusListFetcher
from kr_ovid.status.publish import issue_status_list_credential, status_entries

from support import vector_loader

ISSUER = Ed25519Signer.from_seed(b"\x31" * 32)
HOLDER = Ed25519Signer.from_seed(b"\x33" * 32)
NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
BASE = "https://status.example/lists"
V2 = "https://www.w3.org/ns/credentials/v2"
CRED = "https://www.w3.org/2018/credentials#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
LOADER = vector_loader()


def credential(extra_context: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V2, extra_context or {"ExampleDegree": "https://example.org/#ExampleDegree"}],
        "id": "urn:uuid:0e3c4b7a-6d1f-4e0b-9a57-3a3f9f0e8c21",
        "type": ["VerifiableCredential", "ExampleDegree"],
        "issuer": ISSUER.controller,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": HOLDER.controller},
    }
    doc.update(changes)
    return doc


def signed(doc: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Signed by the issuer over the document's RDF (pyld in safe mode)."""
    return add_proof(doc, ISSUER, created=NOW, loader=LOADER, mode="generic", **kw)


def verifier(jsonld: str = "expanded", **kw: Any) -> GenericVerifier:
    context = VerificationContext(clock=FixedClock(NOW), loader=LOADER)
    return GenericVerifier(context=context, jsonld=jsonld, **kw)  # type: ignore[arg-type]


class StatusWorld:
    def __init__(self) -> None:
        self.store = InMemoryStatusListStore(clock=FixedClock(NOW))
        self.allocation = self.store.allocate(credential_id="urn:uuid:0e3c4b7a")
        self.entry = status_entries(self.allocation, BASE)[0]  # revocation

    def revoke(self) -> None:
        self.store.set_status(
            self.allocation.list_id,
            self.allocation.index,
            "revocation",
            1,
            actor="test",
            reason="test",
        )

    def fetcher(self) -> LocalStatusListFetcher:
        fetcher = LocalStatusListFetcher()
        fetcher.register(
            issue_status_list_credential(
                self.store,
                self.allocation.list_id,
                "revocation",
                ISSUER,
                base=BASE,
                issuer=ISSUER.controller,
                clock=FixedClock(NOW),
            )
        )
        return fetcher


# --------------------------------------------------------------------------- accepted


def test_an_inline_context_credential_is_decided_on_its_pinned_view() -> None:
    vc = signed(credential())
    strict = verifier("strict").verify_credential(vc)
    assert not strict.verified
    assert strict.codes == (ErrorCode.UNKNOWN_CONTEXT,)
    result = verifier().verify_credential(vc)
    assert result.verified, result.errors
    assert "expanded" in result.checks
    # The view is what every check read: the pinned contexts only, the type as its IRI.
    assert result.document is not None
    assert result.document["@context"] == [V2]
    assert result.document["type"] == ["VerifiableCredential", "https://example.org/#ExampleDegree"]


def test_a_strict_form_credential_is_its_own_view() -> None:
    doc = credential(type=["VerifiableCredential"])
    doc["@context"] = [V2]
    vc = add_proof(doc, ISSUER, created=NOW, loader=LOADER)
    view = pinned_view(vc, loader=LOADER)
    assert (view.document, view.loader) == (vc, LOADER)
    assert verifier().verify_credential(vc).verified


def test_an_altered_inline_context_credential_is_refused() -> None:
    vc = signed(credential())
    vc["credentialSubject"]["id"] = "did:example:someone-else"
    result = verifier().verify_credential(vc)
    assert result.codes == (ErrorCode.PROOF_VERIFICATION_ERROR,)


def test_a_presentation_with_inline_contexts_and_credentials_verifies() -> None:
    vc = signed(credential())
    vp = {
        "@context": [V2, {"ExampleEnvelope": "https://example.org/#ExampleEnvelope"}],
        "type": ["VerifiablePresentation", "ExampleEnvelope"],
        "holder": HOLDER.controller,
        "verifiableCredential": [vc],
    }
    vp = add_proof(
        vp,
        HOLDER,
        proof_purpose="authentication",
        challenge="c-1",
        created=NOW,
        loader=LOADER,
        mode="generic",
    )
    assert not verifier("strict").verify_presentation(vp, challenge="c-1").verified
    result = verifier().verify_presentation(vp, challenge="c-1")
    assert result.verified, result.errors
    assert len(result.credentials) == 1


# --------------------------------------------------------------------------- attacks, decided


def test_a_status_entry_under_an_alias_is_checked() -> None:
    """test_signed_members: a revoked ID whose status a JSON reader would not see."""
    world = StatusWorld()
    alias = {"st": {"@id": CRED + "credentialStatus", "@type": "@id"}}
    vc = signed(credential(alias, type=["VerifiableCredential"], st=world.entry))
    assert verifier().verify_credential(vc).codes == (ErrorCode.STATUS_RETRIEVAL_ERROR,)
    assert verifier(status_fetcher=world.fetcher()).verify_credential(vc).verified
    world.revoke()
    revoked = verifier(status_fetcher=world.fetcher()).verify_credential(vc)
    assert revoked.codes == (ErrorCode.CREDENTIAL_REVOKED,)


def test_a_status_type_under_an_alias_is_refused() -> None:
    """An alias of BitstringStatusListEntry does not bring the entry's scoped context: its
    members are undefined terms, refused when signing and when viewing."""
    world = StatusWorld()
    alias = {"Listed": "https://www.w3.org/ns/credentials/status#BitstringStatusListEntry"}
    entry = {**world.entry, "type": "Listed"}
    doc = credential(alias, type=["VerifiableCredential"], credentialStatus=entry)
    with pytest.raises(CanonicalizationError) as err:
        pinned_view(doc, loader=LOADER)
    assert err.value.code is ErrorCode.DATA_LOSS_ERROR


@pytest.mark.parametrize(
    "definition",
    [
        {"until": {"@id": CRED + "validUntil", "@type": XSD_DATETIME}},
        {"until": {"@id": CRED + "validUntil"}},  # the value object carries the datatype
    ],
)
def test_a_validity_date_under_an_alias_is_read(definition: dict[str, Any]) -> None:
    """test_signed_members: an expired ID whose validUntil a JSON reader would not see."""
    past = "2026-02-01T00:00:00Z"
    value: Any = past
    if "@type" not in definition["until"]:
        value = {"@value": past, "@type": XSD_DATETIME}
    vc = signed(credential(definition, type=["VerifiableCredential"], until=value))
    result = verifier().verify_credential(vc)
    assert result.codes == (ErrorCode.VALIDITY_PERIOD_ERROR,)


# --------------------------------------------------------------------------- attacks, refused


def test_a_top_level_validuntil_definition_does_not_reach_the_credential() -> None:
    """The VerifiableCredential type-scoped context defines validUntil again for the credential
    node: the inline definition changes nothing there, and the view says so."""
    redefined = {"validUntil": {"@id": "https://example.org/#notValidUntil"}}
    vc = signed(
        credential(redefined, type=["VerifiableCredential"], validUntil="2026-02-01T00:00:00Z")
    )
    assert verifier().verify_credential(vc).codes == (ErrorCode.VALIDITY_PERIOD_ERROR,)


def test_a_keyword_alias_for_type_is_read_as_the_type() -> None:
    doc = credential({"kind": "@type"})
    doc["kind"] = ["VerifiableCredential", "https://example.org/#ExampleDegree"]
    del doc["type"]
    result = verifier().verify_credential(signed(doc))
    assert result.verified, result.errors
    assert result.document is not None
    assert result.document["type"] == ["VerifiableCredential", "https://example.org/#ExampleDegree"]
    assert "kind" not in result.document


def test_an_inline_vocab_member_is_signed_and_named() -> None:
    """An inline @vocab makes a member a statement of the issuer's vocabulary: signed, and named
    in the view by the view context (nothing is dropped, nothing pinned is respelled)."""
    doc = credential({"@vocab": "https://example.org/vocab#"}, type=["VerifiableCredential"])
    doc["note"] = "x"
    result = verifier().verify_credential(signed(doc))
    assert result.verified, result.errors
    assert result.document is not None
    assert result.document["note"] == "x"


def test_an_undefined_term_under_an_inline_context_is_refused() -> None:
    doc = credential(undefined="dropped")
    doc["credentialSubject"]["alsoUndefined"] = 1
    with pytest.raises(CanonicalizationError) as err:
        pinned_view(doc, loader=LOADER)
    assert err.value.code is ErrorCode.DATA_LOSS_ERROR


def test_a_jcs_proof_needs_the_strict_form() -> None:
    doc = credential()
    doc["proof"] = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022"}
    with pytest.raises(CanonicalizationError) as err:
        pinned_view(doc, loader=LOADER)
    assert (err.value.code, err.value.path) == (ErrorCode.MALFORMED_VALUE_ERROR, "/proof")


def test_the_first_context_must_be_a_url() -> None:
    doc = credential()
    doc["@context"] = [{"ExampleDegree": "https://example.org/#ExampleDegree"}, V2]
    with pytest.raises(CanonicalizationError) as err:
        pinned_view(doc, loader=LOADER)
    assert (err.value.code, err.value.path) == (ErrorCode.MALFORMED_VALUE_ERROR, "/@context")
    assert verifier().verify_credential(signed(copy.deepcopy(doc))).codes == (
        ErrorCode.MALFORMED_VALUE_ERROR,
    )


def test_an_issuers_own_property_is_named_by_the_view_context() -> None:
    """A claim no pinned context defines (alumniOf, defined inline) gets a term of a generated,
    content-addressed view context, served by the view's own loader."""
    doc = credential({"alumniOf": "https://example.org/#alumniOf"}, type=["VerifiableCredential"])
    doc["credentialSubject"]["alumniOf"] = "Example University"
    view = pinned_view(doc, loader=LOADER)
    assert view.document["credentialSubject"]["alumniOf"] == "Example University"
    url = view.document["@context"][-1]
    assert url.startswith("urn:kr-ovid:view:sha256:")
    assert view.loader is not LOADER
    assert url in view.loader.urls
    assert url not in LOADER.urls
    result = verifier().verify_credential(signed(doc))
    assert result.verified, result.errors


@pytest.mark.parametrize(
    ("definition", "value", "path"),
    [
        # A pinned IRI with a value its term cannot hold (credentialStatus is @id-typed): the
        # status reader would not see it under another name.
        (
            {"st": CRED + "credentialStatus"},
            "not an IRI",
            "/https:~1~1www.w3.org~12018~1credentials#credentialStatus",
        ),
        # A foreign IRI whose name is a pinned term's name.
        ({"nom": "https://example.org/#type"}, "x", "/https:~1~1example.org~1#type"),
        # A name another pinned context (the overseas-ID context) gives another meaning, though
        # this document does not use that context: the ID schema reads familyName.
        (
            {"fam": "https://evil.example/#familyName"},
            "x",
            "/https:~1~1evil.example~1#familyName",
        ),
        # A name that is not a term name.
        ({"odd": "https://example.org/#1-odd"}, "x", "/https:~1~1example.org~1#1-odd"),
    ],
)
def test_properties_without_a_safe_name_are_refused(
    definition: dict[str, Any], value: Any, path: str
) -> None:
    doc = credential(definition, type=["VerifiableCredential"])
    doc[next(iter(definition))] = value
    with pytest.raises(CanonicalizationError) as err:
        pinned_view(doc, loader=LOADER)
    assert (err.value.code, err.value.path) == (ErrorCode.MALFORMED_VALUE_ERROR, path)
    assert verifier().verify_credential(signed(doc)).codes == (ErrorCode.MALFORMED_VALUE_ERROR,)


def test_hostile_input_never_raises() -> None:
    v = verifier()
    for hostile in (None, [], "x", {"@context": 5}, {"@context": [V2, 5]}, {"@context": [V2, {}]}):
        assert not v.verify_credential(hostile).verified
        assert not v.verify_presentation(hostile).verified


def test_only_two_forms_exist() -> None:
    with pytest.raises(ConfigurationError):
        verifier("lenient")


WITNESS = Ed25519Signer.from_seed(b"\x32" * 32)


@pytest.mark.parametrize("previous", ["urn:uuid:witness", ["urn:uuid:witness"]])
def test_a_chain_with_inline_contexts_verifies_with_previous_proof_as_string_or_list(
    previous: str | list[str],
) -> None:
    """VC Data Integrity §4.5 (the W3C suite's previousProofString/ArrayOk): a witness signs
    first, the issuer chains after it; ``previousProof`` is a string or a list."""
    doc = credential({"alumniOf": "https://example.org/#alumniOf"}, type=["VerifiableCredential"])
    doc["credentialSubject"]["alumniOf"] = "Example University"
    witnessed = add_proof(
        doc, WITNESS, created=NOW, proof_id="urn:uuid:witness", loader=LOADER, mode="generic"
    )
    chained = signed(witnessed, previous_proof=previous)
    assert chained["proof"][1]["previousProof"] == previous
    result = verifier().verify_credential(chained)
    assert result.verified, result.errors
    broken = copy.deepcopy(chained)
    broken["proof"][1]["previousProof"] = (
        "urn:uuid:other" if isinstance(previous, str) else ["urn:uuid:other"]
    )
    refused = verifier().verify_credential(broken)
    assert refused.codes == (ErrorCode.PROOF_VERIFICATION_ERROR,)


def test_a_name_every_pinned_context_gives_the_same_iri_keeps_it() -> None:
    """A VC 1.1 credential defining name/description inline (the W3C suite's chains): the v1
    context does not define them, the v2 context maps them to the same schema.org IRIs, so the
    view names them alike."""
    doc = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/security/data-integrity/v2",
            {"name": "https://schema.org/name", "description": "https://schema.org/description"},
        ],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER.controller,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "name": "Alumni Credential",
        "credentialSubject": {"id": HOLDER.controller},
    }
    pinned = default_loader()
    view = pinned_view(doc, loader=pinned)
    assert view.document["name"] == "Alumni Credential"
    assert view.document["@context"][-1].startswith("urn:kr-ovid:view:sha256:")
    context = VerificationContext(clock=FixedClock(NOW), loader=pinned)
    vc = add_proof(doc, ISSUER, created=NOW, loader=pinned, mode="generic")
    assert GenericVerifier(context=context, jsonld="expanded").verify_credential(vc).verified
    # A loader that also pins a context mapping "name" to http://schema.org/name (the old status
    # list context) gives the name two meanings: refused.
    with pytest.raises(CanonicalizationError) as err:
        pinned_view(doc, loader=LOADER)
    assert (err.value.code, err.value.path) == (
        ErrorCode.MALFORMED_VALUE_ERROR,
        "/https:~1~1schema.org~1name",
    )
