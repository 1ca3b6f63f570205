"""Fuzz the JWS and SD-JWT readers (RFC 7515 compact form, RFC 9901).

Parsers (``decode_compact_jws``, ``split_sd_jwt``, ``Disclosure.parse``, ``reconstruct``,
``parse_issued``) return or raise ``SdJwtError`` (a ``KrOvidError``). ``verify_sd_jwt`` and
``verify_compact_jws`` never raise on hostile input and verify only what the issuer signed:
an issued SD-JWT minus some disclosures, or the presented SD-JWT+KB unchanged.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from fuzzkit import (
    CHALLENGE,
    DOMAIN,
    JSON,
    NOW,
    assert_refused_or_legit,
    b64url,
    b64url_json,
    keys,
    mutated_json,
    mutated_text,
    returns_or_raises,
    sd_jwt_subset,
    seeds,
    token_text,
    with_new_disclosures,
)
from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.clock import FixedClock
from kr_ovid.errors import KrOvidError
from kr_ovid.sdjwt.disclosure import (
    ELLIPSIS,
    SD_ALG_KEY,
    SD_KEY,
    Disclosure,
    reconstruct,
    split_sd_jwt,
)
from kr_ovid.sdjwt.holder import disclosable_claims, parse_issued
from kr_ovid.sdjwt.jws import (
    ACCEPTED_ALGORITHMS,
    FORBIDDEN_HEADER_PARAMETERS,
    decode_compact_jws,
    verify_compact_jws,
)
from kr_ovid.sdjwt.verifier import verify_sd_jwt

ONLY = (KrOvidError,)
ISSUED = seeds().sd_jwt
PRESENTED = seeds().sd_jwt_kb
ISSUER_JWS = ISSUED.split("~")[0]
KB_JWT = PRESENTED.split("~")[-1]
DISCLOSURES = ISSUED.split("~")[1:-1]


def _b64json(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


HEADER = _b64json(ISSUER_JWS.split(".")[0])
PAYLOAD = _b64json(ISSUER_JWS.split(".")[1])
KB_HEADER = _b64json(KB_JWT.split(".")[0])
KB_PAYLOAD = _b64json(KB_JWT.split(".")[1])
DISCLOSED = [_b64json(d) for d in DISCLOSURES]
B64_PIECES = st.text(st.sampled_from("AZaz09-_"), max_size=6) | st.sampled_from(
    [".", "..", "=", "+", "/", " ", "~", "~~", "\n", "é"]
)


@st.composite
def structured_jws(draw: st.DrawFn) -> str:
    """A compact JWS whose header and payload are mutated JSON, correctly encoded."""
    header, payload = draw(st.sampled_from([(HEADER, PAYLOAD), (KB_HEADER, KB_PAYLOAD)]))
    h = b64url_json(draw(mutated_json(header) | st.just(header) | JSON))
    p = b64url_json(draw(mutated_json(payload) | st.just(payload) | JSON))
    s = draw(st.sampled_from([ISSUER_JWS.split(".")[2], "", b64url(bytes(64))]))
    return f"{h}.{p}.{s}"


jws_tokens = (
    st.sampled_from([ISSUER_JWS, KB_JWT]).flatmap(lambda t: mutated_text(t, pieces=B64_PIECES))
    | structured_jws()
    | token_text
)


@st.composite
def structured_sd_jwt(draw: st.DrawFn, kb: bool) -> str:
    """An SD-JWT assembled from parts: the issuer JWS (or a mutated one), a subset of the real
    disclosures (some repeated or mutated, some new), and optionally a KB-JWT."""
    jws = draw(st.just(ISSUER_JWS) | structured_jws())
    chosen = draw(st.lists(st.sampled_from(DISCLOSURES), max_size=len(DISCLOSURES) + 2))
    chosen += draw(st.lists(disclosures(), max_size=2))
    chosen = draw(st.permutations(chosen))
    tail = draw(st.just(KB_JWT) | jws_tokens) if kb else ""
    return jws + "~" + "".join(d + "~" for d in chosen) + tail


@st.composite
def disclosures(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["mutated-text", "mutated-json", "raw"]))
    if kind == "mutated-text":
        return draw(
            st.sampled_from(DISCLOSURES).flatmap(lambda d: mutated_text(d, pieces=B64_PIECES))
        )
    if kind == "mutated-json":
        return b64url_json(draw(st.sampled_from(DISCLOSED).flatmap(mutated_json)))
    return draw(
        st.builds(lambda salt, name, value: b64url_json([salt, name, value]), JSON, keys, JSON)
        | st.builds(lambda salt, value: b64url_json([salt, value]), JSON, JSON)
        | token_text
    )


sd_jwt_texts = (
    st.sampled_from([ISSUED, PRESENTED]).flatmap(lambda t: mutated_text(t, pieces=B64_PIECES))
    | structured_sd_jwt(kb=False)
    | structured_sd_jwt(kb=True)
    | token_text
)


def resolve_key(kid: str, header: dict[str, Any]) -> bytes | None:
    key = seeds().key
    return key.public_key if kid == key.verification_method else None


# --------------------------------------------------------------------------- parsers


@given(jws_tokens)
def test_fuzz_decode_compact_jws(token: str) -> None:
    ok, jws = returns_or_raises(decode_compact_jws, token, allowed=ONLY)
    if ok:
        assert jws.header.get("alg") in ACCEPTED_ALGORITHMS
        assert not FORBIDDEN_HEADER_PARAMETERS & set(jws.header)
        assert "crit" not in jws.header
        returns_or_raises(jws.payload_json, allowed=ONLY)


@given(sd_jwt_texts)
def test_fuzz_split_sd_jwt(text: str) -> None:
    ok, parts = returns_or_raises(split_sd_jwt, text, allowed=ONLY)
    if ok:
        assert parts.serialize() == text


@given(disclosures())
def test_fuzz_disclosure_parse(encoded: str) -> None:
    ok, disclosure = returns_or_raises(Disclosure.parse, encoded, allowed=ONLY)
    if ok:
        assert disclosure.name not in (SD_KEY, ELLIPSIS)
        assert isinstance(disclosure.salt, str)


def _no_sd_markers(value: Any) -> None:
    """RFC 9901 §7.1 step 3: the rebuilt payload has no ``_sd``, ``_sd_alg`` or ``...``."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            assert not {SD_KEY, SD_ALG_KEY, ELLIPSIS} & set(node), node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


@given(
    mutated_json(PAYLOAD) | st.just(PAYLOAD),
    st.lists(st.sampled_from(DISCLOSURES) | disclosures(), max_size=len(DISCLOSURES) + 3),
)
def test_fuzz_reconstruct(payload: Any, encoded: list[str]) -> None:
    ok, rebuilt = returns_or_raises(reconstruct, payload, encoded, allowed=ONLY)
    if ok:
        _no_sd_markers(rebuilt.document)
        assert len(rebuilt.claims) == len(encoded)


@given(
    st.sampled_from([PAYLOAD, {"_sd": []}]).flatmap(with_new_disclosures),
    st.lists(st.sampled_from(DISCLOSURES), max_size=3),
    st.randoms(use_true_random=False),
)
def test_fuzz_reconstruct_new_disclosures(
    planted: tuple[Any, list[str]], old: list[str], rnd: Any
) -> None:
    """New disclosures whose digests are planted in the payload: they get past the digest
    bookkeeping and exercise the placement rules (§7.1 step 3)."""
    payload, new = planted
    encoded = old + new
    rnd.shuffle(encoded)
    ok, rebuilt = returns_or_raises(reconstruct, payload, encoded, allowed=ONLY)
    if ok:
        _no_sd_markers(rebuilt.document)


@given(sd_jwt_texts)
def test_fuzz_parse_issued(text: str) -> None:
    ok, held = returns_or_raises(parse_issued, text, allowed=ONLY)
    if ok:
        _no_sd_markers(held.document)
        returns_or_raises(disclosable_claims, held, allowed=ONLY)


# --------------------------------------------------------------------------- verifiers


@given(jws_tokens)
def test_fuzz_verify_compact_jws(token: str) -> None:
    result = verify_compact_jws(token, resolve_key=resolve_key)
    assert_refused_or_legit(result, token == ISSUER_JWS, "verify_compact_jws")


@given(sd_jwt_texts)
def test_fuzz_verify_sd_jwt_issued(text: str) -> None:
    result = verify_sd_jwt(
        text,
        resolve_key=resolve_key,
        nonce=None,
        audience=None,
        require_key_binding=False,
        clock=FixedClock(NOW),
    )
    legit = sd_jwt_subset(text, ISSUED) or text == PRESENTED
    assert_refused_or_legit(result, legit, "verify_sd_jwt")
    if result.verified:
        _no_sd_markers(result.document)


@given(sd_jwt_texts)
def test_fuzz_verify_sd_jwt_key_bound(text: str) -> None:
    result = verify_sd_jwt(
        text, resolve_key=resolve_key, nonce=CHALLENGE, audience=DOMAIN, clock=FixedClock(NOW)
    )
    assert_refused_or_legit(result, text == PRESENTED, "verify_sd_jwt (key binding)")
