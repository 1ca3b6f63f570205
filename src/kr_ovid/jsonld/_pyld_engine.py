"""The only module that imports pyld: its processor and URDNA2015, wrapped for safe use.

Imported lazily by :mod:`kr_ovid.jsonld.canon`, only for the opt-in generic JSON-LD mode and for
the rare graphs whose blank nodes RDFC-1.0 cannot tell apart by their first-degree hashes, so the
strict path (and ``import kr_ovid``) never loads pyld.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from frozendict import frozendict
from pyld import jsonld as _pyld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

from kr_ovid.errors import CanonicalizationError, DocumentLoaderError
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.jsonld.nquads import CanonicalizationLimitError, HashAlgorithm, quad_line
from kr_ovid.problems import ErrorCode

__all__ = [
    "MAX_CONTEXT_CHARACTERS",
    "MAX_TERM_DEFINITIONS",
    "BoundedURDNA2015",
    "Processor",
    "cause_code",
    "pyld_options",
]

# Sentinel base: an IRI that resolves against it was relative in the input.
SENTINEL_HOST = "kr-ovid-relative-iri.invalid"
_SENTINEL_BASE = f"https://{SENTINEL_HOST}/base/"


def pyld_options(loader: StaticDocumentLoader) -> dict[str, Any]:
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
        # A base direction is signed as the i18n datatype (JSON-LD 1.1 §8.1.2), never dropped.
        "rdfDirection": "i18n-datatype",
    }


_LINEAGE = "pinned-lineage"

#: Work one pyld run may spend on contexts. Pinned contexts are memoised (processed once per
#: loader), but a context built on a request's inline context is processed again for every node
#: a scoped context applies to, and pyld's context resolver serialises each context object
#: (JCS, in Python) to look it up: without a bound, a few hundred kilobytes of inline context
#: cost size x uses before any signature is looked at. A credential with inline contexts needs
#: a few thousand definitions and a few hundred thousand characters.
MAX_TERM_DEFINITIONS = 100_000
MAX_CONTEXT_CHARACTERS = 5_000_000


class Processor(_pyld.JsonLdProcessor):  # type: ignore[misc]  # pyld is untyped
    """pyld's processor that remembers processed contexts in the loader's private memo.

    pyld re-processes every type-scoped and property-scoped context on every call, because it
    clones the active context first and the clone gets a fresh ``_uuid``; that dominates the
    time of canonicalizing a credential. The result of processing ``local_ctx`` against a
    *finished* (frozen) active context depends only on that context, the local context and the
    flags, so it is memoised under exactly those, per loader. Contexts still under construction
    (mutable dicts) are never memoised, nor are results pyld did not freeze.
    """

    def __init__(self, loader: StaticDocumentLoader) -> None:
        super().__init__(on_property_dropped=_dropped)
        self._memo = loader.processed_contexts
        self._loader = loader
        self._definitions = 0
        self._characters = 0

    def _create_term_definition(self, *args: Any, **kwargs: Any) -> Any:
        """pyld's Create Term Definition (JSON-LD 1.1 §4.2.2), counted against
        :data:`MAX_TERM_DEFINITIONS`."""
        self._definitions += 1
        if self._definitions > MAX_TERM_DEFINITIONS:
            raise CanonicalizationError(
                f"more than {MAX_TERM_DEFINITIONS} term definitions to process",
                code=ErrorCode.SIZE_LIMIT_ERROR,
            )
        return super()._create_term_definition(*args, **kwargs)

    def _process_context(  # noqa: PLR0917 — pyld's own signature
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        key = None
        if (
            isinstance(active_ctx, frozendict)
            and not cycles
            and "_uuid" in active_ctx
            and self._shareable(local_ctx)
            and self._pinned_lineage(active_ctx)
        ):
            try:
                local = json.dumps(local_ctx, sort_keys=True, default=dict)
            except (TypeError, ValueError):
                local = None
            if local is not None:
                key = (
                    active_ctx["_uuid"],
                    local,
                    bool(override_protected),
                    bool(propagate),
                    bool(validate_scoped),
                    options.get("base"),
                    options.get("processingMode"),
                )
                hit = self._memo.get(key)
                if hit is not None:
                    return hit
        if not isinstance(local_ctx, str):
            self._spend(local_ctx)
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if key is not None and isinstance(result, frozendict):
            self._memo[key] = result
            if "_uuid" in result:
                self._memo[(_LINEAGE, result["_uuid"])] = True
        return result

    def _spend(self, local_ctx: Any) -> None:
        """Count a context object pyld is about to resolve and process (its JSON size) against
        :data:`MAX_CONTEXT_CHARACTERS`."""
        try:
            self._characters += len(json.dumps(local_ctx, default=dict))
        except (TypeError, ValueError):
            return  # (pyld refuses what is not JSON)
        if self._characters > MAX_CONTEXT_CHARACTERS:
            raise CanonicalizationError(
                f"more than {MAX_CONTEXT_CHARACTERS} characters of contexts to process",
                code=ErrorCode.SIZE_LIMIT_ERROR,
            )

    def _pinned_lineage(self, active_ctx: Any) -> bool:
        """Built from pinned contexts only (or empty): a context built from a request's inline
        context is processed but never memoised, nor is anything processed on top of it."""
        return (
            not active_ctx.get("mappings")
            or self._memo.get((_LINEAGE, active_ctx["_uuid"])) is True
        )

    def _shareable(self, local_ctx: Any) -> bool:
        """Only pinned contexts (URLs, a short list of URLs, objects of a served document) go
        into the loader's memo: a request's inline contexts would otherwise stay in memory after
        the request was refused."""
        if isinstance(local_ctx, str):
            return True
        if isinstance(local_ctx, list):
            return len(local_ctx) <= 16 and all(isinstance(x, str) for x in local_ctx)
        return self._loader.is_pinned_object(local_ctx)


def _dropped(prop: str | None) -> None:
    raise CanonicalizationError(
        f"term {prop!r} is not defined by the document's contexts and would be dropped",
        code=ErrorCode.DATA_LOSS_ERROR,
    )


def cause_code(exc: BaseException) -> tuple[ErrorCode, str]:
    """Walk pyld's exception chain for our own loader/drop errors."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, CanonicalizationError | DocumentLoaderError):
            return cur.code, str(cur)
        cur = cur.__cause__ or cur.__context__
    return ErrorCode.PROOF_TRANSFORMATION_ERROR, f"JSON-LD processing failed: {type(exc).__name__}"


class _Issuer(IdentifierIssuer):  # type: ignore[misc]  # pyld is untyped
    """pyld's identifier issuer with a cheap copy.

    *Hash N-Degree Quads* copies the issuer once per permutation with ``copy.deepcopy``; its
    state is a counter, a dict and a list of strings, so shallow copies of those are a deep copy.
    This keeps the cost of a permutation small even when many blank nodes are issued.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> _Issuer:
        clone = _Issuer(self.prefix)
        clone.counter = self.counter
        clone.existing = dict(self.existing)
        clone.order = list(self.order)
        return clone


class BoundedURDNA2015(URDNA2015):  # type: ignore[misc]  # pyld is untyped
    """pyld's URDNA2015 with a work budget and canonical hashing; one instance per call.

    Work = one unit per *Hash N-Degree Quads* call + one per permutation it will try (the sum of
    ``k!`` over its groups of ``k`` indistinguishable related blank nodes), charged when the call
    has built those groups, before it permutes them.
    """

    def __init__(self, *, max_work: int, max_depth: int, hash_algorithm: HashAlgorithm) -> None:
        super().__init__()
        self._remaining = max_work
        self._max_work = max_work
        self._depth = 0
        self._max_depth = max_depth
        self._hash_algorithm = hash_algorithm

    def create_hash(self) -> Any:
        return hashlib.new(self._hash_algorithm)

    def hash_first_degree_quads(self, id_: str) -> str:
        info: dict[str, Any] = self.blank_node_info[id_]
        cached = info.get("hash")
        if isinstance(cached, str):
            return cached

        def first_degree(label: str) -> str:
            return "_:a" if label == id_ else "_:z"

        md = self.create_hash()
        for line in sorted(quad_line(quad, first_degree) for quad in info["quads"]):
            md.update(line.encode("utf-8"))
        digest: str = md.hexdigest()
        info["hash"] = digest
        return digest

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        if self._depth >= self._max_depth:
            raise CanonicalizationLimitError(
                f"blank node recursion deeper than {self._max_depth} levels"
            )
        self._depth += 1
        try:
            return super().hash_n_degree_quads(id_, issuer)
        finally:
            self._depth -= 1

    def create_hash_to_related(self, id_: str, issuer: Any) -> Any:
        hash_to_related: dict[str, list[str]] = super().create_hash_to_related(id_, issuer)
        cost = 1
        for group in hash_to_related.values():
            if len(group) > 20:  # 20! alone is far beyond any sane budget
                cost = self._remaining + 1
                break
            cost += math.factorial(len(group))
        self._remaining -= cost
        if self._remaining < 0:
            raise CanonicalizationLimitError(
                f"canonicalization needs more than {self._max_work} work units"
            )
        return hash_to_related

    def issue_identifiers(self, quads: list[dict[str, Any]]) -> dict[str, str]:
        """RDFC-1.0 §4.4.3 steps 2-6; returns the issued identifiers map (input → ``_:c14nN``)."""
        for quad in quads:  # step 2: each quad listed once per blank node, even for _:x <p> _:x
            for key, term in quad.items():
                if key != "predicate" and term.get("type") == "blank node":
                    refs = self.blank_node_info.setdefault(term["value"], {"quads": []})["quads"]
                    if not refs or refs[-1] is not quad:
                        refs.append(quad)

        # Steps 3-5. pyld repeats step 5 while it issues identifiers, but first-degree hashes never
        # change, so one pass gives the same result (as in the reference implementation).
        hash_to_blank_nodes: dict[str, list[str]] = {}
        for id_ in self.blank_node_info:
            hash_to_blank_nodes.setdefault(self.hash_first_degree_quads(id_), []).append(id_)
        shared: list[list[str]] = []
        for _hash, ids in sorted(hash_to_blank_nodes.items()):
            if len(ids) == 1:
                self.canonical_issuer.get_id(ids[0])
            else:
                shared.append(ids)

        for ids in shared:  # step 6
            results = []
            for id_ in ids:
                if self.canonical_issuer.has_id(id_):
                    continue
                issuer = _Issuer("_:b")
                issuer.get_id(id_)
                results.append(self.hash_n_degree_quads(id_, issuer))
            for result in sorted(results, key=lambda r: str(r["hash"])):
                for existing in result["issuer"].order:
                    self.canonical_issuer.get_id(existing)
        issued: dict[str, str] = dict(self.canonical_issuer.existing)
        return issued
