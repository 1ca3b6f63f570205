"""The only module that calls pyld. JSON-LD expansion in "safe mode" and RDFC-1.0 canonical form.

pyld alone is not safe for signatures (see ``shared/vectors/NOTES.md``): its default loader uses
the network, its default canonicalization algorithm is the legacy URGNA2012, undefined properties
vanish silently, undefined types and relative ``@id``s are resolved against an invented base, IRIs
are not validated, its N-Quads serializer mis-escapes control characters, and its processed-context
cache is process-wide. This module closes each of those:

* the :class:`~kr_ovid.jsonld.loader.StaticDocumentLoader` is always passed explicitly, together
  with a ``ContextResolver`` over that loader's private cache (pyld's global cache is never used);
* a dropped property raises (``DATA_LOSS_ERROR``), on issue and on verify alike;
* expansion runs against a sentinel base in the reserved ``.invalid`` TLD, so anything that only
  became an IRI through base resolution (an undefined type, a relative ``@id``) is detected and
  refused, and every IRI in the expanded form is checked against RFC 3987;
* JSON values that produce no RDF statement (``null``, ``[]``, a repeated array item) are refused:
  under RDFC they would not be signed, so adding or removing them would go unnoticed;
* RDFC-1.0 (URDNA2015) runs with a bound on blank nodes and work, and the canonical N-Quads are
  serialized by :mod:`kr_ovid.jsonld.nquads`, not by pyld.
"""

from __future__ import annotations

import json
from typing import Any

from pyld import jsonld as _pyld
from pyld.context_resolver import ContextResolver

from kr_ovid._json import JsonParseError, check_json_value
from kr_ovid.errors import CanonicalizationError, DocumentLoaderError
from kr_ovid.jsonld.iri import is_absolute_iri, is_blank_node_id
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.jsonld.nquads import CanonicalizationLimitError, canonical_nquads_from_dataset
from kr_ovid.problems import ErrorCode

__all__ = ["DEFAULT_MAX_BLANK_NODES", "DEFAULT_MAX_WORK", "canonicalize_rdfc", "expand"]

# Sentinel base: an IRI that resolves against it was relative in the input.
_SENTINEL_HOST = "kr-ovid-relative-iri.invalid"
_SENTINEL_BASE = f"https://{_SENTINEL_HOST}/base/"
DEFAULT_MAX_BLANK_NODES = 512
DEFAULT_MAX_WORK = 100_000

_NODE_LIST_KEYS = frozenset({"@list", "@set", "@graph", "@included"})
_PASSTHROUGH_KEYS = frozenset({"@language", "@direction", "@index"})


def _options(loader: StaticDocumentLoader) -> dict[str, Any]:
    if not isinstance(loader, StaticDocumentLoader):
        # A plain callable could be pyld's network loader; only ours is accepted.
        raise CanonicalizationError(
            "a StaticDocumentLoader is required", code=ErrorCode.CONFIGURATION_ERROR
        )
    return {
        "documentLoader": loader,
        "contextResolver": ContextResolver(loader.context_cache, loader),
        "base": _SENTINEL_BASE,
        "processingMode": "json-ld-1.1",
        "extractAllScripts": False,
    }


def _dropped(prop: str | None) -> None:
    raise CanonicalizationError(
        f"term {prop!r} is not defined by the document's contexts and would be dropped",
        code=ErrorCode.DATA_LOSS_ERROR,
    )


def _cause_code(exc: BaseException) -> tuple[ErrorCode, str]:
    """Walk pyld's exception chain for our own loader/drop errors."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, CanonicalizationError | DocumentLoaderError):
            return cur.code, str(cur)
        cur = cur.__cause__ or cur.__context__
    return ErrorCode.PROOF_TRANSFORMATION_ERROR, f"JSON-LD processing failed: {type(exc).__name__}"


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
    """Refuse relative or invalid IRIs anywhere in pyld's expanded output (iteratively)."""
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
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
                for t in value if isinstance(value, list) else [value]:
                    _check_iri(t, "a type", blank_ok=True)
            elif key in _NODE_LIST_KEYS:
                stack.append(value)
            elif key == "@reverse":
                if isinstance(value, dict):
                    for rkey, rval in value.items():
                        _check_iri(rkey, "a reverse property", blank_ok=False)
                        stack.append(rval)
            elif key in _PASSTHROUGH_KEYS:
                continue
            elif key.startswith("@"):
                raise CanonicalizationError(
                    f"unsupported keyword {key} in expanded form",
                    code=ErrorCode.MALFORMED_VALUE_ERROR,
                )
            else:
                _check_iri(key, "a property", blank_ok=False)
                stack.append(value)


def _check_unsigned_values(document: Any) -> None:
    """Refuse compact-form values that JSON-LD silently turns into nothing (outside @context)."""
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        value, path = stack.pop()
        if value is None:
            raise CanonicalizationError(
                f"null at {path or '/'} would not be signed", code=ErrorCode.DATA_LOSS_ERROR
            )
        if isinstance(value, list):
            if not value:
                raise CanonicalizationError(
                    f"empty array at {path} would not be signed", code=ErrorCode.DATA_LOSS_ERROR
                )
            seen: set[str] = set()
            for i, item in enumerate(value):
                key = json.dumps(item, sort_keys=True, ensure_ascii=False)
                if key in seen:
                    raise CanonicalizationError(
                        f"repeated item in the array at {path}: RDF keeps one copy",
                        code=ErrorCode.DATA_LOSS_ERROR,
                    )
                seen.add(key)
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


def expand(document: Any, *, loader: StaticDocumentLoader) -> list[Any]:
    """JSON-LD expansion that fails instead of dropping or inventing data."""
    options = _options(loader)
    try:
        check_json_value(document)
    except JsonParseError as exc:
        raise CanonicalizationError(str(exc), code=ErrorCode.PARSING_ERROR) from None
    if not isinstance(document, dict):
        raise CanonicalizationError(
            "a JSON-LD document must be an object", code=ErrorCode.PARSING_ERROR
        )
    _check_unsigned_values(document)
    try:
        expanded = _pyld.JsonLdProcessor(on_property_dropped=_dropped).expand(document, options)
    # pyld raises many exception types on hostile input; every one becomes a coded error here.
    except Exception as exc:  # noqa: BLE001
        code, message = _cause_code(exc)
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
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (https://www.w3.org/TR/rdf-canon/)."""
    expanded = expand(document, loader=loader)
    options = _options(loader)
    try:
        dataset = _pyld.JsonLdProcessor(on_property_dropped=_dropped).to_rdf(expanded, options)
    except Exception as exc:  # noqa: BLE001
        code, message = _cause_code(exc)
        raise CanonicalizationError(message, code=code) from None
    try:
        return canonical_nquads_from_dataset(
            dataset, max_blank_nodes=max_blank_nodes, max_work=max_work
        )
    except CanonicalizationLimitError as exc:
        raise CanonicalizationError(
            f"canonicalization exceeds its work bound: {exc}", code=ErrorCode.SIZE_LIMIT_ERROR
        ) from None
