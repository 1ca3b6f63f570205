"""The holder role (the phone wallet): keeps credentials, discloses only what a service asks.

Data Integrity: wrap credentials in a presentation signed with the wallet's did:key
(``authentication``, the service's challenge and domain). SD-JWT: choose the claims to disclose
and add a Key Binding JWT with the service's nonce and audience, signed by the copy's cnf key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kr_ovid.clock import Clock, SystemClock
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.keys.signer import Signer
from kr_ovid.presentation import create_presentation, sign_presentation
from kr_ovid.sdjwt.holder import disclosable_claims, present
from kr_ovid.suites import DEFAULT_CRYPTOSUITE

__all__ = ["Holder"]


class Holder:
    """A wallet identity: its signer (``did:key`` by default) and a clock."""

    def __init__(
        self,
        signer: Signer,
        *,
        clock: Clock | None = None,
        loader: StaticDocumentLoader | None = None,
    ) -> None:
        self._signer = signer
        self._clock = clock or SystemClock()
        self._loader = loader

    @property
    def did(self) -> str:
        """The DID named as ``holder`` (VC DM 2.0 §4.13): the controller part of the signer's
        verification method, which is what the verifier compares the proof's key against."""
        return self._signer.verification_method.split("#", 1)[0]

    def present(
        self,
        credentials: Sequence[dict[str, Any] | str],
        *,
        challenge: str,
        domain: str,
        cryptosuite: str = DEFAULT_CRYPTOSUITE,
    ) -> dict[str, Any]:
        """A signed Data Integrity presentation (SD-JWT strings are enveloped); ``created``
        comes from this holder's clock, since verifiers judge freshness by it."""
        vp = create_presentation(credentials, holder=self.did)
        return sign_presentation(
            vp,
            self._signer,
            challenge=challenge,
            domain=domain,
            cryptosuite=cryptosuite,
            created=self._clock.now(),
            loader=self._loader,
        )

    def disclosable(self, sd_jwt: str) -> list[tuple[str, Any]]:
        """(JSON pointer, value) for each claim the holder may disclose (RFC 9901 §7.2)."""
        return disclosable_claims(sd_jwt)

    def present_sd_jwt(
        self,
        sd_jwt: str,
        disclose: Iterable[str],
        *,
        nonce: str,
        audience: str,
        key: Signer | None = None,
    ) -> str:
        """The SD-JWT with only ``disclose`` (JSON pointers) and a KB-JWT signed by ``key``
        (the copy's cnf key; this holder's signer by default).

        RFC 9901 §7.2 Processing by the Holder, with key binding always on: ``nonce`` and
        ``audience`` tie the presentation to one service and one request (§4.3)."""
        return present(
            sd_jwt,
            disclose,
            holder_signer=key or self._signer,
            nonce=nonce,
            aud=audience,
            clock=self._clock,
        )
