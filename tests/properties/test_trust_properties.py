"""Any change to a signed trust list — a leaf value anywhere (proof included), a key added or
removed anywhere — is refused: its proof breaks, or the strict shape check catches what RDF
canonicalization cannot see (``"1"`` for ``1`` under ``xsd:integer``, an ``@index``)."""

from __future__ import annotations

import copy
import functools
import string
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.did.resolver import CompositeResolver, LocalDidResolver
from kr_ovid.did.web import build_did_document
from kr_ovid.keys import Ed25519Signer
from kr_ovid.trust import create_trust_list, verify_trust_list

ROOT_DID = "did:web:ovid.example:root"
ROOT = Ed25519Signer.from_seed(b"\x31" * 32).with_verification_method(ROOT_DID + "#root-1")
RESOLVER = CompositeResolver({"web": LocalDidResolver([build_did_document(ROOT_DID, [ROOT])])})
ISSUED = datetime(2024, 7, 1, tzinfo=UTC)
NOW = ISSUED + timedelta(days=1)
ROWS = [
    {
        "code": "us-losangeles",
        "nameKo": "주로스앤젤레스 총영사관",
        "nameEn": "Consulate General in Los Angeles",
        "country": "US",
        "city": "Los Angeles",
        "did": "did:web:ovid.example:missions:us-losangeles",
        "startDate": "2024-07-03",
        "validUntil": "2034-07-03T00:00:00Z",
        "credentialTypes": ["OverseasNationalIdCredential", "BitstringStatusListCredential"],
    },
    {
        "code": "cn",
        "nameKo": "주중국 대사관",
        "nameEn": "Embassy in China",
        "country": "CN",
        "city": "Beijing",
        "did": "did:web:ovid.example:missions:cn",
        "startDate": "2024-07-03",
        "state": "suspended",
        "stateSince": "2024-07-20T00:00:00Z",
    },
]


@functools.cache
def signed() -> dict[str, Any]:
    return create_trust_list(
        ROWS,
        root_signer=ROOT,
        version=7,
        issued=ISSUED,
        next_update=ISSUED + timedelta(days=7),
        list_id="https://ovid.example/trust-list",
    )


def refused(document: Any) -> bool:
    return not verify_trust_list(document, root_did=ROOT_DID, resolver=RESOLVER, now=NOW).verified


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in a JSON value (objects' members and arrays' items), depth first."""
    out: list[tuple[Any, ...]] = []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, sub in items:
        out.append((*prefix, key))
        out.extend(paths(sub, (*prefix, key)))
    return out


def container(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


def leaf_paths(document: Any) -> list[tuple[Any, ...]]:
    return [
        p for p in paths(document) if not isinstance(container(document, p)[p[-1]], dict | list)
    ]


def object_paths(document: Any) -> list[tuple[Any, ...]]:
    return [()] + [p for p in paths(document) if isinstance(container(document, p)[p[-1]], dict)]


values = (
    st.text(max_size=12)
    | st.integers(min_value=-(10**6), max_value=10**9)
    | st.booleans()
    | st.none()
    | st.sampled_from(
        ["7", "8", "active", "withdrawn", "2024-07-03T00:00:00Z", ROOT_DID, "TrustList"]
    )
)
keys = st.text(alphabet=string.ascii_letters, min_size=1, max_size=10) | st.sampled_from(
    ["@index", "@id", "id", "validUntil", "stateSince", "nonce", "expires", "description"]
)


def same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def test_unchanged_list_verifies() -> None:
    assert not refused(copy.deepcopy(signed()))


@given(st.data())
def test_changing_any_leaf_is_refused(data: st.DataObject) -> None:
    document = copy.deepcopy(signed())
    path = data.draw(st.sampled_from(leaf_paths(document)), label="path")
    parent = container(document, path)
    new = data.draw(values.filter(lambda v: not same(v, parent[path[-1]])), label="value")
    parent[path[-1]] = new
    assert refused(document)


@given(st.data())
def test_removing_any_member_is_refused(data: st.DataObject) -> None:
    document = copy.deepcopy(signed())
    member_paths = [p for p in paths(document) if isinstance(container(document, p), dict)]
    path = data.draw(st.sampled_from(member_paths), label="path")
    del container(document, path)[path[-1]]
    assert refused(document)


@given(st.data())
def test_adding_a_member_anywhere_is_refused(data: st.DataObject) -> None:
    document = copy.deepcopy(signed())
    path = data.draw(st.sampled_from(object_paths(document)), label="object")
    target = document
    for key in path:
        target = target[key]
    name = data.draw(keys.filter(lambda k: k not in target), label="key")
    target[name] = data.draw(values, label="value")
    assert refused(document)


@given(st.data())
def test_removing_or_adding_a_list_item_is_refused(data: st.DataObject) -> None:
    document = copy.deepcopy(signed())
    list_paths = [p for p in paths(document) if isinstance(container(document, p)[p[-1]], list)]
    path = data.draw(st.sampled_from(list_paths), label="list")
    items = container(document, path)[path[-1]]
    if data.draw(st.booleans(), label="remove") and items:
        items.pop(data.draw(st.integers(0, len(items) - 1), label="index"))
    else:
        items.append(data.draw(values, label="item"))
    assert refused(document)
