"""JSON Schema (2020-12) validation against the schemas shipped in ``schemas/`` only.

Why this module is strict about *where* schemas come from: a credential names its schema in
``credentialSchema``; if a validator followed that URL (or a remote ``$ref``), whoever serves the
URL would decide what counts as a valid ID. So every schema is loaded from the package's own
``schemas/`` directory, and the ``referencing`` registry's ``retrieve`` hook refuses every URI it
does not already hold.

Why problem details are built by hand: ``jsonschema``'s ``error.message`` quotes the failing
value (a name, a passport number), and ``detail`` must never carry personal data. A problem names
the JSON pointer and the failing keyword, plus schema-side facts (a length limit, a format name).

``pattern`` gets ECMA-262 anchoring: Python's ``$`` also matches before a final newline, so
``"HONG\\n"`` would pass ``^[A-Z]+$`` under ``jsonschema``'s ``re.search``; every ``$`` outside a
character class is matched as ``\\Z`` instead, which is what the schema's ECMA-262 regex means.

Formats are checked by our own strict checkers: ``jsonschema`` silently skips ``date-time`` when
the optional ``rfc3339-validator`` package is missing, and its ``date`` check defers to Python's
lenient ``fromisoformat``.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema import validators as _validators
from jsonschema.exceptions import (
    SchemaError as JsonSchemaSchemaError,
)
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from kr_ovid._resources import _data_dir
from kr_ovid.clock import parse_datetime_stamp
from kr_ovid.errors import ConfigurationError, SchemaError
from kr_ovid.problems import ErrorCode, ProblemDetails

__all__ = [
    "check_credential",
    "load_schema",
    "schemas_by_type",
    "shipped_schema_ids",
    "validate_credential",
]

#: Bound on reported problems: a hostile document must not produce unbounded output.
MAX_PROBLEMS = 100

_PARTIAL_SUFFIX = ".partial.json"
_SAFE_KEY = re.compile(r"^@?[A-Za-z_][A-Za-z0-9_]{0,63}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", re.ASCII)
_LIMIT_KEYWORDS = frozenset(
    {
        "maxLength",
        "minLength",
        "maxItems",
        "minItems",
        "maxProperties",
        "minProperties",
        "maximum",
        "minimum",
        "exclusiveMaximum",
        "exclusiveMinimum",
    }
)


# --------------------------------------------------------------------------- loading


@functools.lru_cache(maxsize=1)
def _local_schemas() -> Mapping[str, Mapping[str, Any]]:
    """Every ``*.json`` under the shipped ``schemas/`` directory, keyed by its ``$id``."""
    return _read_schemas(_data_dir("schemas"))


def _read_schemas(directory: Path) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"schema file {path.name} is unreadable: {type(exc).__name__}"
            ) from None
        schema_id = schema.get("$id") if isinstance(schema, dict) else None
        if not isinstance(schema_id, str) or not schema_id:
            raise ConfigurationError(f"schema file {path.name} has no $id")
        if schema_id in out:
            raise ConfigurationError(f"schema $id {schema_id} is defined twice")
        try:
            Draft202012Validator.check_schema(schema)
        except JsonSchemaSchemaError as exc:
            raise ConfigurationError(
                f"schema file {path.name} is not a valid 2020-12 schema at "
                f"{_pointer(exc.absolute_path)!r}"
            ) from None
        out[schema_id] = schema
    return out


def shipped_schema_ids() -> frozenset[str]:
    """The ``$id`` of every shipped schema: the only schemas a verifier can apply (none is
    ever fetched)."""
    return frozenset(_local_schemas())


def schemas_by_type() -> Mapping[str, str]:
    """Credential type → ``$id`` of the shipped schema that governs it.

    A shipped schema names the credential type it is for in its ``credentialType`` member; a
    verifier validates every credential of that type against it, whatever (or whether) the
    credential's own ``credentialSchema`` says: the type fixes the schema, the document cannot.
    """
    return _governed_types()


@functools.cache
def _governed_types() -> Mapping[str, str]:
    out: dict[str, str] = {}
    for schema_id, schema in _local_schemas().items():
        governed = schema.get("credentialType")
        if isinstance(governed, str):
            if governed in out:
                raise ConfigurationError(f"two shipped schemas govern {governed}")
            out[governed] = schema_id
    return MappingProxyType(out)


def schema_for(document: object) -> str:
    """The shipped schema that governs ``document``'s credential type (``SchemaError`` if none)."""
    types = document.get("type") if isinstance(document, Mapping) else None
    names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    found = sorted(
        {schemas_by_type()[t] for t in names if isinstance(t, str) and t in schemas_by_type()}
    )
    if len(found) != 1:
        raise SchemaError("no single shipped schema governs this credential's type; name schema_id")
    return found[0]


def load_schema(schema_id: str) -> dict[str, Any]:
    """A private copy of a shipped schema (e.g. to read its ``$defs`` enumerations)."""
    return copy.deepcopy(dict(_schema(schema_id)))


def _schema(schema_id: str) -> Mapping[str, Any]:
    schema = _local_schemas().get(schema_id)
    if schema is None:
        raise SchemaError(
            f"schema {schema_id} is not shipped with kr_ovid; remote schemas are refused"
        )
    return schema


def _refuse_remote(uri: str) -> Resource[Any]:
    """``retrieve`` hook: a reference not held locally is never fetched."""
    raise SchemaError(f"remote schema reference refused: {uri}")


def _registry() -> Registry[Any]:
    resources = [
        (sid, Resource.from_contents(dict(s), default_specification=DRAFT202012))
        for sid, s in _local_schemas().items()
    ]
    return Registry(retrieve=_refuse_remote).with_resources(resources)  # type: ignore[call-arg]


def _partial_variant(schema: Mapping[str, Any], schema_id: str) -> dict[str, Any]:
    """The schema for what an SD-JWT presentation discloses.

    Claims a holder may withhold stop being required; claims never selectively disclosed
    (``$defs/subjectClaims.required``) and every value rule stay as they are.
    """
    variant = copy.deepcopy(dict(schema))
    subject = variant.get("$defs", {}).get("credentialSubject")
    if not isinstance(subject, dict):
        raise ConfigurationError(f"schema {schema_id} has no subject definition to relax")
    subject.pop("required", None)
    required = variant.get("required")
    if isinstance(required, list):
        variant["required"] = [name for name in required if name != "evidence"]
    variant["$id"] = schema_id.removesuffix(".json") + _PARTIAL_SUFFIX
    return variant


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date")(_is_date)
    checker.checks("date-time")(_is_date_time)
    return checker


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or parse_datetime_stamp(value) is not None


@functools.lru_cache(maxsize=256)
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    """Compile a schema ``pattern`` with ECMA-262 end anchoring (``$`` never before a newline)."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        i += 1
    return re.compile("".join(out))


def _pattern_keyword(
    validator: Any, pattern: str, instance: object, schema: Mapping[str, Any]
) -> Iterable[ValidationError]:
    if isinstance(instance, str) and not _ecma_regex(pattern).search(instance):
        yield ValidationError("string does not match the schema pattern")


_StrictValidator = _validators.extend(Draft202012Validator, {"pattern": _pattern_keyword})


@functools.lru_cache(maxsize=16)
def _validator(schema_id: str, partial: bool) -> Any:
    """Compiled validators are immutable, so one per (schema, variant) is shared."""
    schema: Mapping[str, Any] = _schema(schema_id)
    registry = _registry()
    if partial:
        schema = _partial_variant(schema, schema_id)
        registry = registry.with_resource(
            schema["$id"], Resource.from_contents(dict(schema), default_specification=DRAFT202012)
        )
    return _StrictValidator(
        _inline_local_refs(schema), registry=registry, format_checker=_format_checker()
    )


def _inline_local_refs(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with every ``#/$defs/…`` reference replaced by its definition.

    Same meaning (2020-12 ``$ref`` with siblings is an ``allOf``), but validation no longer
    resolves a reference per value: that lookup was most of a presentation's schema check.
    A recursive definition keeps its ``$ref``.
    """
    defs: Mapping[str, Any] = schema.get("$defs", {})

    def walk(node: Any, expanding: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(item, expanding) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        prefix = "#/$defs/"
        if isinstance(ref, str) and ref.startswith(prefix):
            name = ref[len(prefix) :]
            if name in defs and "/" not in name and "~" not in name and name not in expanding:
                target = walk(defs[name], (*expanding, name))
                rest = {k: walk(v, expanding) for k, v in node.items() if k != "$ref"}
                if not rest:
                    return target
                return {**rest, "allOf": [*rest.get("allOf", []), target]}
        return {k: walk(v, expanding) for k, v in node.items()}

    return dict(walk(dict(schema), ()))


# --------------------------------------------------------------------------- validation


def validate_credential(
    document: object,
    *,
    schema_id: str | None = None,
    partial: bool = False,
) -> list[ProblemDetails]:
    """Validate ``document`` against a shipped schema; an empty list means valid.

    Each problem is a ``MALFORMED_VALUE_ERROR`` whose ``path`` is the JSON pointer of the failing
    location (for a missing or unexpected property, the pointer of that property). ``partial``
    validates what a selective-disclosure presentation reveals: withheld claims are not missing,
    but every disclosed value must still be valid.

    ``schema_id`` defaults to the schema that governs the document's credential type
    (:func:`schema_for`).

    Raises :class:`~kr_ovid.errors.SchemaError` only when the schema itself cannot be used
    (unknown ``schema_id``, no governing schema, a reference outside the shipped schemas).
    """
    validator = _validator(schema_id or schema_for(document), partial)
    try:
        errors = list(itertools.islice(validator.iter_errors(document), MAX_PROBLEMS))
    except Unresolvable as exc:
        raise SchemaError(f"schema reference not available locally: {exc.ref}") from None
    problems: dict[tuple[str, str], ProblemDetails] = {}
    for error in errors:
        for problem in itertools.chain.from_iterable(map(_problems, _leaves(error))):
            problems.setdefault((problem.path or "", problem.detail), problem)
    return [problems[key] for key in sorted(problems)][:MAX_PROBLEMS]


def check_credential(
    document: object,
    *,
    schema_id: str | None = None,
    partial: bool = False,
) -> None:
    """Like :func:`validate_credential`, raising :class:`SchemaError` (``path`` = first failure)."""
    problems = validate_credential(document, schema_id=schema_id, partial=partial)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SchemaError(f"{first.detail}{more}", path=first.path)


def _leaves(error: ValidationError) -> list[ValidationError]:
    """Errors that explain an ``anyOf``/``oneOf`` failure at the deepest useful pointer.

    When exactly one branch accepts the instance's JSON type (object vs. array forms of
    ``evidence``, ``credentialStatus``...), all of that branch's errors are reported; otherwise
    ``jsonschema``'s own best match.
    """
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches: dict[object, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    typed = [
        subs
        for subs in branches.values()
        if not any(s.validator == "type" and not s.relative_path for s in subs)
    ]
    if len(typed) == 1:
        return [leaf for sub in typed[0] for leaf in _leaves(sub)]
    best: ValidationError | None = best_match([error])
    return [error if best is None else best]


def _problems(error: ValidationError) -> Iterable[ProblemDetails]:
    keyword = str(error.validator)
    base = _pointer(error.absolute_path)
    instance = error.instance
    if keyword in ("required", "dependentRequired") and isinstance(instance, Mapping):
        for name in _missing(keyword, error.validator_value, instance):
            yield _problem(f"{base}/{_escape(name)}", keyword, "required property is missing")
        return
    if keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(
        instance, Mapping
    ):
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        for key in instance:
            if key in allowed:
                continue
            if isinstance(key, str) and _SAFE_KEY.match(key):
                yield _problem(f"{base}/{_escape(key)}", keyword, "property is not allowed")
            else:
                yield _problem(base, keyword, "property is not allowed (name withheld)")
        return
    yield _problem(base, keyword, _explain(keyword, error.validator_value))


def _missing(keyword: str, rule: object, instance: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    if keyword == "required" and isinstance(rule, Sequence):
        names = [n for n in rule if isinstance(n, str)]
    elif keyword == "dependentRequired" and isinstance(rule, Mapping):
        for trigger, deps in rule.items():
            if trigger in instance and isinstance(deps, Sequence):
                names.extend(d for d in deps if isinstance(d, str))
    return [n for n in names if n not in instance]


def _explain(keyword: str, rule: object) -> str:
    """Schema-side explanation; never derived from the instance."""
    if keyword == "type":
        return f"expected type {rule}"
    if keyword == "format":
        return f"not a valid {rule}"
    if keyword == "pattern":
        return "does not match the required pattern"
    if keyword in ("enum", "const"):
        return "not an allowed value"
    if keyword == "not":
        return "has a form the schema forbids"
    if keyword in _LIMIT_KEYWORDS and isinstance(rule, int | float):
        return f"violates {keyword} {rule}"
    if keyword in ("anyOf", "oneOf"):
        return "matches none of the allowed forms"
    if keyword in ("items", "prefixItems", "contains", "uniqueItems"):
        return "array content is not allowed"
    return "does not satisfy the schema"


def _problem(pointer: str, keyword: str, explanation: str) -> ProblemDetails:
    where = pointer or "(document root)"
    return ProblemDetails(
        code=ErrorCode.MALFORMED_VALUE_ERROR,
        title="schema validation failed",
        detail=f"{where}: {explanation} ({keyword!r})",
        path=pointer,
    )


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _pointer(path: Iterable[object]) -> str:
    """RFC 6901 JSON pointer; ``""`` is the whole document."""
    return "".join("/" + _escape(token) for token in path)
