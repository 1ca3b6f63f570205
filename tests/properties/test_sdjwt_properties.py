"""Properties of SD-JWT issuance, presentation and verification (RFC 9901), for random claim sets.

1. For random claims, a random disclosure plan and a random holder choice, verification returns
   exactly the always-visible claims plus the chosen ones (holder semantics: a chosen path brings
   its subtree and the containers above it).
2. Changing any single character of the presentation (JWS, disclosures, KB-JWT, separators) makes
   verification fail.
3. No value that was not disclosed appears anywhere in the presentation, raw or base64-decoded.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.clock import FixedClock
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.jwk import b64url_decode
from kr_ovid.sdjwt import issue_batch, issue_sd_jwt, present, verify_sd_jwt
from kr_ovid.sdjwt.disclosure import format_pointer, split_sd_jwt

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ISSUER = Ed25519Signer.from_seed(b"\x31" * 32, verification_method="did:web:mofa.example#key-1")
HOLDER = Ed25519Signer.from_seed(b"\x32" * 32)
NONCE, AUD = "nonce-Zq81", "https://verifier.example"
_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# Shapes with placeholder leaves; leaves become unique random 12-char tokens afterwards.
_LEAF = st.sampled_from(["S", "S", "S", 7, None, True])
_SHAPE = st.recursive(
    _LEAF,
    lambda kids: (
        st.lists(kids, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), kids, max_size=3)
    ),
    max_leaves=12,
)
_CLAIMS = st.dictionaries(st.sampled_from(["c1", "c2", "c3", "c4", "c5"]), _SHAPE, min_size=1)


def _fill(shape: Any, rng: random.Random, counter: list[int]) -> Any:
    if isinstance(shape, dict):
        return {k: _fill(v, rng, counter) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_fill(v, rng, counter) for v in shape]
    if shape == "S":
        counter[0] += 1
        return "".join(rng.choice(_ALPHABET) for _ in range(8)) + f"{counter[0]:04d}"
    return shape


def _paths(value: Any, at: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, child in children:
        here = (*at, str(key))
        out.append(here)
        out.extend(_paths(child, here))
    return out


def _prefix(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return b[: len(a)] == a


def _expected(
    value: Any, plan: set[tuple[str, ...]], chosen: list[tuple[str, ...]], at: tuple[str, ...] = ()
) -> Any:
    """The claims a verifier must see, computed independently of the library."""

    def visible(path: tuple[str, ...]) -> bool:
        return path not in plan or any(_prefix(path, s) or _prefix(s, path) for s in chosen)

    if isinstance(value, dict):
        return {
            k: _expected(v, plan, chosen, (*at, k)) for k, v in value.items() if visible((*at, k))
        }
    if isinstance(value, list):
        return [
            _expected(v, plan, chosen, (*at, str(i)))
            for i, v in enumerate(value)
            if visible((*at, str(i)))
        ]
    return value


def _strings(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()


def _decoded_text(presentation: str) -> str:
    pieces = [presentation]
    for chunk in presentation.replace("~", ".").split("."):
        if chunk:
            pieces.append(b64url_decode(chunk).decode("utf-8", "replace"))
    return "\n".join(pieces)


def _verify(p: str, **kw: Any) -> Any:
    return verify_sd_jwt(
        p,
        resolve_key=lambda kid, h: ISSUER.public_key if kid == ISSUER.verification_method else None,
        nonce=NONCE,
        audience=AUD,
        clock=FixedClock(NOW),
        **kw,
    )


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[dict[str, Any], set[tuple[str, ...]], list[tuple[str, ...]], str]:
    claims = _fill(draw(_CLAIMS), draw(st.randoms(use_true_random=False)), [0])
    paths = _paths(claims)
    plan = set(draw(st.lists(st.sampled_from(paths), unique=True))) if paths else set()
    chosen = draw(st.lists(st.sampled_from(paths), unique=True, max_size=4)) if paths else []
    sd = issue_sd_jwt(
        claims,
        ISSUER,
        disclosable=[format_pointer(p) for p in plan],
        holder_jwk=HOLDER.public.jwk,
        iat=NOW,
        decoys=draw(st.integers(0, 2)),
    )
    presentation = present(
        sd,
        [format_pointer(p) for p in chosen],
        holder_signer=HOLDER,
        nonce=NONCE,
        aud=AUD,
        clock=FixedClock(NOW),
    )
    return claims, plan, chosen, presentation


@given(scenarios())
def test_verification_returns_exactly_the_chosen_claims(scenario: Any) -> None:
    claims, plan, chosen, presentation = scenario
    result = _verify(presentation)
    assert result.verified, result.errors
    document = dict(result.document)
    assert document.pop("iat") == int(NOW.timestamp())
    assert document.pop("cnf") == {"jwk": HOLDER.public.jwk}
    assert document == _expected(claims, plan, chosen)


@given(scenarios(), st.data())
def test_any_changed_character_fails(scenario: Any, data: st.DataObject) -> None:
    presentation = scenario[3]
    index = data.draw(st.integers(0, len(presentation) - 1))
    replacement = data.draw(
        st.sampled_from(_ALPHABET + "01lIoO-_.~=").filter(lambda c: c != presentation[index])
    )
    changed = presentation[:index] + replacement + presentation[index + 1 :]
    result = _verify(changed)
    assert not result.verified
    assert all(p.code.value != "INTERNAL_ERROR" for p in result.errors)


@given(scenarios())
def test_no_undisclosed_value_in_the_presentation(scenario: Any) -> None:
    claims, plan, chosen, presentation = scenario
    hidden = _strings(claims) - _strings(_expected(claims, plan, chosen))
    text = _decoded_text(presentation)
    for value in hidden:
        assert value not in text


@given(_CLAIMS, st.randoms(use_true_random=False))
def test_batch_copies_share_no_disclosure_or_digest(shape: Any, rng: random.Random) -> None:
    claims = _fill(shape, rng, [0])
    plan = [format_pointer(p) for p in _paths(claims)[:6]]
    holders = [Ed25519Signer.generate() for _ in range(2)]
    a, b = issue_batch(claims, ISSUER, [h.public.jwk for h in holders], disclosable=plan, iat=NOW)
    pa, pb = split_sd_jwt(a), split_sd_jwt(b)
    assert set(pa.disclosures).isdisjoint(pb.disclosures)
    assert pa.jws.split(".")[1] != pb.jws.split(".")[1] or not plan
