"""The service's configuration: one TOML file (``--config``), command-line flags on top, read into
one frozen, typed :class:`ServiceConfig`.

Why frozen and checked up front: a service that starts must be able to serve as configured. Every
value is checked here (types, ranges, files that must exist, options that go together), and a
mistake is a :class:`~kr_ovid.errors.ConfigurationError` naming the TOML key, before a socket is
bound or a key is loaded. Unknown keys are refused too: a misspelt ``[auth]`` key must not leave an
operator route open.

The file (every section and key is optional; ``docs/deployment.md`` has a full example)::

    [server]     host, port, public_url, workers, test_mode, graceful_shutdown_seconds,
                 log_level
    [tls]        cert, key, client_ca          (client_ca: operators may use client certificates)
    [auth]       bearer_token_sha256 = [hex, ...], bearer_token_file,
                 client_cert_subjects = ["CN=...", ...]
    [limits]     max_body_bytes, max_json_depth, rate_per_second, rate_burst, max_concurrency
    [issuer]     key_file | signer_factory | seed (test mode only), cryptosuite, mission,
                 missions_file
    [status]     store ("sqlite" | "postgres"), path, dsn_env, schema, list_size,
                 list_validity_hours, list_ttl_minutes
    [challenges] path, ttl_seconds
    [verifier]   did_documents (directory), status_lists (directory), trust
                 ("none" | "trust-list" | "test"), trust_list, root_did, validate_schema,
                 accept_unknown_challenges, jsonld ("strict" | "expanded")
    [publish]    did_documents (directory), trust_list (file)
    [oid4vp]     enabled, policies, response_modes, request_ttl_seconds,
                 backend_token_sha256 = [hex, ...], backend_token_file
    [oid4vci]    enabled, offer_store, path, batch_size

Secrets never live in the file: bearer tokens appear only as SHA-256 digests (or in a separate
file of mode 0600), the PostgreSQL DSN comes from an environment variable named by ``dsn_env``,
and the issuer's key from its own key file.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from kr_ovid.errors import ConfigurationError
from kr_ovid.jsonld.expanded import JsonLdForm
from kr_ovid.status.bitstring import MIN_LIST_LENGTH
from kr_ovid.status.store import DEFAULT_LIST_SIZE, MAX_LIST_SIZE
from kr_ovid.suites import DEFAULT_CRYPTOSUITE, SUITES

__all__ = [
    "AuthConfig",
    "ChallengeConfig",
    "IssuerConfig",
    "LimitsConfig",
    "Oid4vciConfig",
    "Oid4vpConfig",
    "PublishConfig",
    "ServiceConfig",
    "StatusConfig",
    "TlsConfig",
    "VerifierConfig",
    "load_config",
]

_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
_HEX_SEED = re.compile(r"[0-9a-fA-F]{64}")
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,127}")
_IMPORT_STRING = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")
MAX_WORKERS: Final = 64
TrustMode = Literal["none", "trust-list", "test"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsConfig:
    """HTTPS: the server's certificate chain and key (PEM); with ``client_ca``, clients may
    present a certificate issued by that CA (operators authenticate with it, see
    :class:`AuthConfig`). TLS may also end at a reverse proxy in front (``docs/deployment.md``)."""

    cert: Path
    key: Path
    client_ca: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthConfig:
    """Who may call the operator routes (issue, status changes). The verify routes are open.

    ``bearer_token_sha256``: hex SHA-256 digests of the accepted tokens (the file holds no
    secret). ``client_cert_subjects``: RFC 4514 subject names of accepted client certificates
    (needs ``[tls] client_ca``). With neither, operator routes answer 401 to everyone, except in
    test mode, where they are open (and every response says so).
    """

    bearer_token_sha256: tuple[str, ...] = ()
    client_cert_subjects: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.bearer_token_sha256 or self.client_cert_subjects)


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitsConfig:
    """Bounds on every request: body bytes, JSON nesting, requests per second per client address
    (token bucket of ``rate_burst``), requests in flight per worker."""

    max_body_bytes: int = 256 * 1024
    max_json_depth: int = 32
    rate_per_second: float = 50.0
    rate_burst: int = 100
    max_concurrency: int = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuerConfig:
    """The issuing identity: a key file (its controller DID is the issuer), or in test mode a
    did:key from ``seed`` (64 hex characters) or a fresh one. ``mission``: the code of the
    mission (``missions.json``) this issuer is; it then also issues the overseas-national ID
    from claims."""

    key_file: Path | None = None
    seed: str | None = field(default=None, repr=False)
    cryptosuite: str = DEFAULT_CRYPTOSUITE
    mission: str | None = None
    #: The missions registry (``missions.json`` format); default: the one shipped.
    missions_file: Path | None = None
    #: ``"package.module:function"``: called with the :class:`ServiceConfig`, returns the
    #: :class:`~kr_ovid.keys.Signer` (an HSM or KMS key); replaces ``key_file``.
    signer_factory: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusConfig:
    """The status store shared by every worker: one SQLite file, or a PostgreSQL schema whose
    DSN is read from the environment variable ``dsn_env``."""

    store: Literal["sqlite", "postgres"] = "sqlite"
    path: Path | None = None
    dsn_env: str = "KR_OVID_PG_DSN"
    schema: str = "kr_ovid_status"
    list_size: int = DEFAULT_LIST_SIZE
    list_validity_hours: float = 48.0
    list_ttl_minutes: float = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ChallengeConfig:
    """One-time challenges for ``POST /challenges``: a SQLite file shared by the workers."""

    path: Path | None = None
    ttl_seconds: int = 300


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifierConfig:
    """How the verify routes decide. DIDs other than did:key resolve only from
    ``did_documents`` (and the service's own); status lists other than the service's own come
    only from ``status_lists`` (files of list credentials); nothing is fetched from the network.

    ``trust``: ``"trust-list"`` (issuers must be accredited by the root-signed ``trust_list``),
    ``"none"`` (the generic VC-API verifier: data model, proofs, validity, status; who issued is
    the caller's decision), ``"test"`` (test mode only: did:key issuers count as trusted).
    """

    did_documents: Path | None = None
    status_lists: Path | None = None
    #: Unset in the file: ``"test"`` in test mode, else ``"none"`` (filled in by :func:`finish`).
    trust: TrustMode | None = None
    trust_list: Path | None = None
    root_did: str | None = None
    #: A ``challenge`` in ``POST /presentations/verify`` that ``POST /challenges`` did not issue
    #: (or that was used already) is refused, unless this is set; unset in the file, it is set
    #: in test mode only (the W3C suites make up their own challenges).
    accept_unknown_challenges: bool | None = None
    #: How the verify and issue routes read JSON-LD: ``"strict"`` (only the plain compacted form
    #: of the pinned contexts) or ``"expanded"`` (also a document with inline contexts, decided
    #: on its pinned view, :mod:`kr_ovid.jsonld.expanded`). Unset in the file: ``"expanded"``
    #: in test mode (the W3C suites send inline contexts), else ``"strict"``.
    jsonld: JsonLdForm | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishConfig:
    """What the service publishes besides its status lists: DID documents (served at their
    did:web paths when those lie under ``public_url``) and the root-signed trust list."""

    did_documents: Path | None = None
    trust_list: Path | None = None


#: OpenID4VP response modes (§8.2, §8.3), the same names as ``kr_ovid.oid4vp.RESPONSE_MODES``.
OID4VP_RESPONSE_MODES: Final = ("direct_post", "direct_post.jwt")


@dataclass(frozen=True, slots=True, kw_only=True)
class Oid4vpConfig:
    """The OpenID4VP routes (``/oid4vp/...``): the service asks wallets for presentations.

    Requests are signed with the service's own key (``[issuer]``: its DID is the
    ``decentralized_identifier`` client identifier). ``policies``: the named purposes offered
    (``gov24-login``, ``age-check``, …; empty: all). ``backend_token_sha256`` /
    ``backend_token_file``: who may create requests and read their results (the service's web
    backend), configured as for ``[auth]``; without one the backend routes are open in test
    mode only. Transactions live in the worker's memory, so the routes need one worker.
    """

    enabled: bool = False
    policies: tuple[str, ...] = ()
    response_modes: tuple[str, ...] = OID4VP_RESPONSE_MODES
    request_ttl_seconds: int = 300
    backend_token_sha256: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Oid4vciConfig:
    """The OpenID4VCI routes: a mission's service issues the ID to wallets (needs ``[issuer]
    mission``). The Credential Issuer Identifier is ``public_url`` + ``path``; ``offer_store``
    is the SQLite file ``kr-ovid offer --db`` writes (in test mode it may be left out: offers
    then live in the worker's memory); ``batch_size`` the most copies one request may ask."""

    enabled: bool = False
    offer_store: Path | None = None
    path: str = "/oid4vci"
    batch_size: int = 10

    def issuer_identifier(self, base_url: str) -> str:
        """The Credential Issuer Identifier (OpenID4VCI §12.2.1) of a service at ``base_url``."""
        return base_url.rstrip("/") + self.path


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceConfig:
    """Everything ``kr-ovid serve`` runs with. Build it with :func:`load_config`."""

    host: str = "127.0.0.1"
    port: int = 8443
    public_url: str | None = None
    workers: int = 1
    test_mode: bool = False
    graceful_shutdown_seconds: int = 30
    log_level: str = "info"
    tls: TlsConfig | None = None
    auth: AuthConfig = field(default_factory=AuthConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    issuer: IssuerConfig = field(default_factory=IssuerConfig)
    status: StatusConfig = field(default_factory=StatusConfig)
    challenges: ChallengeConfig = field(default_factory=ChallengeConfig)
    verifier: VerifierConfig = field(default_factory=VerifierConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)
    oid4vp: Oid4vpConfig = field(default_factory=Oid4vpConfig)
    oid4vci: Oid4vciConfig = field(default_factory=Oid4vciConfig)
    #: Where the file was read from ("" when built from flags only); relative paths in the
    #: file are resolved against its directory.
    source: str = ""

    @property
    def scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    def base_url(self) -> str:
        """``public_url`` without a trailing slash (it is always set after :func:`load_config`)."""
        if self.public_url is None:
            raise ConfigurationError("public_url is not set")
        return self.public_url.rstrip("/")


_LIMITS: Final = LimitsConfig()
_STATUS: Final = StatusConfig()

# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------
_SECTIONS: Final = {
    "server": {
        "host",
        "port",
        "public_url",
        "workers",
        "test_mode",
        "graceful_shutdown_seconds",
        "log_level",
    },
    "tls": {"cert", "key", "client_ca"},
    "auth": {"bearer_token_sha256", "bearer_token_file", "client_cert_subjects"},
    "limits": {
        "max_body_bytes",
        "max_json_depth",
        "rate_per_second",
        "rate_burst",
        "max_concurrency",
    },
    "issuer": {"key_file", "seed", "cryptosuite", "mission", "missions_file", "signer_factory"},
    "status": {
        "store",
        "path",
        "dsn_env",
        "schema",
        "list_size",
        "list_validity_hours",
        "list_ttl_minutes",
    },
    "challenges": {"path", "ttl_seconds"},
    "verifier": {
        "did_documents",
        "status_lists",
        "trust",
        "trust_list",
        "root_did",
        "accept_unknown_challenges",
        "jsonld",
    },
    "publish": {"did_documents", "trust_list"},
    "oid4vp": {
        "enabled",
        "policies",
        "response_modes",
        "request_ttl_seconds",
        "backend_token_sha256",
        "backend_token_file",
    },
    "oid4vci": {"enabled", "offer_store", "path", "batch_size"},
}
_LOG_LEVELS: Final = ("critical", "error", "warning", "info", "debug")


class _Reader:
    """Typed access to one TOML table, each error naming ``[section] key``."""

    def __init__(self, section: str, table: Mapping[str, Any], base: Path) -> None:
        unknown = sorted(set(table) - _SECTIONS[section])
        if unknown:
            raise ConfigurationError(f"[{section}] unknown key: {unknown[0]}")
        self.section = section
        self.table = table
        self.base = base

    def where(self, key: str) -> str:
        return f"[{self.section}] {key}"

    def get(self, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        if key not in self.table:
            return default
        value = self.table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise ConfigurationError(f"{self.where(key)} must be {_kind_name(kinds)}")
        if not isinstance(value, kinds):
            raise ConfigurationError(f"{self.where(key)} must be {_kind_name(kinds)}")
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value: int = self.get(key, int, default)
        if not low <= value <= high:
            raise ConfigurationError(f"{self.where(key)} must be in {low}..{high}")
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = float(self.get(key, (int, float), default))
        if not low <= value <= high:
            raise ConfigurationError(f"{self.where(key)} must be in {low}..{high}")
        return value

    def text(self, key: str, default: str | None = None) -> str | None:
        value: str | None = self.get(key, str, default)
        if value is not None and (not value or not value.isprintable()):
            raise ConfigurationError(f"{self.where(key)} must be one line of printable text")
        return value

    def path(self, key: str, *, must_exist: bool = False, directory: bool = False) -> Path | None:
        text = self.text(key)
        if text is None:
            return None
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.base / path
        if must_exist:
            check_exists(path, self.where(key), directory=directory)
        return path

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, list, [])
        if not all(isinstance(v, str) and v and v.isprintable() for v in value):
            raise ConfigurationError(f"{self.where(key)} must be a list of non-empty strings")
        return tuple(value)


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def check_exists(path: Path, where: str, *, directory: bool = False) -> None:
    """A file (or directory) the service needs at start: refused now, with the key's name."""
    if directory and not path.is_dir():
        raise ConfigurationError(f"{where}: {path} is not a directory")
    if not directory and not path.is_file():
        raise ConfigurationError(f"{where}: {path} is not a readable file")


def _check_public_url(url: str, where: str) -> str:
    """An absolute http(s) URL with a host and optionally a path; nothing else, since it is
    written into signed credentials (status list URLs, DIDs)."""
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or "#" in url
        or "?" in url
        or any(c.isspace() for c in url)
    ):
        raise ConfigurationError(f"{where} must be http(s)://host[:port][/path], nothing else")
    return url.rstrip("/")


def _check_host(host: str, where: str) -> str:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not re.fullmatch(r"[A-Za-z0-9.-]{1,253}", host):
            raise ConfigurationError(f"{where} must be an IP address or a host name") from None
    return host


def _token_digests(reader: _Reader, prefix: str = "bearer") -> tuple[str, ...]:
    """The digests of ``{prefix}_token_sha256`` and of the tokens in ``{prefix}_token_file``."""
    digest_key, file_key = f"{prefix}_token_sha256", f"{prefix}_token_file"
    digests = [d.lower() for d in reader.strings(digest_key)]
    for d in digests:
        if not _HEX_DIGEST.fullmatch(d):
            raise ConfigurationError(
                f"{reader.where(digest_key)}: each entry is 64 hex characters "
                "(the SHA-256 of a token, never the token itself)"
            )
    token_file = reader.path(file_key, must_exist=True)
    if token_file is not None:
        if token_file.stat().st_mode & 0o077:
            raise ConfigurationError(
                f"{reader.where(file_key)}: {token_file} must not be readable by "
                "group or others (chmod 600)"
            )
        for line in token_file.read_text(encoding="utf-8").splitlines():
            token = line.strip()
            if token and not token.startswith("#"):
                digests.append(token_digest(token))
    return tuple(dict.fromkeys(digests))


def _trust_mode(value: str | None) -> TrustMode | None:
    if value is None or value == "none":
        return None if value is None else "none"
    if value == "trust-list":
        return "trust-list"
    if value == "test":
        return "test"
    raise ConfigurationError("[verifier] trust must be 'none', 'trust-list' or 'test'")


def _jsonld_form(value: str | None) -> JsonLdForm | None:
    if value is None:
        return None
    if value == "strict":
        return "strict"
    if value == "expanded":
        return "expanded"
    raise ConfigurationError("[verifier] jsonld must be 'strict' or 'expanded'")


def token_digest(token: str) -> str:
    """The hex SHA-256 under which a bearer token is configured and compared."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _section(data: Mapping[str, Any], name: str, base: Path) -> _Reader:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"[{name}] must be a table")
    return _Reader(name, table, base)


def parse_config(data: Mapping[str, Any], *, base: Path, source: str = "") -> ServiceConfig:
    """A :class:`ServiceConfig` from parsed TOML; relative paths resolve against ``base``."""
    unknown = sorted(set(data) - set(_SECTIONS))
    if unknown:
        raise ConfigurationError(f"unknown section [{unknown[0]}]")
    server = _section(data, "server", base)
    test_mode = bool(server.get("test_mode", bool, False))
    host = _check_host(server.text("host", "127.0.0.1") or "127.0.0.1", server.where("host"))
    public_url = server.text("public_url")
    log_level = server.text("log_level", "info") or "info"
    if log_level not in _LOG_LEVELS:
        raise ConfigurationError(f"[server] log_level must be one of {', '.join(_LOG_LEVELS)}")

    tls_reader = _section(data, "tls", base)
    tls = None
    if tls_reader.table:
        cert = tls_reader.path("cert", must_exist=True)
        key = tls_reader.path("key", must_exist=True)
        if cert is None or key is None:
            raise ConfigurationError("[tls] needs both cert and key")
        tls = TlsConfig(cert=cert, key=key, client_ca=tls_reader.path("client_ca", must_exist=True))

    auth_reader = _section(data, "auth", base)
    auth = AuthConfig(
        bearer_token_sha256=_token_digests(auth_reader),
        client_cert_subjects=auth_reader.strings("client_cert_subjects"),
    )

    lim = _section(data, "limits", base)
    limits = LimitsConfig(
        max_body_bytes=lim.integer("max_body_bytes", _LIMITS.max_body_bytes, 1024, 16 << 20),
        max_json_depth=lim.integer("max_json_depth", _LIMITS.max_json_depth, 4, 64),
        rate_per_second=lim.number("rate_per_second", _LIMITS.rate_per_second, 0.1, 1e6),
        rate_burst=lim.integer("rate_burst", _LIMITS.rate_burst, 1, 1_000_000),
        max_concurrency=lim.integer("max_concurrency", _LIMITS.max_concurrency, 1, 10_000),
    )

    iss = _section(data, "issuer", base)
    issuer = IssuerConfig(
        key_file=iss.path("key_file", must_exist=True),
        seed=iss.text("seed"),
        cryptosuite=iss.text("cryptosuite", DEFAULT_CRYPTOSUITE) or DEFAULT_CRYPTOSUITE,
        mission=iss.text("mission"),
        missions_file=iss.path("missions_file", must_exist=True),
        signer_factory=iss.text("signer_factory"),
    )

    st = _section(data, "status", base)
    store = st.text("store", "sqlite")
    if store not in ("sqlite", "postgres"):
        raise ConfigurationError("[status] store must be 'sqlite' or 'postgres'")
    status = StatusConfig(
        store="sqlite" if store == "sqlite" else "postgres",
        path=st.path("path"),
        dsn_env=st.text("dsn_env", _STATUS.dsn_env) or _STATUS.dsn_env,
        schema=st.text("schema", _STATUS.schema) or _STATUS.schema,
        list_size=st.integer("list_size", DEFAULT_LIST_SIZE, MIN_LIST_LENGTH, MAX_LIST_SIZE),
        list_validity_hours=st.number("list_validity_hours", 48.0, 0.1, 24 * 366),
        list_ttl_minutes=st.number("list_ttl_minutes", 5.0, 0.0, 24 * 60),
    )

    ch = _section(data, "challenges", base)
    challenges = ChallengeConfig(
        path=ch.path("path"), ttl_seconds=ch.integer("ttl_seconds", 300, 10, 86_400)
    )

    ver = _section(data, "verifier", base)
    trust = ver.text("trust")
    verifier = VerifierConfig(
        did_documents=ver.path("did_documents", must_exist=True, directory=True),
        status_lists=ver.path("status_lists", must_exist=True, directory=True),
        trust=_trust_mode(trust),
        trust_list=ver.path("trust_list", must_exist=True),
        root_did=ver.text("root_did"),
        accept_unknown_challenges=ver.get("accept_unknown_challenges", bool, None),
        jsonld=_jsonld_form(ver.text("jsonld")),
    )

    pub = _section(data, "publish", base)
    publish = PublishConfig(
        did_documents=pub.path("did_documents", must_exist=True, directory=True),
        trust_list=pub.path("trust_list", must_exist=True),
    )

    config = ServiceConfig(
        oid4vp=_oid4vp(_section(data, "oid4vp", base)),
        oid4vci=_oid4vci(_section(data, "oid4vci", base)),
        host=host,
        port=server.integer("port", 8443, 0, 65535),
        public_url=public_url,
        workers=server.integer("workers", 1, 1, MAX_WORKERS),
        test_mode=test_mode,
        graceful_shutdown_seconds=server.integer("graceful_shutdown_seconds", 30, 0, 3600),
        log_level=log_level,
        tls=tls,
        auth=auth,
        limits=limits,
        issuer=issuer,
        status=status,
        challenges=challenges,
        verifier=verifier,
        publish=publish,
        source=source,
    )
    return config


def _oid4vp(reader: _Reader) -> Oid4vpConfig:
    from kr_ovid.ovid.services import NAMED_PURPOSES

    policies = reader.strings("policies")
    unknown = [p for p in policies if p not in NAMED_PURPOSES]
    if unknown:
        raise ConfigurationError(
            f"{reader.where('policies')}: unknown policy {unknown[0]!r}; "
            f"known: {', '.join(NAMED_PURPOSES)}"
        )
    modes = reader.strings("response_modes") or OID4VP_RESPONSE_MODES
    if any(m not in OID4VP_RESPONSE_MODES for m in modes):
        raise ConfigurationError(
            f"{reader.where('response_modes')} must name {' and/or '.join(OID4VP_RESPONSE_MODES)}"
        )
    return Oid4vpConfig(
        enabled=bool(reader.get("enabled", bool, False)),
        policies=tuple(dict.fromkeys(policies)),
        response_modes=tuple(dict.fromkeys(modes)),
        request_ttl_seconds=reader.integer("request_ttl_seconds", 300, 30, 3600),
        backend_token_sha256=_token_digests(reader, "backend"),
    )


def _oid4vci(reader: _Reader) -> Oid4vciConfig:
    path = reader.text("path", "/oid4vci") or "/oid4vci"
    if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", path):
        raise ConfigurationError(
            f"{reader.where('path')} must be a URL path such as /oid4vci (no trailing slash)"
        )
    return Oid4vciConfig(
        enabled=bool(reader.get("enabled", bool, False)),
        offer_store=reader.path("offer_store"),
        path=path,
        batch_size=reader.integer("batch_size", 10, 1, 100),
    )


def load_config(path: str | os.PathLike[str] | None = None, **overrides: Any) -> ServiceConfig:
    """Read ``path`` (TOML) if given, apply ``overrides`` (the command-line flags, by field name
    of :class:`ServiceConfig`; ``None`` means "not given"), fill the defaults that depend on
    others (``public_url``, store paths) and check the whole. Every problem is a
    ``ConfigurationError`` naming the key or flag."""
    data: dict[str, Any] = {}
    base = Path.cwd()
    source = ""
    if path is not None:
        file = Path(path)
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"--config {file}: cannot read it ({exc.strerror})") from None
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(f"--config {file}: not valid TOML ({exc})") from None
        base = file.resolve().parent
        source = str(file)
    config = parse_config(data, base=base, source=source)
    given = {k: v for k, v in overrides.items() if v is not None}
    tls_cert, tls_key = given.pop("tls_cert", None), given.pop("tls_key", None)
    if (tls_cert is None) != (tls_key is None):
        raise ConfigurationError("--tls-cert and --tls-key go together")
    if tls_cert is not None and tls_key is not None:
        cert, key = Path(tls_cert), Path(tls_key)
        check_exists(cert, "--tls-cert")
        check_exists(key, "--tls-key")
        client_ca = config.tls.client_ca if config.tls is not None else None
        given["tls"] = TlsConfig(cert=cert, key=key, client_ca=client_ca)
    unknown = set(given) - set(ServiceConfig.__dataclass_fields__)
    if unknown:
        raise ConfigurationError(f"unknown setting: {sorted(unknown)[0]}")
    if "host" in given:
        _check_host(given["host"], "--host")
    if "port" in given and not 0 <= given["port"] <= 65535:
        raise ConfigurationError("--port must be in 0..65535")
    if "workers" in given and not 1 <= given["workers"] <= MAX_WORKERS:
        raise ConfigurationError(f"--workers must be in 1..{MAX_WORKERS}")
    config = replace(config, **given)
    return finish(config)


def finish(config: ServiceConfig) -> ServiceConfig:
    """The defaults that depend on other settings, and the rules that span sections."""
    if config.public_url is None:
        if config.port == 0:
            # The URL would name a port only known once bound: the runner fills it in then.
            pass
        else:
            host = f"[{config.host}]" if ":" in config.host else config.host
            config = replace(config, public_url=f"{config.scheme}://{host}:{config.port}")
    else:
        config = replace(config, public_url=_check_public_url(config.public_url, "public_url"))
    if config.issuer.cryptosuite not in SUITES:
        raise ConfigurationError(f"[issuer] cryptosuite must be one of {', '.join(sorted(SUITES))}")
    if config.issuer.seed is not None:
        if not config.test_mode:
            raise ConfigurationError(
                "[issuer] seed is for test mode only (a real issuer key lives in key_file)"
            )
        if not _HEX_SEED.fullmatch(config.issuer.seed):
            raise ConfigurationError("[issuer] seed must be 64 hex characters (32 bytes)")
    sources = [config.issuer.key_file, config.issuer.seed, config.issuer.signer_factory]
    if sum(s is not None for s in sources) > 1:
        raise ConfigurationError(
            "[issuer] key_file, signer_factory and seed are alternatives; give one"
        )
    if config.issuer.signer_factory is not None and not _IMPORT_STRING.fullmatch(
        config.issuer.signer_factory
    ):
        raise ConfigurationError("[issuer] signer_factory must be 'package.module:function'")
    if (
        not config.test_mode
        and config.issuer.key_file is None
        and (config.issuer.signer_factory is None)
    ):
        raise ConfigurationError(
            "[issuer] key_file is required outside test mode (or signer_factory, "
            "or run with --test-mode)"
        )
    if config.status.store == "postgres":
        if not _ENV_NAME.fullmatch(config.status.dsn_env):
            raise ConfigurationError("[status] dsn_env must name an environment variable")
        if not _SCHEMA_NAME.fullmatch(config.status.schema):
            raise ConfigurationError("[status] schema must be a lower-case SQL identifier")
        if config.status.path is not None:
            raise ConfigurationError("[status] path is for the sqlite store only")
    if config.verifier.trust is None:
        mode: TrustMode = "test" if config.test_mode else "none"
        config = replace(config, verifier=replace(config.verifier, trust=mode))
    if config.verifier.jsonld is None:
        form: JsonLdForm = "expanded" if config.test_mode else "strict"
        config = replace(config, verifier=replace(config.verifier, jsonld=form))
    if config.verifier.accept_unknown_challenges is None:
        verifier = replace(config.verifier, accept_unknown_challenges=config.test_mode)
        config = replace(config, verifier=verifier)
    if config.verifier.trust == "test" and not config.test_mode:
        raise ConfigurationError("[verifier] trust = 'test' needs test mode")
    if config.verifier.trust == "trust-list" and (
        config.verifier.trust_list is None or config.verifier.root_did is None
    ):
        raise ConfigurationError("[verifier] trust = 'trust-list' needs trust_list and root_did")
    if config.status.store == "sqlite" and config.status.path is None:
        if not config.test_mode:
            raise ConfigurationError(
                "[status] path is required outside test mode (a store that forgets its "
                "allocations would hand an index out again after a restart)"
            )
        if config.workers > 1:
            raise ConfigurationError(
                "[status] path is required with several workers (they share it)"
            )
    if config.challenges.path is None and config.workers > 1:
        if config.status.store != "sqlite" or config.status.path is None:
            raise ConfigurationError("[challenges] path is required with several workers")
        shared = config.status.path.with_name("challenges.sqlite3")
        config = replace(config, challenges=replace(config.challenges, path=shared))
    if config.auth.client_cert_subjects and (config.tls is None or config.tls.client_ca is None):
        raise ConfigurationError("[auth] client_cert_subjects needs [tls] client_ca")
    _check_protocols(config)
    real_key = config.issuer.key_file is not None or config.issuer.signer_factory is not None
    if config.test_mode and real_key and not config.auth.configured:
        # Test mode opens the operator routes to everyone: never with a real issuing key.
        raise ConfigurationError(
            "test mode with [issuer] key_file or signer_factory needs [auth] credentials: "
            "the operator routes would let anyone sign with that key"
        )
    if not config.test_mode and not config.auth.configured:
        raise ConfigurationError(
            "[auth] names no bearer token and no client certificate: the issuing and status "
            "routes would be closed to everyone (configure one, or run with --test-mode)"
        )
    return config


def _check_protocols(config: ServiceConfig) -> None:
    """The rules of ``[oid4vp]`` and ``[oid4vci]`` that span sections."""
    vp = config.oid4vp
    if vp.enabled:
        if config.workers > 1:
            raise ConfigurationError(
                "[oid4vp] keeps its transactions in the worker's memory: it needs workers = 1"
            )
        if not config.test_mode and config.verifier.trust != "trust-list":
            raise ConfigurationError(
                "[oid4vp] judges the ID's issuers by the trust list: it needs "
                "[verifier] trust = 'trust-list' (or test mode)"
            )
        if not config.test_mode and not vp.backend_token_sha256:
            raise ConfigurationError(
                "[oid4vp] names no backend token: nobody could create a request "
                "(set backend_token_sha256 or backend_token_file, or run with --test-mode)"
            )
    vci = config.oid4vci
    if vci.enabled:
        if config.issuer.mission is None:
            raise ConfigurationError("[oid4vci] issues the ID: it needs [issuer] mission")
        if vci.offer_store is None and (not config.test_mode or config.workers > 1):
            raise ConfigurationError(
                "[oid4vci] offer_store is required (the SQLite file kr-ovid offer --db writes)"
            )
