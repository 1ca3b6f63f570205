"""Client certificates for the application: uvicorn verifies them (``ssl_ca_certs``,
``CERT_OPTIONAL``) but does not pass them on, so this protocol adds the verified subject to each
request's scope as the ASGI TLS extension (``scope["extensions"]["tls"]["client_cert_name"]``,
RFC 4514 form), where :func:`kr_ovid.server.http.require_operator` reads it.

Only a certificate that OpenSSL verified against the configured CA reaches ``getpeercert()``; an
unverifiable one fails the handshake, so a forged subject cannot get here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["ClientCertH11Protocol", "rfc4514_name"]

#: Short names of RFC 4514 §3 (others keep the OpenSSL long name).
_SHORT = {
    "commonName": "CN",
    "countryName": "C",
    "localityName": "L",
    "stateOrProvinceName": "ST",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "domainComponent": "DC",
    "userId": "UID",
}


def _escape(value: str) -> str:
    """RFC 4514 §2.4 escaping of an attribute value."""
    out = []
    for i, ch in enumerate(value):
        if ch in ',+"\\<>;' or (ch == "#" and i == 0) or (ch == " " and i in (0, len(value) - 1)):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def rfc4514_name(subject: Any) -> str | None:
    """``getpeercert()["subject"]`` (RDNs, most significant first) as an RFC 4514 string
    (least significant first, e.g. ``CN=desk-01,O=Consulate``)."""
    if not isinstance(subject, tuple | list) or not subject:
        return None
    rdns = []
    for rdn in subject:
        parts = []
        for attribute in rdn:
            if not isinstance(attribute, tuple | list) or len(attribute) != 2:
                return None
            key, value = attribute
            parts.append(f"{_SHORT.get(str(key), str(key))}={_escape(str(value))}")
        rdns.append("+".join(parts))
    return ",".join(reversed(rdns))


class ClientCertH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus the client certificate's subject in every request scope."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        cert = ssl_object.getpeercert() if ssl_object is not None else None
        name = rfc4514_name(cert.get("subject")) if isinstance(cert, dict) else None
        if name is None:
            return
        inner = self.app

        async def with_certificate(scope: Any, receive: Any, send: Any) -> None:
            extensions = dict(scope.get("extensions") or {})
            extensions["tls"] = {"client_cert_name": name}
            scope["extensions"] = extensions
            await inner(scope, receive, send)

        self.app = with_certificate
