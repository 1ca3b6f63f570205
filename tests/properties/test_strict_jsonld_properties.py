"""The strict JSON-LD form (:mod:`kr_ovid.jsonld.strict`) against pyld, and its refusal of aliases.

1. Differential: every document of the accepted shape has byte-identical RDFC-1.0 canonical
   N-Quads in ``mode="strict"`` (RDF built by kr_ovid) and ``mode="generic"`` (pyld, the oracle),
   whatever the order of its members. Covered: (a) documents over a generated context whose
   terms take every definition the strict form accepts (plain, ``@id``, ``@vocab``, datatypes
   with string, boolean and integer values, ``@language``, ``@set``/``@graph`` containers,
   type-scoped and property-scoped contexts, ``@vocab``-relative names), nested nodes with and
   without ``id``, arrays of nodes, any unicode; (b) what the library really signs: overseas-ID
   credentials, presentations of them, status list credentials and trust lists, each as signed,
   unsecured and as its proof configuration.
2. Alias refusal: each member a verifier reads, respelled in another JSON-LD spelling of the same
   RDF (full or compact IRI key, ``@id``/``@type`` keys, full-IRI type values, ``@nest``, a value
   object, an inline ``@context``, ``@graph``), never verifies and is refused by the strict form;
   pyld confirms that the full-IRI, compact-IRI and value-object spellings are the same RDF, and
   that a verifier checking only the RDF (``mode="generic"``) accepts them under eddsa-rdfc-2022.

IRIs containing a Unicode space once made the two disagree (pyld drops their statements); both
now refuse them (``test_iri_with_unicode_space_agrees_with_pyld``).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import random
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from kr_ovid.clock import FixedClock
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.did.web import build_did_document
from kr_ovid.errors import CanonicalizationError
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.jsonld.canon import canonicalize_rdfc, check_strict
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys import Ed25519Signer
from kr_ovid.ovid import OverseasNationalId, load_missions
from kr_ovid.ovid.issuance import Issuer, default_status_base
from kr_ovid.ovid.missions import Mission
from kr_ovid.presentation import create_presentation, sign_presentation
from kr_ovid.problems import ErrorCode
from kr_ovid.status import InMemoryStatusListStore
from kr_ovid.status.publish import issue_status_list_credential
from kr_ovid.trust import create_trust_list

from strategies import issuable_ids
from support import TEST_CTX_URL, example_loader

V2 = "https://www.w3.org/ns/credentials/v2"
CTX = "https://example.test/generated/v1"
VOCAB = "https://example.test/generated#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")

#: Generated documents are cheap (a few ms each): they run more often than the profile says.
MANY = settings(
    max_examples=8 * settings.default.max_examples,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Documents the library signs (pyld on whole credentials): the profile's budget.
SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def canon(doc: Any, loader: StaticDocumentLoader, mode: str = "strict") -> str:
    return canonicalize_rdfc(doc, loader=loader, mode=mode)  # type: ignore[arg-type]


def shuffled(value: Any, rnd: random.Random, *, contexts: bool = False) -> Any:
    """The same JSON with every object's members in another order (arrays keep theirs);
    ``@context`` values are left alone unless ``contexts``."""
    if isinstance(value, dict):
        items = [
            (k, v if k == "@context" and not contexts else shuffled(v, rnd, contexts=contexts))
            for k, v in value.items()
        ]
        rnd.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [shuffled(v, rnd, contexts=contexts) for v in value]
    return value


def reversed_members(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (v if k == "@context" else reversed_members(v))
            for k, v in reversed(list(value.items()))
        }
    if isinstance(value, list):
        return [reversed_members(v) for v in value]
    return value


def assert_same_rdf(doc: Any, loader: StaticDocumentLoader, rnd: random.Random) -> str:
    """strict == generic byte for byte, and strict does not depend on member order."""
    strict = canon(doc, loader)  # the generators only make accepted shapes: must not raise
    # Both modes accept the same shapes, repeated equal objects without id included (two blank
    # nodes, two sets of statements), and refuse the same repeated RDF terms.
    generic = canon(doc, loader, "generic")
    assert strict == generic, json.dumps(doc, ensure_ascii=False)
    assert canon(reversed_members(doc), loader) == strict
    assert canon(shuffled(doc, rnd), loader) == strict
    return strict


# =============================================================================================
# 1a. Generated contexts and documents
# =============================================================================================
SCALAR_KINDS = (
    "plain",
    "id",
    "vocab",
    "datetime",
    "date",
    "opaque",
    "boolean",
    "integer",
    "lang",
    "nolang",
    "set",
)
NODE_KINDS = ("graph", "idgraph", "scoped")
INTEGER_TYPES = (
    XSD + "integer",
    XSD + "nonNegativeInteger",
    XSD + "long",
    "https://www.w3.org/2001/XMLSchema#integer",
)
LANGUAGES = ("ko", "en", "en-US", "zh-Hant-TW", "de-CH-1996")
VALUE_LANGUAGES = ("fr", "ja-JP", "sr-Latn-RS", "EN-gb")
#: Absolute-IRI types no generated context defines (VC DM 2.0 §4.5: "absolute URL strings").
IRI_TYPES = ("https://types.example/#T1", "urn:example:type:2", "did:example:type")
MAX_DEPTH = 3

IRIS = (
    "https://example.test/things/1",
    "https://example.test/things/2#frag",
    "https://example.test/a/b?q=1&r=%20",
    "urn:uuid:2f1c4a9e-7b3d-4e8a-9c61-0d5e8f7a6b21",
    "did:example:holder",
    "did:web:ovid.example:missions:us-losangeles",
    "https://재외국민.example/증/1",
    "mailto:someone@example.test",
    "tag:example.test,2026:x",
)
BLANKS = ("_:b0", "_:b1", "_:x")
DATETIMES = ("2026-03-01T01:00:00Z", "2031-05-20T14:59:59+09:00", "1990-02-28", "not a date")
words = st.text(string.ascii_lowercase, min_size=1, max_size=5)
term_words = words | st.text(
    st.characters(categories=("Lu", "Ll", "Lo"), max_codepoint=0xFFFF), min_size=1, max_size=4
)
texts = st.text(max_size=12) | st.sampled_from(["", " ", "홍길동", 'a\u0000b\x7f\n\t"\\', "é"])
integers = (
    st.integers(min_value=-(10**15), max_value=10**15)
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
)  # (the strict form refuses integers beyond ±(2^53 - 1), which not every JSON reader holds exactly)


@dataclass
class Term:
    kind: str
    inner: dict[str, Term] = field(default_factory=dict)  # a property-scoped context's terms
    remaps: bool = False  # its property-scoped context gives a class name another IRI


@dataclass
class Klass:
    scoped: dict[str, Term] | None = None  # a type-scoped context's terms
    propagate: bool = False


@dataclass
class Generated:
    """A context being generated and the model of what it defines."""

    draw: st.DrawFn
    vocab: bool
    compact: bool  # datatypes and IRIs written as compact IRIs (``xsd:date``, ``gen:p1``)
    terms: dict[str, Term] = field(default_factory=dict)
    classes: dict[str, Klass] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def name(self) -> str:
        # Term names end with a number: never a pinned term, never a vocab-relative name.
        return f"{self.draw(term_words)}{next(self.counter)}"

    def iri(self) -> str:
        # Collisions between terms are intended (two terms, one property IRI).
        n = self.draw(st.integers(min_value=0, max_value=30))
        return f"gen:p{n}" if self.compact else f"{VOCAB}p{n}"

    def datatype(self, local: str) -> str:
        return f"xsd:{local}" if self.compact else XSD + local

    def definition(self, kind: str, inner: Mapping[str, Any] | None = None) -> Any:
        draw, iri = self.draw, self.iri()
        if kind == "plain":
            return iri if draw(st.booleans()) else {"@id": iri}
        out: dict[str, Any] = {"@id": iri}
        if kind == "id":
            out["@type"] = "@id"
        elif kind == "vocab":
            out["@type"] = "@vocab"
        elif kind == "datetime":
            out["@type"] = self.datatype("dateTime")
        elif kind == "date":
            out["@type"] = self.datatype("date")
        elif kind == "opaque":
            out["@type"] = "https://example.test/datatypes#opaque"
        elif kind == "boolean":
            out["@type"] = self.datatype("boolean")
        elif kind == "integer":
            out["@type"] = draw(st.sampled_from(INTEGER_TYPES))
        elif kind == "lang":
            out["@language"] = draw(st.sampled_from(LANGUAGES))
        elif kind == "nolang":
            out["@language"] = None
        elif kind == "set":
            out["@container"] = "@set"
        elif kind == "graph":
            out["@container"] = "@graph"
        elif kind == "idgraph":
            out.update({"@type": "@id", "@container": "@graph"})
        elif kind == "scoped":
            if draw(st.booleans()):
                out["@type"] = "@id"
            out["@context"] = dict(inner or {})
        return out

    def define(self, kinds: tuple[str, ...], into: dict[str, Any], model: dict[str, Term]) -> None:
        """Add one term of a drawn kind to a context object and to its model."""
        kind = self.draw(st.sampled_from(kinds))
        name = self.name()
        if kind == "scoped":
            inner_json: dict[str, Any] = {}
            inner: dict[str, Term] = {}
            for _ in range(self.draw(st.integers(min_value=1, max_value=3))):
                if model and self.draw(st.integers(0, 3)) == 0:
                    # Redefine a term of the enclosing context (allowed even where protected).
                    redefined = self.draw(st.sampled_from(sorted(model)))
                    k = self.draw(st.sampled_from(SCALAR_KINDS))
                    inner_json[redefined] = self.definition(k)
                    inner[redefined] = Term(k)
                else:
                    self.define((*SCALAR_KINDS, "graph"), inner_json, inner)
            into[name] = self.definition(kind, inner_json)
            model[name] = Term(kind, inner)
        elif kind == "vocab" and self.classes and self.draw(st.booleans()):
            # A property-scoped context that maps a class name to another IRI for the values.
            definition = self.definition(kind)
            renamed = self.draw(st.sampled_from(sorted(self.classes)))
            definition["@context"] = {renamed: f"{VOCAB}Alt{next(self.counter)}"}
            into[name] = definition
            model[name] = Term(kind, remaps=True)
        else:
            into[name] = self.definition(kind)
            model[name] = Term(kind)


@st.composite
def generated_documents(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document, context document) in the accepted shape over a generated context."""
    gen = Generated(draw, vocab=draw(st.booleans()), compact=draw(st.booleans()))
    context: dict[str, Any] = {}
    if draw(st.booleans()):
        context["@version"] = 1.1
    protected = draw(st.integers(0, 3)) == 0
    if protected:
        context["@protected"] = True
    if gen.vocab:
        context["@vocab"] = VOCAB
    if draw(st.integers(0, 3)) == 0:
        context["@language"] = draw(st.sampled_from(LANGUAGES))
    context["id"] = "@id"
    context["type"] = "@type"
    if gen.compact:
        context["xsd"] = XSD
        context["gen"] = VOCAB
    for i in range(draw(st.integers(min_value=1, max_value=4))):
        # Class names end with a letter after a digit: never a term name, never vocab-relative.
        gen.classes[f"{draw(words).capitalize()}{i}K"] = Klass()
    for _ in range(draw(st.integers(min_value=2, max_value=7))):
        gen.define(SCALAR_KINDS + NODE_KINDS, context, gen.terms)
    for i, (name, klass) in enumerate(gen.classes.items()):
        iri = f"{VOCAB}C{i}"
        if not draw(st.booleans()):
            context[name] = iri if draw(st.booleans()) else {"@id": iri}
            continue
        scoped: dict[str, Any] = {}
        if draw(st.booleans()):
            scoped["@propagate"] = klass.propagate = True
        elif draw(st.booleans()):
            # (A protected context that propagates would make nested redefinitions errors.)
            scoped["@protected"] = True
        if draw(st.booleans()):
            scoped.update({"id": "@id", "type": "@type"})
        klass.scoped = {}
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            if not protected and draw(st.integers(0, 2)) > 0:
                # Redefine a term of the document's context for the typed node only: after it
                # (unless @propagate), nested nodes read the term as the outer context says.
                redefined = draw(st.sampled_from(sorted(gen.terms)))
                kind = draw(st.sampled_from(SCALAR_KINDS))
                scoped[redefined] = gen.definition(kind)
                klass.scoped[redefined] = Term(kind)
            else:
                gen.define((*SCALAR_KINDS, "graph", "idgraph"), scoped, klass.scoped)
        context[name] = {"@id": iri, "@context": scoped}

    if draw(st.booleans()):
        doc = {"@context": draw(st.sampled_from([CTX, [CTX]]))}
        doc.update(node(gen, gen.terms, 0))
    else:
        # Inside a credential: the VerifiableCredential type-scoped context of the pinned
        # credentials context applies to the top node and not to credentialSubject.
        doc = {"@context": [V2, CTX]}
        if draw(st.booleans()):
            doc["id"] = draw(st.sampled_from(IRIS))
        plain = [c for c, k in gen.classes.items() if k.scoped is None]
        doc["type"] = (
            [
                "VerifiableCredential",
                *draw(st.lists(st.sampled_from(plain), max_size=1, unique=True)),
            ]
            if plain
            else ["VerifiableCredential"]
        )
        doc["issuer"] = draw(st.sampled_from(IRIS))
        count = draw(st.integers(min_value=1, max_value=2))
        nodes = unique_items([node(gen, gen.terms, 1) for _ in range(count)])
        doc["credentialSubject"] = nodes[0] if len(nodes) == 1 else nodes
        doc.update(properties(gen, gen.terms, gen.terms, 1, set(doc)))
    return doc, {"@context": context}


def identity(item: Any) -> str:
    """Items of one array that RDF would merge (same node id or same IRI) get the same key."""
    if isinstance(item, dict) and "id" in item:
        return "node " + item["id"]
    if isinstance(item, str) and (item in IRIS or item in BLANKS):
        return "node " + item
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def unique_items(items: list[Any]) -> list[Any]:
    out: dict[str, Any] = {}
    for item in items:
        out.setdefault(identity(item), item)
    return list(out.values())


def node(
    gen: Generated, active: dict[str, Term], depth: int, hot: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A node object over ``active`` (the terms in force where the node stands); ``hot`` names
    terms that mean something else here than in the node above (drawn more often)."""
    draw = gen.draw
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["id"] = draw(st.sampled_from(IRIS + BLANKS))
    plain = [c for c, k in gen.classes.items() if k.scoped is None]
    scoped = [c for c, k in gen.classes.items() if k.scoped is not None]
    vocab_types = ["ZzType", "Zzother"] if gen.vocab else []
    types: list[str] = []
    if plain + vocab_types:
        types = draw(st.lists(st.sampled_from(plain + vocab_types), max_size=2, unique=True))
    if draw(st.integers(0, 3)) == 0:
        types.append(draw(st.sampled_from(IRI_TYPES)))
    here, below, reverted = active, active, frozenset[str]()
    if scoped and draw(st.integers(0, 2)) > 0:
        # At most one type with a scoped context per node (its @propagate then says it all).
        chosen = draw(st.sampled_from(scoped))
        types.append(chosen)
        klass = gen.classes[chosen]
        assert klass.scoped is not None
        here = {**active, **klass.scoped}
        if klass.propagate:
            below = here
        else:
            reverted = frozenset(klass.scoped) & frozenset(active)  # nested nodes revert
        hot = hot | frozenset(klass.scoped)
    if types:
        draw(st.randoms(use_true_random=False)).shuffle(types)
        out["type"] = types[0] if len(types) == 1 and draw(st.booleans()) else types
    out.update(properties(gen, here, below, depth, set(), hot, reverted))
    return out


def properties(
    gen: Generated,
    here: dict[str, Term],
    below: dict[str, Term],
    depth: int,
    exclude: set[str],
    hot: frozenset[str] = frozenset(),
    reverted: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    draw = gen.draw
    usable = sorted(
        name
        for name, term in here.items()
        if name not in exclude and (depth < MAX_DEPTH or term.kind in SCALAR_KINDS)
    )
    if gen.vocab:
        usable += ["zzfree", "zzother"]
    if not usable:
        return {}
    keys = draw(st.lists(st.sampled_from(usable), max_size=3, unique=True))
    favoured = sorted((hot & set(usable)) - set(keys))
    if favoured and draw(st.booleans()):
        keys.append(draw(st.sampled_from(favoured)))
    nesting = sorted(
        k for k in usable if k in here and here[k].kind in NODE_KINDS and k not in keys
    )
    if reverted and nesting and draw(st.booleans()):
        keys.append(draw(st.sampled_from(nesting)))  # a nested node, where the terms revert
    out: dict[str, Any] = {}
    for key in keys:
        term = here.get(key, Term("plain"))
        child = {**below, **term.inner}
        child_hot = reverted | (frozenset(term.inner) & frozenset(below))
        if draw(st.integers(0, 2)) == 0 or (term.kind in ("set",) and draw(st.booleans())):
            n = draw(st.integers(min_value=1, max_value=3))
            out[key] = unique_items([value(gen, term, child, depth, child_hot) for _ in range(n)])
        else:
            out[key] = value(gen, term, child, depth, child_hot)
    return out


def value(
    gen: Generated, term: Term, child: dict[str, Term], depth: int, hot: frozenset[str]
) -> Any:
    """A value of ``term``; nested nodes stand in ``child`` (reverted, then property-scoped)."""
    draw, kind = gen.draw, term.kind
    deeper = depth < MAX_DEPTH
    if kind in ("plain", "set"):
        choices = ["text", "int", "bool", "langobj"] + (["node"] if deeper else [])
        pick = draw(st.sampled_from(choices))
        if pick == "node":
            return node(gen, child, depth + 1, hot)
        if pick == "langobj":
            # A language value object (VC DM 2.0 §11.1), in a language no context sets by default
            # (restating the default is the plain string's spelling, refused).
            obj: dict[str, Any] = {"@value": draw(texts)}
            if draw(st.integers(0, 2)) > 0:
                obj["@language"] = draw(st.sampled_from(VALUE_LANGUAGES))
            if "@language" not in obj or draw(st.booleans()):
                obj["@direction"] = draw(st.sampled_from(["ltr", "rtl"]))
            return obj
        return draw({"text": texts, "int": integers, "bool": st.booleans()}[pick])
    if kind == "id":
        if deeper and draw(st.booleans()):
            return node(gen, child, depth + 1, hot)
        return draw(st.sampled_from(IRIS + BLANKS))
    if kind == "vocab":
        if deeper and not term.remaps and draw(st.integers(0, 3)) == 0:
            return node(gen, child, depth + 1, hot)  # a node is allowed here too
        names = sorted(gen.classes) + (["ZzType", "zzvalue"] if gen.vocab else [])
        return draw(st.sampled_from(names))
    if kind in ("datetime", "date", "opaque"):
        return draw(texts | st.sampled_from(DATETIMES))
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "integer":
        return draw(integers)
    if kind in ("lang", "nolang"):
        return draw(texts)
    # graph, idgraph, scoped: node objects
    return node(gen, child, depth + 1, hot)


@given(generated_documents(), st.randoms(use_true_random=False))
@MANY
def test_generated_documents_strict_equals_pyld(
    case: tuple[dict[str, Any], dict[str, Any]], rnd: random.Random
) -> None:
    doc, context = case
    note(json.dumps(context, ensure_ascii=False))
    note(json.dumps(doc, ensure_ascii=False))
    loader = StaticDocumentLoader({CTX: context})
    refusal = refused_by_strict(doc, loader)
    if refusal is not None and "described a second time" in str(refusal):
        # A graph's top node described again in a nested node: the same RDF (pyld makes it),
        # but a member written there would be signed and never read where readers read it.
        assert refusal.code is ErrorCode.MALFORMED_VALUE_ERROR
        try:
            canon(doc, loader, "generic")
        except CanonicalizationError as generic_refusal:
            # pyld refuses it only for the rule both modes share: two member names of one
            # predicate with one value (one RDF statement, so a copy would go unsigned).
            assert generic_refusal.code is ErrorCode.DATA_LOSS_ERROR, generic_refusal
        return
    if outcome(doc, loader, "strict") == "refused":
        # The one refusal a generated document can meet: two member names of one predicate with
        # one value (one RDF statement, so a copy would go unsigned). Both modes refuse it.
        with pytest.raises(CanonicalizationError) as strict_refusal:
            canon(doc, loader)
        assert strict_refusal.value.code is ErrorCode.DATA_LOSS_ERROR
        # (or two values that differ only in @direction: JSON-LD compares values without it)
        assert "repeated RDF term" in str(strict_refusal.value) or "only in @direction" in str(
            strict_refusal.value
        )
        assert outcome(doc, loader, "generic") == "refused"
        return
    strict = assert_same_rdf(doc, loader, rnd)
    # The context's own member order does not matter either (definitions refer to each other).
    reordered = StaticDocumentLoader({CTX: shuffled(context, rnd, contexts=True)})
    assert canon(doc, reordered) == strict


def refused_by_strict(doc: Any, loader: StaticDocumentLoader) -> CanonicalizationError | None:
    try:
        canon(doc, loader)
    except CanonicalizationError as exc:
        return exc
    return None


def outcome(doc: Any, loader: StaticDocumentLoader, mode: str) -> str:
    try:
        return canon(doc, loader, mode)
    except CanonicalizationError:
        return "refused"


def test_subject_as_the_credential_node_with_a_repeated_statement_is_refused_by_both() -> None:
    """Found by the large profile: strict refuses the second description of the credential's
    node first; pyld refuses the two names of one predicate with one value."""
    p0 = "https://example.test/generated#p0"
    loader = StaticDocumentLoader(
        {
            CTX: {
                "@context": {
                    "@protected": True,
                    "a1": {"@id": p0, "@type": "@id"},
                    "a2": {"@id": p0, "@type": "@id"},
                }
            }
        }
    )
    doc = {
        "@context": [V2, CTX],
        "id": "https://example.test/things/2#frag",
        "type": ["VerifiableCredential"],
        "issuer": "https://example.test/things/1",
        "credentialSubject": {
            "id": "https://example.test/things/2#frag",
            "a1": "https://example.test/things/1",
            "a2": "https://example.test/things/1",
        },
    }
    with pytest.raises(CanonicalizationError) as strict:
        canon(doc, loader)
    assert strict.value.code is ErrorCode.MALFORMED_VALUE_ERROR
    with pytest.raises(CanonicalizationError) as generic:
        canon(doc, loader, "generic")
    assert generic.value.code is ErrorCode.DATA_LOSS_ERROR


def test_a_node_described_twice_with_values_differing_only_in_direction_is_refused() -> None:
    """Found by the large profile: JSON-LD merges the two descriptions of one node and keeps one
    of two values that differ only in @direction (pyld dropped the directed one), so the copy
    would go unsigned; both modes refuse it."""
    loader = StaticDocumentLoader(
        {CTX: {"@context": {"@protected": True, "note": VOCAB + "note", "rel": VOCAB + "rel"}}}
    )
    doc = {
        "@context": [V2, CTX],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {
            "id": "did:example:holder",
            "note": {"@value": "x", "@direction": "rtl"},
            "rel": {"id": "did:example:holder", "note": "x"},
        },
    }
    for mode in ("strict", "generic"):
        with pytest.raises(CanonicalizationError) as refusal:
            canon(doc, loader, mode)
        assert refusal.value.code is ErrorCode.DATA_LOSS_ERROR
        assert "only in @direction" in str(refusal.value)


def test_one_id_in_two_graphs_is_two_nodes_for_the_direction_rule() -> None:
    """Found by the large profile: the same id described in another named graph (a graph
    container) is another node; neither mode merges its values with the first one's."""
    loader = StaticDocumentLoader(
        {
            CTX: {
                "@context": {
                    "@protected": True,
                    "note": VOCAB + "note",
                    "inner": {"@id": VOCAB + "inner", "@container": "@graph"},
                }
            }
        }
    )
    doc = {
        "@context": [V2, CTX],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {
            "id": "did:example:holder",
            "note": {"@value": "x", "@direction": "rtl"},
            "inner": {"id": "did:example:holder", "note": "x"},
        },
    }
    assert canon(doc, loader) == canon(doc, loader, "generic")


def test_iri_with_unicode_space_agrees_with_pyld() -> None:
    loader = StaticDocumentLoader(
        {CTX: {"@context": {"@protected": True, "name2": VOCAB + "name2"}}}
    )
    doc = {
        "@context": [V2, CTX],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:holder\u00a0x", "name2": "Alice"},
    }
    # Both refuse: pyld would silently drop every statement that mentions such an IRI.
    assert outcome(doc, loader, "strict") == outcome(doc, loader, "generic") == "refused"


# =============================================================================================
# 1b. What the library really signs
# =============================================================================================
MISSIONS = load_missions()
MISSION_TABLE = MISSIONS.trust_rows()
HOLDERS = [Ed25519Signer.from_seed(bytes([0x60 + i]) * 32) for i in range(2)]
ROOT = Ed25519Signer.from_seed(b"\x42" * 32)  # the trust-list root, a did:key


@functools.cache
def mission_key(code: str) -> Ed25519Signer:
    mission = MISSIONS.by_code(code)
    seed = hashlib.sha256(b"kr-ovid-strict-test-mission:" + code.encode()).digest()
    return Ed25519Signer.from_seed(seed, verification_method=mission.did + "#key-1")


@functools.cache
def did_document(code: str) -> dict[str, Any]:
    mission = MISSIONS.by_code(code)
    return build_did_document(mission.did, [mission_key(code)])


PINNED = StaticDocumentLoader()
VP_ID = "urn:uuid:6d0e9c1a-2b3f-4a5d-8e7f-9a0b1c2d3e4f"


def new_store(now: datetime) -> InMemoryStatusListStore:
    return InMemoryStatusListStore(clock=FixedClock(now), key_source=lambda: b"\x07" * 32)


RESOLVER = CompositeResolver({"web": LocalDidResolver([did_document(m.code) for m in MISSIONS])})


def unsecured(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "proof"}


def proof_config(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What a Data Integrity proof signs besides the document: its options in the document's
    contexts (vc-di-eddsa §3.x.5 proof configuration)."""
    proof = doc["proof"]
    return {**{k: v for k, v in proof.items() if k != "proofValue"}, "@context": doc["@context"]}


def issue_credential(
    person: OverseasNationalId,
    now: datetime,
    suite: str,
    store: InMemoryStatusListStore | None,
    holder: str | None,
) -> dict[str, Any]:
    mission = MISSIONS.by_did(person.issuing_mission.did)
    issuer = Issuer(
        mission,
        mission_key(mission.code),
        clock=FixedClock(now),
        status_store=store,
        did_document=did_document(mission.code),
        cryptosuite=suite,
        id_factory=lambda: "urn:uuid:0b8a3f4e-51c2-4d7a-9e6b-3c1d2f4a5b6c",
    )
    credential = issuer.issue_id(person, holder=holder).credential
    assert credential is not None
    return credential


def status_list_credential(
    mission: Mission, store: InMemoryStatusListStore, purpose: str, now: datetime, suite: str
) -> dict[str, Any]:
    signer = mission_key(mission.code)
    list_id = store.list_ids()[0]
    signed = issue_status_list_credential(
        store,
        list_id,
        purpose,
        signer,
        base=default_status_base(mission),
        issuer=mission.did,
        clock=FixedClock(now),
    )
    if suite != signed["proof"]["cryptosuite"]:
        signed = add_proof(unsecured(signed), signer, cryptosuite=suite, created=now)
    return signed


@st.composite
def library_documents(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    """A credential, a presentation of it, a status list credential and a trust list, signed
    by the library with one drawn suite."""
    person, issued = draw(issuable_ids())
    suite = draw(st.sampled_from(SUITES))
    now = datetime.combine(issued, time(3, 0), UTC)
    mission = MISSIONS.by_did(person.issuing_mission.did)
    store = new_store(now) if draw(st.booleans()) else None
    holder = draw(st.sampled_from(HOLDERS))
    bound = draw(st.booleans())
    credential = issue_credential(person, now, suite, store, holder.controller if bound else None)
    docs = {"credential": credential}
    vp = create_presentation([credential], holder=holder.controller, presentation_id=VP_ID)
    docs["presentation"] = sign_presentation(
        vp,
        holder,
        challenge=draw(texts.filter(bool)),
        domain=draw(st.sampled_from(["gov24.example", "https://ok365.example", "상점.example"])),
        cryptosuite=suite,
        created=now,
        expires=now + timedelta(minutes=5) if draw(st.booleans()) else None,
    )
    if store is not None:
        purpose = draw(st.sampled_from(["revocation", "suspension"]))
        others = store.allocate_many([f"urn:test:{i}" for i in range(draw(st.integers(0, 3)))])
        for allocation in others[: draw(st.integers(0, 3))]:
            store.set_status(
                allocation.list_id, allocation.index, purpose, 1, actor="test", reason="drawn"
            )
        docs["status"] = status_list_credential(mission, store, purpose, now, suite)
    rows = draw(
        st.lists(
            st.sampled_from(MISSION_TABLE),
            min_size=1,
            max_size=3,
            unique_by=lambda r: r["missionCode"],
        )
    )
    docs["trust"] = create_trust_list(
        rows,
        root_signer=ROOT,
        version=draw(st.integers(min_value=1, max_value=10**9)),
        issued=now,
        next_update=now + timedelta(days=draw(st.integers(1, 400))),
        cryptosuite=suite,
        list_id=draw(st.none() | st.just("https://ovid.example/trust-list")),
    )
    return docs


@given(library_documents(), st.randoms(use_true_random=False))
@SLOW
def test_library_documents_strict_equals_pyld(
    docs: dict[str, dict[str, Any]], rnd: random.Random
) -> None:
    for name, signed in docs.items():
        note(f"{name}: {json.dumps(signed, ensure_ascii=False)}")
        for shape in (signed, unsecured(signed), proof_config(signed)):
            assert_same_rdf(shape, PINNED, rnd)
    # The credential inside the presentation, with its own proof, as the verifier reads it.
    embedded = docs["presentation"]["verifiableCredential"]
    assert_same_rdf(proof_config(embedded), PINNED, rnd)


V1 = "https://www.w3.org/2018/credentials/v1"
#: The VC 1.1 context with a small vocabulary of its own (test only: types for the typed objects).
V1_LOADER = example_loader()
V1_SIGNER = Ed25519Signer.from_seed(b"\x44" * 32)


@st.composite
def vc11_credentials(draw: st.DrawFn) -> dict[str, Any]:
    """VC 1.1 credentials as ``CredentialIssuer.sign`` receives them: the v1 context, the
    issuance and expiration dates, and each typed member the v1 context defines (with its
    type-scoped terms), in object or list form, repeated equal objects included."""
    example = {"type": "ExampleCredential"}
    doc: dict[str, Any] = {
        "@context": [V1, TEST_CTX_URL],
        "type": ["VerifiableCredential", "ExampleCredential"],
        "issuer": V1_SIGNER.controller,
        "issuanceDate": draw(
            st.sampled_from(["2026-01-01T00:00:00Z", "2025-12-31T15:00:00+09:00"])
        ),
        "credentialSubject": {
            "id": "did:example:holder",
            "name2": draw(texts),
            "score": draw(integers),
        },
    }
    optional = {
        "id": "urn:uuid:2f1c4a9e-7b3d-4e8a-9c61-0d5e8f7a6b21",
        "expirationDate": "2031-05-20T14:59:59Z",
        "credentialStatus": {"id": "https://status.example/1#5", "type": "ExampleCredential"},
        "credentialSchema": {
            "id": "https://schemas.example/s.json",
            "type": "JsonSchemaValidator2018",
        },
        "refreshService": {"id": "https://refresh.example/", "type": "ManualRefreshService2018"},
        "termsOfUse": draw(st.sampled_from([example, [example], [example, dict(example)]])),
        "evidence": draw(st.sampled_from([example, [example, {"id": "urn:ev:1", **example}]])),
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        doc[key] = optional[key]
    return doc


@given(vc11_credentials(), st.sampled_from(SUITES), st.randoms(use_true_random=False))
@SLOW
def test_vc11_credentials_strict_equals_pyld(
    doc: dict[str, Any], suite: str, rnd: random.Random
) -> None:
    """The strict form supports the VC 1.1 context: what kr_ovid signs of a VC 1.1 credential
    (with the Data Integrity context it adds) is what pyld signs."""
    from kr_ovid.issuer import CredentialIssuer

    note(json.dumps(doc, ensure_ascii=False))
    issuer = CredentialIssuer(
        V1_SIGNER,
        issuer=V1_SIGNER.controller,
        clock=FixedClock(NOW),
        cryptosuite=suite,
        loader=V1_LOADER,
    )
    signed = issuer.sign(doc)
    for shape in (signed, unsecured(signed), proof_config(signed)):
        assert_same_rdf(shape, V1_LOADER, rnd)
    assert verify_proof(signed, loader=V1_LOADER, clock=FixedClock(NOW)).verified


# =============================================================================================
# 2. Other spellings of the members a verifier reads are refused
# =============================================================================================
NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
CHALLENGE, DOMAIN = "c-8f2Kq", "gov24.example"
LA = MISSIONS.by_code("us-losangeles")
CRED = "https://www.w3.org/2018/credentials#"
SEC = "https://w3id.org/security#"
BSL = "https://www.w3.org/ns/credentials/status#"
KRV = "https://w3id.org/kr-ovid/vocab#"
DCT = "http://purl.org/dc/terms/"
DATETIME = XSD + "dateTime"

#: A context of prefixes only, for compact-IRI keys (the pinned contexts define no prefix).
PREFIXES_URL = "https://example.test/prefixes/v1"
PREFIXES = {
    "cred": CRED,
    "sec": SEC,
    "bsl": BSL,
    "krv": KRV,
    "dcterms": DCT,
    "schema": "https://schema.org/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
LOADER = StaticDocumentLoader({PREFIXES_URL: {"@context": PREFIXES}})

TYPE_IRIS = {
    "VerifiableCredential": CRED + "VerifiableCredential",
    "VerifiablePresentation": CRED + "VerifiablePresentation",
    "JsonSchema": CRED + "JsonSchema",
    "OverseasNationalIdCredential": KRV + "OverseasNationalIdCredential",
    "OverseasNational": KRV + "OverseasNational",
    "BitstringStatusListEntry": BSL + "BitstringStatusListEntry",
    "BitstringStatusListCredential": BSL + "BitstringStatusListCredential",
    "BitstringStatusList": BSL + "BitstringStatusList",
    "DataIntegrityProof": SEC + "DataIntegrityProof",
    "TrustListCredential": KRV + "TrustListCredential",
    "TrustList": KRV + "TrustList",
    "TrustedMission": KRV + "TrustedMission",
}
VOCAB_VALUES = {
    "assertionMethod": SEC + "assertionMethod",
    "authentication": SEC + "authenticationMethod",
}


@dataclass(frozen=True)
class Member:
    """A member a verifier decides on: where it stands and what its term means."""

    doc: str  # credential | presentation | status | trust
    path: tuple[str | int, ...]  # the node holding it; ("proof",) is the proof (configuration)
    key: str
    iri: str | None = None  # the term's IRI (None for the id/type aliases)
    coerce: str | None = None  # "@id", "@vocab", a datatype IRI, "@ko"-style language, or None
    node: bool = False  # the value is a node object (or an array of them)

    def __str__(self) -> str:
        return "/".join([self.doc, *map(str, self.path), self.key])


def entry_members(i: int) -> list[Member]:
    at = ("credentialStatus", i)
    return [
        Member("credential", at, "id"),
        Member("credential", at, "type"),
        Member("credential", at, "statusPurpose", BSL + "statusPurpose"),
        Member("credential", at, "statusListIndex", BSL + "statusListIndex"),
        Member("credential", at, "statusListCredential", BSL + "statusListCredential", "@id"),
    ]


def proof_members(doc: str, keys: tuple[str, ...]) -> list[Member]:
    table = {
        "type": Member(doc, ("proof",), "type"),
        "created": Member(doc, ("proof",), "created", DCT + "created", DATETIME),
        "expires": Member(doc, ("proof",), "expires", SEC + "expiration", DATETIME),
        "challenge": Member(doc, ("proof",), "challenge", SEC + "challenge"),
        "domain": Member(doc, ("proof",), "domain", SEC + "domain"),
        "proofPurpose": Member(doc, ("proof",), "proofPurpose", SEC + "proofPurpose", "@vocab"),
    }
    return [table[k] for k in keys]


MEMBERS = [
    Member("credential", (), "id"),
    Member("credential", (), "type"),
    Member("credential", (), "validFrom", CRED + "validFrom", DATETIME),
    Member("credential", (), "validUntil", CRED + "validUntil", DATETIME),
    Member("credential", (), "issuer", CRED + "issuer", "@id", node=True),
    Member("credential", ("issuer",), "id"),
    Member("credential", (), "credentialStatus", CRED + "credentialStatus", "@id", node=True),
    *entry_members(0),
    Member("credential", ("credentialStatus", 1), "statusPurpose", BSL + "statusPurpose"),
    Member("credential", (), "credentialSchema", CRED + "credentialSchema", "@id", node=True),
    Member("credential", ("credentialSchema",), "id"),
    Member("credential", ("credentialSchema",), "type"),
    Member("credential", (), "credentialSubject", CRED + "credentialSubject", "@id", node=True),
    Member("credential", ("credentialSubject",), "id"),
    Member("credential", ("credentialSubject",), "type"),
    Member(
        "credential",
        ("credentialSubject",),
        "issuingMission",
        KRV + "issuingMission",
        "@id",
        node=True,
    ),
    Member(
        "credential",
        ("credentialSubject",),
        "birthDate",
        "https://schema.org/birthDate",
        XSD + "date",
    ),
    Member("credential", ("credentialSubject",), "ageOver19", KRV + "ageOver19", XSD + "boolean"),
    *proof_members("credential", ("type", "created", "proofPurpose")),
    Member("presentation", (), "type"),
    Member("presentation", (), "holder", CRED + "holder", "@id"),
    *proof_members(
        "presentation", ("type", "created", "expires", "challenge", "domain", "proofPurpose")
    ),
    Member("status", (), "validFrom", CRED + "validFrom", DATETIME),
    Member("status", (), "validUntil", CRED + "validUntil", DATETIME),
    Member("status", (), "issuer", CRED + "issuer", "@id"),
    Member("status", ("credentialSubject",), "id"),
    Member("status", ("credentialSubject",), "type"),
    Member("status", ("credentialSubject",), "statusPurpose", BSL + "statusPurpose"),
    Member("status", ("credentialSubject",), "encodedList", BSL + "encodedList", SEC + "multibase"),
    Member("trust", (), "validFrom", CRED + "validFrom", DATETIME),
    Member("trust", ("credentialSubject",), "version", KRV + "trustListVersion", XSD + "integer"),
    Member("trust", ("credentialSubject",), "nextUpdate", KRV + "nextUpdate", DATETIME),
    Member("trust", ("credentialSubject", "missions", 0), "did", KRV + "missionDid", "@id"),
    Member("trust", ("credentialSubject", "missions", 0), "state", KRV + "accreditationState"),
    Member("trust", ("credentialSubject", "missions", 0), "nameKo", KRV + "missionNameKo", "@ko"),
]

#: The respellings; the first three keep the RDF exactly (pyld checks it below).
SAME_RDF = ("full-iri-key", "compact-iri-key", "value-object")
RESPELLINGS = (
    *SAME_RDF,
    "keyword-key",
    "type-as-iri",
    "nest",
    "inline-context",
    "graph",
)


def applies(member: Member, how: str) -> bool:
    alias = member.key in ("id", "type")
    if how in ("full-iri-key", "compact-iri-key"):
        return member.key != "id"
    if how == "value-object":
        return not alias and not member.node
    if how == "keyword-key":
        return alias
    if how == "type-as-iri":
        return member.key == "type"
    return True


def compact(iri: str) -> str:
    prefix, ns = max(
        ((p, ns) for p, ns in PREFIXES.items() if iri.startswith(ns)), key=lambda x: len(x[1])
    )
    return f"{prefix}:{iri[len(ns) :]}"


def expanded(value: Any, member: Member) -> Any:
    """The value in expanded form: what the member's term coercion made of it."""
    if isinstance(value, list):
        return [expanded(v, member) for v in value]
    if isinstance(value, dict):
        return value
    coerce = member.coerce
    if coerce == "@id":
        return {"@id": value}
    if coerce == "@vocab":
        return {"@id": VOCAB_VALUES[value]}
    if coerce is not None and coerce.startswith("@"):
        return {"@value": value, "@language": coerce[1:]}
    if coerce is not None:
        return {"@value": value, "@type": coerce}
    return {"@value": value}


def rename(node: dict[str, Any], old: str, new: str, value: Any) -> None:
    """Replace member ``old`` by ``new`` in place, keeping the members' order."""
    items = [(new, value) if k == old else (k, v) for k, v in node.items()]
    node.clear()
    node.update(items)


def contexts_of(root: Mapping[str, Any]) -> list[Any]:
    ctx = root["@context"]
    return list(ctx) if isinstance(ctx, list) else [ctx]


def respell(
    root: Mapping[str, Any], path: tuple[str | int, ...], member: Member, how: str
) -> dict[str, Any]:
    """``root`` with ``member`` (in the node at ``path``) written another way."""
    out: dict[str, Any] = json.loads(json.dumps(root))
    parent: Any = out
    for step in path:
        parent = parent[step]
    key, value = member.key, parent[member.key]
    types = value if isinstance(value, list) else [value]
    if how in ("full-iri-key", "compact-iri-key"):
        if key == "type":
            new_key, new_value = RDF_TYPE, [{"@id": TYPE_IRIS[t]} for t in types]
        else:
            assert member.iri is not None
            new_key, new_value = member.iri, expanded(value, member)
        if how == "compact-iri-key":
            new_key = compact(new_key)
            out["@context"] = [*contexts_of(out), PREFIXES_URL]
        rename(parent, key, new_key, new_value)
    elif how == "value-object":
        parent[key] = expanded(value, member)
    elif how == "keyword-key":
        rename(parent, key, "@" + key, value)
    elif how == "type-as-iri":
        full = [TYPE_IRIS[t] for t in types]
        parent[key] = full if isinstance(value, list) else full[0]
    elif how == "nest":
        rename(parent, key, "@nest", {key: value})
    elif how == "inline-context":
        alias = "kind" if key == "type" else "ident" if key == "id" else key + "Alias"
        if key in ("id", "type"):
            definition: Any = "@" + key
        else:
            definition = {"@id": member.iri}
            if (
                member.coerce is not None
                and member.coerce.startswith("@")
                and member.coerce not in ("@id", "@vocab")
            ):
                definition["@language"] = member.coerce[1:]
            elif member.coerce is not None:
                definition["@type"] = member.coerce
        if parent is out:
            out["@context"] = [*contexts_of(out), {alias: definition}]
        else:
            items = list(parent.items())
            parent.clear()
            parent.update([("@context", {alias: definition}), *items])
        rename(parent, key, alias, value)
    elif how == "graph":
        if parent is out:
            body = {k: v for k, v in out.items() if k != "@context"}
            return {"@context": out["@context"], "@graph": [body]}
        holder: Any = out
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = {"@graph": parent}
    else:
        raise AssertionError(how)
    assert out != root
    return out


@functools.cache
def signed_documents(suite: str) -> dict[str, dict[str, Any]]:
    """A credential, a presentation of it (with every proof option), a status list credential and
    a trust list, as the library signs them."""
    person = OverseasNationalId(
        family_name="홍",
        given_name="길동",
        family_name_latin="HONG",
        given_name_latin="GIL-DONG",
        birth_date=date(1990, 2, 28),
        residence_country="US",
        residence_city="Los Angeles",
        overseas_registration_date=date(2015, 3, 1),
        passport_number="M123A4567",
        passport_expiry=date(2031, 5, 20),
        id_number="7K3M-Q9XD-2HRT-VB4N",
        issuing_mission=LA.as_issuing_mission(),
    )
    store = new_store(NOW)
    holder = HOLDERS[0]
    credential = issue_credential(person, NOW, suite, store, holder.controller)
    presentation = sign_presentation(
        create_presentation([credential], holder=holder.controller, presentation_id=VP_ID),
        holder,
        challenge=CHALLENGE,
        domain=DOMAIN,
        cryptosuite=suite,
        created=NOW,
        expires=NOW + timedelta(minutes=5),
    )
    trust = create_trust_list(
        [row for row in MISSION_TABLE if row["missionCode"] == LA.code],
        root_signer=ROOT,
        version=3,
        issued=NOW - timedelta(days=1),
        next_update=NOW + timedelta(days=30),
        cryptosuite=suite,
    )
    return {
        "credential": credential,
        "presentation": presentation,
        "status": status_list_credential(LA, store, "revocation", NOW, suite),
        "trust": trust,
    }


VERIFY_OPTIONS: dict[str, dict[str, Any]] = {
    "credential": {},
    "presentation": {"proof_purpose": "authentication", "challenge": CHALLENGE, "domain": DOMAIN},
    "status": {},
    "trust": {},
}


def verify(doc: Any, member: Member) -> Any:
    return verify_proof(
        doc, loader=LOADER, resolver=RESOLVER, clock=FixedClock(NOW), **VERIFY_OPTIONS[member.doc]
    )


def respelled_document(
    signed: Mapping[str, Any], member: Member, how: str, suite: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(what is canonicalized before, the same respelled, the signed document respelled)."""
    if member.path == ("proof",):
        before = proof_config(signed)
        after = respell(before, (), member, how)
        doc = unsecured(signed)
        proof = {k: v for k, v in after.items() if k != "@context"}
        if "@context" in after:
            doc["@context"] = after["@context"]  # a compact-IRI proof also names the prefixes
            if suite == "eddsa-jcs-2022":
                proof["@context"] = after["@context"]
        proof["proofValue"] = signed["proof"]["proofValue"]
        return before, after, {**doc, "proof": proof}
    before = unsecured(signed)
    after = respell(before, member.path, member, how)
    return before, after, {**after, "proof": signed["proof"]}


CASES = [
    pytest.param(member, how, id=f"{member}-{how}")
    for member in MEMBERS
    for how in RESPELLINGS
    if applies(member, how)
]


@pytest.mark.parametrize("suite", SUITES)
def test_signed_documents_verify_and_agree_with_pyld(suite: str) -> None:
    rnd = random.Random(0)
    for name, signed in signed_documents(suite).items():
        result = verify(signed, Member(name, (), "id"))
        assert result.verified, (name, result.errors)
        for shape in (signed, unsecured(signed), proof_config(signed)):
            assert_same_rdf(shape, LOADER, rnd)


@pytest.mark.parametrize(("member", "how"), CASES)
def test_other_spellings_of_read_members_are_refused(member: Member, how: str) -> None:
    for suite in SUITES:
        signed = signed_documents(suite)[member.doc]
        before, after, tampered = respelled_document(signed, member, how, suite)
        result = verify(tampered, member)
        assert not result.verified, (suite, json.dumps(tampered, ensure_ascii=False))
        assert result.errors
        with pytest.raises(CanonicalizationError):
            canon(after, LOADER)
        with pytest.raises(CanonicalizationError):
            check_strict(after, loader=LOADER)
        if how in SAME_RDF and member.key != "type":
            # A true alias: the RDF (hence an eddsa-rdfc-2022 signature) cannot tell them apart.
            assert canon(after, LOADER, "generic") == canon(before, LOADER, "generic")
            if suite == "eddsa-rdfc-2022" and member.path != ("proof",):
                # ... and a verifier that only checked the RDF would accept the respelling.
                lenient = verify_proof(
                    tampered,
                    loader=LOADER,
                    resolver=RESOLVER,
                    clock=FixedClock(NOW),
                    mode="generic",
                    **VERIFY_OPTIONS[member.doc],
                )
                assert lenient.verified, lenient.errors


CREDENTIAL_CASES = [
    (member, how)
    for member in MEMBERS
    if member.doc == "credential"
    for how in RESPELLINGS
    if applies(member, how)
]


@given(issuable_ids(), st.sampled_from(SUITES), st.sampled_from(CREDENTIAL_CASES))
@SLOW
def test_respelled_generated_credentials_are_refused(
    pair: tuple[OverseasNationalId, date], suite: str, case: tuple[Member, str]
) -> None:
    member, how = case
    person, issued = pair
    now = datetime.combine(issued, time(3, 0), UTC)
    store = new_store(now)
    signed = issue_credential(person, now, suite, store, HOLDERS[1].controller)
    assert verify_proof(signed, loader=LOADER, resolver=RESOLVER, clock=FixedClock(now)).verified
    _, after, tampered = respelled_document(signed, member, how, suite)
    assert not verify_proof(
        tampered, loader=LOADER, resolver=RESOLVER, clock=FixedClock(now)
    ).verified
    with pytest.raises(CanonicalizationError):
        canon(after, LOADER)
