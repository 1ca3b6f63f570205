"""No network by default (security review): a wallet handed a hostile QR code must not reach the
address it names unless its caller chose a transport. Each entry point refuses with its code."""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import quote

import pytest

from kr_ovid.oid4vci import Oid4vciError
from kr_ovid.oid4vci.wallet import Wallet
from kr_ovid.problems import ErrorCode


def test_the_oid4vci_wallet_opens_no_socket_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """An offer passed by reference names any URL (an internal address, a tracker); the default
    wallet fetches nothing, as the OpenID4VP wallet's default (``no_network``) does."""
    opened: list[Any] = []

    def record(self: Any, request: Any, *args: Any, **kw: Any) -> Any:
        opened.append(request)
        raise OSError("a socket was opened")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", record)
    link = "openid-credential-offer://?credential_offer_uri=" + quote(
        "https://intranet.example/admin", safe=""
    )
    with pytest.raises(Oid4vciError) as refused:
        Wallet().receive(link)
    assert refused.value.code is ErrorCode.CONFIGURATION_ERROR
    assert opened == []
