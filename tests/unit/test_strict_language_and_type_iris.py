"""The strict form's language value objects and absolute-IRI types (VC DM 2.0 §4.5, §11.1).

Each accepted spelling is the only one its RDF has, and the strict walk emits exactly the RDF
pyld's safe mode makes (``rdf:langString``, the ``i18n-datatype`` literal, an IRI type node).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kr_ovid.errors import CanonicalizationError
from kr_ovid.jsonld.canon import canonicalize_rdfc
from kr_ovid.jsonld.loader import StaticDocumentLoader, default_loader
from kr_ovid.problems import ErrorCode

V2 = "https://www.w3.org/ns/credentials/v2"
LOADER = default_loader()
BASE: dict[str, Any] = {
    "@context": [V2],
    "type": ["VerifiableCredential"],
    "issuer": {"id": "did:example:issuer"},
    "credentialSubject": {"id": "did:example:subject"},
}


def doc(**members: Any) -> dict[str, Any]:
    out = copy.deepcopy(BASE)
    out.update(members)
    return out


def both(document: dict[str, Any]) -> str:
    strict = canonicalize_rdfc(document, loader=LOADER)
    assert strict == canonicalize_rdfc(document, loader=LOADER, mode="generic")
    return strict


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ({"@value": "Dog", "@language": "en"}, '"Dog"@en'),
        ({"@value": "개", "@language": "ko-KR"}, '"개"@ko-kr'),
        (
            {"@value": "Dog", "@language": "en", "@direction": "ltr"},
            '"Dog"^^<https://www.w3.org/ns/i18n#en_ltr>',
        ),
        ({"@value": "كلب", "@direction": "rtl"}, '"كلب"^^<https://www.w3.org/ns/i18n#_rtl>'),
    ],
)
def test_language_value_objects_are_signed_as_pyld_signs_them(value: Any, literal: str) -> None:
    for member in ("name", "description"):
        assert f"<https://schema.org/{member}> {literal}" in both(doc(**{member: value}))
    issuer = {"id": "did:example:issuer", "name": value}
    assert f"<https://schema.org/name> {literal}" in both(doc(issuer=issuer))


def test_several_languages_are_several_statements() -> None:
    names = [{"@value": "Dog", "@language": "en"}, {"@value": "Chien", "@language": "fr"}]
    out = both(doc(name=names))
    assert '"Dog"@en' in out
    assert '"Chien"@fr' in out


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"@value": "Dog"}, ErrorCode.MALFORMED_VALUE_ERROR),  # the plain string's spelling
        ({"@value": "Dog", "@language": "en", "url": "x"}, ErrorCode.MALFORMED_VALUE_ERROR),
        (
            {"@value": "Dog", "@type": "http://www.w3.org/2001/XMLSchema#string"},
            ErrorCode.MALFORMED_VALUE_ERROR,
        ),
        ({"@value": 3, "@language": "en"}, ErrorCode.MALFORMED_VALUE_ERROR),
        ({"@value": "Dog", "@language": "not a tag"}, ErrorCode.MALFORMED_VALUE_ERROR),
        ({"@value": "Dog", "@language": "en", "@direction": "up"}, ErrorCode.MALFORMED_VALUE_ERROR),
        ({"@value": "Dog", "@language": None}, ErrorCode.DATA_LOSS_ERROR),
        ({"@value": "Dog", "@language": "en", "@direction": None}, ErrorCode.DATA_LOSS_ERROR),
        ({"@value": "Dog", "@language": "en", "@index": "i"}, ErrorCode.MALFORMED_VALUE_ERROR),
    ],
)
def test_other_value_objects_are_refused(value: Any, code: ErrorCode) -> None:
    with pytest.raises(CanonicalizationError) as err:
        canonicalize_rdfc(doc(name=value), loader=LOADER)
    assert err.value.code is code
    assert err.value.path == "/name"


def test_value_objects_stay_refused_on_typed_and_id_terms() -> None:
    """validUntil is an xsd:dateTime term, issuer an @id term: a value object is another spelling."""
    lang = {"@value": "2030-01-01T00:00:00Z", "@language": "en"}
    for member in ("validUntil", "issuer"):
        with pytest.raises(CanonicalizationError) as err:
            canonicalize_rdfc(doc(**{member: lang}), loader=LOADER)
        assert err.value.code is ErrorCode.MALFORMED_VALUE_ERROR


@pytest.mark.parametrize(
    "types",
    [
        ["VerifiableCredential", "https://example.org/#ExampleTestCredential"],
        ["https://example.org/#ExampleTestCredential", "VerifiableCredential"],
        ["VerifiableCredential", "urn:example:type:1"],
    ],
)
def test_absolute_iri_types_are_iri_nodes(types: list[str]) -> None:
    out = both(doc(type=types))
    for t in types:
        if ":" in t:
            assert f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{t}>" in out


def test_absolute_iri_types_in_nested_objects() -> None:
    schema = {"id": "did:example:schemas/1", "type": "https://example.org/#ExampleSchema"}
    assert "<https://example.org/#ExampleSchema>" in both(doc(credentialSchema=schema))


@pytest.mark.parametrize(
    ("type_value", "code"),
    [
        # Another spelling of a term of the contexts: the status reader must see the term.
        ("https://www.w3.org/ns/credentials/status#BitstringStatusListEntry", None),
        ("https://www.w3.org/2018/credentials#VerifiableCredential", None),
        ("_:b0", None),
        ("https ://not-a-url#X", None),
        ("https://exa mple.org/#X", None),
    ],
)
def test_iri_types_with_another_spelling_or_none_are_refused(
    type_value: str, code: ErrorCode | None
) -> None:
    with pytest.raises(CanonicalizationError) as err:
        canonicalize_rdfc(doc(type=["VerifiableCredential", type_value]), loader=LOADER)
    assert err.value.code is (code or ErrorCode.MALFORMED_VALUE_ERROR)
    assert err.value.path == "/type/1"


def test_iri_type_that_vocab_spells_is_refused() -> None:
    examples = "https://www.w3.org/ns/credentials/examples/v2"
    loader = StaticDocumentLoader(
        {examples: {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}}
    )
    document = doc(type=["VerifiableCredential", "https://example.org/#Other"])
    document["@context"] = [V2, examples]
    assert "<https://example.org/#Other>" in canonicalize_rdfc(document, loader=loader)
    document["type"] = ["VerifiableCredential", "https://www.w3.org/ns/credentials/examples#Foo"]
    with pytest.raises(CanonicalizationError) as err:
        canonicalize_rdfc(document, loader=loader)  # "Foo" is its spelling
    assert err.value.code is ErrorCode.MALFORMED_VALUE_ERROR


def test_respelled_status_entry_type_is_refused() -> None:
    entry = {
        "id": "https://example.org/status/1#5",
        "type": "https://www.w3.org/ns/credentials/status#BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://example.org/status/1",
    }
    with pytest.raises(CanonicalizationError) as err:
        canonicalize_rdfc(doc(credentialStatus=entry), loader=LOADER)
    assert err.value.code is ErrorCode.MALFORMED_VALUE_ERROR
    assert err.value.path == "/credentialStatus/type"


@pytest.mark.parametrize(
    "names",
    [
        ["Dog", {"@value": "Dog", "@direction": "ltr"}],
        [
            {"@value": "Dog", "@language": "en"},
            {"@value": "Dog", "@language": "en", "@direction": "rtl"},
        ],
        [
            {"@value": "Dog", "@language": "en", "@direction": "ltr"},
            {"@value": "Dog", "@language": "en", "@direction": "rtl"},
        ],
    ],
)
def test_values_differing_only_in_direction_are_refused(names: list[Any]) -> None:
    """JSON-LD compares values without @direction: pyld (and jsonld.js) keep one, drop the other."""
    for order in (names, names[::-1]):
        with pytest.raises(CanonicalizationError) as err:
            canonicalize_rdfc(doc(name=order), loader=LOADER)
        assert err.value.code is ErrorCode.DATA_LOSS_ERROR
        assert err.value.path == "/name/1"
        with pytest.raises(CanonicalizationError):
            canonicalize_rdfc(doc(name=order), loader=LOADER, mode="generic")
