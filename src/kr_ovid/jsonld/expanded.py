"""The expanded-form path: a document outside the strict form, decided from its signed meaning.

House rule 5 admits two ways to read what a Data Integrity signature fixes: the plain compacted
form of the pinned contexts (:mod:`kr_ovid.jsonld.strict`), or the expanded form. A generic
VC-API verifier meets documents with inline ``@context`` objects (VC DM 2.0 §4.3: "any
combination of URLs and/or objects"), which the strict form refuses. This module turns such a
document into its **pinned view**: the expanded document (pyld in safe mode, within
:data:`~kr_ovid.jsonld.canon.GENERIC_LIMITS`: an undefined term, a relative IRI, ``null``, a
repeated value or a protected redefinition is refused, never dropped) compacted again with only
the document's pinned context URLs. The view is accepted only if

* it is in the strict form (so every reader of the library can read it, and its types, dates,
  status entries, schemas, issuer and holder are the members the pinned contexts define), with
  one addition: a property that no pinned context defines anywhere (an issuer's own claim, such
  as ``alumniOf``, defined inline) is named by a term of a **view context**, generated from the
  IRIs alone and served under a content-addressed ``urn:kr-ovid:view:`` URL by the view's own
  loader. Such an IRI is refused when one of the document's contexts (or a scoped context inside
  one) maps a term to it or spells it under its ``@vocab``, or when a context the loader pins
  gives its name another meaning: no member a reader reads gets a second spelling, and no value
  a pinned term could not hold is hidden under another name; and
* its RDF (built by the strict walk) is byte for byte the RDF of the original document (built by
  pyld): the view *is* the signed meaning, spelled the one way the library reads.

Every decision is then taken on the view, with the strict pipeline: an ``eddsa-rdfc-2022`` proof
signs that same RDF, so it verifies on the view exactly when it verifies on the original. An
``eddsa-jcs-2022`` proof signs the JSON itself, not the RDF, so a document outside the strict form
carrying one is refused. The path is opt-in (``GenericVerifier(jsonld="expanded")``, ``kr-ovid
serve`` in test mode or with ``[verifier] jsonld = "expanded"``); the overseas-ID ``Verifier``
and every policy read only the strict form.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from kr_ovid.errors import CanonicalizationError
from kr_ovid.jsonld.canon import GENERIC_LIMITS, canonicalize_rdfc, check_strict, expand
from kr_ovid.jsonld.iri import is_absolute_iri
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.jsonld.strict import JsonLdLimits, PinnedVocabulary, pinned_vocabulary
from kr_ovid.problems import ErrorCode

__all__ = ["JsonLdForm", "PinnedView", "pinned_view"]

JsonLdForm = Literal["strict", "expanded"]
"""How a verifier reads JSON-LD: only the strict form, or also the pinned view of the expanded
form (:func:`pinned_view`)."""

_JCS: Final = "eddsa-jcs-2022"
_EMBEDDED: Final = "verifiableCredential"
_SUBJECT: Final = "credentialSubject"
VIEW_CONTEXT_PREFIX: Final = "urn:kr-ovid:view:sha256:"
_TERM_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")


@dataclass(frozen=True, slots=True)
class PinnedView:
    """A document's signed meaning as the library reads it: ``document`` (the strict form) and
    ``loader``, which serves its contexts (the given loader, plus the view context when the
    document has properties no pinned context defines). Every later step uses both."""

    document: dict[str, Any]
    loader: StaticDocumentLoader


def _refuse(detail: str, path: str | None = None) -> CanonicalizationError:
    return CanonicalizationError(detail, code=ErrorCode.MALFORMED_VALUE_ERROR, path=path)


def _proofs(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    return proof if isinstance(proof, list) else [proof] if proof is not None else []


def pinned_view(
    document: Any,
    *,
    loader: StaticDocumentLoader,
    limits: JsonLdLimits = GENERIC_LIMITS,
) -> PinnedView:
    """The document itself when it is in the strict form; otherwise its pinned view (module
    docstring), or a :class:`~kr_ovid.errors.CanonicalizationError` with the reason.

    A presentation's embedded credentials are viewed one by one (each carries its own
    ``@context``: the credentials context resets the active context for them), and the whole
    presentation's RDF is then compared once more.
    """
    try:
        check_strict(document, loader=loader, limits=limits)
    except CanonicalizationError:
        pass
    else:
        return PinnedView(dict(document), loader)
    extra: dict[str, Any] = {}
    view = _view(document, loader, limits, extra)
    reader = loader.with_documents(extra) if extra else loader
    _same_rdf(document, view, loader=loader, reader=reader, limits=limits)
    return PinnedView(view, reader)


def _view(
    document: Any, loader: StaticDocumentLoader, limits: JsonLdLimits, extra: dict[str, Any]
) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise CanonicalizationError(
            "a JSON-LD document must be an object", code=ErrorCode.PARSING_ERROR
        )
    try:
        check_strict(document, loader=loader, limits=limits)
    except CanonicalizationError:
        pass
    else:
        return dict(document)  # (an embedded credential already in the strict form)
    contexts = document.get("@context")
    listed = contexts if isinstance(contexts, list) else [contexts]
    urls = [c for c in listed if isinstance(c, str)]
    if not urls or not isinstance(listed[0], str):
        # The data model's first context is a URL (VC DM 2.0 §4.3); the view keeps it first.
        raise _refuse("the first @context must be a context URL", "/@context")
    for i, proof in enumerate(_proofs(document)):
        if isinstance(proof, dict) and proof.get("cryptosuite") == _JCS:
            # JCS signs the JSON: a view with other JSON would not carry the signature.
            single = not isinstance(document["proof"], list)
            raise _refuse(
                "an eddsa-jcs-2022 proof is accepted only on the strict JSON-LD form",
                "/proof" if single else f"/proof/{i}",
            )
    body = {k: v for k, v in document.items() if k != _EMBEDDED}
    view = _compact(body, urls, loader=loader, limits=limits)
    _name_foreign_properties(view, urls, loader, extra)
    embedded = document.get(_EMBEDDED)
    if embedded is not None:
        items = embedded if isinstance(embedded, list) else [embedded]
        viewed = []
        for i, item in enumerate(items):
            try:
                viewed.append(
                    _view(item, loader, limits, extra) if isinstance(item, dict) else item
                )
            except CanonicalizationError as exc:
                at = f"/{_EMBEDDED}" + (f"/{i}" if isinstance(embedded, list) else "")
                raise CanonicalizationError(
                    str(exc), code=exc.code, path=at + (exc.path or "")
                ) from None
        view[_EMBEDDED] = viewed if isinstance(embedded, list) else viewed[0]
    return view


def _name_foreign_properties(
    view: dict[str, Any], urls: list[str], loader: StaticDocumentLoader, extra: dict[str, Any]
) -> None:
    """Give each full-IRI member the compaction left (an IRI no pinned term maps there) a term
    of a generated view context, if the IRI is foreign to every pinned context; otherwise leave
    it, and the strict form refuses it."""
    found: dict[str, str] = {}  # IRI -> JSON pointer of its first use
    _iri_keys(view, "", found)
    if not found:
        return
    # The document's contexts say which IRIs it can spell (a value one of their terms could not
    # hold must not hide under another name); every context the loader pins says which names
    # are taken (a view term never gives a name any reader knows another meaning).
    spelled = pinned_vocabulary(loader.compiled, tuple(urls))
    known = pinned_vocabulary(loader.compiled, tuple(sorted({*loader.urls, *urls})))
    terms: dict[str, str] = {}
    for iri, where in found.items():
        name = _term_name(iri, spelled, known)
        if name is None or name in terms:
            raise _refuse(
                f"property {iri[:120]!r} has no term in the pinned contexts and no name of its own"
                " outside them",
                where,
            )
        terms[name] = iri
    definition = {"@context": {name: {"@id": iri} for name, iri in sorted(terms.items())}}
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    url = VIEW_CONTEXT_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()
    extra[url] = definition
    _rename(view, {iri: name for name, iri in terms.items()})
    view["@context"] = [*view["@context"], url]


def _term_name(iri: str, spelled: PinnedVocabulary, known: PinnedVocabulary) -> str | None:
    """The view term for a foreign IRI: its last segment, unless the document's contexts can
    spell the IRI (a term, or under their ``@vocab``), or a pinned context gives that name any
    other meaning (a name that every pinned context defining it maps to this very IRI, such as
    ``name`` for ``https://schema.org/name`` in a VC 1.1 credential, keeps its meaning)."""
    if iri in spelled.iris or any(iri.startswith(v) for v in spelled.vocabs):
        return None
    name = re.split(r"[#/:?]", iri)[-1]
    if not _TERM_NAME.fullmatch(name) or known.names.get(name, frozenset({iri})) != {iri}:
        return None
    return name


def _iri_keys(value: Any, path: str, found: dict[str, str]) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            _iri_keys(item, f"{path}/{i}", found)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                continue
            where = f"{path}/{key.replace('~', '~0').replace('/', '~1')}"
            if ":" in key and not key.startswith("@") and is_absolute_iri(key):
                found.setdefault(key, where)
            _iri_keys(item, where, found)


def _rename(value: Any, names: dict[str, str]) -> None:
    if isinstance(value, list):
        for item in value:
            _rename(item, names)
    elif isinstance(value, dict):
        for key in list(value):
            if key != "@context":
                _rename(value[key], names)
        if any(key in names for key in value):
            items = [(names.get(k, k), v) for k, v in value.items()]
            value.clear()
            value.update(items)


def _compact(
    document: dict[str, Any],
    urls: list[str],
    *,
    loader: StaticDocumentLoader,
    limits: JsonLdLimits,
) -> dict[str, Any]:
    """Expand (safe mode, bounded) and compact with the pinned ``urls`` only."""
    expanded = expand(document, loader=loader, limits=limits)
    from kr_ovid.jsonld import _pyld_engine as engine  # pyld loads only for this path

    options = {
        **engine.pyld_options(loader),
        "skipExpansion": True,
        "compactArrays": True,
        "compactToRelative": False,
    }
    try:
        compacted = engine.Processor(loader).compact(
            copy.deepcopy(expanded), {"@context": list(urls)}, options
        )
    # pyld raises many exception types; each becomes a coded refusal.
    except Exception as exc:  # noqa: BLE001
        code, message = engine.cause_code(exc)
        raise CanonicalizationError(message, code=code) from None
    if not isinstance(compacted, dict) or "@graph" in compacted:
        raise _refuse("the document is not one node in the pinned contexts")
    compacted["@context"] = list(urls)  # an ordered set, as the data model writes it
    subject = compacted.get(_SUBJECT)
    if subject is not None:
        # Compaction writes a subject with only an id as a bare IRI (the same statement); the
        # data model writes credentialSubject as objects (VC DM 2.0 §4.8).
        subjects = [{"id": s} if isinstance(s, str) else s for s in _items(subject)]
        compacted[_SUBJECT] = subjects if isinstance(subject, list) else subjects[0]
    return compacted


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _same_rdf(
    original: dict[str, Any],
    view: dict[str, Any],
    *,
    loader: StaticDocumentLoader,
    reader: StaticDocumentLoader,
    limits: JsonLdLimits,
) -> None:
    """Refuse a view whose RDF differs from the original's (strict walk against pyld)."""
    try:
        strict = canonicalize_rdfc(view, loader=reader, limits=limits)
    except CanonicalizationError as exc:
        raise CanonicalizationError(
            f"the document has no spelling in its pinned contexts: {exc}",
            code=exc.code,
            path=exc.path,
        ) from None
    generic = canonicalize_rdfc(original, loader=loader, mode="generic", limits=limits)
    if strict != generic:
        raise _refuse("the document's pinned view does not state the document's RDF")
