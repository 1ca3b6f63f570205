"""Strict JSON-LD: one accepted JSON shape per RDF graph, turned straight into RDF quads.

Why this exists. A Data Integrity signature covers the canonical RDF of a document, but every
decision a verifier makes (validity, status, schema, issuer, holder) reads the JSON. JSON-LD has
many JSON spellings of one graph: a full or compact IRI as a key, ``@type``/``@id`` for their
aliases, ``@nest``, value objects, ``@graph``, nested inline contexts. If any of them were
accepted, a relay could move ``validUntil`` or a status entry's ``type`` out of the member the
verifier reads while the signature still verifies. So the strict form accepts exactly one
spelling, *the plain compacted form of the document's own pinned contexts*:

* ``@context`` at the top is a pinned URL or a list of them (never an inline object); a nested
  ``@context`` is allowed only where a term's scoped context reset the active context (an
  embedded credential in a VC 2.0 presentation), as a restatement of a prefix of the enclosing
  document's contexts (an ``eddsa-jcs-2022`` proof), or as every one of the enclosing
  document's contexts and more (a VC 1.1 credential in a VC 1.1 presentation, whose context
  resets nothing);
* every other key is a term the active context defines (including type- and property-scoped
  contexts), or a vocabulary-relative name where the context sets ``@vocab``; ``id`` and
  ``type`` are the only keyword aliases; no key is a keyword, a compact IRI or an absolute IRI;
* every value has the JSON type its term implies: a string IRI for ``@id``-typed terms, a term
  for ``@vocab``-typed ones and for types, a string (or the boolean/integer the datatype
  names) for datatype-coerced terms, a JSON scalar or an object for untyped ones; never a value
  object, ``null``, an empty array, a nested array or a repeated item (RDF would not sign those).

One freedom is left, and it is harmless: a node with an ``id`` that is described in two places
(an issuer that is also the ``issuingMission``) can have its members moved between the places
without changing the RDF (a statement both places make is one statement). No decision reads such
a member, and the ID's JSON Schema (which its credential type fixes) pins where each one stands.
The nodes a verifier reads at one place are the exception: the top node of each graph (the
credential, the presentation, an embedded credential, a proof) and a status entry with an
``id``. A second description of one of them is refused, since a ``validUntil``, a
``credentialStatus`` or a second ``statusListIndex`` written there would be signed and never read;
a bare reference to it (only an ``id``) describes nothing and is kept.
A repeated item in one array is refused. A single value and a one-item array are also one RDF
statement (the compacted form writes either, depending on the term's container), and the order of
an array's items is not signed (its items are a set of statements); every reader in the library
accepts both spellings, reads every item and decides alike, so no decision can differ.

Anything else raises :class:`~kr_ovid.errors.CanonicalizationError` with a coded reason and a
JSON pointer, before any signature work.

How it is fast. Each pinned context is compiled once per loader (bounded memo) into immutable
term definitions, so a document of the accepted shape is converted to RDF in one walk, without
pyld's expansion, deep copies or node map. The quads feed RDFC-1.0 labelling in
:mod:`kr_ovid.jsonld.canon`. pyld remains the oracle: the differential property tests check that
both produce byte-identical canonical N-Quads on every shape this module accepts.

Context processing follows JSON-LD 1.1 §4.1-4.2 (Context Processing, Create Term Definition) for
the features pinned contexts use (``@version``, ``@protected``, ``@vocab``, ``@language``,
``@propagate``, scoped contexts, ``@type``/``@container``/``@language``/``@prefix`` in term
definitions); any other feature is refused. Expansion follows JSON-LD 1.1 §5.1 steps 7-13 for
node objects (reverting non-propagated type-scoped contexts, applying property-scoped then
embedded then type-scoped contexts) and Deserialize JSON-LD to RDF (§8.1.2, Object to RDF).
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, NoReturn

from kr_ovid.errors import CanonicalizationError, DocumentLoaderError
from kr_ovid.jsonld.iri import is_absolute_iri, is_blank_node_id
from kr_ovid.problems import ErrorCode

__all__ = [
    "DEFAULT_MAX_ARRAY_ITEMS",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_QUADS",
    "ActiveContext",
    "CompiledContexts",
    "JsonLdLimits",
    "PinnedVocabulary",
    "Quad",
    "check_shape",
    "pinned_vocabulary",
    "to_quads",
]

RDF_TYPE: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDF_TYPE_TERM: Final = f"<{RDF_TYPE}>"
# Nodes whose members a verifier reads where these predicates point (besides each graph's top
# node: the credential, the presentation, a proof): described there only. (Not a schema: its id
# is also described by a relatedResource digest, VC DM 2.0 §5.3, and its type alone is read.)
_READ_AT_ONE_PLACE: Final = frozenset({"<https://www.w3.org/2018/credentials#credentialStatus>"})
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING: Final = XSD + "string"
XSD_BOOLEAN: Final = XSD + "boolean"
XSD_INTEGER: Final = XSD + "integer"
RDF_LANGSTRING: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Datatypes whose JSON spelling is a JSON integer (both the http and the https XSD namespace,
#: which the VC 2.0 context uses for ``statusSize``), and never a string: one spelling each.
_INTEGER_TYPES: Final = frozenset(
    ns + local
    for ns in (XSD, "https://www.w3.org/2001/XMLSchema#")
    for local in (
        "integer",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)
_BOOLEAN_TYPES: Final = frozenset({XSD_BOOLEAN, "https://www.w3.org/2001/XMLSchema#boolean"})
#: I-JSON (RFC 7493 §2.2): integers beyond ±(2^53 − 1) are not exact in every JSON implementation (and
#: JSON-LD writes those ≥ 10^21 as xsd:double); the strict form refuses them.
_MAX_JSON_INTEGER: Final = 2**53 - 1

DEFAULT_MAX_QUADS: Final = 20_000
DEFAULT_MAX_DEPTH: Final = 32  # as the bounded JSON parser (kr_ovid._json)
DEFAULT_MAX_ARRAY_ITEMS: Final = 1_000
_JSON_KINDS: Final = frozenset({str, dict, list, bool, int, float, type(None)})
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_GEN_DELIMS: Final = frozenset(":/?#[]@")
_ALLOWED_CONTAINERS: Final = frozenset({"@set", "@graph", "@list", "@language", "@index"})

# Value kinds of a term definition (what JSON its values may be).
_ID, _VOCAB, _JSON, _TYPED, _PLAIN, _NONE = "id", "vocab", "json", "typed", "plain", "none"


def _refuse(
    detail: str, path: str = "", code: ErrorCode = ErrorCode.MALFORMED_VALUE_ERROR
) -> NoReturn:
    where = f" at {path}" if path else ""
    raise CanonicalizationError(f"{detail}{where}", code=code, path=path or None)


def _ptr(path: str, token: object) -> str:
    if type(token) is str and "~" not in token and "/" not in token and len(token) <= 80:
        return path + "/" + token  # the common case, without the escaping work
    text = str(token).replace("~", "~0").replace("/", "~1")
    return f"{path}/{text[:80]}"


# --------------------------------------------------------------------------- compiled contexts
_NO_SCOPE: Final = object()
_NO_LANGUAGE: Final = object()  # term has no @language of its own (the default applies)


@dataclass(frozen=True, slots=True)
class _Term:
    iri: str | None  # None: mapped to null (values would be dropped)
    keyword: str | None  # "@id"/"@type" for an alias
    kind: str
    datatype: str | None
    language: object  # str, None (explicitly no language) or _NO_LANGUAGE
    containers: frozenset[str]
    scoped: Any  # raw scoped context, or _NO_SCOPE
    protected: bool
    prefix: bool
    # Derived once, read on every use: the predicate as an N-Quads term, the graph container flag,
    # and whether the container is one the strict form refuses.
    predicate: str = field(init=False, compare=False)
    graph: bool = field(init=False, compare=False)
    refused_container: bool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "predicate", f"<{self.iri}>" if self.iri is not None else "")
        object.__setattr__(self, "graph", "@graph" in self.containers)
        object.__setattr__(self, "refused_container", bool(self.containers - {"@set", "@graph"}))

    def same_as(self, other: _Term) -> bool:
        """Equal apart from ``protected`` (JSON-LD 1.1 §4.2.2 step 27)."""
        return (
            self.iri == other.iri
            and self.keyword == other.keyword
            and self.kind == other.kind
            and self.datatype == other.datatype
            and self.language == other.language
            and self.containers == other.containers
            and self.prefix == other.prefix
            and (
                self.scoped is other.scoped
                or (
                    self.scoped is not _NO_SCOPE
                    and other.scoped is not _NO_SCOPE
                    and self.scoped == other.scoped
                )
            )
        )


_uids = itertools.count(1)


@dataclass(frozen=True, slots=True, eq=False)
class ActiveContext:
    """An immutable active context; ``previous`` is set by a non-propagated (type-scoped) one."""

    terms: Mapping[str, _Term]
    vocab: str | None = None
    language: str | None = None
    previous: ActiveContext | None = None
    uid: int = field(default_factory=lambda: next(_uids))

    @property
    def is_initial(self) -> bool:
        return not self.terms and self.vocab is None and self.language is None

    def has_protected(self) -> bool:
        return any(t.protected for t in self.terms.values())


INITIAL_CONTEXT: Final = ActiveContext({})


class CompiledContexts:
    """Processed contexts of one loader, memoised by (active context, local context).

    Only pinned documents and the scoped contexts inside them are ever processed here (inline
    contexts are refused by the strict shape), so the memo holds what a finite set of bytes can
    produce; it is still bounded by entries so that hostile orderings of URLs cannot grow it.
    """

    def __init__(self, load: Callable[[str], Any], *, max_entries: int = 1024) -> None:
        self._load = load
        self._max = max_entries
        self._lock = threading.Lock()
        self._memo: dict[tuple[Any, ...], tuple[Any, ActiveContext]] = {}

    def process(
        self,
        active: ActiveContext,
        local: Any,
        *,
        override_protected: bool = False,
        propagate: bool = True,
    ) -> ActiveContext:
        """JSON-LD 1.1 §4.1 Context Processing, memoised."""
        if isinstance(local, list) and local and all(isinstance(x, str) for x in local):
            # A list of URLs (a document's @context) is the URLs one after the other; memoised
            # step by step, so no entry ever refers to an object the document owns.
            for url in local:
                active = self.process(
                    active, url, override_protected=override_protected, propagate=propagate
                )
            return active
        if isinstance(local, str):
            key: tuple[Any, ...] = (active.uid, local, override_protected, propagate)
        else:
            # Scoped contexts come from pinned documents, which the loader keeps alive: the
            # object identity is stable, and the entry keeps a reference so it cannot be reused.
            key = (active.uid, id(local), override_protected, propagate)
        hit = self._memo.get(key)  # a dict read is atomic: the hit path takes no lock
        if hit is not None:
            return hit[1]
        result = _ContextProcessor(self._load).run(
            active, local, override_protected=override_protected, propagate=propagate
        )
        with self._lock:
            self._memo[key] = (local, result)
            while len(self._memo) > self._max:
                del self._memo[next(iter(self._memo))]  # oldest first
        return result

    def __len__(self) -> int:
        return len(self._memo)


class _ContextProcessor:
    def __init__(self, load: Callable[[str], Any]) -> None:
        self._load = load
        self._depth = 0

    def run(
        self,
        active: ActiveContext,
        local: Any,
        *,
        override_protected: bool,
        propagate: bool,
        remote: tuple[str, ...] = (),
    ) -> ActiveContext:
        self._depth += 1
        if self._depth > 16:
            _refuse("contexts nest too deeply", code=ErrorCode.SIZE_LIMIT_ERROR)
        items = local if isinstance(local, list) else [local]
        if isinstance(local, dict) and "@propagate" in local:
            if not isinstance(local["@propagate"], bool):
                _refuse("@propagate must be a boolean")
            propagate = local["@propagate"]
        terms = dict(active.terms)
        vocab, language = active.vocab, active.language
        previous = active.previous
        if not propagate and previous is None:
            previous = active
        for item in items:
            if item is None:
                if not override_protected and any(t.protected for t in terms.values()):
                    _refuse("a null context would clear protected terms")
                new_previous = (
                    ActiveContext(terms, vocab, language, previous) if not propagate else None
                )
                terms, vocab, language, previous = {}, None, None, new_previous
                continue
            if isinstance(item, str):
                if item in remote:
                    _refuse("recursive context inclusion")
                doc = self._load(item)
                ctx = doc.get("@context") if isinstance(doc, dict) else None
                if ctx is None:
                    _refuse(f"context document {item[:200]} has no @context")
                inner = self.run(
                    ActiveContext(terms, vocab, language, previous),
                    ctx,
                    override_protected=False,
                    propagate=True,
                    remote=(*remote, item),
                )
                terms = dict(inner.terms)
                vocab, language, previous = inner.vocab, inner.language, inner.previous
                continue
            if not isinstance(item, dict):
                _refuse("a context must be a URL, an object or null")
            for keyword in ("@base", "@import", "@direction", "@nest"):
                if keyword in item:
                    _refuse(f"context keyword {keyword} is not supported in the strict form")
            if "@version" in item and item["@version"] != 1.1:
                _refuse("@version must be 1.1")
            if "@vocab" in item:
                v = item["@vocab"]
                if v is None:
                    vocab = None
                elif isinstance(v, str) and is_absolute_iri(v):
                    vocab = v
                else:
                    _refuse("@vocab must be an absolute IRI in the strict form")
            if "@language" in item:
                lang = item["@language"]
                if lang is not None and not isinstance(lang, str):
                    _refuse("@language must be a string or null")
                language = lang.lower() if isinstance(lang, str) else None
            default_protected = item.get("@protected", False)
            if not isinstance(default_protected, bool):
                _refuse("@protected must be a boolean")
            defined: dict[str, bool] = {}
            state = _Defining(terms, vocab, item, defined)
            for term in item:
                if term.startswith("@") and term in _CONTEXT_KEYWORDS:
                    continue
                self._define(state, term, default_protected, override_protected)
        self._depth -= 1
        return ActiveContext(terms, vocab, language, previous)

    def _define(
        self, state: _Defining, term: str, default_protected: bool, override_protected: bool
    ) -> None:
        """JSON-LD 1.1 §4.2.2 Create Term Definition (strict subset)."""
        if state.defined.get(term) is True:
            return
        if term in state.defined:
            _refuse(f"cyclic IRI mapping for term {term[:80]!r}")
        state.defined[term] = False
        value = state.local[term]
        if not term or term.startswith("@") or ":" in term or "/" in term:
            _refuse(f"term {term[:80]!r} is not supported in the strict form")
        previous = state.terms.pop(term, None)
        simple = isinstance(value, str)
        if value is None:
            definition: Mapping[str, Any] = {"@id": None}
        elif isinstance(value, str):
            definition = {"@id": value}
        elif isinstance(value, dict):
            definition = value
        else:
            _refuse(f"invalid term definition for {term[:80]!r}")
        for member in definition:
            if member not in _TERM_KEYWORDS:
                _refuse(f"term definition keyword {member} is not supported in the strict form")
        protected = definition.get("@protected", default_protected)
        if not isinstance(protected, bool):
            _refuse("@protected must be a boolean")
        kind, datatype = _PLAIN, None
        if "@type" in definition:
            t = definition["@type"]
            if not isinstance(t, str):
                _refuse("a term's @type must be a string")
            if t == "@id":
                kind = _ID
            elif t == "@vocab":
                kind = _VOCAB
            elif t == "@json":
                kind = _JSON
            elif t == "@none":
                kind = _NONE
            else:
                datatype = self._expand(state, t, vocab=True)
                if datatype is None or datatype.startswith("@") or not is_absolute_iri(datatype):
                    _refuse(f"term {term[:80]!r} has an invalid datatype")
                kind = _TYPED
        keyword: str | None = None
        iri: str | None
        if "@id" in definition and definition["@id"] != term:
            raw = definition["@id"]
            if raw is None:
                iri = None
            elif not isinstance(raw, str):
                _refuse("a term's @id must be a string")
            elif raw.startswith("@"):
                if raw not in ("@id", "@type"):
                    _refuse(f"keyword alias {raw} is not supported in the strict form")
                keyword, iri = raw, None
            else:
                iri = self._expand(state, raw, vocab=True)
                if iri is None or not is_absolute_iri(iri):
                    _refuse(f"term {term[:80]!r} does not map to an absolute IRI")
        elif state.vocab is not None and is_absolute_iri(state.vocab + term):
            iri = state.vocab + term
        else:
            _refuse(f"term {term[:80]!r} has no IRI mapping")
        prefix = bool(simple and iri is not None and iri[-1:] in _GEN_DELIMS)
        if "@prefix" in definition:
            if not isinstance(definition["@prefix"], bool):
                _refuse("@prefix must be a boolean")
            prefix = definition["@prefix"]
        raw_containers = definition.get("@container", [])
        containers = frozenset(
            raw_containers if isinstance(raw_containers, list) else [raw_containers]
        )
        if not all(isinstance(c, str) for c in containers) or not containers <= _ALLOWED_CONTAINERS:
            _refuse(f"term {term[:80]!r} has a container the strict form does not support")
        language: object = _NO_LANGUAGE
        if "@language" in definition:
            lang = definition["@language"]
            if lang is not None and not isinstance(lang, str):
                _refuse("a term's @language must be a string or null")
            language = lang.lower() if isinstance(lang, str) else None
        scoped = (
            definition.get("@context", _NO_SCOPE) if isinstance(definition, dict) else _NO_SCOPE
        )
        new = _Term(iri, keyword, kind, datatype, language, containers, scoped, protected, prefix)
        if previous is not None and previous.protected and not override_protected:
            if not new.same_as(previous):
                _refuse(f"protected term {term[:80]!r} would be redefined")
            new = previous
        state.terms[term] = new
        state.defined[term] = True

    def _expand(self, state: _Defining, value: str, *, vocab: bool) -> str | None:
        """IRI Expansion (JSON-LD 1.1 §5.2.2) while a context is being defined."""
        if value.startswith("@"):
            return value
        if value in state.local and state.defined.get(value) is not True:
            self._define(state, value, False, False)
        term = state.terms.get(value)
        if vocab and term is not None:
            return term.keyword or term.iri
        if ":" in value:
            prefix, suffix = value.split(":", 1)
            if prefix == "_" or suffix.startswith("//"):
                return value
            if prefix in state.local and state.defined.get(prefix) is not True:
                self._define(state, prefix, False, False)
            pterm = state.terms.get(prefix)
            if pterm is not None and pterm.iri is not None and pterm.prefix:
                return pterm.iri + suffix
            return value
        if vocab and state.vocab is not None:
            return state.vocab + value
        return None


@dataclass(slots=True)
class _Defining:
    terms: dict[str, _Term]
    vocab: str | None
    local: Mapping[str, Any]
    defined: dict[str, bool]


_CONTEXT_KEYWORDS: Final = frozenset(
    {"@version", "@protected", "@vocab", "@language", "@propagate"}
)
_TERM_KEYWORDS: Final = frozenset(
    {"@id", "@type", "@container", "@context", "@protected", "@language", "@prefix"}
)


# --------------------------------------------------------------------------- the walk
Quad = tuple[str, str, str, str]
"""(subject, predicate, object, graph) as N-Quads terms: ``<iri>``, ``_:label`` or a literal
already in canonical N-Quads form; ``graph`` is ``""`` for the default graph."""


@dataclass(frozen=True, slots=True)
class JsonLdLimits:
    """Bounds on the work one document may demand, checked before and during JSON-LD work
    (each breach is ``SIZE_LIMIT_ERROR``). The defaults sit far above any credential this
    library issues and far below where the cost becomes visible."""

    max_statements: int = DEFAULT_MAX_QUADS
    max_depth: int = DEFAULT_MAX_DEPTH
    max_array_items: int = DEFAULT_MAX_ARRAY_ITEMS

    def __post_init__(self) -> None:
        for name in ("max_statements", "max_depth", "max_array_items"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise CanonicalizationError(
                    f"{name} must be a positive integer", code=ErrorCode.CONFIGURATION_ERROR
                )


_DEFAULT_LIMITS: Final = JsonLdLimits()


class _Walk:
    __slots__ = (
        "blank",
        "contexts",
        "described",
        "graphs",
        "labels",
        "language_values",
        "limits",
        "quads",
    )

    def __init__(self, contexts: CompiledContexts, limits: JsonLdLimits) -> None:
        self.contexts = contexts
        self.limits = limits
        # An insertion-ordered set: a statement two places make (the same node described twice,
        # see the module docstring) is one statement.
        self.quads: dict[Quad, None] = {}
        self.blank = 0
        self.labels: dict[str, str] = {}
        self.graphs: set[str] = set()  # graphs whose top node was walked
        # (graph, node) -> whether readers read it at one place: a node described with an id.
        self.described: dict[tuple[str, str], bool] = {}
        # A language value object was read: its @direction is checked across every description
        # of its node once the walk is done (_check_directions).
        self.language_values = False

    def emit(self, s: str, p: str, o: str, g: str) -> None:
        quads = self.quads
        quads[(s, p, o, g)] = None
        if len(quads) > self.limits.max_statements:
            _refuse(
                f"more than {self.limits.max_statements} RDF statements",
                code=ErrorCode.SIZE_LIMIT_ERROR,
            )

    def new_blank(self) -> str:
        self.blank += 1
        return f"_:b{self.blank}"

    def blank_for(self, label: str) -> str:
        found = self.labels.get(label)
        if found is None:
            found = self.labels[label] = self.new_blank()
        return found

    def _describe(self, graph: str, subject: str, read_here: bool, path: str) -> None:
        """Refuse a second description of a node that readers read at one place only (module
        docstring): the RDF merges both into one node, and a member written at the other place
        (a ``validUntil``, a second ``statusListIndex``) would be signed and never read. A bare
        reference (only an ``id``) describes nothing and never gets here."""
        before = self.described.get((graph, subject))
        if before is None:
            self.described[(graph, subject)] = read_here
        elif before or read_here:
            _refuse("a node the verifier reads at one place is described a second time", path)

    # -- node objects (Expansion §5.1.2 steps 7-13, then the node's statements)
    def node(  # noqa: PLR0917 — the expansion algorithm's own inputs
        self,
        element: dict[str, Any],
        active: ActiveContext,
        prop: _Term | None,
        graph: str,
        path: str,
        root_urls: tuple[str, ...],
        depth: int,
    ) -> str:
        if depth > self.limits.max_depth:
            _refuse("document nests too deeply", path, ErrorCode.SIZE_LIMIT_ERROR)
        contexts = self.contexts
        for key in element:
            if key[:1] == "@" and key != "@context":
                _refuse(
                    f"keyword {key[:40]} is not accepted in the strict form (use the context's "
                    "terms)",
                    _ptr(path, key),
                )
        # Step 7: a type-scoped context does not reach into a new node object (unless the node
        # is a bare reference: a single entry that expands to @id).
        if active.previous is not None and not (
            len(element) == 1 and _keyword_of(active, next(iter(element))) == "@id"
        ):
            active = active.previous
        # Step 8: the property-scoped context of the term this node is the value of.
        if prop is not None and prop.scoped is not _NO_SCOPE:
            active = contexts.process(active, prop.scoped, override_protected=True)
        # Step 9: embedded @context (only where the strict form allows one).
        if "@context" in element:
            local = element["@context"]
            urls = _context_urls(local, contexts, _ptr(path, "@context"))
            if active.is_initial:
                root_urls = urls
            elif set(root_urls) <= set(urls) and root_urls[: len(urls)] != urls:
                # Every context of the document restated, and more (a VC 1.1 credential inside a
                # VC 1.1 presentation: the v1 context resets nothing). Each restated context
                # redefines its terms identically, so the node means what it means in its own
                # document; a term that would mean anything else is a protected redefinition,
                # refused when the context is processed.
                root_urls = urls
            elif root_urls[: len(urls)] != urls:
                _refuse(
                    "a nested @context must restate or extend the document's contexts",
                    _ptr(path, "@context"),
                )
            active = contexts.process(active, local)
        # Steps 10-11: type-scoped contexts, looked up in the context before any of them.
        terms = active.terms
        type_key: str | None = None
        id_key: str | None = None
        for key in element:
            term = terms.get(key)
            if term is None or term.keyword is None:
                continue
            if term.keyword == "@type":
                if type_key is not None:
                    _refuse("two members alias @type", _ptr(path, key))
                type_key = key
            else:
                if id_key is not None:
                    _refuse("two members alias @id", _ptr(path, key))
                id_key = key
        type_values: list[str] = []
        type_scoped = active
        if type_key is not None:
            type_values = _strings(element[type_key], path, type_key)
            for t in sorted(type_values) if len(type_values) > 1 else type_values:
                term = type_scoped.terms.get(t)
                if term is not None and term.scoped is not _NO_SCOPE:
                    active = contexts.process(active, term.scoped, propagate=False)
            # The keys may mean something else under the type-scoped context: look again.
            if active is not type_scoped:
                terms = active.terms
                if _keyword_of(active, type_key) != "@type":
                    _refuse("a type-scoped context redefines the type member", _ptr(path, type_key))
                if id_key is not None and _keyword_of(active, id_key) != "@id":
                    _refuse("a type-scoped context redefines the id member", _ptr(path, id_key))
        # Subject.
        if id_key is not None:
            subject = self.iri(element[id_key], active, path, id_key)
        else:
            subject = self.new_blank()
        top = graph not in self.graphs
        self.graphs.add(graph)
        if id_key is not None and any(k != id_key for k in element):
            self._describe(
                graph,
                subject,
                top or (prop is not None and prop.predicate in _READ_AT_ONE_PLACE),
                path,
            )
        emit = self.emit
        for i, t in enumerate(type_values):
            where: _Key = (
                (type_key or "", i) if type(element[type_key or ""]) is list else (type_key or "")
            )
            emit(subject, _RDF_TYPE_TERM, _type_iri(type_scoped, t, path, where), graph)
        # One statement per (predicate, object) of this node: a second member name for the same
        # predicate, or a repeated array item, with the same RDF term would not be signed. (Equal
        # objects without an id are distinct blank nodes, so they never collide here.)
        stated: set[tuple[str, str]] = set()
        for key, value in element.items():
            if key in (type_key, id_key, "@context"):
                continue
            term = terms.get(key)
            if term is None:
                term = _vocab_term(active, key, path)
            elif term.iri is None or term.refused_container:
                _refuse_term(term, key, path)
            predicate = term.predicate
            if isinstance(value, list):
                if not value:
                    _refuse(
                        "an empty array would not be signed",
                        _ptr(path, key),
                        ErrorCode.DATA_LOSS_ERROR,
                    )
                if len(value) > self.limits.max_array_items:
                    _refuse(
                        f"an array of more than {self.limits.max_array_items} items",
                        _ptr(path, key),
                        ErrorCode.SIZE_LIMIT_ERROR,
                    )
                for i, item in enumerate(value):
                    o = self.value(item, term, active, graph, path, (key, i), root_urls, depth)
                    _state_once(stated, predicate, o, path, (key, i))
                    emit(subject, predicate, o, graph)
            else:
                o = self.value(value, term, active, graph, path, key, root_urls, depth)
                _state_once(stated, predicate, o, path, key)
                emit(subject, predicate, o, graph)
        return subject

    def value(  # noqa: PLR0917 — the expansion algorithm's own inputs
        self,
        item: Any,
        term: _Term,
        active: ActiveContext,
        graph: str,
        path: str,
        key: _Key,
        root_urls: tuple[str, ...],
        depth: int,
    ) -> str:
        """The RDF object for one value of ``term`` (Object to RDF); ``path``/``key`` locate it."""
        kind = term.kind
        kind_of_item = type(item)
        if kind_of_item not in _JSON_KINDS:  # a subclass (a str enum, an OrderedDict)
            kind_of_item = next(
                (k for k in (bool, str, dict, list, int) if isinstance(item, k)), kind_of_item
            )
        if kind_of_item is str:
            if kind == _PLAIN:
                language = term.language if term.language is not _NO_LANGUAGE else active.language
                if language is None:
                    return f'"{_escape(item, path, key)}"'
                if not isinstance(language, str) or not _is_langtag(language):
                    _refuse("invalid language tag", _at(path, key))
                return f'"{_escape(item, path, key)}"@{language}'
            if kind == _ID:
                if term.graph:
                    _refuse("a graph container needs an object", _at(path, key))
                return self.iri(item, active, path, key)
            if kind == _TYPED:
                if term.datatype in _BOOLEAN_TYPES or term.datatype in _INTEGER_TYPES:
                    _refuse(
                        "a string where the term's datatype expects a JSON scalar", _at(path, key)
                    )
                return f'"{_escape(item, path, key)}"^^<{term.datatype}>'
            if kind == _VOCAB:
                scoped = active
                if term.scoped is not _NO_SCOPE:
                    scoped = self.contexts.process(active, term.scoped, override_protected=True)
                return _vocab_iri(scoped, item, path, key, what="value")
            _refuse("a string where the term expects another type", _at(path, key))
        if kind_of_item is dict:
            if kind == _PLAIN and "@value" in item:
                self.language_values = True
                return _language_value(item, term, active, path, key)
            if kind not in (_ID, _VOCAB, _PLAIN):
                _refuse("a value object or node where the term expects a literal", _at(path, key))
            if term.graph:
                name = self.new_blank()
                self.node(item, active, term, name, _at(path, key), root_urls, depth + 1)
                return name
            return self.node(item, active, term, graph, _at(path, key), root_urls, depth + 1)
        if term.graph:
            _refuse("a graph container needs an object", _at(path, key))
        if kind_of_item is bool:
            if kind == _TYPED and term.datatype in _BOOLEAN_TYPES:
                return f'"{"true" if item else "false"}"^^<{term.datatype}>'
            if kind == _PLAIN:
                return f'"{"true" if item else "false"}"^^<{XSD_BOOLEAN}>'
            _refuse("a boolean where the term expects another type", _at(path, key))
        if kind_of_item is int:
            if abs(item) > _MAX_JSON_INTEGER:
                _refuse(
                    "an integer beyond ±(2^53 - 1) (not exact in every JSON reader)", _at(path, key)
                )
            if kind == _TYPED and term.datatype in _INTEGER_TYPES:
                return f'"{item}"^^<{term.datatype}>'
            if kind == _PLAIN:
                return f'"{item}"^^<{XSD_INTEGER}>'
            _refuse("a number where the term expects another type", _at(path, key))
        if item is None:
            _refuse("null would not be signed", _at(path, key), ErrorCode.DATA_LOSS_ERROR)
        if kind_of_item is list:
            _refuse("a nested array", _at(path, key))
        _refuse("a number that is not an integer (or not a JSON value)", _at(path, key))

    def iri(self, value: Any, active: ActiveContext, path: str, key: _Key) -> str:
        """A document-relative IRI value: absolute, or a blank node identifier; never compact."""
        if not isinstance(value, str):
            _refuse("an identifier must be a string", _at(path, key))
        if value[:2] == "_:":
            if not is_blank_node_id(value):
                _refuse("invalid blank node identifier", _at(path, key))
            return self.blank_for(value)
        colon = value.find(":")
        if colon > 0:
            pterm = active.terms.get(value[:colon])
            if pterm is not None and pterm.iri is not None and pterm.prefix:
                # JSON-LD would expand it against the term: a second spelling of another IRI.
                _refuse(
                    "a compact IRI where the strict form expects an absolute IRI", _at(path, key)
                )
        if not _absolute_iri(value):
            if _SCHEME.match(value):
                _refuse("not a valid absolute IRI", _at(path, key))
            # Relative: JSON-LD would resolve it against a base nobody signed.
            _refuse("a relative IRI", _at(path, key), ErrorCode.DATA_LOSS_ERROR)
        return f"<{value}>"


_Key = str | tuple[str, int]
"""Where a value stands under its node: a member name, or (member name, array index)."""


def _state_once(stated: set[tuple[str, str]], predicate: str, o: str, path: str, key: _Key) -> None:
    """Refuse a statement the node already made: two items (or two member names for one
    predicate) with one RDF term are one statement, and the copy would not be signed."""
    if (predicate, o) in stated:
        _refuse("repeated RDF term: RDF keeps one copy", _at(path, key), ErrorCode.DATA_LOSS_ERROR)
    stated.add((predicate, o))
    if o[-1] == ">" and _I18N_MARK in o:
        # JSON-LD compares values without @direction (jsonld.js and pyld alike): two values of
        # one predicate that differ only in direction are merged into one, and the other dropped.
        cut = o.rindex(_I18N_MARK)
        language = o[cut + len(_I18N_MARK) : o.rindex("_")]
        merged = o[:cut] + (f"@{language}" if language else "")
        if (predicate, merged) in stated:
            _refuse(
                "a value differing from another only in @direction: JSON-LD keeps one",
                _at(path, key),
                ErrorCode.DATA_LOSS_ERROR,
            )
        stated.add((predicate, merged))


def _at(path: str, key: _Key) -> str:
    """The JSON pointer of a value, built only when a refusal needs it."""
    if isinstance(key, tuple):
        return _ptr(_ptr(path, key[0]), key[1])
    return _ptr(path, key)


@functools.lru_cache(maxsize=4096)
def _cached_absolute_iri(value: str) -> bool:
    return is_absolute_iri(value)


def _absolute_iri(value: str) -> bool:
    # The same issuers, subjects and list URLs recur in every document: remember short ones.
    return _cached_absolute_iri(value) if len(value) <= 512 else is_absolute_iri(value)


def _vocab_term(active: ActiveContext, key: str, path: str) -> _Term:
    """A member that is not a term: acceptable only as a vocabulary-relative name."""
    where = _ptr(path, key)
    if not key or ":" in key:
        _refuse(f"member {key[:80]!r} is an IRI, not a term of the contexts", where)
    if active.vocab is None:
        _refuse(
            f"term {key[:80]!r} is not defined by the document's contexts",
            where,
            ErrorCode.DATA_LOSS_ERROR,
        )
    iri = active.vocab + key
    if not is_absolute_iri(iri):
        _refuse("a member does not expand to an absolute IRI", where)
    return _Term(iri, None, _PLAIN, None, _NO_LANGUAGE, frozenset(), _NO_SCOPE, False, False)


def _refuse_term(term: _Term, key: str, path: str) -> NoReturn:
    where = _ptr(path, key)
    if term.iri is None and term.keyword is not None:
        _refuse(f"member {key[:80]!r} aliases {term.keyword} a second time", where)
    if term.iri is None:
        _refuse(
            f"term {key[:80]!r} is mapped to null: its value would be dropped",
            where,
            ErrorCode.DATA_LOSS_ERROR,
        )
    _refuse(f"term {key[:80]!r} has a container the strict form does not accept", where)


def _keyword_of(active: ActiveContext, key: str) -> str | None:
    term = active.terms.get(key)
    return term.keyword if term is not None else None


def _vocab_iri(active: ActiveContext, value: str, path: str, key: _Key, what: str = "type") -> str:
    """A type or an ``@vocab``-typed value as an N-Quads IRI term: a term, or vocab-relative."""
    term = active.terms.get(value)
    if term is not None:
        # Term IRIs were checked when their context was compiled.
        if term.iri is None or term.keyword is not None:
            _refuse(f"{what} {value[:80]!r} does not name an IRI", _at(path, key))
        return term.predicate
    if active.vocab is not None and value and ":" not in value and not value.startswith("@"):
        iri = active.vocab + value
        if is_absolute_iri(iri):
            return f"<{iri}>"
    code = ErrorCode.MALFORMED_VALUE_ERROR if ":" in value else ErrorCode.DATA_LOSS_ERROR
    _refuse(f"{what} {value[:80]!r} is not a term of the document's contexts", _at(path, key), code)


_I18N: Final = "https://www.w3.org/ns/i18n#"
_I18N_MARK: Final = "^^<" + _I18N
_DIRECTIONS: Final = frozenset({"ltr", "rtl"})
_LANGUAGE_VALUE_KEYS: Final = frozenset({"@value", "@language", "@direction"})


def _language_value(
    item: dict[str, Any], term: _Term, active: ActiveContext, path: str, key: _Key
) -> str:
    """A language value object of an untyped term (VC DM 2.0 §11.1; JSON-LD 1.1 §8.1.2 Object to
    RDF): ``rdf:langString``, or with ``@direction`` the ``i18n-datatype`` literal
    ``^^<https://www.w3.org/ns/i18n#{language}_{direction}>`` (the RDF the generic mode makes, so
    the direction is signed, never dropped). Only the spelling no plain string has is accepted: a
    bare ``{"@value"}`` or one that restates the term's own language is another spelling."""
    where = _at(path, key)
    if not item.keys() <= _LANGUAGE_VALUE_KEYS:
        _refuse("a value object may hold only @value, @language and @direction", where)
    text, language, direction = item["@value"], item.get("@language"), item.get("@direction")
    if type(text) is not str:
        _refuse("a language value object's @value must be a string", where)
    if language is not None and (type(language) is not str or not _is_langtag(language)):
        _refuse("invalid language tag", where)
    if direction is not None and direction not in _DIRECTIONS:
        _refuse('@direction must be "ltr" or "rtl"', where)
    if (item.get("@language", "") is None) or (item.get("@direction", "") is None):
        _refuse("null would not be signed", where, ErrorCode.DATA_LOSS_ERROR)
    if language is not None:
        language = language.lower()  # as JSON-LD expansion does (jsonld.js and pyld alike)
    if direction is None:
        if language is None:
            _refuse("a value object without @language or @direction is a plain string", where)
        default = term.language if term.language is not _NO_LANGUAGE else active.language
        if isinstance(default, str) and language == default.lower():
            _refuse("a value object restating the term's language is a plain string", where)
        return f'"{_escape(text, path, key)}"@{language}'
    return f'"{_escape(text, path, key)}"^^<{_I18N}{language or ""}_{direction}>'


def _type_iri(active: ActiveContext, value: str, path: str, key: _Key) -> str:
    """A type: a term, vocab-relative, or an absolute IRI that no term of the active context maps
    and that ``@vocab`` cannot spell (VC DM 2.0 §4.5: "terms and/or absolute URL strings"). Each
    type IRI thus has one spelling; a compact IRI or blank node type is refused."""
    if value in active.terms or ":" not in value:
        return _vocab_iri(active, value, path, key)
    prefix, _, suffix = value.partition(":")
    where = _at(path, key)
    if prefix == "_":
        _refuse("a blank node type", where)
    if not suffix.startswith("//"):
        pterm = active.terms.get(prefix)
        if pterm is not None and pterm.iri is not None and pterm.prefix:
            _refuse("a compact IRI type (another spelling of a full IRI)", where)
    if not _absolute_iri(value):
        _refuse(f"type {value[:80]!r} is not a valid absolute IRI", where)
    if value in _term_iris(active):
        _refuse(f"type {value[:80]!r} is spelled by a term of the contexts", where)
    vocab = active.vocab
    if vocab is not None and value.startswith(vocab):
        rest = value[len(vocab) :]
        if rest and ":" not in rest and not rest.startswith("@"):
            _refuse(f"type {value[:80]!r} is spelled by a vocabulary-relative name", where)
    return f"<{value}>"


_TERM_IRIS: Final[dict[int, frozenset[str]]] = {}


def _term_iris(active: ActiveContext) -> frozenset[str]:
    """The IRIs the active context's terms map to (memoised by context uid, bounded)."""
    iris = _TERM_IRIS.get(active.uid)
    if iris is None:
        iris = frozenset(t.iri for t in active.terms.values() if t.iri is not None)
        if len(_TERM_IRIS) >= 1024:
            _TERM_IRIS.clear()
        _TERM_IRIS[active.uid] = iris
    return iris


def _strings(raw: Any, path: str, key: str) -> list[str]:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
        if len(set(raw)) != len(raw):
            _refuse(
                "a repeated type: RDF keeps one copy", _ptr(path, key), ErrorCode.DATA_LOSS_ERROR
            )
        return raw
    _refuse("type must be a term or a non-empty list of terms", _ptr(path, key))


def _context_urls(local: Any, contexts: CompiledContexts, path: str) -> tuple[str, ...]:
    items = local if isinstance(local, list) else [local]
    if not items or not all(isinstance(x, str) for x in items):
        _refuse("@context must be a pinned URL or a list of pinned URLs (no inline contexts)", path)
    return tuple(items)


# Canonical N-Quads literal escaping (RDFC-1.0 §4.1, as in kr_ovid.jsonld.nquads).
_ECHAR: Final = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_ESCAPE_TABLE: Final = {
    **{i: f"\\u{i:04X}" for i in [*range(0x20), 0x7F]},
    **{ord(k): v for k, v in _ECHAR.items()},
}


_NEEDS_ESCAPE: Final = re.compile('[\\x00-\\x1f"\\\\\\x7f\\ud800-\\udfff]')


def _escape(value: str, path: str, key: _Key) -> str:
    if _NEEDS_ESCAPE.search(value) is None:
        return value  # the common case: nothing to escape
    if _SURROGATE.search(value):
        _refuse("a string contains a lone surrogate", _at(path, key))
    return value.translate(_ESCAPE_TABLE)


def _is_langtag(tag: str) -> bool:
    parts = tag.split("-")
    return (
        parts[0].isascii()
        and parts[0].isalpha()
        and all(p and p.isascii() and p.isalnum() for p in parts[1:])
    )


# --------------------------------------------------------------------------- vocabulary
@dataclass(frozen=True, slots=True)
class PinnedVocabulary:
    """Everything some contexts (and every scoped context inside them) define: each term name
    with what it maps to anywhere (IRIs, or the keyword it aliases), the IRIs mapped, and the
    ``@vocab`` values set."""

    names: Mapping[str, frozenset[str]]
    iris: frozenset[str]
    vocabs: frozenset[str]


def pinned_vocabulary(contexts: CompiledContexts, urls: tuple[str, ...]) -> PinnedVocabulary:
    """The vocabulary of the contexts at ``urls`` (each processed on its own, then every scoped
    context of every term, transitively): what a document using them can spell, and how."""
    names: dict[str, set[str]] = {}
    iris: set[str] = set()
    vocabs: set[str] = set()
    seen: set[int] = set()
    stack = [contexts.process(INITIAL_CONTEXT, url) for url in urls]
    while stack:
        active = stack.pop()
        if active.vocab is not None:
            vocabs.add(active.vocab)
        for name, term in active.terms.items():
            meaning = term.iri if term.iri is not None else (term.keyword or "@null")
            names.setdefault(name, set()).add(meaning)
            if term.iri is not None:
                iris.add(term.iri)
            if term.scoped is not _NO_SCOPE and id(term.scoped) not in seen:
                seen.add(id(term.scoped))
                if term.scoped is not None:
                    stack.append(contexts.process(active, term.scoped, override_protected=True))
    return PinnedVocabulary(
        {name: frozenset(meanings) for name, meanings in names.items()},
        frozenset(iris),
        frozenset(vocabs),
    )


# --------------------------------------------------------------------------- entry points
def _root(document: Any, contexts: CompiledContexts, limits: JsonLdLimits) -> _Walk:
    if not isinstance(document, dict):
        _refuse("a JSON-LD document must be an object", code=ErrorCode.PARSING_ERROR)
    if "@context" not in document:
        _refuse("the document has no @context", "/@context")
    walk = _Walk(contexts, limits)
    try:
        walk.node(document, INITIAL_CONTEXT, None, "", "", (), 0)
    except DocumentLoaderError as exc:
        raise CanonicalizationError(str(exc), code=ErrorCode.UNKNOWN_CONTEXT) from None
    except RecursionError:
        _refuse("document nests too deeply", code=ErrorCode.SIZE_LIMIT_ERROR)
    if walk.language_values:
        _check_directions(walk.quads)
    return walk


def _check_directions(quads: Mapping[Quad, None]) -> None:
    """JSON-LD compares values without ``@direction`` (pyld and jsonld.js alike), also when it
    merges the descriptions of one node made at two places: of two values of one node and
    predicate that differ only in direction, one is dropped and would go unsigned. The check
    within one description (:func:`_state_once`) names the member; this one covers a node
    described twice."""
    seen: set[tuple[str, str, str, str]] = set()
    for s, p, literal, g in quads:
        if literal[0] != '"':
            continue
        o = literal
        if o[-1] == ">":
            if _I18N_MARK not in o:
                continue  # a typed literal: its @type keeps it apart
            cut = o.rindex(_I18N_MARK)
            language = o[cut + len(_I18N_MARK) : o.rindex("_")]
            o = o[:cut] + (f"@{language}" if language else "")
        if (s, p, g, o) in seen:
            _refuse(
                "a value differing from another of its node only in @direction: JSON-LD keeps one",
                code=ErrorCode.DATA_LOSS_ERROR,
            )
        seen.add((s, p, g, o))


def to_quads(
    document: Any, contexts: CompiledContexts, *, limits: JsonLdLimits = _DEFAULT_LIMITS
) -> list[Quad]:
    """The RDF of a document in the strict form (JSON-LD 1.1 Deserialize to RDF), or refuse it."""
    return list(_root(document, contexts, limits).quads)


def check_shape(
    document: Any, contexts: CompiledContexts, *, limits: JsonLdLimits = _DEFAULT_LIMITS
) -> None:
    """Refuse a document that is not in the strict form (for suites that sign JSON, e.g. JCS)."""
    _root(document, contexts, limits)
