"""Fuzz the trust list readers (``kr_ovid.trust``).

``parse_trust_list`` returns or raises ``KrOvidError`` (``TRUST_LIST_ERROR``);
``verify_trust_list`` and ``TrustListRegistry.update`` never raise on hostile input and verify
only the list the root signed.
"""

from __future__ import annotations

import copy
from typing import Any

from fuzzkit import (
    ANY_VALUE,
    CLOCK,
    NOW,
    assert_refused_or_legit,
    di_legit,
    mutated_json,
    returns_or_raises,
    seeds,
)
from hypothesis import example, given

from kr_ovid.clock import FixedClock
from kr_ovid.did import default_resolver
from kr_ovid.errors import KrOvidError
from kr_ovid.trust import TrustListRegistry, parse_trust_list, verify_trust_list

TRUST_LIST = seeds().trust_list
ROOT_DID = seeds().root.controller
RESOLVER = default_resolver()  # the root is a did:key
trust_lists = mutated_json(TRUST_LIST) | ANY_VALUE


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(TRUST_LIST)
    node: Any = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


# Found here, fixed in d0daa01 (both raised out of parse_trust_list / verify_trust_list /
# TrustListRegistry.update): a lone surrogate (what parse_json returns for the JSON escape
# "\ud800") in a string member, which made the list's JCS digest raise CanonicalizationError;
# and an unhashable mission state (``state not in MISSION_STATES``, a frozenset: TypeError).
SURROGATE_ID = _with(("id",), "urn:x:\ud800")
SURROGATE_NAME = _with(("credentialSubject", "missions", 0, "nameKo"), "\udc00")
LIST_STATE = _with(("credentialSubject", "missions", 0, "state"), ["active"])


@given(trust_lists)
@example(LIST_STATE)
@example(SURROGATE_ID)
def test_fuzz_parse_trust_list(doc: Any) -> None:
    returns_or_raises(parse_trust_list, doc, allowed=(KrOvidError,))


@given(trust_lists)
@example(LIST_STATE)
@example(SURROGATE_ID)
@example(SURROGATE_NAME)
def test_fuzz_verify_trust_list(doc: Any) -> None:
    result = verify_trust_list(doc, root_did=ROOT_DID, resolver=RESOLVER, clock=FixedClock(NOW))
    assert_refused_or_legit(result, di_legit(doc, TRUST_LIST), "verify_trust_list")


@given(trust_lists)
@example(LIST_STATE)
@example(SURROGATE_ID)
def test_fuzz_trust_registry_update(doc: Any) -> None:
    registry = TrustListRegistry.from_trust_list(
        TRUST_LIST, root_did=ROOT_DID, resolver=RESOLVER, clock=CLOCK
    )
    result = registry.update(doc)
    assert_refused_or_legit(result, di_legit(doc, TRUST_LIST), "TrustListRegistry.update")
