"""Fuzz ``kr_ovid._json``: the bounded parser every untrusted JSON text goes through.

``parse_json`` returns plain bounded JSON or raises ``JsonParseError``; ``check_json_value``
accepts plain bounded JSON values and refuses any other Python object with ``JsonParseError``.
"""

from __future__ import annotations

import json
from typing import Any

from fuzzkit import ANY_VALUE, JSON, mutated_text, returns_or_raises, seeds
from hypothesis import given
from hypothesis import strategies as st

from kr_ovid._json import JsonLimits, JsonParseError, check_json_value, parse_json

SEED_TEXTS = [
    json.dumps(seeds().credential, ensure_ascii=False),
    json.dumps(seeds().did_document),
    '{"a": [1, 2.5e3, -0, true, null, "\\ud800\\u0000"]}',
]
json_texts = (
    st.sampled_from(SEED_TEXTS).flatmap(
        lambda s: mutated_text(s, pieces=st.sampled_from(list('{}[],:"\\ 0-.eE')) | st.text())
    )
    | st.text()
    | st.sampled_from(
        ["[" * 5000, '{"a":' * 40 + "1" + "}" * 40, "1" * 31, "-" + "9" * 30, "1e400", "NaN"]
    )
)
SMALL = JsonLimits(max_bytes=2_000, max_depth=4, max_string=40, max_items=30, max_int_digits=5)


@given(json_texts, st.booleans(), st.booleans())
def test_fuzz_parse_json_text(text: str, as_bytes: bool, small: bool) -> None:
    data: str | bytes = text.encode("utf-8", "surrogatepass") if as_bytes else text
    limits = SMALL if small else JsonLimits()
    try:
        value = parse_json(data, limits=limits)
    except JsonParseError as exc:
        assert isinstance(exc.reason, str) and exc.reason
        return
    check_json_value(value, limits=limits)


@given(st.binary(max_size=300) | st.sampled_from([b"\xef\xbb\xbf{}", b'"\xed\xa0\x80"', b"\xff"]))
def test_fuzz_parse_json_bytes(data: bytes) -> None:
    ok, value = returns_or_raises(parse_json, data, allowed=(JsonParseError,))
    if ok:
        check_json_value(value)


@given(JSON)
def test_fuzz_parse_json_round_trip(value: Any) -> None:
    """Any JSON value ``json.dumps`` writes within the limits parses back to itself."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        parsed = parse_json(text)
    except JsonParseError as exc:  # only a limit may refuse it (ints/duplicates cannot occur)
        assert exc.reason in {"number-too-large", "too-deep", "string-too-long", "too-many-items"}
        return
    assert json.dumps(parsed, sort_keys=True) == json.dumps(value, sort_keys=True)


@given(ANY_VALUE | st.builds(object) | st.recursive(JSON, lambda k: st.tuples(k, k)))
def test_fuzz_check_json_value(value: Any) -> None:
    returns_or_raises(check_json_value, value, allowed=(JsonParseError,))
