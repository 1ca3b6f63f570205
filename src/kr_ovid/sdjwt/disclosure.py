"""RFC 9901 core: disclosures, digests, concealment, compact serialization, reconstruction.

* §4.2.1 / §4.2.2: a disclosure is base64url(JSON ``[salt, name, value]``) for an object
  property, base64url(JSON ``[salt, value]``) for an array element.
* §4.2.3: its digest is base64url(SHA-256(ASCII of the base64url disclosure)).
* §4.2.4: digests sit in ``_sd`` arrays (objects) or ``{"...": digest}`` elements (arrays);
  ``_sd_alg`` is ``sha-256``; §4.2.5 decoy digests; §4.2.6 recursive disclosures.
* §4 / §4.3.1: ``<JWS>~<d1>~...~<dn>~[<KB-JWT>]`` and ``sd_hash``.
* §7.1 step 3: rebuilding the payload from the disclosures, with every rejection rule.

Functions that read untrusted input raise :class:`~kr_ovid.sdjwt.jws.SdJwtError` with a code;
functions that build from the caller's data raise :class:`~kr_ovid.errors.ConfigurationError`.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kr_ovid._json import JsonLimits, JsonParseError, check_json_value
from kr_ovid.errors import ConfigurationError
from kr_ovid.keys.jwk import b64url_decode, b64url_encode
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt.jws import DEFAULT_JWS_LIMITS, JwsLimits, SdJwtError, parse_json_part

__all__ = [
    "DEFAULT_DECOYS",
    "DEFAULT_SD_JWT_LIMITS",
    "ELLIPSIS",
    "KB_JWT_TYP",
    "SD_ALG_KEY",
    "SD_KEY",
    "SHA_256",
    "VC_SD_JWT_TYP",
    "DisclosedClaim",
    "Disclosure",
    "Reconstruction",
    "SdJwtLimits",
    "SdJwtParts",
    "build_sd_payload",
    "decoy_digest",
    "disclosure_digest",
    "format_pointer",
    "new_salt",
    "parse_pointer",
    "pointer_exists",
    "reconstruct",
    "sd_hash",
    "split_sd_jwt",
]

VC_SD_JWT_TYP = "vc+sd-jwt"  # W3C VC-JOSE-COSE §3.2.1
KB_JWT_TYP = "kb+jwt"  # RFC 9901 §4.3
SD_KEY = "_sd"
SD_ALG_KEY = "_sd_alg"
ELLIPSIS = "..."
SHA_256 = "sha-256"
_SALT_BYTES = 16  # 128 bits, RFC 9901 §9.3
_RESERVED_NAMES = frozenset({SD_KEY, ELLIPSIS})
DEFAULT_DECOYS = range(1, 5)
_MAX_DECOYS = 1000

#: A test/vector hook: the salt to use for the claim at a JSON pointer. Production uses ``secrets``.
SaltSource = Callable[[str], str]


_KB_JWT_LIMITS = JwsLimits(max_token_chars=8_192, max_header_chars=1_024, max_payload_chars=4_096)


@dataclass(frozen=True, slots=True)
class SdJwtLimits:
    """Bounds on an SD-JWT (+KB) before and while it is processed.

    Checked before the work they bound, so a hostile presentation costs bounded memory and
    time; the KB-JWT gets far smaller limits, since it carries only four claims.
    """

    max_chars: int = 524_288
    max_disclosures: int = 512
    max_disclosure_chars: int = 65_536
    max_depth: int = 64
    jws: JwsLimits = DEFAULT_JWS_LIMITS
    kb_jwt: JwsLimits = _KB_JWT_LIMITS


DEFAULT_SD_JWT_LIMITS = SdJwtLimits()


# -- salts, digests ------------------------------------------------------------------------------
def new_salt() -> str:
    """128 random bits from ``secrets``, base64url (RFC 9901 §4.2.1, §9.3)."""
    return b64url_encode(secrets.token_bytes(_SALT_BYTES))


def disclosure_digest(encoded: str) -> str:
    """SHA-256 over the ASCII of the base64url disclosure, base64url (RFC 9901 §4.2.3)."""
    return b64url_encode(hashlib.sha256(encoded.encode("ascii")).digest())


def decoy_digest() -> str:
    """A digest of a random value, indistinguishable from a real one (RFC 9901 §4.2.5)."""
    return disclosure_digest(new_salt())


def sd_hash(presented: str) -> str:
    """``sd_hash``: SHA-256 over the ASCII of ``<JWS>~<d1>~...~<dn>~`` (RFC 9901 §4.3.1)."""
    return b64url_encode(hashlib.sha256(presented.encode("ascii")).digest())


# -- disclosures ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Disclosure:
    """One disclosure; ``name`` is ``None`` for an array element (RFC 9901 §4.2.1-4.2.2)."""

    encoded: str
    salt: str
    value: Any
    name: str | None = None
    digest: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", disclosure_digest(self.encoded))

    @property
    def is_array_element(self) -> bool:
        """RFC 9901 §4.2.2: an array-element disclosure carries no claim name."""
        return self.name is None

    @classmethod
    def create(cls, value: Any, *, name: str | None = None, salt: str | None = None) -> Disclosure:
        """Encode a new disclosure; the JSON form is the one the RFC examples use.

        The encoded string is kept and never rebuilt: the digest covers these exact characters
        (§4.2.3), and another JSON spelling of the same array would be another disclosure.
        """
        if name is not None and (not isinstance(name, str) or name in _RESERVED_NAMES):
            raise ConfigurationError("claim name must be a string other than '_sd' and '...'")
        salt = new_salt() if salt is None else salt
        if not isinstance(salt, str) or not salt:
            raise ConfigurationError("salt must be a non-empty string")
        try:
            check_json_value(value)
            array = [salt, value] if name is None else [salt, name, value]
            text = json.dumps(array, ensure_ascii=False, allow_nan=False)
        except (JsonParseError, TypeError, ValueError) as exc:
            raise ConfigurationError(f"disclosed value is not plain JSON: {exc}") from None
        return cls(b64url_encode(text.encode("utf-8")), salt, value, name)

    @classmethod
    def parse(cls, encoded: object, *, limits: SdJwtLimits = DEFAULT_SD_JWT_LIMITS) -> Disclosure:
        """Strictly decode one disclosure (RFC 9901 §7.1 step 3.2 checks on its shape)."""
        if not isinstance(encoded, str) or not encoded:
            raise SdJwtError("disclosure is empty or not a string", code=ErrorCode.PARSING_ERROR)
        if len(encoded) > limits.max_disclosure_chars:
            raise SdJwtError("disclosure exceeds the size limit", code=ErrorCode.SIZE_LIMIT_ERROR)
        try:
            raw = b64url_decode(encoded)
        except ValueError:
            raise SdJwtError(
                "disclosure is not unpadded base64url", code=ErrorCode.PARSING_ERROR
            ) from None
        array = parse_json_part(
            raw, JsonLimits(max_bytes=limits.max_disclosure_chars), "disclosure"
        )
        if not isinstance(array, list) or len(array) not in (2, 3):
            raise SdJwtError("disclosure is not a JSON array of 2 or 3 elements")
        if not isinstance(array[0], str):
            raise SdJwtError("disclosure salt is not a string")
        if len(array) == 2:
            return cls(encoded, array[0], array[1], None)
        name = array[1]
        if not isinstance(name, str):
            raise SdJwtError("disclosure claim name is not a string")
        if name in _RESERVED_NAMES:
            raise SdJwtError("disclosure claim name is '_sd' or '...'")
        return cls(encoded, array[0], array[2], name)


# -- JSON pointers (RFC 6901) --------------------------------------------------------------------
_INDEX = re.compile(r"^(0|[1-9][0-9]*)$")


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """``"/a/b~1c/0"`` -> ``("a", "b/c", "0")``; ``""`` is the whole document."""
    if not isinstance(pointer, str):
        raise ConfigurationError("a claim path is a JSON pointer string")
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ConfigurationError(f"claim path {pointer!r} must start with '/'")
    out = []
    for seg in pointer[1:].split("/"):
        if re.search(r"~(?![01])", seg):
            raise ConfigurationError(f"claim path {pointer!r} has a bad '~' escape")
        out.append(seg.replace("~1", "/").replace("~0", "~"))
    return tuple(out)


def format_pointer(segments: Iterable[str | int]) -> str:
    """RFC 6901 pointer (``~`` → ``~0``, ``/`` → ``~1``): the form of claim paths everywhere."""
    return "".join("/" + str(s).replace("~", "~0").replace("/", "~1") for s in segments)


def pointer_exists(document: Any, segments: tuple[str, ...]) -> bool:
    """Whether the parsed pointer ``segments`` names a value in ``document``."""
    node = document
    for seg in segments:
        if isinstance(node, dict) and seg in node:
            node = node[seg]
        elif isinstance(node, list) and _INDEX.match(seg) and int(seg) < len(node):
            node = node[int(seg)]
        else:
            return False
    return True


# -- issuance: concealing claims (RFC 9901 §4.2.4-4.2.6) ----------------------------------------
def _decoy_count(decoys: int | range, rng: secrets.SystemRandom) -> int:
    if isinstance(decoys, range):
        return rng.choice(decoys)
    return decoys


def _check_decoys(decoys: int | range) -> None:
    if isinstance(decoys, range):
        ok = len(decoys) > 0 and decoys.start >= 0 and decoys[-1] <= _MAX_DECOYS
    else:
        ok = isinstance(decoys, int) and not isinstance(decoys, bool)
        ok = ok and 0 <= decoys <= _MAX_DECOYS
    if not ok:
        raise ConfigurationError(f"decoys must be an int or non-empty range in 0..{_MAX_DECOYS}")


def _check_no_reserved(value: Any, path: tuple[str, ...] = ()) -> None:
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, path)]
    while stack:
        node, p = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k in (SD_KEY, SD_ALG_KEY, ELLIPSIS):
                    raise ConfigurationError(
                        f"claims may not use the reserved name {k!r}", path=format_pointer(p)
                    )
                stack.append((v, (*p, k)))
        elif isinstance(node, list):
            stack.extend((v, (*p, str(i))) for i, v in enumerate(node))


def build_sd_payload(
    claims: Mapping[str, Any],
    disclosable: Iterable[str],
    *,
    decoys: int | range = DEFAULT_DECOYS,
    salt_source: SaltSource | None = None,
    digest_order: Literal["shuffle", "sorted"] = "shuffle",
) -> tuple[dict[str, Any], list[Disclosure]]:
    """Conceal the claims at the ``disclosable`` JSON pointers (RFC 9901 §4.2.4-4.2.6).

    A pointer under another disclosable pointer gives a recursive disclosure. Each object that
    gets an ``_sd`` array, and each array with a disclosable element, also gets a number of decoy
    digests drawn from ``decoys`` (§4.2.5). ``_sd`` arrays are shuffled with ``secrets``
    (``"sorted"`` only to reproduce the RFC examples). ``salt_source`` is for tests and vectors
    only: it receives the claim's pointer and must return a fresh salt; by default every salt is
    128 bits from ``secrets``. Returns the payload (without ``_sd_alg``) and the disclosures in
    creation order (children before parents). No policy on which claims: see ``issuer.py``.
    """
    if not isinstance(claims, Mapping):
        raise ConfigurationError("claims must be a JSON object")
    try:
        check_json_value(dict(claims))
    except JsonParseError as exc:
        raise ConfigurationError(f"claims are not plain JSON: {exc}") from None
    _check_no_reserved(claims)
    _check_decoys(decoys)
    if digest_order not in ("shuffle", "sorted"):
        raise ConfigurationError("digest_order is 'shuffle' or 'sorted'")
    if isinstance(disclosable, str):
        raise ConfigurationError("disclosable is a collection of JSON pointers, not one string")
    plan: set[tuple[str, ...]] = set()
    for pointer in disclosable:
        segments = parse_pointer(pointer)
        if not segments:
            raise ConfigurationError("the whole payload cannot be disclosable")
        if not pointer_exists(claims, segments):
            raise ConfigurationError(f"disclosable path {pointer!r} does not exist", path=pointer)
        plan.add(segments)

    rng = secrets.SystemRandom()
    disclosures: list[Disclosure] = []

    def salt_for(path: tuple[str, ...]) -> str | None:
        return None if salt_source is None else salt_source(format_pointer(path))

    def order(digests: list[str]) -> None:
        if digest_order == "sorted":
            digests.sort()
        else:
            rng.shuffle(digests)

    def conceal(node: Any, path: tuple[str, ...]) -> Any:
        """Depth first, children before parents: a disclosed value already carries its own
        concealed children, which is what makes §4.2.6 recursive disclosures."""
        if isinstance(node, Mapping):
            plain: dict[str, Any] = {}
            digests: list[str] = []
            for key, value in node.items():
                child = (*path, key)
                concealed = conceal(value, child)
                if child in plan:
                    d = Disclosure.create(concealed, name=key, salt=salt_for(child))
                    disclosures.append(d)
                    digests.append(d.digest)
                else:
                    plain[key] = concealed
            if not digests:
                return plain
            digests.extend(decoy_digest() for _ in range(_decoy_count(decoys, rng)))
            order(digests)
            return {SD_KEY: digests, **plain}
        if isinstance(node, list):
            out: list[Any] = []
            for index, value in enumerate(node):
                child = (*path, str(index))
                concealed = conceal(value, child)
                if child in plan:
                    d = Disclosure.create(concealed, salt=salt_for(child))
                    disclosures.append(d)
                    out.append({ELLIPSIS: d.digest})
                else:
                    out.append(concealed)
            if any(isinstance(v, dict) and ELLIPSIS in v for v in out):
                for _ in range(_decoy_count(decoys, rng)):
                    out.insert(rng.randrange(len(out) + 1), {ELLIPSIS: decoy_digest()})
            return out
        return node

    payload = conceal(claims, ())
    return payload, disclosures


# -- compact serialization (RFC 9901 §4) ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SdJwtParts:
    """``<JWS>~<d1>~...~<dn>~[<KB-JWT>]`` split into its parts (not decoded)."""

    jws: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None

    @property
    def without_kb(self) -> str:
        """Everything up to and including the last ``~``: the ``sd_hash`` input."""
        return self.jws + "~" + "".join(d + "~" for d in self.disclosures)

    def serialize(self) -> str:
        """The compact form (§4), parts joined back exactly as split."""
        return self.without_kb + (self.kb_jwt or "")


def split_sd_jwt(text: object, *, limits: SdJwtLimits = DEFAULT_SD_JWT_LIMITS) -> SdJwtParts:
    """Split an SD-JWT or SD-JWT+KB; shape and size checks only.

    RFC 9901 §7.1 step 1. The text must be ASCII (every part is base64url, and ``sd_hash`` is
    taken over ASCII), and no disclosure may be empty: ``~~`` is a malformed token, not an
    extra separator.
    """
    if not isinstance(text, str):
        raise SdJwtError("SD-JWT is not a string", code=ErrorCode.PARSING_ERROR)
    if len(text) > limits.max_chars:
        raise SdJwtError("SD-JWT exceeds the size limit", code=ErrorCode.SIZE_LIMIT_ERROR)
    if not text.isascii() or "~" not in text:
        raise SdJwtError("not a compact SD-JWT", code=ErrorCode.PARSING_ERROR)
    parts = text.split("~")
    disclosures = tuple(parts[1:-1])
    if len(disclosures) > limits.max_disclosures:
        raise SdJwtError("too many disclosures", code=ErrorCode.SIZE_LIMIT_ERROR)
    if not parts[0] or any(not d for d in disclosures):
        raise SdJwtError("SD-JWT has an empty part", code=ErrorCode.PARSING_ERROR)
    return SdJwtParts(parts[0], disclosures, parts[-1] or None)


# -- verification: rebuilding the payload (RFC 9901 §7.1 step 3) ---------------------------------
@dataclass(frozen=True, slots=True)
class DisclosedClaim:
    """Where a disclosure landed in the rebuilt document, and which disclosure contains it."""

    pointer: str
    disclosure: Disclosure
    parent: int | None  # index into Reconstruction.claims, None when embedded in the JWS payload


@dataclass(frozen=True, slots=True)
class Reconstruction:
    """The rebuilt payload (RFC 9901 §7.1's Processed SD-JWT Payload) and where each
    disclosure landed in it."""

    document: dict[str, Any]
    claims: tuple[DisclosedClaim, ...]


def _fail(message: str, pointer: tuple[str | int, ...] | None = None) -> SdJwtError:
    return SdJwtError(
        message,
        code=ErrorCode.SD_JWT_ERROR,
        path=None if pointer is None else format_pointer(pointer),
    )


def reconstruct(
    payload: Mapping[str, Any],
    disclosures: Sequence[str | Disclosure],
    *,
    limits: SdJwtLimits = DEFAULT_SD_JWT_LIMITS,
) -> Reconstruction:
    """Rebuild the disclosed payload and reject every malformation RFC 9901 §7.1 names.

    Rejects: ``_sd_alg`` other than ``sha-256`` (absent means ``sha-256``, §4.1.1); a digest seen
    twice anywhere (payload or disclosures); a disclosure given twice, or not referenced by any
    digest; an object disclosure behind ``...`` or an array disclosure in ``_sd``; a disclosed
    name that already exists at its level; ``_sd`` not an array of strings; ``...`` objects with
    other keys, outside arrays, or with a non-string digest; ``_sd_alg`` below the top level;
    nesting beyond ``limits.max_depth``. Unmatched digests are decoys or undisclosed and vanish.
    """
    if not isinstance(payload, Mapping):
        raise SdJwtError("SD-JWT payload is not a JSON object", code=ErrorCode.PARSING_ERROR)
    sd_alg = payload.get(SD_ALG_KEY, SHA_256)
    if sd_alg != SHA_256:
        raise _fail("_sd_alg is not sha-256", (SD_ALG_KEY,))
    if len(disclosures) > limits.max_disclosures:
        raise SdJwtError("too many disclosures", code=ErrorCode.SIZE_LIMIT_ERROR)

    by_digest: dict[str, Disclosure] = {}
    for item in disclosures:
        d = item if isinstance(item, Disclosure) else Disclosure.parse(item, limits=limits)
        if d.digest in by_digest:
            raise _fail("the same disclosure is given twice")
        by_digest[d.digest] = d

    seen: set[str] = set()
    claims: list[DisclosedClaim] = []

    def use(digest: object, at: tuple[str | int, ...]) -> Disclosure | None:
        """§7.1: each digest counts once, across payload and disclosures. Returns its
        disclosure, or ``None`` for a decoy or a claim not disclosed."""
        if not isinstance(digest, str):
            raise _fail("a digest is not a string", at)
        if digest in seen:
            raise _fail("a digest appears more than once", at)
        seen.add(digest)
        return by_digest.get(digest)

    def process(node: Any, at: tuple[str | int, ...], depth: int, parent: int | None) -> Any:
        """§7.1 step 3 for one node, recursively into every disclosed value; ``parent`` is the
        disclosure the node came from, for :class:`DisclosedClaim`."""
        if depth > limits.max_depth:
            raise SdJwtError(
                "disclosed structure nests too deeply", code=ErrorCode.SIZE_LIMIT_ERROR
            )
        if isinstance(node, dict):
            if ELLIPSIS in node:
                raise _fail("'...' is only allowed as the sole key of an array element", at)
            if SD_ALG_KEY in node and at:
                raise _fail("_sd_alg is only allowed at the top level", at)
            out: dict[str, Any] = {}
            for key, value in node.items():
                if key in (SD_KEY, SD_ALG_KEY):
                    continue
                out[key] = process(value, (*at, key), depth + 1, parent)
            if SD_KEY in node:
                digests = node[SD_KEY]
                if not isinstance(digests, list):
                    raise _fail("_sd is not an array", at)
                for digest in digests:
                    d = use(digest, (*at, SD_KEY))
                    if d is None:
                        continue
                    if d.name is None:
                        raise _fail("an array-element disclosure is referenced from _sd", at)
                    if d.name == SD_ALG_KEY:
                        raise _fail("a disclosure may not carry _sd_alg", at)
                    if d.name in out or d.name in node:
                        raise _fail("a disclosed claim name already exists", (*at, d.name))
                    index = len(claims)
                    claims.append(DisclosedClaim(format_pointer((*at, d.name)), d, parent))
                    out[d.name] = process(d.value, (*at, d.name), depth + 1, index)
            return out
        if isinstance(node, list):
            items: list[Any] = []
            for element in node:
                here = (*at, len(items))
                if isinstance(element, dict) and ELLIPSIS in element:
                    if len(element) != 1:
                        raise _fail("a '...' array element has other keys", here)
                    d = use(element[ELLIPSIS], here)
                    if d is None:
                        continue
                    if d.name is not None:
                        raise _fail("an object-property disclosure is referenced from '...'", here)
                    index = len(claims)
                    claims.append(DisclosedClaim(format_pointer(here), d, parent))
                    items.append(process(d.value, here, depth + 1, index))
                else:
                    items.append(process(element, here, depth + 1, parent))
            return items
        return node

    document = process(dict(payload), (), 0, None)
    unused = len(by_digest) - len(claims)
    if unused:
        raise _fail(f"{unused} disclosure(s) not referenced by any digest")
    return Reconstruction(document, tuple(claims))
