"""Digital Credentials Query Language (OpenID4VP 1.0 §6) and claims path pointers (§7).

:class:`DcqlQuery` is a validated query (parsing refuses what §6 forbids: duplicate or malformed
ids, ``claim_sets`` without ``claims``, a ``credential_sets`` option naming no query, a path that
is not a claims path pointer). The two sides use it differently:

* the wallet selects, for each credential query, the first held credential that matches (format,
  ``meta``, every requested claim; §6.4), and the claims to disclose (§6.4.1), and from those
  the credential set options (§6.4.2): :func:`select`;
* the verifier checks that the credentials returned are those the query asked for, with the
  claims it asked for (§8.6 step 2.2 and 3): :func:`check_presented`.

Only the formats kr_ovid speaks are accepted in a query: ``dc+sd-jwt`` (Appendix B.3, ``meta``
``vct_values``) and ``ldp_vc`` (Appendix B.1.3, ``meta`` ``type_values``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kr_ovid.errors import ConfigurationError, Refusal
from kr_ovid.problems import ErrorCode, ProblemDetails

__all__ = [
    "FORMATS",
    "ClaimsQuery",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlQuery",
    "select_claims",
]

#: Credential Format Identifiers kr_ovid requests and presents (OpenID4VP Appendix B).
FORMATS = frozenset({"dc+sd-jwt", "ldp_vc"})
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAX_QUERIES = 16
_MAX_CLAIMS = 64
_MAX_PATH = 16

Path = tuple[str | int | None, ...]


def _json(value: Any) -> Any:
    """Tuples (the immutable form kept here) as JSON arrays."""
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    return value


def _bad(detail: str, path: str) -> Refusal:
    return Refusal(ErrorCode.INVALID_REQUEST, "dcql_query: " + detail, path)


def _path(value: object, where: str) -> Path:
    """A claims path pointer (§7): non-empty, strings, nulls and non-negative integers."""
    if not isinstance(value, list) or not 0 < len(value) <= _MAX_PATH:
        raise _bad("path must be a non-empty array", where)
    for item in value:
        ok = (
            item is None
            or isinstance(item, str)
            or (isinstance(item, int) and not isinstance(item, bool) and item >= 0)
        )
        if not ok:
            raise _bad("path items are strings, null or non-negative integers", where)
    return tuple(value)


@dataclass(frozen=True, slots=True)
class ClaimsQuery:
    """One requested claim (§6.3): its ``path`` and, optionally, the values it must have."""

    path: Path
    id: str | None = None
    values: tuple[str | int | bool, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": list(self.path)}
        if self.id is not None:
            out["id"] = self.id
        if self.values is not None:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True, slots=True)
class CredentialQuery:
    """One requested credential (§6.1)."""

    id: str
    format: str
    meta: Mapping[str, Any]
    claims: tuple[ClaimsQuery, ...] | None = None
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    multiple: bool = False
    require_cryptographic_holder_binding: bool = True

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "format": self.format, "meta": _json(self.meta)}
        if self.claims is not None:
            out["claims"] = [c.to_json() for c in self.claims]
        if self.claim_sets is not None:
            out["claim_sets"] = [list(s) for s in self.claim_sets]
        if self.multiple:
            out["multiple"] = True
        if not self.require_cryptographic_holder_binding:
            out["require_cryptographic_holder_binding"] = False
        return out

    def accepts_type(self, vct: object = None, types: Sequence[str] = ()) -> bool:
        """The ``meta`` constraint: ``vct`` in ``vct_values`` (B.3.5), or one ``type_values``
        alternative all present among the credential's (expanded) types (B.1.1)."""
        if self.format == "dc+sd-jwt":
            return isinstance(vct, str) and vct in self.meta.get("vct_values", ())
        return any(set(alt) <= set(types) for alt in self.meta.get("type_values", ()))


@dataclass(frozen=True, slots=True)
class CredentialSetQuery:
    """Alternatives of credential query ids (§6.2); ``required`` defaults to true."""

    options: tuple[tuple[str, ...], ...]
    required: bool = True

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"options": [list(o) for o in self.options]}
        if not self.required:
            out["required"] = False
        return out


@dataclass(frozen=True, slots=True)
class DcqlQuery:
    """A validated DCQL query (§6). Build one in code, or read one with :meth:`from_json`."""

    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] | None = None

    def __post_init__(self) -> None:
        """The same rules for a query built in code as for one read from a request."""
        try:
            _parse(self.to_json())
        except Refusal as exc:
            raise ConfigurationError(str(exc), path=exc.path) from None

    def __getitem__(self, query_id: str) -> CredentialQuery:
        for query in self.credentials:
            if query.id == query_id:
                return query
        raise KeyError(query_id)

    def __contains__(self, query_id: object) -> bool:
        return any(q.id == query_id for q in self.credentials)

    @property
    def ids(self) -> frozenset[str]:
        """The credential query ids."""
        return frozenset(q.id for q in self.credentials)

    def to_json(self) -> dict[str, Any]:
        """The ``dcql_query`` request parameter (§5.1)."""
        out: dict[str, Any] = {"credentials": [c.to_json() for c in self.credentials]}
        if self.credential_sets is not None:
            out["credential_sets"] = [s.to_json() for s in self.credential_sets]
        return out

    @classmethod
    def from_json(cls, value: object) -> DcqlQuery:
        """Parse and validate a ``dcql_query`` (§6); :class:`~kr_ovid.errors.Refusal` with
        ``INVALID_REQUEST`` (or ``VP_FORMATS_NOT_SUPPORTED``) otherwise. Unknown members are
        ignored, as §6 requires."""
        return cls(*_parse(value))

    def satisfied_by(self, ids: set[str]) -> list[ProblemDetails]:
        """§6.4.2 for the returned ids: every required credential set met by one option (or,
        without sets, every query), and nothing returned outside the query's options."""
        problems: list[ProblemDetails] = []
        for extra in sorted(ids - self.ids):
            problems.append(
                ProblemDetails(
                    ErrorCode.CREDENTIAL_NOT_REQUESTED,
                    "a presentation answers no credential query of the request",
                    f"/vp_token/{extra}",
                )
            )
        if self.credential_sets is None:
            for missing in sorted(self.ids - ids):
                problems.append(
                    ProblemDetails(
                        ErrorCode.MISSING_CREDENTIAL,
                        "a requested credential was not presented",
                        f"/vp_token/{missing}",
                    )
                )
            return problems
        for i, cs in enumerate(self.credential_sets):
            if cs.required and not any(set(option) <= ids for option in cs.options):
                problems.append(
                    ProblemDetails(
                        ErrorCode.MISSING_CREDENTIAL,
                        "no option of a required credential set was presented",
                        f"/dcql_query/credential_sets/{i}",
                    )
                )
        # Nothing beyond one option per set: a presentation outside every chosen option was
        # not asked for (a wallet must not return it, §6.4.2).
        chosen: set[str] = set()
        for cs in self.credential_sets:
            met = [set(o) for o in cs.options if set(o) <= ids]
            if met:
                chosen |= met[0]
        for extra in sorted((ids & self.ids) - chosen):
            problems.append(
                ProblemDetails(
                    ErrorCode.CREDENTIAL_NOT_REQUESTED,
                    "a presentation beyond the chosen credential set options",
                    f"/vp_token/{extra}",
                )
            )
        return problems


def _parse(
    value: object,
) -> tuple[tuple[CredentialQuery, ...], tuple[CredentialSetQuery, ...] | None]:
    if not isinstance(value, dict):
        raise _bad("not a JSON object", "/dcql_query")
    raw = value.get("credentials")
    if not isinstance(raw, list) or not 0 < len(raw) <= _MAX_QUERIES:
        raise _bad("credentials must be a non-empty array", "/dcql_query/credentials")
    queries = [_credential_query(c, f"/dcql_query/credentials/{i}") for i, c in enumerate(raw)]
    ids = [q.id for q in queries]
    if len(set(ids)) != len(ids):
        raise _bad("credential query ids repeat", "/dcql_query/credentials")
    sets = None
    if "credential_sets" in value:
        sets = _credential_sets(value["credential_sets"], set(ids))
    return tuple(queries), sets


def _credential_query(value: object, where: str) -> CredentialQuery:
    if not isinstance(value, dict):
        raise _bad("a credential query is a JSON object", where)
    qid = value.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise _bad("id is alphanumeric, '_' or '-'", where + "/id")
    fmt = value.get("format")
    if not isinstance(fmt, str):
        raise _bad("format is required", where + "/format")
    if fmt not in FORMATS:
        raise Refusal(
            ErrorCode.VP_FORMATS_NOT_SUPPORTED, f"format {fmt[:40]!r} is not supported", where
        )
    meta = value.get("meta")
    if not isinstance(meta, dict):
        raise _bad("meta is a required object", where + "/meta")
    if fmt == "dc+sd-jwt":
        vcts = meta.get("vct_values")
        if not isinstance(vcts, list) or not vcts or not all(isinstance(v, str) for v in vcts):
            raise _bad("meta.vct_values is a non-empty array of strings", where + "/meta")
        meta = {"vct_values": tuple(vcts)}
    else:
        alts = meta.get("type_values")
        if (
            not isinstance(alts, list)
            or not alts
            or not all(
                isinstance(a, list) and a and all(isinstance(t, str) for t in a) for a in alts
            )
        ):
            raise _bad("meta.type_values is a non-empty array of string arrays", where + "/meta")
        meta = {"type_values": tuple(tuple(a) for a in alts)}
    flags = {}
    for name, default in (("multiple", False), ("require_cryptographic_holder_binding", True)):
        flag = value.get(name, default)
        if not isinstance(flag, bool):
            raise _bad(f"{name} is a boolean", f"{where}/{name}")
        flags[name] = flag
    claims = None
    if "claims" in value:
        raw = value["claims"]
        if not isinstance(raw, list) or not 0 < len(raw) <= _MAX_CLAIMS:
            raise _bad("claims is a non-empty array", where + "/claims")
        claims = tuple(_claims_query(c, f"{where}/claims/{i}") for i, c in enumerate(raw))
        ids = [c.id for c in claims if c.id is not None]
        if len(set(ids)) != len(ids):
            raise _bad("claim ids repeat", where + "/claims")
    claim_sets = None
    if "claim_sets" in value:
        raw_sets = value["claim_sets"]
        if claims is None:
            raise _bad("claim_sets without claims", where + "/claim_sets")
        known = {c.id for c in claims}
        if (
            not isinstance(raw_sets, list)
            or not raw_sets
            or not all(
                isinstance(s, list) and s and all(isinstance(i, str) and i in known for i in s)
                for s in raw_sets
            )
        ):
            raise _bad("claim_sets are non-empty arrays of claim ids", where + "/claim_sets")
        claim_sets = tuple(tuple(s) for s in raw_sets)
    return CredentialQuery(
        qid,
        fmt,
        meta,
        claims,
        claim_sets,
        flags["multiple"],
        flags["require_cryptographic_holder_binding"],
    )


def _claims_query(value: object, where: str) -> ClaimsQuery:
    if not isinstance(value, dict):
        raise _bad("a claims query is a JSON object", where)
    cid = value.get("id")
    if cid is not None and (not isinstance(cid, str) or not _ID.match(cid)):
        raise _bad("claim id is alphanumeric, '_' or '-'", where + "/id")
    values = value.get("values")
    if values is not None and (
        not isinstance(values, list)
        or not values
        or not all(
            isinstance(v, str | bool) or (isinstance(v, int) and not isinstance(v, bool))
            for v in values
        )
    ):
        raise _bad("values is a non-empty array of strings, integers or booleans", where)
    return ClaimsQuery(
        _path(value.get("path"), where + "/path"),
        cid,
        tuple(values) if values is not None else None,
    )


def _credential_sets(value: object, ids: set[str]) -> tuple[CredentialSetQuery, ...]:
    where = "/dcql_query/credential_sets"
    if not isinstance(value, list) or not value:
        raise _bad("credential_sets is a non-empty array", where)
    out = []
    for i, item in enumerate(value):
        options = item.get("options") if isinstance(item, dict) else None
        if not isinstance(options, list) or not options:
            raise _bad("options is a non-empty array", f"{where}/{i}")
        for option in options:
            if not isinstance(option, list) or not option:
                raise _bad("each option is a non-empty array of ids", f"{where}/{i}")
            if not all(isinstance(x, str) and x in ids for x in option):
                raise _bad("an option names no credential query", f"{where}/{i}")
        required = item.get("required", True)
        if not isinstance(required, bool):
            raise _bad("required is a boolean", f"{where}/{i}/required")
        out.append(CredentialSetQuery(tuple(tuple(o) for o in options), required))
    return tuple(out)


# ----------------------------------------------------------------------------- claims paths


def select_paths(document: Any, path: Path) -> list[tuple[tuple[str | int, ...], Any]]:
    """§7.1 processing: the claims a pointer selects, each with its concrete location.

    Raises :class:`~kr_ovid.errors.Refusal` (``INVALID_REQUEST``) where §7.1 says "abort" (a
    string applied to a non-object, null or an index to a non-array); an empty result is an
    empty list.
    """
    selected: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    for component in path:
        nxt: list[tuple[tuple[str | int, ...], Any]] = []
        for at, node in selected:
            if isinstance(component, str):
                if not isinstance(node, dict):
                    raise _bad("path selects a key of a non-object", "/path")
                if component in node:
                    nxt.append(((*at, component), node[component]))
            else:
                if not isinstance(node, list):
                    raise _bad("path selects an index of a non-array", "/path")
                if component is None:
                    nxt.extend(((*at, i), v) for i, v in enumerate(node))
                elif component < len(node):
                    nxt.append(((*at, component), node[component]))
        selected = nxt
    return selected


def _value_matches(value: Any, wanted: tuple[str | int | bool, ...] | None) -> bool:
    """§6.3 ``values``: type and value both equal one element (``True`` is not ``1``)."""
    if wanted is None:
        return True
    return any(type(value) is type(w) and value == w for w in wanted)


def select_claims(
    query: CredentialQuery, document: Mapping[str, Any]
) -> list[tuple[str | int, ...]] | None:
    """The claim locations to disclose from ``document`` for ``query`` (§6.4.1): every claim of
    ``claims``, or the first ``claim_sets`` option that can be met; ``None`` when the credential
    cannot satisfy the query (then it must not be returned). No ``claims``: nothing selectively
    disclosable is requested (an empty list)."""
    if query.claims is None:
        return []
    found: dict[int, list[tuple[str | int, ...]]] = {}
    for i, claim in enumerate(query.claims):
        try:
            hits = select_paths(document, claim.path)
        except Refusal:
            hits = []
        hits = [(at, v) for at, v in hits if _value_matches(v, claim.values)]
        if hits:
            found[i] = [at for at, _ in hits]
    if query.claim_sets is None:
        if len(found) != len(query.claims):
            return None
        return [at for i in sorted(found) for at in found[i]]
    index = {c.id: i for i, c in enumerate(query.claims)}
    for option in query.claim_sets:
        if all(index[cid] in found for cid in option):
            return [at for cid in option for at in found[index[cid]]]
    return None
