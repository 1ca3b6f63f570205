"""RDFC-1.0 canonical form: the strict path, and JSON-LD expansion in "safe mode" (generic).

The strict path (the default) never uses pyld. pyld alone is not safe for signatures: its
default loader uses the network, its default canonicalization algorithm is the legacy URGNA2012,
undefined properties vanish silently, undefined types and relative ``@id``s are resolved against
an invented base, IRIs are not validated, its N-Quads serializer mis-escapes control characters,
and its processed-context cache is process-wide. For the generic mode this module closes each of those:

* the :class:`~kr_ovid.jsonld.loader.StaticDocumentLoader` is always passed explicitly, together
  with a ``ContextResolver`` over that loader's private cache (pyld's global cache is never used);
* a dropped property raises (``DATA_LOSS_ERROR``), on issue and on verify alike;
* expansion runs against a sentinel base in the reserved ``.invalid`` TLD, so anything that only
  became an IRI through base resolution (an undefined type, a relative ``@id``) is detected and
  refused, and every IRI in the expanded form is checked against RFC 3987;
* JSON values that produce no RDF statement (``null``, ``[]``, an array item that repeats an RDF
  term: the same value or the same ``@id``) are refused: under RDFC they would not be signed, so
  adding or removing them would go unnoticed. Two equal objects without an id are two blank
  nodes, two sets of statements: they are accepted, as the strict form accepts them;
* RDFC-1.0 (URDNA2015) runs with a bound on blank nodes and work, and the canonical N-Quads are
  serialized by :mod:`kr_ovid.jsonld.nquads`, not by pyld.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Literal

from kr_ovid._json import JsonParseError, check_json_value
from kr_ovid.errors import CanonicalizationError
from kr_ovid.jsonld.iri import is_absolute_iri, is_blank_node_id
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.jsonld.nquads import (
    DEFAULT_MAX_BLANK_NODES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_WORK,
    CanonicalDataset,
    CanonicalizationLimitError,
    Dataset,
    HashAlgorithm,
    dataset_quads,
    parse_nquads,
    quad_line,
)
from kr_ovid.jsonld.strict import JsonLdLimits, Quad, check_shape, to_quads
from kr_ovid.problems import ErrorCode

DEFAULT_LIMITS = JsonLdLimits()
#: pyld's expansion and RDF conversion cost about 1 ms per statement and grow quadratically with
#: array length, so the generic mode's defaults are tighter (a second, not minutes, at worst).
GENERIC_LIMITS = JsonLdLimits(max_statements=2_000, max_array_items=200)

JsonLdMode = Literal["strict", "generic"]

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_BLANK_NODES",
    "DEFAULT_MAX_WORK",
    "GENERIC_LIMITS",
    "JsonLdLimits",
    "JsonLdMode",
    "canonical_nquads_from_dataset",
    "canonical_nquads_from_quads",
    "canonicalize_dataset",
    "canonicalize_nquads_input",
    "canonicalize_rdfc",
    "check_strict",
    "expand",
]

_SENTINEL_HOST = "kr-ovid-relative-iri.invalid"  # _pyld_engine.SENTINEL_HOST (kept import-free)

_NODE_LIST_KEYS = frozenset({"@list", "@set", "@graph", "@included"})
_PASSTHROUGH_KEYS = frozenset({"@language", "@direction", "@index"})


def _bad_iri(value: object, where: str) -> CanonicalizationError:
    if isinstance(value, str) and _SENTINEL_HOST in value:
        return CanonicalizationError(
            f"{where} is a relative IRI or an undefined term (resolved only against a base)",
            code=ErrorCode.DATA_LOSS_ERROR,
        )
    return CanonicalizationError(
        f"{where} is not a valid absolute IRI", code=ErrorCode.MALFORMED_VALUE_ERROR
    )


def _check_iri(value: object, where: str, *, blank_ok: bool) -> None:
    if isinstance(value, str):
        if blank_ok and is_blank_node_id(value):
            return
        if _SENTINEL_HOST not in value and is_absolute_iri(value):
            return
    raise _bad_iri(value, where)


def _check_expanded(expanded: Any) -> None:
    """Refuse relative or invalid IRIs anywhere in pyld's expanded output (iteratively), and
    values pyld would merge away."""
    # (node @id, property, the value's RDF term without @direction) -> its @direction: JSON-LD
    # merges the descriptions of one node and compares values without @direction, so of two
    # values differing only in direction (at two places) one is dropped and goes unsigned.
    directions: dict[tuple[str, str, str, tuple[str, ...]], object] = {}
    # Each item with the graph it stands in: a node described in two graphs is two nodes.
    stack: list[tuple[Any, str, bool]] = [(expanded, "", True)]
    while stack:
        item, graph, top = stack.pop()
        if isinstance(item, list):
            stack.extend((i, graph, top) for i in item)
            continue
        if not isinstance(item, dict):
            continue
        if "@value" in item:
            dt = item.get("@type")
            if dt is not None and dt != "@json":
                _check_iri(dt, "a datatype", blank_ok=False)
            continue
        for key, value in item.items():
            if key == "@id":
                _check_iri(value, "an @id", blank_ok=True)
            elif key == "@type":
                types = value if isinstance(value, list) else [value]
                for t in types:
                    _check_iri(t, "a type", blank_ok=True)
                _check_repeated(types, "@type")
            elif key in _NODE_LIST_KEYS:
                if key != "@list":  # a list keeps its repeated items (an rdf:List)
                    _check_repeated(value, key)
                inner = graph
                if key == "@graph":
                    name = item.get("@id")
                    # A top-level object of @graph alone holds the default graph's nodes.
                    default = top and set(item) <= {"@graph", "@context"}
                    inner = graph if default else name if isinstance(name, str) else f"#{id(item)}"
                stack.append((value, inner, False))
            elif key == "@reverse":
                if isinstance(value, dict):
                    for rkey, rval in value.items():
                        _check_iri(rkey, "a reverse property", blank_ok=False)
                        stack.append((rval, graph, False))
            elif key in _PASSTHROUGH_KEYS:
                continue
            elif key.startswith("@"):
                raise CanonicalizationError(
                    f"unsupported keyword {key} in expanded form",
                    code=ErrorCode.MALFORMED_VALUE_ERROR,
                )
            else:
                _check_iri(key, "a property", blank_ok=False)
                _check_repeated(value, key)
                node = item.get("@id")
                if isinstance(node, str) and isinstance(value, list):
                    _check_directions(directions, graph, node, key, value)
                stack.append((value, graph, False))


def _check_directions(
    directions: dict[tuple[str, str, str, tuple[str, ...]], object],
    graph: str,
    node: str,
    prop: str,
    values: list[Any],
) -> None:
    for item in values:
        if isinstance(item, dict) and "@value" in item:
            where = (graph, node, prop, _rdf_term(item))
            direction = item.get("@direction")
            if directions.setdefault(where, direction) != direction:
                raise CanonicalizationError(
                    f"a value of {node[:200]} differing from another only in @direction: "
                    "JSON-LD keeps one",
                    code=ErrorCode.DATA_LOSS_ERROR,
                )


_XSD = "http://www.w3.org/2001/XMLSchema#"


def _rdf_term(item: Any) -> tuple[str, ...]:
    """The RDF term an expanded item becomes (JSON-LD 1.1 §8.1.2 Object to RDF), as a key: a
    node object is its ``@id`` whatever else it says; ``false`` and ``"false"^^xsd:boolean`` are
    one literal."""
    if not isinstance(item, dict):
        return ("json", json.dumps(item, sort_keys=True, ensure_ascii=False))
    if "@value" not in item:
        return ("id", str(item.get("@id")))
    value, datatype = item["@value"], item.get("@type")
    if datatype == "@json":
        return ("json", json.dumps(value, sort_keys=True, ensure_ascii=False))
    if isinstance(value, bool):
        return ("literal", "true" if value else "false", datatype or _XSD + "boolean")
    if isinstance(value, int):
        return ("literal", str(value), datatype or _XSD + "integer")
    # (No @direction here: JSON-LD compares values without it and keeps one of two values that
    # differ only in direction; the copy is refused as repeated, never silently merged.)
    if isinstance(value, str) and isinstance(item.get("@language"), str):
        return ("language", value, item["@language"].lower())
    if isinstance(value, str):
        return ("literal", value, datatype or _XSD + "string")
    return ("json", json.dumps(item, sort_keys=True, ensure_ascii=False))


def _check_repeated(values: object, where: str) -> None:
    """Refuse an expanded array holding one RDF term twice (the same value object, the same
    ``@id``, the same type): RDF keeps one statement, so the copy would not be signed. A node
    object without ``@id`` is a fresh blank node each time: equal ones are distinct statements."""
    if not isinstance(values, list) or len(values) < 2:
        return
    seen: set[tuple[str, ...]] = set()
    for item in values:
        if isinstance(item, dict) and "@value" not in item and "@id" not in item:
            continue  # a blank node of its own (or a list/set object, checked where it stands)
        key = _rdf_term(item)
        if key in seen:
            raise CanonicalizationError(
                f"repeated item under {where[:200]}: RDF keeps one copy",
                code=ErrorCode.DATA_LOSS_ERROR,
            )
        seen.add(key)


def _check_unsigned_values(document: Any, limits: JsonLdLimits = DEFAULT_LIMITS) -> None:
    """Refuse compact-form values that JSON-LD silently turns into nothing (outside @context),
    and documents beyond the work bounds: pyld's RDF conversion is quadratic in array length."""
    stack: list[tuple[Any, str]] = [(document, "")]
    values = 0
    while stack:
        value, path = stack.pop()
        values += 1
        if values > limits.max_statements:
            raise CanonicalizationError(
                f"more than {limits.max_statements} JSON values", code=ErrorCode.SIZE_LIMIT_ERROR
            )
        if isinstance(value, list) and len(value) > limits.max_array_items:
            raise CanonicalizationError(
                f"an array of more than {limits.max_array_items} items at {path}",
                code=ErrorCode.SIZE_LIMIT_ERROR,
            )
        if value is None:
            raise CanonicalizationError(
                f"null at {path or '/'} would not be signed", code=ErrorCode.DATA_LOSS_ERROR
            )
        if isinstance(value, list):
            if not value:
                raise CanonicalizationError(
                    f"empty array at {path} would not be signed", code=ErrorCode.DATA_LOSS_ERROR
                )
            # Repeated items are judged on the expanded form (_check_repeated), where an object
            # without an id is known to be a blank node of its own.
            for i, item in enumerate(value):
                stack.append((item, f"{path}/{i}"))
        elif isinstance(value, dict):
            for k, v in value.items():
                if k == "@index":
                    # An index is JSON-LD bookkeeping: it yields no statement, so it is unsigned.
                    raise CanonicalizationError(
                        f"@index at {path} would not be signed", code=ErrorCode.DATA_LOSS_ERROR
                    )
                if k != "@context":
                    stack.append((v, f"{path}/{k}"))


def expand(
    document: Any, *, loader: StaticDocumentLoader, limits: JsonLdLimits = DEFAULT_LIMITS
) -> list[Any]:
    """JSON-LD expansion that fails instead of dropping or inventing data."""
    from kr_ovid.jsonld import _pyld_engine as engine  # pyld loads only for the generic mode

    options = engine.pyld_options(loader)
    try:
        check_json_value(document)
    except JsonParseError as exc:
        raise CanonicalizationError(str(exc), code=ErrorCode.PARSING_ERROR) from None
    if not isinstance(document, dict):
        raise CanonicalizationError(
            "a JSON-LD document must be an object", code=ErrorCode.PARSING_ERROR
        )
    _check_unsigned_values(document, GENERIC_LIMITS if limits is DEFAULT_LIMITS else limits)
    try:
        expanded = engine.Processor(loader).expand(document, options)
    # pyld raises many exception types on hostile input; every one becomes a coded error here.
    except Exception as exc:  # noqa: BLE001
        code, message = engine.cause_code(exc)
        raise CanonicalizationError(message, code=code) from None
    _check_expanded(expanded)
    if not isinstance(expanded, list):
        raise CanonicalizationError(
            "unexpected expansion result", code=ErrorCode.PROOF_TRANSFORMATION_ERROR
        )
    return expanded


def canonicalize_rdfc(
    document: Any,
    *,
    loader: StaticDocumentLoader,
    max_blank_nodes: int = DEFAULT_MAX_BLANK_NODES,
    max_work: int = DEFAULT_MAX_WORK,
    mode: JsonLdMode = "strict",
    limits: JsonLdLimits = DEFAULT_LIMITS,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (https://www.w3.org/TR/rdf-canon/).

    ``mode="strict"`` (the default) accepts only the plain compacted form of pinned contexts and
    builds the RDF itself (:mod:`kr_ovid.jsonld.strict`); ``"generic"`` runs pyld's expansion in
    safe mode, for foreign JSON-LD that no decision of this library is read from.
    """
    if mode == "strict":
        if not isinstance(loader, StaticDocumentLoader):
            raise CanonicalizationError(
                "a StaticDocumentLoader is required", code=ErrorCode.CONFIGURATION_ERROR
            )
        quads = to_quads(document, loader.compiled, limits=limits)
        return canonical_nquads_from_quads(
            quads, max_blank_nodes=max_blank_nodes, max_work=max_work
        )
    if mode != "generic":
        raise CanonicalizationError(
            f"unknown JSON-LD mode {mode!r}", code=ErrorCode.CONFIGURATION_ERROR
        )
    return _canonicalize_generic(
        document, loader=loader, max_blank_nodes=max_blank_nodes, max_work=max_work, limits=limits
    )


def check_strict(
    document: Any, *, loader: StaticDocumentLoader, limits: JsonLdLimits = DEFAULT_LIMITS
) -> None:
    """Refuse a document that is not in the strict form (raises ``CanonicalizationError``)."""
    if not isinstance(loader, StaticDocumentLoader):
        raise CanonicalizationError(
            "a StaticDocumentLoader is required", code=ErrorCode.CONFIGURATION_ERROR
        )
    check_shape(document, loader.compiled, limits=limits)


def _canonicalize_generic(
    document: Any,
    *,
    loader: StaticDocumentLoader,
    max_blank_nodes: int,
    max_work: int,
    limits: JsonLdLimits,
) -> str:
    expanded = expand(document, loader=loader, limits=limits)
    from kr_ovid.jsonld import _pyld_engine as engine

    options = engine.pyld_options(loader)
    try:
        dataset = engine.Processor(loader).to_rdf(expanded, options)
    except Exception as exc:  # noqa: BLE001
        code, message = engine.cause_code(exc)
        raise CanonicalizationError(message, code=code) from None
    try:
        return canonical_nquads_from_dataset(
            dataset, max_blank_nodes=max_blank_nodes, max_work=max_work
        )
    except CanonicalizationLimitError as exc:
        raise CanonicalizationError(
            f"canonicalization exceeds its work bound: {exc}", code=ErrorCode.SIZE_LIMIT_ERROR
        ) from None


def canonicalize_dataset(
    dataset: Dataset,
    *,
    max_blank_nodes: int = DEFAULT_MAX_BLANK_NODES,
    max_work: int = DEFAULT_MAX_WORK,
    max_depth: int = DEFAULT_MAX_DEPTH,
    hash_algorithm: HashAlgorithm = "sha256",
) -> CanonicalDataset:
    """RDFC-1.0 of a pyld dataset (from ``to_rdf`` without ``format``), with bounds.

    The input is not modified. Raises :class:`CanonicalizationLimitError` when the dataset has
    more than ``max_blank_nodes`` blank nodes or labelling would need more than ``max_work``
    units, and :class:`NQuadsError` for a term canonical N-Quads cannot express.
    """
    if hash_algorithm not in ("sha256", "sha384"):
        raise CanonicalizationError(
            f"unsupported hash algorithm {hash_algorithm!r}", code=ErrorCode.CONFIGURATION_ERROR
        )
    quads = dataset_quads(dataset)
    labels = {
        term["value"]
        for quad in quads
        for key, term in quad.items()
        if key != "predicate" and term.get("type") == "blank node"
    }
    if len(labels) > max_blank_nodes:
        raise CanonicalizationLimitError(
            f"{len(labels)} blank nodes exceed the limit of {max_blank_nodes}"
        )
    from kr_ovid.jsonld._pyld_engine import BoundedURDNA2015  # only for ambiguous blank nodes

    algorithm = BoundedURDNA2015(
        max_work=max_work, max_depth=max_depth, hash_algorithm=hash_algorithm
    )
    try:
        issued = algorithm.issue_identifiers(quads)
    except RecursionError:  # a caller deep in its own stack; same answer as max_depth
        raise CanonicalizationLimitError("blank node recursion exhausted the stack") from None

    def canonical(label: str) -> str:
        return issued[label]

    lines = sorted({quad_line(quad, canonical) for quad in quads})  # step 7, then RDFC-1.0 §4.4.3 8
    return CanonicalDataset(nquads="".join(lines), issued=issued)


def _line(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


def canonical_nquads_from_quads(
    quads: Sequence[Quad],
    *,
    max_blank_nodes: int = DEFAULT_MAX_BLANK_NODES,
    max_work: int = DEFAULT_MAX_WORK,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> str:
    """RDFC-1.0 of distinct quads already written as canonical N-Quads terms.

    RDFC-1.0 §4.4.3 steps 2-5: when every blank node has its own first-degree hash (the usual
    case for credentials), canonical labels follow the hashes' order and no permutation search is
    needed. Otherwise the quads go through the bounded URDNA2015 run (step 6).
    """
    mentions: dict[str, list[Quad]] = {}
    for quad in quads:
        s, _, o, g = quad
        if s[0] == "_":
            mentions.setdefault(s, []).append(quad)
        if o[0] == "_" and o != s:
            mentions.setdefault(o, []).append(quad)
        if g and g[0] == "_" and g not in (s, o):
            mentions.setdefault(g, []).append(quad)
    if not mentions:
        return "".join(sorted(_line(*q) for q in quads))
    if len(mentions) > max_blank_nodes:
        raise CanonicalizationError(
            f"{len(mentions)} blank nodes exceed the limit of {max_blank_nodes}",
            code=ErrorCode.SIZE_LIMIT_ERROR,
        )
    by_hash: dict[str, str] = {}
    shared = False
    for label, refs in mentions.items():
        lines = []
        for s, p, o, g in refs:
            lines.append(
                _line(
                    ("_:a" if s == label else "_:z") if s[0] == "_" else s,
                    p,
                    ("_:a" if o == label else "_:z") if o[0] == "_" else o,
                    ("_:a" if g == label else "_:z") if g and g[0] == "_" else g,
                )
            )
        lines.sort()
        digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
        if digest in by_hash:
            shared = True
            break
        by_hash[digest] = label
    if shared:
        text = "".join(_line(*q) for q in quads)
        return canonicalize_nquads_input(
            text, max_blank_nodes=max_blank_nodes, max_work=max_work, max_depth=max_depth
        )
    canonical = {label: f"_:c14n{i}" for i, (_, label) in enumerate(sorted(by_hash.items()))}
    lines = []
    for s, p, o, g in quads:
        if s[0] == "_":
            s = canonical[s]  # noqa: PLW2901 — relabelled in place
        if o[0] == "_":
            o = canonical[o]  # noqa: PLW2901
        if g:
            if g[0] == "_":
                g = canonical[g]  # noqa: PLW2901
            lines.append(f"{s} {p} {o} {g} .\n")
        else:
            lines.append(f"{s} {p} {o} .\n")
    lines.sort()
    return "".join(lines)


def canonical_nquads_from_dataset(
    dataset: Dataset,
    *,
    max_blank_nodes: int = DEFAULT_MAX_BLANK_NODES,
    max_work: int = DEFAULT_MAX_WORK,
    max_depth: int = DEFAULT_MAX_DEPTH,
    hash_algorithm: HashAlgorithm = "sha256",
) -> str:
    """RDFC-1.0 canonical N-Quads (UTF-8 text to hash) of a pyld ``to_rdf`` dataset, bounded.

    Obtain ``dataset`` with ``JsonLdProcessor().to_rdf(doc, {'documentLoader': loader, ...})``
    (no ``format`` option). See :func:`canonicalize_dataset` for the errors.
    """
    return canonicalize_dataset(
        dataset,
        max_blank_nodes=max_blank_nodes,
        max_work=max_work,
        max_depth=max_depth,
        hash_algorithm=hash_algorithm,
    ).nquads


def canonicalize_nquads_input(
    nquads_text: str,
    *,
    max_blank_nodes: int = DEFAULT_MAX_BLANK_NODES,
    max_work: int = DEFAULT_MAX_WORK,
    max_depth: int = DEFAULT_MAX_DEPTH,
    hash_algorithm: HashAlgorithm = "sha256",
) -> str:
    """RDFC-1.0 canonical N-Quads of N-Quads text (how the rdf-canon suite states its inputs)."""
    return canonical_nquads_from_dataset(
        parse_nquads(nquads_text),
        max_blank_nodes=max_blank_nodes,
        max_work=max_work,
        max_depth=max_depth,
        hash_algorithm=hash_algorithm,
    )
