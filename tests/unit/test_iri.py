"""RFC 3987 absolute-IRI and blank-node-identifier checks (kr_ovid.jsonld.iri)."""

from __future__ import annotations

import pytest

from kr_ovid.jsonld.iri import is_absolute_iri, is_blank_node_id

ACCEPTED = [
    "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    "did:web:example.com%3A8443:user:alice",
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials#VerifiableCredential",
    "https://vc.example/issuers/5678",
    "https://example.com/a%20b/c?x=1&y=%C3%A9#frag",
    "https://user:pw@example.com:8443/p;q=1/?q#f/?",
    "https://example.com:/",  # empty port is allowed by the grammar
    "https://example.com/?",  # empty query
    "https://example.com/#",  # empty fragment
    "http://[::1]/",
    "http://[2001:db8::7]:80/x",
    "http://[v7.abc:def]/",
    "http://192.168.0.1/",
    "http://example.org/\u221e",  # ucschar
    "https://例え.テスト/パス",  # IDN written in Unicode: IRIs allow it
    "https://example.com/?q=\ue000",  # iprivate is allowed in the query
    "http:/example.com/p",  # ipath-absolute (rdf-canon test074 uses it)
    "mailto:someone@example.com",
    "tag:example.com,2026:x",
    "x:",  # scheme only, empty path
    "data:,Hello%2C%20World",
    "data:text/plain;base64,SGVsbG8=",
    "A+b-c.d:e",  # scheme characters
]

REFUSED = [
    # Unicode spaces are ucschar by RFC 3987, but pyld drops statements that mention them.
    "urn:ex:\u00a0",
    "urn:ex:a\u2028b",
    "urn:ex:\u3000",
    "",
    "urn",  # no colon
    ":no-scheme",
    "1http://example.com/",  # scheme must start with a letter
    "ht tp://example.com/",
    "relative/path",
    "/absolute/path",
    "//example.com/",
    "#fragment",
    "https://example.com/a b",
    "https://example.com/a\tb",
    "https://example.com/a\nb",
    "https://example.com/a\x00",
    "https://example.com/a\x7f",
    "https://example.com/\x85",  # C1 control, not a ucschar
    "https://example.com/<x>",
    'https://example.com/"',
    "https://example.com/{x}",
    "https://example.com/a|b",
    "https://example.com/a\\b",
    "https://example.com/a^b",
    "https://example.com/a`b",
    "https://example.com/#a#b",  # a second '#'
    "did:key:z6Mk#a#b",
    "https://example.com/%zz",
    "https://example.com/%4",
    "https://example.com/\ue000",  # iprivate only in the query
    "https://example.com/\ufffe",  # noncharacter
    "https://example.com/\U000e0001",  # language tag character, excluded from ucschar
    "https://exa mple.com/",
    "http://[::1/",
    "http://[zz::1]/",
    "http://[::1%25eth0]/",  # zone identifiers are not in RFC 3986/3987
    "http://[]/",
    "http://example.com:80a/",
    "<https://example.com/>",
    "https://example.com/\ud800",  # lone surrogate
]


@pytest.mark.parametrize("value", ACCEPTED)
def test_accepts_absolute_iri(value: str) -> None:
    assert is_absolute_iri(value)


@pytest.mark.parametrize("value", REFUSED)
def test_refuses_invalid_iri(value: str) -> None:
    assert not is_absolute_iri(value)


@pytest.mark.parametrize("value", [None, 1, b"urn:x", ["urn:x"], {"@id": "urn:x"}])
def test_non_strings_are_not_iris(value: object) -> None:
    assert not is_absolute_iri(value)
    assert not is_blank_node_id(value)


@pytest.mark.parametrize(
    "value", ["_:b0", "_:c14n12", "_:a", "_:0", "_:a.b", "_:a-b_c", "_:é", "_:x:y", "_:a\u00b7b"]
)
def test_accepts_blank_node_id(value: str) -> None:
    assert is_blank_node_id(value)


@pytest.mark.parametrize(
    "value",
    ["_:", "_", "b0", ":b0", "_:a.", "_:.a", "_:-a", "_:a b", "_:a\n", "_:a#b", "_:<a>", "urn:x"],
)
def test_refuses_bad_blank_node_id(value: str) -> None:
    assert not is_blank_node_id(value)
