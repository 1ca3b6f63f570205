"""A hostile client of the mission's issuer (security review): requests that fail only after the
status store handed out positions would spend indexes on credentials that are never issued (a
store never hands a position out twice). Each refusal with its code, and nothing spent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from kr_ovid.errors import KrOvidError
from kr_ovid.problems import ErrorCode

from world import World

MISSION = "us-losangeles"


def _spent(world: World, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    store = world.status_stores[MISSION]
    spent: list[Any] = []
    real = store.allocate_many

    def counting(ids: Sequence[str], **kw: Any) -> Any:
        out = real(ids, **kw)
        spent.extend(out)
        return out

    monkeypatch.setattr(store, "allocate_many", counting)
    return spent


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},  # not 32 bytes
        {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},  # not Ed25519
        {"kty": "OKP", "crv": "Ed25519", "x": "A" * 43, "d": "A" * 43},  # a private key
    ],
)
def test_a_bad_holder_jwk_spends_no_status_position(
    world: World, jwk: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``holderJwks`` reaches ``Issuer.issue_id`` from a VC-API client (``options.holderJwks``):
    a key that cannot be a ``cnf`` key is refused before any position is allocated."""
    spent = _spent(world, monkeypatch)
    issuer, _ = world.issuer(MISSION)
    good = world.holders["alice"].copy_signer(0).public.jwk
    with pytest.raises(KrOvidError) as refused:
        issuer.issue_id(
            world.person(MISSION, None),
            holder=world.holders["alice"].did,
            holder_jwks=[good, jwk],
            formats=("di", "dc+sd-jwt"),
        )
    assert refused.value.code is ErrorCode.MALFORMED_VALUE_ERROR
    assert spent == []


def test_one_key_in_two_spellings_is_one_key(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same ``x`` with and without a ``kid`` would give two copies one ``cnf`` key, which
    links them at every service that sees both."""
    spent = _spent(world, monkeypatch)
    issuer, _ = world.issuer(MISSION)
    jwk = world.holders["alice"].copy_signer(0).public.jwk
    with pytest.raises(KrOvidError) as refused:
        issuer.issue_id(
            world.person(MISSION, None),
            holder_jwks=[jwk, {**jwk, "kid": "copy-2"}],
            formats=("dc+sd-jwt",),
        )
    assert refused.value.code is ErrorCode.CONFIGURATION_ERROR
    assert spent == []
