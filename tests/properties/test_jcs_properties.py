"""The JCS fast path (C ``json`` encoder) produces exactly RFC 8785's bytes on plain JSON."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.errors import CanonicalizationError
from kr_ovid.jsonld.jcs import jcs_canonicalize

texts = st.text(alphabet=st.characters(codec=None), max_size=12) | st.sampled_from(
    ["", "\x00\x1f\x7f", "\u2028\u2029", "\ud800", "\U0001f600", "\ue000", "é", '\\"/']
)
plain = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20,
)


def reference(value: Any) -> bytes | None:
    try:
        return bytes(rfc8785.dumps(value))
    except Exception:  # noqa: BLE001 — the reference refuses some values (lone surrogates)
        return None


@given(plain)
def test_fast_path_equals_rfc8785(value: Any) -> None:
    expected = reference(value)
    if expected is None:
        with pytest.raises(CanonicalizationError):
            jcs_canonicalize(value, plain=True)
    else:
        assert jcs_canonicalize(value, plain=True) == expected


def test_keys_outside_the_bmp_sort_by_utf16() -> None:
    # U+1F600 is D83D DE00 in UTF-16, which sorts before U+E000; code-point order says otherwise.
    value = {"\ue000": 1, "\U0001f600": 2}
    assert jcs_canonicalize(value, plain=True) == bytes(rfc8785.dumps(value))
    assert jcs_canonicalize(value, plain=True).decode().index("\U0001f600") < jcs_canonicalize(
        value, plain=True
    ).decode().index("\ue000")
