"""Syntax checks for the identifiers that end up in signed RDF.

pyld turns any ``@id``/``@type``/``@vocab`` value into an RDF IRI without checking it: a value with a
space, a newline or a second ``#`` is written into the canonical N-Quads unchanged, where it can
change the meaning of the line (or of the next one) that gets hashed and signed. These checks let
the JSON-LD layer refuse such values before signing and when verifying.

``is_absolute_iri`` follows RFC 3987 §2.2 (``IRI = scheme ":" ihier-part ["?" iquery]
["#" ifragment]``) exactly, including the ``ucschar``/``iprivate`` ranges, ``pct-encoded``
triplets and IP literals; it uses no network and no IDNA tables. ``is_blank_node_id`` follows
the N-Triples/N-Quads ``BLANK_NODE_LABEL`` production, the label syntax JSON-LD also uses.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = ["BLANK_NODE_LABEL_PATTERN", "is_absolute_iri", "is_blank_node_id"]


def _ranges(*pairs: tuple[int, int]) -> str:
    """A regex character-class body for the given inclusive code-point ranges."""
    return "".join(f"{chr(lo)}-{chr(hi)}" if lo != hi else chr(lo) for lo, hi in pairs)


# RFC 3987 §2.2: ucschar and iprivate.
_UCSCHAR = _ranges(
    (0xA0, 0xD7FF),
    (0xF900, 0xFDCF),
    (0xFDF0, 0xFFEF),
    *((plane, plane + 0xFFFD) for plane in range(0x10000, 0xE0000, 0x10000)),
    (0xE1000, 0xEFFFD),
)
_IPRIVATE = _ranges((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))

_UNRESERVED = "A-Za-z0-9\\-._~" + _UCSCHAR  # iunreserved
_SUB_DELIMS = "!$&'()*+,;="
_PCT = "%[0-9A-Fa-f]{2}"
_IPCHAR = f"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_DEC_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"

_IRI = re.compile(
    rf"""
    [A-Za-z][A-Za-z0-9+\-.]*:                                  # scheme ":"
    (?:
        //                                                     # "//" iauthority ipath-abempty
        (?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?        #   iuserinfo "@"
        (?P<host>
            \[(?P<ip_literal>[^\]]*)\]                         #   IP-literal (checked below)
          | {_DEC_OCTET}(?:\.{_DEC_OCTET}){{3}}                #   IPv4address
          | (?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*           #   ireg-name
        )
        (?::[0-9]*)?                                           #   ":" port
        (?:/{_IPCHAR}*)*
      | /(?:{_IPCHAR}+(?:/{_IPCHAR}*)*)?                       # ipath-absolute
      | {_IPCHAR}+(?:/{_IPCHAR}*)*                             # ipath-rootless
      |                                                        # ipath-empty
    )
    (?:\?(?:{_IPCHAR}|[{_IPRIVATE}/?])*)?                      # "?" iquery
    (?:\#(?:{_IPCHAR}|[/?])*)?                                 # "#" ifragment
    """,
    re.VERBOSE,
)

_IPV_FUTURE = re.compile(rf"v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~{_SUB_DELIMS}:]+")

# N-Triples / N-Quads BLANK_NODE_LABEL (RDF 1.1 N-Triples §7, productions 141s, 157s-166s).
_PN_CHARS_BASE = "A-Za-z" + _ranges(
    (0xC0, 0xD6),
    (0xD8, 0xF6),
    (0xF8, 0x2FF),
    (0x370, 0x37D),
    (0x37F, 0x1FFF),
    (0x200C, 0x200D),
    (0x2070, 0x218F),
    (0x2C00, 0x2FEF),
    (0x3001, 0xD7FF),
    (0xF900, 0xFDCF),
    (0xFDF0, 0xFFFD),
    (0x10000, 0xEFFFF),
)
_PN_CHARS_U = _PN_CHARS_BASE + "_:"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7" + _ranges((0x300, 0x36F), (0x203F, 0x2040))
BLANK_NODE_LABEL_PATTERN = f"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
"""Regex source of an N-Quads ``BLANK_NODE_LABEL`` (``_:`` included), for reuse by the parser."""

_BLANK_NODE_ID = re.compile(BLANK_NODE_LABEL_PATTERN)


_SPACE = re.compile(r"\s")  # every character str.isspace() accepts, Unicode spaces included


def is_absolute_iri(value: object) -> bool:
    """True if ``value`` is an absolute IRI by RFC 3987 (a scheme, then a valid IRI).

    Refuses relative references, spaces, control characters, ``<>"{}|\\^```, a second ``#``,
    ``%`` not followed by two hex digits, and malformed IP literals. Unicode spaces (U+00A0,
    U+2000-U+200A, U+2028, U+3000, ...) are ``ucschar`` by RFC 3987, but refused here: pyld (and so
    every JSON-LD processor whose IRI check uses ``\\s``) silently drops statements that mention
    them, so two processors would sign different graphs.
    """
    if not isinstance(value, str) or _SPACE.search(value):
        return False
    match = _IRI.fullmatch(value)
    if match is None:
        return False
    literal = match.group("ip_literal")
    if literal is None:
        return True
    if _IPV_FUTURE.fullmatch(literal):
        return True
    if not literal or "%" in literal:  # RFC 3986 IP-literals have no zone identifier
        return False
    try:
        ipaddress.IPv6Address(literal)
    except ValueError:
        return False
    return True


def is_blank_node_id(value: object) -> bool:
    """True if ``value`` is a blank node identifier: ``_:`` and an N-Quads blank node label."""
    return isinstance(value, str) and _BLANK_NODE_ID.fullmatch(value) is not None
