"""Generic mutation generators for the attack corpus: JSON documents and compact tokens.

Nothing here knows kr_ovid. A generator takes the valid base value, a ``random.Random`` and the
:class:`Traits` of what signs the value, and yields one *round* of :class:`Mutation`s: a full
systematic pass where the mutation kind is systematic ("a new value at every leaf"), a batch of
random draws otherwise. Each round draws fresh random values, so later rounds of the large
profile add new cases; identical mutated values are dropped by the runner.

Every mutation carries its expectation (:class:`Expect`):

* ``FAIL`` (the default): the value was altered; it must not verify, and must say why (a code).
* ``NEUTRAL``: the change carries no meaning for what signs the value (the order of JSON object
  members under both eddsa-rdfc-2022, which signs RDF, and eddsa-jcs-2022, which sorts members);
  it must still verify.
* ``EITHER``: a second spelling of the same content that a verifier may accept or refuse (the
  order of items in an RDF set under eddsa-rdfc-2022, a one-item array for its item, a context
  the signature does not cover). Refusal is fine; acceptance is checked by the target's oracle
  (same claims, same signed graph, and still refused whenever the original is refused).
"""

from __future__ import annotations

import copy
import enum
import itertools
import json
import random
import string
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

__all__ = [
    "JSON_GENERATORS",
    "TOKEN_GENERATORS",
    "Expect",
    "Mutation",
    "Path",
    "Traits",
    "b64url",
    "b64url_decode",
    "fingerprint",
    "get_at",
    "pointer",
    "set_at",
    "walk",
]

Path = tuple[str | int, ...]


class Expect(enum.Enum):
    FAIL = "fail"
    NEUTRAL = "neutral"
    EITHER = "either"


@dataclass(frozen=True, slots=True)
class Mutation:
    detail: str
    value: Any
    expect: Expect = Expect.FAIL
    why: str = ""

    def relabel(self, expect: Expect, why: str = "") -> Mutation:
        return replace(self, expect=expect, why=why or self.why)


@dataclass(frozen=True, slots=True)
class Traits:
    """What covers the value: ``rdfc`` (the RDF graph), ``jcs`` (the JSON as written, members
    sorted) or ``none`` (unsigned, e.g. a DID document). ``focus``: mutate only at or below this
    path. ``contexts``: the pinned context URLs. ``term_iris``: term -> the IRIs it expands to."""

    signed_as: Literal["rdfc", "jcs", "none"]
    focus: Path = ()
    contexts: tuple[str, ...] = ()
    term_iris: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def spelling(self) -> Expect:
        """Expectation for a second spelling of the same RDF (set order, one-item arrays)."""
        return Expect.FAIL if self.signed_as == "jcs" else Expect.EITHER


Generator = Callable[[Any, random.Random, Traits], Iterator[Mutation]]

# --------------------------------------------------------------------------------------------
# JSON paths
# --------------------------------------------------------------------------------------------


def walk(node: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every node, pre-order, iteratively (documents here are shallow but hostile ones are not)."""
    stack: list[tuple[Path, Any]] = [(path, node)]
    while stack:
        at, value = stack.pop()
        yield at, value
        if isinstance(value, dict):
            stack.extend(((*at, k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend(((*at, i), v) for i, v in reversed(list(enumerate(value))))


def get_at(doc: Any, path: Path) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def set_at(doc: Any, path: Path, value: Any) -> Any:
    """Replace the node at ``path`` (in place); returns the document (``value`` for the root)."""
    if not path:
        return value
    get_at(doc, path[:-1])[path[-1]] = value
    return doc


def pointer(path: Path) -> str:
    return "".join("/" + str(s).replace("~", "~0").replace("/", "~1") for s in path) or "/"


_UNPRINTABLE = itertools.count()


def fingerprint(value: Any) -> str:
    """Order-preserving identity of a JSON value (member order matters: reordering is a case).
    A value too deep to print is never taken for another one (a fresh token each time)."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (RecursionError, TypeError, ValueError):
        return f"<unprintable #{next(_UNPRINTABLE)}>"


def _clone(value: Any) -> Any:
    return copy.deepcopy(value)


def _in_focus(path: Path, traits: Traits) -> bool:
    return path[: len(traits.focus)] == traits.focus


def _nodes(doc: Any, traits: Traits) -> list[tuple[Path, Any]]:
    return [(p, v) for p, v in walk(doc) if _in_focus(p, traits)]


def _leaves(doc: Any, traits: Traits) -> list[tuple[Path, Any]]:
    return [(p, v) for p, v in _nodes(doc, traits) if not isinstance(v, dict | list)]


def _objects(doc: Any, traits: Traits) -> list[tuple[Path, dict[str, Any]]]:
    return [(p, v) for p, v in _nodes(doc, traits) if isinstance(v, dict)]


def _member_paths(doc: Any, traits: Traits) -> list[Path]:
    """Paths of object members (the parent object and the key are the last two steps)."""
    return [p for p, _ in _nodes(doc, traits) if p and isinstance(p[-1], str)]


def _strings(doc: Any, traits: Traits) -> list[tuple[Path, str]]:
    return [(p, v) for p, v in _leaves(doc, traits) if isinstance(v, str)]


def _replaced(base: Any, path: Path, value: Any) -> Any:
    return set_at(_clone(base), path, value)


def _renamed(base: Any, path: Path, new_key: str) -> Any:
    """The member at ``path`` under another name, in the same position."""
    doc = _clone(base)
    parent = get_at(doc, path[:-1])
    items = [(new_key if k == path[-1] else k, v) for k, v in parent.items()]
    parent.clear()
    parent.update(items)
    return doc


def _drop(obj: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != key}


def _without(base: Any, path: Path) -> Any:
    doc = _clone(base)
    del get_at(doc, path[:-1])[path[-1]]
    return doc


# --------------------------------------------------------------------------------------------
# Random values
# --------------------------------------------------------------------------------------------
_PRINTABLE = string.ascii_letters + string.digits + "-_.:/#@ "


def random_text(rng: random.Random, n: int | None = None) -> str:
    n = rng.randint(1, 24) if n is None else n
    return "".join(rng.choice(_PRINTABLE) for _ in range(n))


def _changed_string(value: str, rng: random.Random) -> str:
    """A different string, usually of the same shape (one character, case, digit, suffix)."""
    choice = rng.randrange(6)
    if value and choice == 0:
        i = rng.randrange(len(value))
        c = value[i]
        pool = string.digits if c.isdigit() else string.ascii_letters
        repl = rng.choice([x for x in pool if x != c] or ["x"])
        return value[:i] + repl + value[i + 1 :]
    if choice == 1:
        return value + rng.choice(["x", "0", " ", "#x", "/x", "Z"])
    if choice == 2 and value != value.swapcase():
        return value.swapcase()
    if choice == 3 and any(c.isdigit() for c in value):
        digits = [i for i, c in enumerate(value) if c.isdigit()]
        i = rng.choice(digits)
        return value[:i] + str((int(value[i]) + rng.randint(1, 9)) % 10) + value[i + 1 :]
    if choice == 4:
        return ""
    text = random_text(rng)
    return text if text != value else text + "x"


def changed_scalar(value: Any, rng: random.Random) -> Any:
    """A different JSON scalar of the same JSON type (``None`` has no other value: use False)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + rng.choice([1, -1, 1000, -(value * 2) - 1, 2**31])
    if isinstance(value, float):
        return value + rng.choice([0.5, -1.0, 1e10])
    if isinstance(value, str):
        out = _changed_string(value, rng)
        return out if out != value else value + "x"
    return False


def _value_of_kind(kind: str, original: Any, rng: random.Random) -> Any:
    """A value of JSON ``kind`` that is *not* a second spelling of ``original``."""
    if kind == "string":
        options = [random_text(rng), "", "null", "[]", "{}"]
        if not isinstance(original, dict | list | type(None)):
            options.append(json.dumps(original))  # 1 -> "1", true -> "true"
        return rng.choice(options)
    if kind == "number":
        return rng.choice([0, 1, -1, 2**53 + 1, 1.5, -0.0, 1e308, 10**30])
    if kind == "boolean":
        return rng.choice([True, False])
    if kind == "array":
        return rng.choice([[], [random_text(rng)], [None], [[]], [{}], [1, 2]])
    if kind == "object":
        return rng.choice(
            [{}, {"id": random_text(rng)}, {"type": "Thing"}, {"@value": random_text(rng)}]
        )
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


_KINDS = ("string", "number", "boolean", "array", "object", "null")

# --------------------------------------------------------------------------------------------
# Generators over JSON documents
# --------------------------------------------------------------------------------------------


def gen_value_change(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """A different value of the same JSON type at every leaf."""
    for path, value in _leaves(base, traits):
        new = changed_scalar(value, rng)
        yield Mutation(f"{pointer(path)} {value!r:.40} -> {new!r:.40}", _replaced(base, path, new))


def gen_type_confusion(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Every node (the root included) replaced by a value of each other JSON type."""
    for path, value in _nodes(base, traits):
        for kind in _KINDS:
            if kind == _kind(value):
                continue
            new = _value_of_kind(kind, value, rng)
            if new == value and type(new) is type(value):
                continue
            yield Mutation(
                f"{pointer(path)} as {kind} {fingerprint(new):.40}", _replaced(base, path, new)
            )


_ADDED_KEYS = (
    "id",
    "type",
    "name",
    "description",
    "holder",
    "validUntil",
    "validFrom",
    "credentialStatus",
    "termsOfUse",
    "refreshService",
    "evidence",
    "expires",
    "challenge",
    "domain",
    "nonce",
    "previousProof",
    "revoked",
    "controller",
    "ttl",
    "statusMessage",
    "@index",
    "@language",
    "@reverse",
    "@included",
    "@base",
    "@vocab",
    "_sd",
    "...",
    "",
    " ",
    "x",
)


def gen_key_addition(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """A new member in every object: a VC/proof/DID term it lacks, a keyword, or any name."""
    for path, obj in _objects(base, traits):
        names = [k for k in _ADDED_KEYS if k not in obj]
        for name in [rng.choice(names), random_text(rng, 8)] if names else [random_text(rng, 8)]:
            if name in obj:
                continue
            value = rng.choice(
                [
                    random_text(rng),
                    "2099-01-01T00:00:00Z",
                    "did:web:attacker.example",
                    1,
                    True,
                    None,
                    [],
                    {"id": "urn:x"},
                ]
            )
            doc = _clone(base)
            get_at(doc, path)[name] = value
            yield Mutation(f"{pointer(path)} +{name!r}={fingerprint(value):.30}", doc)


def gen_key_removal(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Every member of every object removed."""
    for path in _member_paths(base, traits):
        yield Mutation(f"{pointer(path)} removed", _without(base, path))


# Confusable characters (Unicode TR39 style), invisible and bidi controls.
_LOOKALIKES = {
    "a": "аɑａ",
    "c": "сϲ",
    "d": "ԁ",
    "e": "еҽ",
    "i": "іɩ",
    "j": "ј",
    "l": "ӏ1I",
    "o": "оο0",
    "p": "р",
    "s": "ѕ",
    "x": "хⅹ",
    "y": "у",
    "A": "АΑ",
    "B": "ВΒ",
    "C": "С",
    "E": "ЕΕ",
    "G": "Ԍ",
    "H": "НΗ",
    "I": "Ιl1",
    "K": "КΚ",
    "M": "МΜ",
    "N": "Ν",
    "O": "ОΟ0",
    "P": "РΡ",
    "S": "Ѕ",
    "T": "ТΤ",
    "X": "ХΧ",
    "Y": "Υ",
    "Z": "Ζ",
    "0": "OО〇",
    "1": "lI",
    "-": "‐‑–−",
    ":": "꞉∶",
    "/": "∕⁄",
    ".": "․",
    "#": "＃",
    "_": "＿",
    "\ud64d": "\u1112\u1169\u11bc",  # 홍 as conjoining jamo: the same glyph
    "\uae38": "\u1100\u1175\u11af",  # 길
}
_INVISIBLE = (
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u202e",
    "\u00a0",
    "\u2060",
    "\x00",
    "\ud800",
    "\t",
    " ",
)


def _lookalike(text: str, rng: random.Random) -> tuple[str, str] | None:
    spots = [i for i, c in enumerate(text) if c in _LOOKALIKES]
    if spots and rng.random() < 0.75:
        i = rng.choice(spots)
        repl = rng.choice(_LOOKALIKES[text[i]])
        return text[:i] + repl + text[i + 1 :], f"{text[i]!r}->{repl!r}"
    i = rng.randint(0, len(text))
    char = rng.choice(_INVISIBLE)
    return text[:i] + char + text[i:], f"insert {char!r}@{i}"


def gen_unicode_lookalike(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Every string value and every member name with one confusable or invisible character."""
    for path, value in _strings(base, traits):
        found = _lookalike(value, rng)
        if found is not None and found[0] != value:
            yield Mutation(f"{pointer(path)} {found[1]}", _replaced(base, path, found[0]))
    for path in _member_paths(base, traits):
        key = str(path[-1])
        found = _lookalike(key, rng)
        if found is None or found[0] == key or found[0] in get_at(base, path[:-1]):
            continue
        yield Mutation(f"{pointer(path)} key {found[1]}", _renamed(base, path, found[0]))


def _normal_forms(text: str) -> list[tuple[str, str]]:
    out = []
    for form in ("NFC", "NFD", "NFKC", "NFKD"):
        normal = unicodedata.normalize(form, text)
        if normal != text:
            out.append((form, normal))
    if text.isascii() and text:
        # ASCII is already in every normal form: give it the forms that normalise *to* it.
        fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
        out.append(("fullwidth (NFKC-equal)", fullwidth))
        vowels = [i for i, c in enumerate(text) if c in "aeiouAEIOU"]
        if vowels:
            i = vowels[0]
            out.append(("combining acute", text[: i + 1] + "\u0301" + text[i + 1 :]))
    return out


def gen_unicode_normalization(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """NFC/NFD/NFKC/NFKD variants of every string (Hangul decomposes to conjoining jamo)."""
    for path, value in _strings(base, traits):
        forms = _normal_forms(value)
        rng.shuffle(forms)
        for form, normal in forms[:2]:
            yield Mutation(f"{pointer(path)} {form}", _replaced(base, path, normal))


def _compact_iris(iri: str) -> list[str]:
    out = []
    for prefix, ns in (
        ("cred", "https://www.w3.org/2018/credentials#"),
        ("sec", "https://w3id.org/security#"),
        ("schema", "https://schema.org/"),
        ("xsd", "http://www.w3.org/2001/XMLSchema#"),
        ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ):
        if iri.startswith(ns):
            out.append(f"{prefix}:{iri[len(ns) :]}")
    return out


def gen_jsonld_respelling(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Other JSON-LD spellings of one member: full and compact IRI keys, ``@id``/``@type``,
    ``@nest``, value objects, ``@set``/``@list``, a nested inline ``@context``, ``@graph``."""
    for path in _member_paths(base, traits):
        key = str(path[-1])
        value = get_at(base, path)
        parent = get_at(base, path[:-1])
        if key.startswith("@"):
            continue
        variants: list[tuple[str, Any]] = []
        for iri in traits.term_iris.get(key, ())[:2]:
            variants.append(("full IRI key", ("rename", iri)))
            variants.extend(("compact IRI key", ("rename", c)) for c in _compact_iris(iri))
        if key in ("id", "type"):
            variants.append(("keyword key", ("rename", "@" + key)))
        variants.append(("@nest", ("nest", None)))
        if not isinstance(value, dict | list):
            variants.append(("value object", ("value", {"@value": value})))
            if isinstance(value, str):
                variants.append(("@id object", ("value", {"@id": value})))
                variants.append(
                    (
                        "typed value",
                        (
                            "value",
                            {"@value": value, "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
                        ),
                    )
                )
                variants.append(("language value", ("value", {"@value": value, "@language": "ko"})))
        variants.append(
            ("@set", ("value", {"@set": value if isinstance(value, list) else [value]}))
        )
        variants.append(
            ("@list", ("value", {"@list": value if isinstance(value, list) else [value]}))
        )
        if isinstance(value, dict):
            variants.append(("@graph wrapper", ("value", {"@graph": [value]})))
            inline = {"@vocab": "https://attacker.example/#"}
            variants.append(
                ("inline @context", ("value", {"@context": inline, **_drop(value, "@context")}))
            )
            if traits.contexts:
                url = list(traits.contexts[:1])
                variants.append(
                    (
                        "inline URL @context",
                        ("value", {"@context": url, **_drop(value, "@context")}),
                    )
                )
        for label, (how, arg) in variants:
            if how == "rename":
                if arg in parent:
                    continue
                doc = _renamed(base, path, arg)
            elif how == "nest":
                doc = _without(base, path)
                get_at(doc, path[:-1])["@nest"] = {key: _clone(value)}
            else:
                doc = _replaced(base, path, arg)
            yield Mutation(f"{pointer(path)} {label}" + (f" {arg}" if how == "rename" else ""), doc)
    # The whole document (or the focused node) under @graph, its @context kept outside.
    for path, obj in _objects(base, traits)[:1]:
        inner = {k: v for k, v in obj.items() if k not in ("@context", "proof")}
        outer = {k: v for k, v in obj.items() if k in ("@context", "proof")}
        yield Mutation(
            f"{pointer(path)} @graph around the node",
            _replaced(base, path, {**outer, "@graph": [inner]}),
        )


def gen_array_of_one(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """A value as a one-item array, and a one-item array as its item: one RDF, two spellings."""
    for path, value in _nodes(base, traits):
        if not path or not isinstance(path[-1], str) or path[-1] == "@context":
            continue
        # The proof set and a node its re-signer spells are outside what the signature covers.
        outside = path[-1] == "proof" or (traits.focus and path == traits.focus)
        expect = Expect.EITHER if outside else traits.spelling
        why = (
            "one RDF value, two JSON spellings" if not outside else "a set of one, spelled two ways"
        )
        if isinstance(value, list):
            if len(value) == 1:
                yield Mutation(
                    f"{pointer(path)} one-item array unwrapped",
                    _replaced(base, path, _clone(value[0])),
                    expect,
                    why,
                )
        else:
            yield Mutation(
                f"{pointer(path)} wrapped in a one-item array",
                _replaced(base, path, [_clone(value)]),
                expect,
                why,
            )


def gen_key_reorder(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """The members of every object in another order; all objects shuffled at once."""
    objects = [(p, o) for p, o in _objects(base, traits) if len(o) >= 2]
    for path, obj in objects:
        keys = list(obj)
        order = keys[::-1] if rng.random() < 0.5 else rng.sample(keys, len(keys))
        if order == keys:
            order = keys[1:] + keys[:1]
        new = {k: _clone(obj[k]) for k in order}
        yield Mutation(
            f"{pointer(path)} members reordered",
            _replaced(base, path, new),
            Expect.NEUTRAL,
            "JSON member order carries no meaning (RDF; JCS sorts members)",
        )
    doc = _clone(base)
    for path, _ in sorted(_objects(doc, traits), key=lambda item: -len(item[0])):
        obj = get_at(doc, path)
        keys = list(obj)
        rng.shuffle(keys)
        set_at(doc, path, {k: obj[k] for k in keys})
    yield Mutation(
        "every object's members shuffled",
        doc,
        Expect.NEUTRAL,
        "JSON member order carries no meaning (RDF; JCS sorts members)",
    )


def gen_array_reorder(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Every array of two or more different items (other than ``@context``) reordered."""
    for path, value in _nodes(base, traits):
        if not isinstance(value, list) or len(value) < 2 or (path and path[-1] == "@context"):
            continue
        order = list(range(len(value)))
        new_order = order[::-1] if rng.random() < 0.5 else rng.sample(order, len(order))
        if new_order == order:
            new_order = order[1:] + order[:1]
        new = [_clone(value[i]) for i in new_order]
        if fingerprint(new) == fingerprint(value):
            continue
        yield Mutation(
            f"{pointer(path)} items reordered",
            _replaced(base, path, new),
            traits.spelling,
            "items of an RDF set (no @list) have no order; JCS keeps array order",
        )


def gen_value_swap(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Two different leaves of the same JSON type exchange their values."""
    leaves = _leaves(base, traits)
    by_kind: dict[str, list[tuple[Path, Any]]] = {}
    for path, value in leaves:
        by_kind.setdefault(_kind(value), []).append((path, value))
    for _ in range(len(leaves)):
        kind = rng.choice(sorted(by_kind))
        group = by_kind[kind]
        if len(group) < 2:
            continue
        (pa, va), (pb, vb) = rng.sample(group, 2)
        if va == vb:
            continue
        doc = _clone(base)
        set_at(doc, pa, _clone(vb))
        set_at(doc, pb, _clone(va))
        yield Mutation(f"{pointer(pa)} <-> {pointer(pb)}", doc)


def gen_truncation(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Every string cut short; every array cut short."""
    for path, value in _nodes(base, traits):
        if isinstance(value, str) and len(value) >= 1:
            n = rng.randrange(len(value))
            yield Mutation(f"{pointer(path)} cut to {n} chars", _replaced(base, path, value[:n]))
        elif isinstance(value, list) and value:
            n = rng.randrange(len(value))
            yield Mutation(
                f"{pointer(path)} cut to {n} items", _replaced(base, path, _clone(value[:n]))
            )


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B64URL = string.ascii_letters + string.digits + "-_"


def is_base58_multibase(text: str) -> bool:
    return len(text) > 20 and text[0] == "z" and all(c in _B58 for c in text[1:])


def is_base64url(text: str) -> bool:
    body = text[1:] if text[:1] == "u" else text
    return len(body) >= 16 and all(c in _B64URL for c in body)


def base58_variants(text: str, rng: random.Random) -> list[tuple[str, str]]:
    """Alphabet errors of a ``z``-multibase base58btc value."""
    i = rng.randrange(1, len(text))
    out = [(f"'{c}' at {i}", text[:i] + c + text[i + 1 :]) for c in rng.sample("0OIl", 2)]
    out += [
        (f"{w!r} inserted at {i}", text[:i] + w + text[i:])
        for w in rng.sample([" ", "\n", "\t", "\r\n", "\u00a0"], 2)
    ]
    out += [
        ("trailing newline", text + "\n"),
        ("leading space", " " + text),
        ("extra leading '1' (a zero byte)", "z1" + text[1:]),
        ("multibase prefix 'Z'", "Z" + text[1:]),
        ("multibase prefix 'u'", "u" + text[1:]),
        ("no multibase prefix", text[1:]),
        ("upper-cased", text.upper()),
        ("one character dropped", text[:i] + text[i + 1 :]),
    ]
    return out


def base64url_variants(text: str, rng: random.Random) -> list[tuple[str, str]]:
    """Alphabet errors of base64url (with or without the ``u`` multibase prefix)."""
    i = rng.randrange(1, len(text))
    standard = text.replace("-", "+").replace("_", "/")
    out = [(f"{c!r} at {i}", text[:i] + c + text[i + 1 :]) for c in rng.sample("+/=.*", 2)]
    out += [
        ("padded '='", text + "="),
        ("padded '=='", text + "=="),
        (f"whitespace at {i}", text[:i] + rng.choice([" ", "\n", "\t"]) + text[i:]),
        ("trailing newline", text + "\n"),
        ("one character dropped", text[:i] + text[i + 1 :]),
        ("last character's spare bits set", _spare_bits(text)),
    ]
    if standard != text:
        out.append(("standard base64 alphabet", standard))
    return [(label, value) for label, value in out if value != text]


def _spare_bits(text: str) -> str:
    """The same bytes with non-zero trailing bits in the last character (non-canonical)."""
    body = text[1:] if text[:1] == "u" else text
    spare = {2: 4, 3: 2}.get(len(body) % 4, 0)
    if not spare:
        return text + "A"
    last = _B64URL.index(body[-1]) if body[-1] in _B64URL else 0
    return text[:-1] + _B64URL[(last | 1) if spare else last]


def gen_encoding_alphabet(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """base58btc values with ``0OIl``/whitespace/prefix errors; base64url values with ``+``,
    ``/``, padding, whitespace and non-canonical trailing bits."""
    for path, value in _strings(base, traits):
        if is_base58_multibase(value):
            variants = base58_variants(value, rng)
        elif is_base64url(value):
            variants = base64url_variants(value, rng)
        else:
            continue
        for label, new in variants:
            if new != value:
                yield Mutation(f"{pointer(path)} {label}", _replaced(base, path, new))


def nested(depth: int, leaf: Any = None) -> Any:
    for _ in range(depth):
        leaf = {"a": [leaf]}
    return leaf


def huge_values(rng: random.Random) -> list[tuple[str, Any]]:
    return [
        ("1 MB string", "A" * 1_000_000),
        ("100k-item array", [0] * 100_000),
        ("10k-member object", {f"k{i}": i for i in range(10_000)}),
        ("10**400", 10**400),
        ("-(2**1000)", -(2**1000)),
        ("1e308 * 10 (inf)", float("inf")),
        ("NaN", float("nan")),
        ("depth 70", nested(70)),
        ("depth 1000", nested(1000)),
        ("depth 100000", nested(100_000)),
        ("1000 one-item arrays deep", _deep_list(1000)),
        ("10k long lookalike string", "\u0430" * 10_000),
    ]


def _deep_list(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def gen_huge_deep(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Huge strings, arrays, objects and numbers, and deep nesting, at random places."""
    nodes = [p for p, _ in _nodes(base, traits) if p]
    for label, value in huge_values(rng):
        path = rng.choice(nodes)
        yield Mutation(f"{pointer(path)} {label}", _replaced(base, path, value))
    objects = _objects(base, traits)
    path, _ = rng.choice(objects)
    doc = _clone(base)
    get_at(doc, path)["deep"] = nested(100_000)
    yield Mutation(f"{pointer(path)} +deep (depth 100000)", doc)


def gen_context_swap(base: Any, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Every ``@context``: removed, emptied, a URL removed, reordered, a pinned URL added
    (end, front, middle), replaced by another pinned URL or an unknown one, duplicated,
    inlined as an object, given as one string."""
    spots = [(p, v) for p, v in _nodes(base, traits) if p and p[-1] == "@context"]
    known = list(traits.contexts)
    for path, ctx in spots:
        urls = ctx if isinstance(ctx, list) else [ctx]
        in_proof = "proof" in path
        # eddsa-rdfc-2022 signs the graph: a context change that leaves it unchanged is a second
        # spelling (the oracle then checks the graph, the claims and the adverse conditions).
        # eddsa-jcs-2022 hashes the document under the proof's own @context (vc-di-eddsa §3.3.2):
        # what is appended after it at the top is not signed, and not read either.
        pinned = (
            Expect.EITHER if traits.signed_as in ("rdfc", "none") and not in_proof else Expect.FAIL
        )
        appended = (
            Expect.EITHER
            if (traits.signed_as == "jcs" and len(path) == 1) or traits.signed_as == "none"
            else pinned
        )
        foreign = appended if traits.signed_as != "rdfc" else Expect.FAIL
        why = "the signed content is unchanged by this context (or the signature says no)"

        def case(
            label: str, value: Any, expect: Expect = Expect.FAIL, path: Path = path, why: str = why
        ) -> Mutation:
            if value is _GONE:
                return Mutation(f"{pointer(path)} {label}", _without(base, path), expect, why)
            return Mutation(f"{pointer(path)} {label}", _replaced(base, path, value), expect, why)

        yield case("removed", _GONE, pinned)
        yield case("emptied", [], pinned)
        for i in range(len(urls)):
            yield case(f"without item {i}", urls[:i] + urls[i + 1 :], pinned)
        if len(urls) >= 2:
            yield case("reversed", urls[::-1], pinned)
        extra = [u for u in known if u not in urls]
        for url in rng.sample(extra, min(2, len(extra))):
            yield case(f"+ {url} at the end", [*urls, url], appended)
            yield case(f"+ {url} at the front", [url, *urls], pinned)
            if len(urls) >= 2:
                yield case(f"+ {url} in the middle", [urls[0], url, *urls[1:]], pinned)
            i = rng.randrange(len(urls))
            yield case(f"item {i} -> {url}", [*urls[:i], url, *urls[i + 1 :]], pinned)
        yield case("last item repeated", [*urls, urls[-1]], appended)
        yield case("+ unknown URL", [*urls, "https://attacker.example/ctx"], foreign)
        yield case("+ inline object", [*urls, {"@vocab": "https://attacker.example/#"}], foreign)
        yield case(
            "+ inline redefinition", [*urls, {"familyName": "https://attacker.example/#n"}], foreign
        )
        if len(urls) == 1 and isinstance(ctx, list):
            yield case("as one string", urls[0], pinned)
        elif len(urls) > 1:
            yield case("first URL only, as a string", urls[0], pinned)
        yield case("URL with a fragment", [u + "#" for u in urls])
        yield case("http instead of https", [u.replace("https:", "http:", 1) for u in urls])


_GONE = object()


JSON_GENERATORS: dict[str, Generator] = {
    "value-change": gen_value_change,
    "type-confusion": gen_type_confusion,
    "key-addition": gen_key_addition,
    "key-removal": gen_key_removal,
    "unicode-lookalike": gen_unicode_lookalike,
    "unicode-normalization": gen_unicode_normalization,
    "jsonld-respelling": gen_jsonld_respelling,
    "array-of-one": gen_array_of_one,
    "context-swap": gen_context_swap,
    "key-reorder": gen_key_reorder,
    "array-reorder": gen_array_reorder,
    "value-swap": gen_value_swap,
    "truncation": gen_truncation,
    "encoding-alphabet": gen_encoding_alphabet,
    "huge-deep": gen_huge_deep,
}

# --------------------------------------------------------------------------------------------
# Compact tokens (JWS, SD-JWT): the string itself
# --------------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _cut_points(token: str, rng: random.Random, n: int) -> Iterable[int]:
    for _ in range(n):
        cut = rng.randrange(len(token))
        while cut > 0 and token[cut - 1] == "~":  # a cut after '~' is a smaller presentation
            cut -= 1
        yield cut


def gen_token_truncation(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """The token cut at random points (never right after a ``~``: that is a valid, smaller
    presentation, covered by disclosure removal), and each part cut short."""
    for cut in _cut_points(base, rng, 12):
        yield Mutation(f"cut at {cut}/{len(base)}", base[:cut])
    parts = base.split("~")
    for i, part in enumerate(parts):
        if len(part) >= 2:
            n = rng.randrange(1, len(part))
            yield Mutation(
                f"part {i} cut to {n} chars", "~".join([*parts[:i], part[:n], *parts[i + 1 :]])
            )
        pieces = part.split(".")
        if len(pieces) == 3:
            for j in range(3):
                yield Mutation(
                    f"part {i} JWS segment {j} dropped",
                    "~".join([*parts[:i], ".".join(pieces[:j] + pieces[j + 1 :]), *parts[i + 1 :]]),
                )


def gen_token_alphabet(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """base64url errors in every part and JWS segment: ``+``, ``/``, padding, whitespace,
    the standard alphabet, non-canonical trailing bits."""
    parts = base.split("~")
    for i, part in enumerate(parts):
        for j, segment in enumerate(part.split(".")):
            if not segment:
                continue
            for label, new in base64url_variants(segment, rng):
                pieces = part.split(".")
                pieces[j] = new
                yield Mutation(
                    f"part {i} segment {j} {label}",
                    "~".join([*parts[:i], ".".join(pieces), *parts[i + 1 :]]),
                )


def gen_token_separators(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """``~`` and ``.`` structure errors and surrounding whitespace."""
    out = [
        (
            "trailing '~' removed" if base.endswith("~") else "trailing '~' added",
            base[:-1] if base.endswith("~") else base + "~",
        ),
        ("'~~' (empty disclosure)", base.replace("~", "~~", 1)),
        ("leading '~'", "~" + base),
        ("trailing CRLF", base + "\r\n"),
        ("leading space", " " + base),
        ("'~' as '%7E'", base.replace("~", "%7E", 1)),
        ("first '.' doubled", base.replace(".", "..", 1)),
        ("first '.' removed", base.replace(".", "", 1)),
        ("'.' appended to the JWS", base.replace("~", ".~", 1)),
        ("JWS only (no '~')", base.split("~", 1)[0]),
        ("'~' inside the JWS", base.replace(".", ".~", 1)),
        ("two tokens joined", base + base),
        ("JSON-quoted", json.dumps(base)),
        ("all '~' as ','", base.replace("~", ",")),
    ]
    for label, value in out:
        if value != base:
            yield Mutation(label, value)


def gen_token_unicode(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Non-ASCII characters (look-alikes, invisibles, fullwidth) inside the token."""
    for _ in range(10):
        found = _lookalike(base, rng)
        if found is not None and found[0] != base:
            yield Mutation(found[1], found[0])
    i = rng.randrange(len(base))
    wide = chr(ord(base[i]) + 0xFEE0) if "!" <= base[i] <= "~" else "\uff41"
    yield Mutation(f"fullwidth character at {i}", base[:i] + wide + base[i + 1 :])


def gen_token_huge(base: str, rng: random.Random, traits: Traits) -> Iterator[Mutation]:
    """Oversized tokens: 1 MB, many disclosures, huge parts."""
    parts = base.split("~")
    disclosure = parts[1] if len(parts) > 2 else "WyJzIiwibiIsInYiXQ"
    yield Mutation(
        "1 MB of 'A' appended to the JWS", parts[0] + "A" * 1_000_000 + "~" + "~".join(parts[1:])
    )
    yield Mutation(
        "600 copies of a disclosure", parts[0] + "~" + (disclosure + "~") * 600 + parts[-1]
    )
    yield Mutation("100k '~'", base + "~" * 100_000)
    yield Mutation("70 kB disclosure", parts[0] + "~" + "A" * 70_000 + "~" + "~".join(parts[1:]))
    deep = b64url(json.dumps(["salt", "n", nested(200)]).encode())
    yield Mutation("deeply nested disclosure", parts[0] + "~" + deep + "~" + "~".join(parts[1:]))
    yield Mutation("5 MB token", "x" * 5_000_000)


TOKEN_GENERATORS: dict[str, Generator] = {
    "truncation": gen_token_truncation,
    "encoding-alphabet": gen_token_alphabet,
    "token-separators": gen_token_separators,
    "unicode-lookalike": gen_token_unicode,
    "huge-deep": gen_token_huge,
}
