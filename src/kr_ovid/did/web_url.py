"""did:web DID ↔ URL mapping (W3C CCG did-method-web §2.5.2): strict, so one DID names one URL and back.

The method-specific identifier (§2.3) is a DNS name, an optional ``%3A`` port and ``:`` path
segments; anything that would let two DIDs share a URL, or a DID name a URL outside its host,
is refused.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from kr_ovid.did.document import (
    is_did,
)
from kr_ovid.errors import ConfigurationError, ResolutionError
from kr_ovid.problems import ErrorCode

DEFAULT_MAX_BYTES = 64 * 1024
DEFAULT_TIMEOUT = 10.0
_PREFIX = "did:web:"
_WELL_KNOWN = "/.well-known/did.json"
_DOC_NAME = "/did.json"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_PORT_RE = re.compile(r"^[1-9][0-9]{0,4}$")
# A segment as both a DID idchar run and a URL path segment: unreserved (minus "~") + pct-encoded.
_SEGMENT_RE = re.compile(r"^(?:[A-Za-z0-9._-]|%[0-9A-F]{2})+$")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_FRAGMENT_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


# --------------------------------------------------------------------------------------------
# DID ↔ URL
# --------------------------------------------------------------------------------------------
def _bad_did(reason: str) -> ResolutionError:
    return ResolutionError(f"invalid did:web DID: {reason}", code=ErrorCode.DID_RESOLUTION_ERROR)


def _host_problem(host: str) -> str | None:
    """Why ``host`` is not a DNS name did:web may use (§2.3: it "MUST NOT include IP
    addresses"), or ``None``."""
    if len(host) > 253 or _HOST_RE.match(host) is None:
        return "host is not a DNS name"
    # A numeric last label makes URL parsers read the host as IPv4 ("127.0.0.1", "0x7f.1").
    if host.rsplit(".", 1)[-1].isdigit():
        return "IP addresses are not allowed"
    return None


def _segment_problem(segment: str) -> str | None:
    """Why ``segment`` is not a safe path segment, or ``None``: percent-encoding only where
    needed (one spelling per segment), and nothing that decodes to ``.``, ``..``, a separator or
    a control character, which could move the request elsewhere on the host."""
    if _SEGMENT_RE.match(segment) is None:
        return "path segment has characters outside [A-Za-z0-9._-] and %XX"
    for encoded in re.findall(r"%([0-9A-F]{2})", segment):
        if chr(int(encoded, 16)) in _UNRESERVED:
            return "path segment percent-encodes an unreserved character"
    decoded = unquote(segment)
    if (
        decoded in {".", ".."}
        or any(c in decoded for c in "/\\")
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded)
    ):
        return "path segment is '.', '..' or decodes to a separator or control character"
    return None


def did_web_to_url(did: str) -> str:
    """The HTTPS URL of a did:web DID's document (did-method-web §2.5.2 "Read (Resolve)").

    The URL-building steps of §2.5.2 (``:`` → ``/``, decode the port, ``https://``,
    ``/.well-known`` without a path, ``/did.json``); the GET and the check that the document's
    ``id`` is this DID are the resolver's.

    Raises :class:`ResolutionError` (``DID_RESOLUTION_ERROR``) for anything that is not a
    well-formed did:web DID.
    """
    if not isinstance(did, str) or not did.startswith(_PREFIX) or not is_did(did):
        raise _bad_did("not a did:web DID")
    parts = did[len(_PREFIX) :].split(":")
    if any(not p for p in parts):
        raise _bad_did("empty segment")
    host, _, port = parts[0].partition("%3A")
    problem = _host_problem(host)
    if problem is None and port and (_PORT_RE.match(port) is None or int(port) > 65535):
        problem = "port is not 1..65535"
    if problem is None and "%3A" in parts[0] and not port:
        problem = "empty port"
    for segment in parts[1:]:
        problem = problem or _segment_problem(segment)
    if problem is not None:
        raise _bad_did(problem)
    authority = f"{host}:{port}" if port else host
    if len(parts) == 1:
        return f"https://{authority}{_WELL_KNOWN}"
    return f"https://{authority}/{'/'.join(parts[1:])}{_DOC_NAME}"


def url_to_did_web(url: str) -> str:
    """The did:web DID whose document lives at ``url`` (the inverse of :func:`did_web_to_url`).

    For a mission publishing its document (did-method-web §2.5.1 Create (Register)): the result
    is checked by mapping it back, so only URLs that round-trip exactly are accepted.

    Raises :class:`ConfigurationError` when the URL is not one a did:web DID maps to.
    """
    if not isinstance(url, str) or len(url) > 2048 or not url.startswith("https://"):
        raise ConfigurationError("a did:web document URL starts with https://")
    if any(c in url for c in "?#@") or any(ord(c) <= 0x20 or ord(c) >= 0x7F for c in url):
        raise ConfigurationError("did:web URLs carry no userinfo, query, fragment or non-ASCII")
    authority, slash, path = url[len("https://") :].partition("/")
    if not slash:
        raise ConfigurationError("URL has no path")
    host, colon, port = authority.partition(":")
    problem = _host_problem(host)
    if problem is None and colon and (_PORT_RE.match(port) is None or int(port) > 65535):
        problem = "port is not 1..65535"
    if problem is not None:
        raise ConfigurationError(f"URL host: {problem}")
    path = "/" + path
    if path == _WELL_KNOWN:
        segments: list[str] = []
    elif path.endswith(_DOC_NAME) and len(path) > len(_DOC_NAME):
        segments = path[1 : -len(_DOC_NAME)].split("/")
        if segments[0] == ".well-known":
            # did:web:h:.well-known would map to the same URL as did:web:h: refuse the ambiguity.
            raise ConfigurationError("a path starting with /.well-known/ is not a did:web path")
        for segment in segments:
            problem = "empty path segment" if not segment else _segment_problem(segment)
            if problem is not None:
                raise ConfigurationError(f"URL path: {problem}")
    else:
        raise ConfigurationError("a did:web URL ends with /did.json (or is /.well-known/did.json)")
    did = _PREFIX + ":".join([host + (f"%3A{port}" if colon else ""), *segments])
    if did_web_to_url(did) != url:  # the two functions must stay each other's inverse
        raise ConfigurationError("URL does not map to a did:web DID and back")
    return did
