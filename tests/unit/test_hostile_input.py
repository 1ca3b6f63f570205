"""Hostile input never raises out of verify_proof and never verifies."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.clock import FixedClock
from kr_ovid.integrity import add_proof, verify_proof

from support import example_credential, example_loader

LOADER = example_loader()
NOW = datetime(2026, 3, 1, tzinfo=UTC)
SIGNED = add_proof(
    example_credential(),
    __import__("kr_ovid.keys", fromlist=["x"]).Ed25519Signer.from_seed(bytes(32)),
    created=NOW,
    loader=LOADER,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def deep(n: int) -> Any:
    value: Any = "x"
    for _ in range(n):
        value = {"a": [value]}
    return value


def _check(doc: Any) -> None:
    result = verify_proof(doc, loader=LOADER, clock=FixedClock(NOW))
    assert result.verified is False
    assert result.errors


@pytest.mark.parametrize(
    "doc",
    [
        None,
        1,
        "x",
        [],
        [SIGNED],
        b"bytes",
        {"proof": None},
        {"proof": {}},
        {"proof": [1]},
        {**SIGNED, "credentialSubject": deep(5000)},
        {**SIGNED, "credentialSubject": {"score": 10**5000}},
        {**SIGNED, "credentialSubject": {"score": float("nan")}},
        {**SIGNED, "credentialSubject": {"score": float("inf")}},
        {**SIGNED, "credentialSubject": {1: "non-string key"}},
        {**SIGNED, "credentialSubject": {"name2": {1, 2}}},
        {**SIGNED, "credentialSubject": {"name2": "x" * 300_000}},
        {**SIGNED, "@context": None},
        {**SIGNED, "@context": [{"@vocab": 1}]},
        {**SIGNED, "@context": [{"@context": {"@context": {}}}]},
        {**SIGNED, "id": "not an iri with spaces"},
        {**SIGNED, "id": "\u0000\u0008"},
        {**SIGNED, "proof": {**SIGNED["proof"], "created": 12}},
        {
            **SIGNED,
            "proof": {**SIGNED["proof"], "verificationMethod": "did:key:" + "z" * 5000 + "#x"},
        },
        {**SIGNED, "proof": {**SIGNED["proof"], "previousProof": [1, {}]}},
        {**SIGNED, "proof": {**SIGNED["proof"], "domain": {"a": 1}}},
        {**SIGNED, "proof": [SIGNED["proof"]] * 200},
    ],
    ids=[
        "none",
        "number",
        "string",
        "empty-list",
        "list-of-documents",
        "bytes",
        "proof-null",
        "proof-empty",
        "proof-list-of-number",
        "nesting-5000",
        "integer-5000-digits",
        "nan",
        "infinity",
        "non-string-key",
        "set-value",
        "string-300k",
        "context-null",
        "context-vocab-number",
        "context-nested-context",
        "id-with-spaces",
        "id-control-characters",
        "created-number",
        "verification-method-5000",
        "previous-proof-garbage",
        "domain-object",
        "200-proofs",
    ],
)
def test_fixed_hostile_documents(doc: Any) -> None:
    _check(doc)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "type",
                "cryptosuite",
                "proofValue",
                "created",
                "expires",
                "verificationMethod",
                "proofPurpose",
                "challenge",
                "domain",
                "previousProof",
                "@context",
                "id",
            ]
        ),
        json_values,
        max_size=6,
    )
)
def test_random_proof_members(replacements: dict[str, Any]) -> None:
    doc = copy.deepcopy(SIGNED)
    doc["proof"].update(replacements)
    result = verify_proof(doc, loader=LOADER, clock=FixedClock(NOW))
    if result.verified:
        # Every member is signed, except a proof @context that repeats a prefix of the
        # document's (vc-di-eddsa verify step: it must equal the start of the document's).
        for k in replacements:
            if k == "@context":
                ctx = doc["proof"]["@context"]
                assert isinstance(ctx, list) and ctx and doc["@context"][: len(ctx)] == ctx
            else:
                assert doc["proof"].get(k) == SIGNED["proof"].get(k)


@given(json_values)
def test_random_documents(value: Any) -> None:
    _check(value)


@given(st.text(max_size=40), json_values)
def test_random_subject_members(key: str, value: Any) -> None:
    doc = copy.deepcopy(SIGNED)
    doc["credentialSubject"][key] = value
    result = verify_proof(doc, loader=LOADER, clock=FixedClock(NOW))
    assert not result.verified or doc == SIGNED
