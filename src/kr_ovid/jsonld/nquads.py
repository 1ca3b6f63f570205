"""RDFC-1.0 canonical N-Quads: the serializer, a strict N-Quads parser, and the dataset shapes.

The bounded URDNA2015 run that labels blank nodes (when first-degree hashes do not) lives in
:mod:`kr_ovid.jsonld._pyld_engine`, the only module that imports pyld; everything here is pure
Python.

pyld 3.3.0's permutation search (*Hash N-Degree Quads*) is right, but three things around it are
not safe to sign with (checked with the W3C rdf-canon suite in ``tests/vectors/rdf-canon/`` and
against rdf-canonize 5.0.0 and pyoxigraph 0.5.13):

* **Escaping.** Its N-Quads serializer leaves BS, FF, the other C0 controls and DEL raw, where
  canonical N-Quads (RDFC-1.0 §4.1 → RDF 1.2 N-Quads canonical form) require ``\\b``, ``\\f`` and
  ``\\u00XX``. It also hashes those wrong lines in *Hash First Degree Quads* (so even blank node
  labels can differ), and the dataset ``normalize`` returns without ``format`` is that wrong text
  parsed back by a parser that splits lines on FF or U+2028 (it raises) and turns a literal
  backslash + ``n`` into backslash + newline.
* **Duplicates and self-loops.** A quad that names the same blank node twice (``_:x <p> _:x``) is
  listed twice in pyld's blank-node-to-quads map (a list, where the reference implementation uses
  a set), which changes its hash and so the labels; repeated input quads are hashed repeatedly.
* **No work bound.** The poison graph (rdf-canon test074) runs for minutes.

So this module keeps pyld's *Hash N-Degree Quads* (the permutation search) and replaces the rest:
the input quads are copied and de-duplicated, *Hash First Degree Quads* and the final lines use
the canonical serializer below, and a per-call subclass of pyld's ``URDNA2015`` charges every
*Hash N-Degree Quads* call and every permutation it is about to try against a budget, raising
:class:`CanonicalizationLimitError` *before* the work is done. No pyld module state is touched.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from kr_ovid.errors import CanonicalizationError
from kr_ovid.jsonld.iri import BLANK_NODE_LABEL_PATTERN
from kr_ovid.problems import ErrorCode

__all__ = [
    "DEFAULT_MAX_BLANK_NODES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_WORK",
    "CanonicalDataset",
    "CanonicalizationLimitError",
    "Dataset",
    "HashAlgorithm",
    "NQuadsError",
    "parse_nquads",
    "serialize_canonical_nquads",
]

XSD_STRING: Final = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

DEFAULT_MAX_BLANK_NODES: Final = 1000
DEFAULT_MAX_WORK: Final = 100_000
DEFAULT_MAX_DEPTH: Final = 128
"""Nesting of *Hash N-Degree Quads* calls; each level is two Python frames."""

HashAlgorithm = Literal["sha256", "sha384"]

Dataset = Mapping[str, Iterable[Mapping[str, Any]]]
"""pyld's RDF dataset shape: graph name (``'@default'``, an IRI or ``_:label``) → triples."""


class NQuadsError(CanonicalizationError):
    """Malformed N-Quads text, or an RDF term that canonical N-Quads cannot express."""

    code = ErrorCode.MALFORMED_VALUE_ERROR


class CanonicalizationLimitError(CanonicalizationError):
    """Canonicalization would exceed its bound on blank nodes, work or recursion depth.

    RDFC-1.0 §4.4 (and the rdf-canon negative test074) expects an implementation to abort on
    such input rather than run for minutes; raised before the expensive step is started.
    """

    code = ErrorCode.SIZE_LIMIT_ERROR


# --- canonical serialization -------------------------------------------------------------------

# RDF 1.2 N-Triples canonical form, as required by RDFC-1.0 and checked by rdf-canon test060:
# ECHAR for BS, HT, LF, FF, CR, '"' and '\'; UCHAR (uppercase hex) for the other C0 controls and
# DEL; every other character (including U+0080-U+009F, U+2028, U+FFFF...) written directly.
_ECHAR: Final = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"'}
_ESCAPE: Final = {**_ECHAR, "\\": "\\\\"}
_NEEDS_ESCAPE: Final = re.compile('[\\x00-\\x1f"\\\\\\x7f]')
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# Characters an IRIREF may not hold raw; canonical form forbids UCHAR, so they cannot be written.
_IRI_FORBIDDEN: Final = re.compile('[\\x00-\\x20<>"{}|^`\\\\\ud800-\udfff]')
_LANGTAG: Final = re.compile("[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")
_BNODE: Final = re.compile(BLANK_NODE_LABEL_PATTERN)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPE.get(char) or f"\\u{ord(char):04X}"


def _escape_literal(value: str) -> str:
    if _SURROGATE.search(value):
        raise NQuadsError("a literal contains a lone surrogate (not a Unicode scalar value)")
    return _NEEDS_ESCAPE.sub(_escape_char, value)


def _iri(value: str) -> str:
    if not value or _IRI_FORBIDDEN.search(value):
        raise NQuadsError(f"an IRI cannot be written in canonical N-Quads: {value[:80]!r}")
    return f"<{value}>"


def _literal(term: Mapping[str, Any]) -> str:
    value = term["value"]
    datatype = term.get("datatype") or XSD_STRING
    language = term.get("language")
    if not isinstance(value, str) or not isinstance(datatype, str):
        raise NQuadsError("a literal needs a string value and datatype")
    out = f'"{_escape_literal(value)}"'
    if datatype == RDF_LANGSTRING:
        if not isinstance(language, str) or not _LANGTAG.fullmatch(language):
            raise NQuadsError(f"rdf:langString literal with an invalid language tag {language!r}")
        return f"{out}@{language}"
    if language is not None:
        raise NQuadsError("a language tag on a literal that is not rdf:langString")
    if datatype == XSD_STRING:
        return out
    return f"{out}^^{_iri(datatype)}"


_Relabel = Callable[[str], str]


def _node(term: Mapping[str, Any], relabel: _Relabel) -> str:
    kind = term.get("type")
    value = term.get("value")
    if not isinstance(value, str):
        raise NQuadsError("an RDF term without a string value")
    if kind == "IRI":
        return _iri(value)
    if kind == "blank node":
        label = relabel(value)
        if not _BNODE.fullmatch(label):
            raise NQuadsError(f"invalid blank node label {label[:80]!r}")
        return label
    raise NQuadsError(f"unexpected RDF term type {kind!r}")


def quad_line(quad: Mapping[str, Any], relabel: _Relabel) -> str:
    """One canonical N-Quads line (with its ``\\n``) for a quad in pyld's dict shape."""
    subject = _node(quad["subject"], relabel)
    predicate = quad["predicate"]
    if predicate.get("type") != "IRI" or not isinstance(predicate.get("value"), str):
        raise NQuadsError("a predicate must be an IRI")
    obj = quad["object"]
    obj_text = _literal(obj) if obj.get("type") == "literal" else _node(obj, relabel)
    name = quad.get("name")
    graph = f" {_node(name, relabel)}" if name is not None else ""
    return f"{subject} {_iri(predicate['value'])} {obj_text}{graph} .\n"


def _keep(label: str) -> str:
    return label


def _any_label(_label: str) -> str:
    return "_:a"


def _graph_term(graph_name: str) -> dict[str, str] | None:
    if graph_name == "@default":
        return None
    return {"type": "blank node" if graph_name.startswith("_:") else "IRI", "value": graph_name}


def dataset_quads(dataset: Dataset) -> list[dict[str, Any]]:
    """Copy pyld's dataset into de-duplicated quads (graph name under ``'name'``)."""
    if not isinstance(dataset, Mapping):
        raise NQuadsError("an RDF dataset must be a mapping of graph name to triples")
    seen: set[tuple[Any, ...]] = set()
    quads: list[dict[str, Any]] = []
    for graph_name, triples in dataset.items():
        if not isinstance(graph_name, str):
            raise NQuadsError("a graph name must be a string")
        name = _graph_term(graph_name)
        for triple in triples:
            try:
                quad: dict[str, Any] = {
                    "subject": dict(triple["subject"]),
                    "predicate": dict(triple["predicate"]),
                    "object": dict(triple["object"]),
                }
            except (KeyError, TypeError, ValueError):
                raise NQuadsError("a triple needs subject, predicate and object terms") from None
            if name is not None:
                quad["name"] = dict(name)
            key = tuple(
                (term.get("type"), term.get("value"), term.get("datatype"), term.get("language"))
                for term in quad.values()
            )
            if key not in seen:
                quad_line(quad, _any_label)  # refuse what cannot be written before any hashing
                seen.add(key)
                quads.append(quad)
    return quads


def serialize_canonical_nquads(dataset: Dataset) -> str:
    """Canonical N-Quads text of an already-labelled dataset (e.g. pyld ``normalize`` output).

    Lines are de-duplicated and sorted by code point (= UTF-8 byte order), each ends in ``\\n``.
    Blank node labels are written as given. Prefer :func:`canonical_nquads_from_dataset`: the
    dataset pyld's ``normalize`` returns has already been through pyld's lossy serializer.
    """
    return "".join(sorted({quad_line(quad, _keep) for quad in dataset_quads(dataset)}))


# --- bounded URDNA2015 (= RDFC-1.0) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CanonicalDataset:
    """RDFC-1.0 result: the canonical N-Quads and the issued identifiers map.

    ``issued`` maps each input blank node label (with ``_:``) to its ``_:c14nN`` label, which
    selective-disclosure suites (ecdsa-sd-2023) relabel further.
    """

    nquads: str
    issued: dict[str, str]

    @property
    def lines(self) -> list[str]:
        """The canonical lines, each with its trailing ``\\n``."""
        # Not str.splitlines(): U+0085, U+2028 and U+001C-U+001E stand raw inside literals.
        return [f"{line}\n" for line in self.nquads.split("\n")[:-1]]


# --- N-Quads input (test suites, debugging) -----------------------------------------------------

# RDF 1.1 N-Quads grammar. pyld's own parser does not decode \uXXXX / \b / \f and splits lines on
# U+2028 and friends, so it cannot read the rdf-canon inputs faithfully.
_UCHAR_OR_ECHAR: Final = r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[tbnrf\"'\\])"
_IRIREF: Final = r"<((?:[^\x00-\x20<>\"{}|^`\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>"
_STRING: Final = rf"\"((?:[^\"\\\n\r]|{_UCHAR_OR_ECHAR})*)\""
_WS: Final = "[ \t]*"


@functools.cache
def _statement() -> re.Pattern[str]:
    """The N-Quads statement grammar, compiled on first use (it is large; parsing is rare)."""
    return re.compile(
        rf"{_WS}(?:{_IRIREF}|({BLANK_NODE_LABEL_PATTERN})){_WS}"
        rf"{_IRIREF}{_WS}"
        rf"(?:{_IRIREF}|({BLANK_NODE_LABEL_PATTERN})|{_STRING}(?:\^\^{_IRIREF}|@({_LANGTAG.pattern}))?)"
        rf"{_WS}(?:{_IRIREF}|({BLANK_NODE_LABEL_PATTERN}))?{_WS}\.{_WS}(?:#.*)?"
    )


_BLANK_OR_COMMENT: Final = re.compile(rf"{_WS}(?:#.*)?")
_ESCAPED: Final = re.compile(_UCHAR_OR_ECHAR)
_ECHAR_VALUES: Final = {f"\\{c}": v for c, v in zip("tbnrf\"'\\", "\t\b\n\r\f\"'\\", strict=True)}
_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*:")


def _unescape_one(match: re.Match[str]) -> str:
    text = match.group()
    if text[1] in "uU":
        code = int(text[2:], 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise NQuadsError(f"escape {text} is not a Unicode scalar value")
        return chr(code)
    return _ECHAR_VALUES[text]


def _unescape(text: str) -> str:
    return _ESCAPED.sub(_unescape_one, text)


def _iri_term(raw: str, line_no: int) -> dict[str, str]:
    value = _unescape(raw)
    if not _SCHEME.match(value) or _IRI_FORBIDDEN.search(value):
        raise NQuadsError(f"line {line_no}: not an absolute IRI: {value[:80]!r}")
    return {"type": "IRI", "value": value}


def parse_nquads(text: str) -> dict[str, list[dict[str, Any]]]:
    """Parse N-Quads (RDF 1.1) into pyld's dataset shape, decoding ``\\u``/``\\U``/ECHAR escapes.

    Lines end at LF or CR only (not at U+2028 or U+0085, which may stand raw in a literal).
    Relative IRIs, escapes that produce characters not allowed in an IRI, and any other syntax
    error raise :class:`NQuadsError`.
    """
    dataset: dict[str, list[dict[str, Any]]] = {}
    for line_no, line in enumerate(re.split("[\r\n]", text), start=1):
        match = _statement().fullmatch(line)
        if match is None:
            if _BLANK_OR_COMMENT.fullmatch(line):
                continue
            raise NQuadsError(f"line {line_no}: not an N-Quads statement")
        (s_iri, s_bnode, p_iri, o_iri, o_bnode, o_str, o_dt, o_lang, g_iri, g_bnode) = (
            match.groups()
        )
        subject = (
            _iri_term(s_iri, line_no)
            if s_iri is not None
            else {"type": "blank node", "value": s_bnode}
        )
        obj: dict[str, str]
        if o_iri is not None:
            obj = _iri_term(o_iri, line_no)
        elif o_bnode is not None:
            obj = {"type": "blank node", "value": o_bnode}
        else:
            obj = {"type": "literal", "value": _unescape(o_str)}
            if o_lang is not None:
                obj["datatype"] = RDF_LANGSTRING
                obj["language"] = o_lang
            else:
                obj["datatype"] = _iri_term(o_dt, line_no)["value"] if o_dt else XSD_STRING
        if g_iri is not None:
            graph = _iri_term(g_iri, line_no)["value"]
        else:
            graph = g_bnode if g_bnode is not None else "@default"
        triple = {"subject": subject, "predicate": _iri_term(p_iri, line_no), "object": obj}
        dataset.setdefault(graph, []).append(triple)
    return dataset
