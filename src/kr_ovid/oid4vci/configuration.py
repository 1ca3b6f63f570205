"""What a Credential Issuer offers: credential configurations and the makers behind them.

A :class:`CredentialConfiguration` is one entry of ``credential_configurations_supported``
(OpenID4VCI 1.0 §12.2.4) together with its :data:`CredentialMaker`: the function that turns
the applicant's claims and the holder keys the wallet proved into signed credentials. The
protocol layer knows nothing of any credential's content; a product (``kr_ovid.ovid.oid4vci``
for the overseas-national ID) supplies the makers and the display metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from kr_ovid.errors import ConfigurationError
from kr_ovid.oid4vci.proofs import PROOF_TYPE
from kr_ovid.sdjwt.jws import ACCEPTED_ALGORITHMS

__all__ = ["CredentialConfiguration", "CredentialMaker", "MadeCredentials"]

#: ``proof_signing_alg_values_supported`` of the ``jwt`` proof type: the JOSE names of Ed25519.
PROOF_ALGORITHMS: Final = tuple(sorted(ACCEPTED_ALGORITHMS))


@dataclass(frozen=True, slots=True)
class MadeCredentials:
    """What a maker produced: the credentials as the Credential Response carries them (a
    string for SD-JWT formats, a JSON object for ``ldp_vc``) and the id of each, which the
    issuance store records so the mission can revoke them."""

    credentials: tuple[str | dict[str, Any], ...]
    credential_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.credentials or len(self.credentials) != len(self.credential_ids):
            raise ConfigurationError("a maker returns one id for each of its credentials")


#: ``(claims, holder public keys) -> MadeCredentials``: one credential per key, or fewer (the
#: issuer may issue fewer than the wallet proved keys for, §8.3); each bound to its key.
CredentialMaker = Callable[[Mapping[str, Any], Sequence[bytes]], MadeCredentials]


@dataclass(frozen=True, slots=True)
class CredentialConfiguration:
    """One credential configuration: ``id`` (its key in the metadata and in offers),
    ``format`` (``dc+sd-jwt``, ``ldp_vc``…), the binding methods and signing algorithms it
    states, ``metadata`` (the format's members: ``vct``, ``credential_definition``,
    ``credential_metadata`` with display and claims) and its ``maker``."""

    id: str
    format: str
    maker: CredentialMaker
    signing_algorithms: tuple[str, ...]
    binding_methods: tuple[str, ...] = ("jwk",)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id or not self.format or not self.signing_algorithms:
            raise ConfigurationError("a configuration has an id, a format and signing algorithms")
        reserved = {
            "format",
            "cryptographic_binding_methods_supported",
            "credential_signing_alg_values_supported",
            "proof_types_supported",
        } & set(self.metadata)
        if reserved:
            raise ConfigurationError(f"metadata may not set {sorted(reserved)}")

    def to_json(self) -> dict[str, Any]:
        """The ``credential_configurations_supported`` value (§12.2.4): key binding is always
        required, by the ``jwt`` proof type with Ed25519."""
        return {
            "format": self.format,
            "cryptographic_binding_methods_supported": list(self.binding_methods),
            "credential_signing_alg_values_supported": list(self.signing_algorithms),
            "proof_types_supported": {
                PROOF_TYPE: {"proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}
            },
            **dict(self.metadata),
        }
