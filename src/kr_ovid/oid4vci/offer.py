"""The Credential Offer (OpenID4VCI 1.0 §4.1) and the URLs both sides derive from an issuer.

A mission shows the offer at the desk as a link or QR code: ``openid-credential-offer://?`` with
either ``credential_offer`` (the offer object, by value, §4.1.2) or ``credential_offer_uri``
(where the wallet fetches it, by reference, §4.1.3). Only the pre-authorized code grant is
offered (§3.5): the applicant was proofed in person, so there is nothing to log in to. The
offer is untrusted input to the wallet (§13.4): :meth:`CredentialOffer.from_json` reads it
strictly and the wallet checks the issuer's metadata before using anything in it.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from kr_ovid._json import JsonLimits, JsonParseError, parse_json
from kr_ovid.oid4vci.errors import Oid4vciError
from kr_ovid.problems import ErrorCode

__all__ = [
    "OFFER_SCHEME",
    "PRE_AUTHORIZED_GRANT",
    "CredentialOffer",
    "TxCode",
    "check_issuer_identifier",
    "offer_link",
    "parse_offer_link",
    "well_known_url",
]

#: The grant type of the Pre-Authorized Code Flow (§3.5, §4.1.1).
PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: The wallet's custom URL scheme when its own offer endpoint is unknown (§12.1.1).
OFFER_SCHEME: Final = "openid-credential-offer://"
#: A QR code holds a few kilobytes; an offer is far smaller.
MAX_OFFER_CHARS: Final = 8_192
_OFFER_LIMITS: Final = JsonLimits(max_bytes=MAX_OFFER_CHARS, max_depth=8)
_MAX_DESCRIPTION: Final = 300  # §4.1.1 tx_code.description
_LOOPBACK_NAMES: Final = frozenset({"localhost"})


def _malformed(message: str) -> Oid4vciError:
    return Oid4vciError(ErrorCode.MALFORMED_VALUE_ERROR, message)


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_issuer_identifier(value: object, *, allow_loopback_http: bool = False) -> str:
    """A Credential Issuer Identifier (§12.2.1): an ``https`` URL with a host, no query, no
    fragment, no user info. ``allow_loopback_http`` also admits ``http`` to a loopback host, for
    tests and a desk demo on one machine; nothing else is ever plain HTTP."""
    if not isinstance(value, str) or not value or len(value) > 2_048:
        raise _malformed("the credential issuer identifier is not a URL")
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 — raises ValueError for a port out of range
    except ValueError:
        raise _malformed("the credential issuer identifier is not a URL") from None
    if parts.query or parts.fragment or "#" in value or "?" in value or parts.username:
        raise _malformed("the credential issuer identifier has a query, fragment or user info")
    if not host or any(c.isspace() for c in value):
        raise _malformed("the credential issuer identifier has no host")
    if parts.scheme == "https" or (
        parts.scheme == "http" and allow_loopback_http and _is_loopback(host)
    ):
        return value
    raise _malformed("the credential issuer identifier must use https")


def well_known_url(identifier: str, suffix: str) -> str:
    """``/.well-known/<suffix>`` inserted between the host and the path of ``identifier``
    (OpenID4VCI §12.2.2; RFC 8414 §3.1 for the authorization server's metadata)."""
    parts = urlsplit(identifier)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"/.well-known/{suffix}{path}", "", ""))


@dataclass(frozen=True, slots=True)
class TxCode:
    """What the offer says about the Transaction Code (§4.1.1 ``tx_code``): the applicant gets
    it on another channel (printed or spoken at the desk), and the wallet asks for it."""

    input_mode: Literal["numeric", "text"] = "numeric"
    length: int | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"input_mode": self.input_mode}
        if self.length is not None:
            out["length"] = self.length
        if self.description is not None:
            out["description"] = self.description
        return out

    @classmethod
    def from_json(cls, value: object) -> TxCode:
        if not isinstance(value, dict):
            raise _malformed("tx_code is not an object")
        mode = value.get("input_mode", "numeric")
        length = value.get("length")
        description = value.get("description")
        if mode not in ("numeric", "text"):
            raise _malformed("tx_code.input_mode is neither numeric nor text")
        if length is not None and (
            not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= 64
        ):
            raise _malformed("tx_code.length is not a small positive integer")
        if description is not None and (
            not isinstance(description, str) or len(description) > _MAX_DESCRIPTION
        ):
            raise _malformed("tx_code.description is not a string of at most 300 characters")
        return cls("numeric" if mode == "numeric" else "text", length, description)


@dataclass(frozen=True, slots=True)
class CredentialOffer:
    """A Credential Offer with the pre-authorized code grant (§4.1.1)."""

    credential_issuer: str
    credential_configuration_ids: tuple[str, ...]
    pre_authorized_code: str
    tx_code: TxCode | None = None

    def __repr__(self) -> str:  # the code is a bearer secret until it is redeemed
        return (
            f"CredentialOffer({self.credential_issuer!r}, "
            f"{list(self.credential_configuration_ids)!r}, tx_code={self.tx_code is not None})"
        )

    def to_json(self) -> dict[str, Any]:
        """The Credential Offer object (§4.1.1)."""
        grant: dict[str, Any] = {"pre-authorized_code": self.pre_authorized_code}
        if self.tx_code is not None:
            grant["tx_code"] = self.tx_code.to_json()
        return {
            "credential_issuer": self.credential_issuer,
            "credential_configuration_ids": list(self.credential_configuration_ids),
            "grants": {PRE_AUTHORIZED_GRANT: grant},
        }

    @classmethod
    def from_json(cls, value: object, *, allow_loopback_http: bool = False) -> CredentialOffer:
        """Read an offer strictly (§4.1.1); unknown members are ignored, as the wallet must.

        Raises :class:`Oid4vciError` (``MALFORMED_VALUE_ERROR``) for a missing or ill-typed
        member, an issuer that is not an ``https`` URL, or an offer without the pre-authorized
        code grant (the only flow this wallet follows)."""
        if not isinstance(value, dict):
            raise _malformed("the credential offer is not a JSON object")
        issuer = check_issuer_identifier(
            value.get("credential_issuer"), allow_loopback_http=allow_loopback_http
        )
        ids = value.get("credential_configuration_ids")
        if (
            not isinstance(ids, list)
            or not ids
            or not all(isinstance(i, str) and 0 < len(i) <= 256 for i in ids)
            or len(set(ids)) != len(ids)
        ):
            raise _malformed(
                "credential_configuration_ids is not a non-empty array of unique strings"
            )
        grants = value.get("grants")
        grant = grants.get(PRE_AUTHORIZED_GRANT) if isinstance(grants, dict) else None
        if not isinstance(grant, dict):
            raise _malformed("the offer has no pre-authorized code grant")
        code = grant.get("pre-authorized_code")
        if not isinstance(code, str) or not 0 < len(code) <= 512:
            raise _malformed("pre-authorized_code is not a string")
        if "authorization_server" in grant:
            raise _malformed("the offer names another authorization server; not supported")
        tx = TxCode.from_json(grant["tx_code"]) if "tx_code" in grant else None
        return cls(issuer, tuple(ids), code, tx)


def offer_link(
    offer: CredentialOffer | None = None,
    *,
    offer_uri: str | None = None,
    scheme: str = OFFER_SCHEME,
) -> str:
    """The link (and QR content) that hands the offer to a wallet: by value (§4.1.2) or by
    reference (§4.1.3); exactly one of ``offer`` and ``offer_uri``."""
    if (offer is None) == (offer_uri is None):
        raise Oid4vciError(ErrorCode.CONFIGURATION_ERROR, "give an offer or an offer_uri")
    if offer is not None:
        text = json.dumps(offer.to_json(), separators=(",", ":"), ensure_ascii=False)
        return f"{scheme}?credential_offer={quote(text, safe='')}"
    return f"{scheme}?credential_offer_uri={quote(str(offer_uri), safe='')}"


def parse_offer_link(link: object, *, allow_loopback_http: bool = False) -> CredentialOffer | str:
    """What a scanned link or QR code holds: the offer itself (by value) or the URL to fetch it
    from (by reference, checked to be ``https``). Any scheme is accepted, since the wallet may
    be invoked through its own offer endpoint (§12.1); exactly one of the two parameters."""
    if not isinstance(link, str) or not 0 < len(link) <= MAX_OFFER_CHARS * 3:
        raise _malformed("the offer link is not a string of acceptable size")
    query = urlsplit(link.strip()).query
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True, max_num_fields=8)
    except ValueError:
        raise _malformed("the offer link's query is malformed") from None
    params = dict(pairs)
    if len(params) != len(pairs):
        raise _malformed("the offer link repeats a parameter")
    by_value, by_reference = params.get("credential_offer"), params.get("credential_offer_uri")
    if (by_value is None) == (by_reference is None):
        raise _malformed("the link holds neither or both of credential_offer and its uri")
    if by_reference is not None:
        return check_offer_uri(by_reference, allow_loopback_http=allow_loopback_http)
    return CredentialOffer.from_json(
        parse_offer_json(str(by_value)), allow_loopback_http=allow_loopback_http
    )


def check_offer_uri(value: str, *, allow_loopback_http: bool = False) -> str:
    """A ``credential_offer_uri`` (§4.1): an ``https`` URL; unlike an issuer identifier it may
    carry a query."""
    parts = urlsplit(value)
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    check_issuer_identifier(base, allow_loopback_http=allow_loopback_http)
    if parts.fragment:
        raise _malformed("credential_offer_uri has a fragment")
    return value


def parse_offer_json(data: str | bytes) -> Any:
    """Bounded JSON of an offer (by value, or the body fetched by reference)."""
    try:
        return parse_json(data, limits=_OFFER_LIMITS)
    except JsonParseError as exc:
        raise _malformed(f"the credential offer is not acceptable JSON ({exc.reason})") from None
