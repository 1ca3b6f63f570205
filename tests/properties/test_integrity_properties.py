"""sign → verify holds for generated credentials (both suites); any change to a signed value,
any added or removed key anywhere, any change to a proof field makes verification fail."""

from __future__ import annotations

import copy
import string
from datetime import UTC, datetime
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from kr_ovid.clock import FixedClock
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys import Ed25519Signer

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SIGNER = Ed25519Signer.from_seed(bytes(range(32)))
CTX = "https://example.test/generated/v1"
VOCAB = "https://example.test/generated#"
SUITES = st.sampled_from(["eddsa-rdfc-2022", "eddsa-jcs-2022"])

names = st.text(alphabet=string.ascii_letters, min_size=3, max_size=10).map(lambda s: "c" + s)
leaf = (
    st.text(max_size=12)  # any unicode, control characters included
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.booleans()
)


def subject_values(claim_names: list[str]) -> st.SearchStrategy[Any]:
    # The strict form: no nested arrays (JSON-LD would flatten them: a second spelling).
    keys = st.sampled_from(claim_names)
    nodes = st.recursive(
        leaf,
        lambda children: st.dictionaries(
            keys,
            children | st.lists(children, min_size=1, max_size=3, unique_by=repr),
            min_size=1,
            max_size=3,
        ),
        max_leaves=8,
    )
    return nodes | st.lists(nodes, min_size=1, max_size=3, unique_by=repr)


@st.composite
def credentials(draw: st.DrawFn) -> tuple[dict[str, Any], StaticDocumentLoader]:
    claim_names = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    subject = draw(
        st.dictionaries(
            st.sampled_from(claim_names), subject_values(claim_names), min_size=1, max_size=4
        )
    )
    context = {"@context": {"@protected": True, **{n: VOCAB + n for n in claim_names}}}
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2", CTX],
        "type": ["VerifiableCredential"],
        "issuer": SIGNER.controller,
        "credentialSubject": {"id": "did:example:subject", **subject},
    }
    return doc, StaticDocumentLoader({CTX: context})


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*prefix, i))
    return out


def get(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def verify(doc: Any, loader: StaticDocumentLoader) -> Any:
    return verify_proof(doc, loader=loader, clock=FixedClock(NOW))


@given(credentials(), SUITES)
def test_sign_then_verify(cred: Any, suite: str) -> None:
    doc, loader = cred
    signed = add_proof(doc, SIGNER, cryptosuite=suite, created=NOW, loader=loader)
    result = verify(signed, loader)
    assert result.verified, result.errors


@given(credentials(), SUITES, st.data())
def test_changing_any_leaf_fails(cred: Any, suite: str, data: st.DataObject) -> None:
    doc, loader = cred
    signed = add_proof(doc, SIGNER, cryptosuite=suite, created=NOW, loader=loader)
    leaves = [
        p
        for p in paths(signed)
        if p and p[0] != "@context" and not isinstance(get(signed, p), dict | list)
    ]
    path = data.draw(st.sampled_from(leaves))
    old = get(signed, path)
    new = data.draw(leaf.filter(lambda v: (v != old and type(v) is not type(old)) or (v != old)))
    assume(new != old or type(new) is not type(old))
    tampered = copy.deepcopy(signed)
    get(tampered, path[:-1])[path[-1]] = new
    result = verify(tampered, loader)
    assert not result.verified
    assert result.errors


@given(credentials(), SUITES, st.data())
def test_adding_or_removing_any_key_fails(cred: Any, suite: str, data: st.DataObject) -> None:
    doc, loader = cred
    signed = add_proof(doc, SIGNER, cryptosuite=suite, created=NOW, loader=loader)
    objects = [
        p
        for p in paths(signed)
        if isinstance(get(signed, p), dict) and (not p or p[0] != "@context")
    ]
    path = data.draw(st.sampled_from(objects))
    tampered = copy.deepcopy(signed)
    target = get(tampered, path)
    if data.draw(st.booleans()) and target:
        key = data.draw(st.sampled_from(sorted(target)))
        if path == () and key == "@context":
            return
        del target[key]
    else:
        key = data.draw(names.filter(lambda n: n not in target))
        target[key] = data.draw(leaf)
    result = verify(tampered, loader)
    assert not result.verified
    assert result.errors


@given(
    credentials(),
    SUITES,
    st.sampled_from(
        ["type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue"]
    ),
    st.data(),
)
def test_changing_any_proof_field_fails(
    cred: Any, suite: str, field: str, data: st.DataObject
) -> None:
    doc, loader = cred
    signed = add_proof(doc, SIGNER, cryptosuite=suite, created=NOW, loader=loader)
    tampered = copy.deepcopy(signed)
    replacements = {
        "type": "DataIntegrityProof2",
        "cryptosuite": "eddsa-jcs-2022" if suite == "eddsa-rdfc-2022" else "eddsa-rdfc-2022",
        "created": "2026-02-28T23:59:59Z",
        "verificationMethod": Ed25519Signer.from_seed(bytes(32)).verification_method,
        "proofPurpose": "authentication",
        "proofValue": "z" + "1" * 20,
    }
    tampered["proof"][field] = replacements[field]
    result = verify(tampered, loader)
    assert not result.verified
    assert result.errors
