"""The service's own Bitstring Status Lists: signed on request from the store, and the fetcher
that lets the service's verifier read them with no network.

Why sign on request: every worker shares one store, so the list a GET returns (and the list the
verify routes read) is the store's state at that moment, whichever worker changed it; there is
no published copy to fall behind. Signing one list costs a few milliseconds (the encoded list is
at most 2 MiB for the largest lists), far below the cost of the verification that reads it.

URL layout (Bitstring Status List v1.0 §2.1 ``statusListCredential``): ``{public_url}/status/
{list_id}/{purpose}``, as :func:`kr_ovid.status.publish.status_list_url` builds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from kr_ovid.clock import Clock
from kr_ovid.errors import ConfigurationError, KrOvidError, StatusListError
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys.signer import Signer
from kr_ovid.problems import ErrorCode
from kr_ovid.status.publish import issue_status_list_credential, status_list_url
from kr_ovid.status.store import PURPOSES, StatusListStore

__all__ = ["OwnStatusLists", "ServiceStatusFetcher"]

_MAX_LIST_ID_DIGITS = 12


class OwnStatusLists:
    """The lists this service issues: ``base`` (``{public_url}/status``), the store and the
    issuer's signer. :meth:`credential` answers one list, signed now."""

    def __init__(
        self,
        *,
        base: str,
        store: StatusListStore,
        signer: Signer,
        issuer: str,
        clock: Clock,
        loader: StaticDocumentLoader,
        valid_for: timedelta,
        ttl: timedelta,
    ) -> None:
        status_list_url(base, 1, "revocation")  # refuse a bad base now, not at the first GET
        self.base = base
        self._store = store
        self._signer = signer
        self._issuer = issuer
        self._clock = clock
        self._loader = loader
        self._valid_for = valid_for
        self._ttl = ttl

    def parse_path(self, list_id: str, purpose: str) -> tuple[int, str] | None:
        """``(list_id, purpose)`` from the two path segments, or None when they name no list
        this service could have (so a GET answers 404 without touching the store)."""
        if (
            not list_id.isascii()
            or not list_id.isdigit()
            or len(list_id) > _MAX_LIST_ID_DIGITS
            or list_id.startswith("0")
            or purpose not in PURPOSES
        ):
            return None
        return int(list_id), purpose

    def url(self, list_id: int, purpose: str) -> str:
        return status_list_url(self.base, list_id, purpose)

    def credential(self, list_id: int, purpose: str) -> dict[str, Any] | None:
        """The signed ``BitstringStatusListCredential`` (§3.1 Generate Algorithm), or None for
        a list the store does not have."""
        if list_id not in self._store.list_ids():
            return None
        return issue_status_list_credential(
            self._store,
            list_id,
            purpose,
            self._signer,
            base=self.base,
            issuer=self._issuer,
            valid_for=self._valid_for,
            ttl=self._ttl,
            clock=self._clock,
            loader=self._loader,
        )

    def from_url(self, url: str) -> tuple[int, str] | None:
        """The list a URL names, when it is one of this service's list URLs."""
        prefix = self.base + "/"
        if not url.startswith(prefix):
            return None
        list_id, slash, purpose = url[len(prefix) :].partition("/")
        if not slash:
            return None
        return self.parse_path(list_id, purpose)


class ServiceStatusFetcher:
    """A :class:`~kr_ovid.status.check.StatusListFetcher` for the verify routes: the service's
    own list URLs are answered from its store (no network, no stale copy); any other URL goes to
    ``other``, the fetcher the configuration names explicitly, or fails closed with
    ``STATUS_RETRIEVAL_ERROR``."""

    def __init__(
        self, own: OwnStatusLists | None, other: Callable[[str], Mapping[str, Any]] | None = None
    ) -> None:
        self._own = own
        self._other = other

    def __call__(self, url: str) -> Mapping[str, Any]:
        if not isinstance(url, str):
            raise ConfigurationError("a status list URL is a string")
        position = self._own.from_url(url) if self._own is not None else None
        if self._own is not None and position is not None:
            try:
                found = self._own.credential(*position)
            except KrOvidError as exc:
                raise StatusListError(
                    f"status list could not be built: {exc.code.value}",
                    code=ErrorCode.STATUS_RETRIEVAL_ERROR,
                ) from None
            if found is not None:
                return found
        elif self._other is not None:
            return self._other(url)
        raise StatusListError(
            f"status list not available: {url[:200]}", code=ErrorCode.STATUS_RETRIEVAL_ERROR
        )
