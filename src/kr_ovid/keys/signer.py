"""Signers and public-key verification for Ed25519.

A :class:`Signer` is three members, so that an HSM or KMS can stand behind it: the library only
ever asks it to sign bytes and never sees the private key.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kr_ovid.errors import KeyFormatError
from kr_ovid.keys.ed25519 import is_acceptable_ed25519_public_key
from kr_ovid.keys.jwk import b64url_encode, public_jwk
from kr_ovid.keys.multikey import (
    decode_public_multikey,
    decode_secret_multikey,
    encode_public_multikey,
    encode_secret_multikey,
)

__all__ = [
    "ED25519",
    "Ed25519PublicKeyInfo",
    "Ed25519Signer",
    "Signer",
    "did_key_from_public_key",
    "verify_ed25519",
]

ED25519 = "Ed25519"


@runtime_checkable
class Signer(Protocol):
    """What the library needs from a key holder: who it is, what it does, and a signature."""

    @property
    def verification_method(self) -> str:
        """DID URL of the verification method whose private key signs."""
        ...

    @property
    def algorithm(self) -> str:
        """Signature algorithm name; ``"Ed25519"`` for every suite kr_ovid implements."""
        ...

    def sign(self, data: bytes) -> bytes:
        """The signature over ``data``: 64 raw bytes for Ed25519 (RFC 8032 §5.1.6). Only bytes
        go in and out, so the private key can stay in an HSM or KMS."""
        ...


def did_key_from_public_key(public_key: bytes) -> str:
    """``did:key:z6Mk…`` for a raw Ed25519 public key (did:key §2 Identifier Syntax)."""
    return "did:key:" + encode_public_multikey(public_key)


@functools.lru_cache(maxsize=1024)
def _public_key_object(public_key: bytes) -> Ed25519PublicKey:
    """Parsed keys are immutable; issuers' keys recur in every verification."""
    return Ed25519PublicKey.from_public_bytes(public_key)


def verify_ed25519(public_key: bytes, signature: bytes, data: bytes) -> bool:
    """Pure Ed25519 (RFC 8032) verification that answers a boolean and never raises.

    The weak-key gate runs first: RFC 8032 §5.1.7 Verify alone would accept forgeries under a
    small-order key (see :mod:`~kr_ovid.keys.ed25519`).
    """
    if len(signature) != 64 or not is_acceptable_ed25519_public_key(public_key):
        return False  # a small-order key would accept forgeries
    try:
        _public_key_object(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class Ed25519PublicKeyInfo:
    """The public half of a key, in the forms DID documents and JWS headers use."""

    public_key: bytes

    @property
    def multikey(self) -> str:
        """``publicKeyMultibase`` (Controlled Identifiers §2.2.2), ``z6Mk…``."""
        return encode_public_multikey(self.public_key)

    @property
    def did_key(self) -> str:
        """The did:key DID of this key: a DID that resolves from itself, nothing fetched."""
        return did_key_from_public_key(self.public_key)

    @property
    def did_key_url(self) -> str:
        """The verification method id did:key gives this key (did:key §3.1.2 Signature Method
        Creation: the DID, ``#``, the multibase value)."""
        return f"{self.did_key}#{self.multikey}"

    @property
    def jwk(self) -> dict[str, str]:
        """The public JWK (RFC 8037)."""
        return public_jwk(self.public_key)

    def verify(self, signature: bytes, data: bytes) -> bool:
        """:func:`verify_ed25519` with this key: weak keys refused, never raises."""
        return verify_ed25519(self.public_key, signature, data)


class Ed25519Signer:
    """An in-process Ed25519 key that signs for one verification method.

    The private key lives in a ``cryptography`` object held in a slot; ``repr``/``str`` show only
    the verification method, and no method returns the private bytes except the explicit
    :meth:`export_secret_multikey` used to write key files.
    """

    __slots__ = ("_key", "_public", "_verification_method")

    def __init__(
        self, private_key: Ed25519PrivateKey, *, verification_method: str | None = None
    ) -> None:
        """``verification_method`` must be a DID URL with a fragment (a bare DID names no key,
        and verifiers look the key up by fragment); by default the key's did:key URL."""
        if not isinstance(private_key, Ed25519PrivateKey):
            raise KeyFormatError("Ed25519Signer needs an Ed25519PrivateKey")
        self._key = private_key
        self._public = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        info = Ed25519PublicKeyInfo(self._public)
        if verification_method is not None and (
            not isinstance(verification_method, str) or "#" not in verification_method
        ):
            raise KeyFormatError("verification_method must be a DID URL with a fragment")
        self._verification_method = verification_method or info.did_key_url

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def generate(cls, *, verification_method: str | None = None) -> Ed25519Signer:
        """A fresh key from ``secrets`` (the operating system's CSPRNG)."""
        return cls.from_seed(secrets.token_bytes(32), verification_method=verification_method)

    @classmethod
    def from_seed(cls, seed: bytes, *, verification_method: str | None = None) -> Ed25519Signer:
        """From the 32-byte RFC 8032 private key (the "seed")."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != 32:
            raise KeyFormatError("an Ed25519 seed is exactly 32 bytes")
        return cls(
            Ed25519PrivateKey.from_private_bytes(bytes(seed)),
            verification_method=verification_method,
        )

    @classmethod
    def from_multikey(
        cls,
        secret_key_multibase: str,
        *,
        verification_method: str | None = None,
        public_key_multibase: str | None = None,
    ) -> Ed25519Signer:
        """From a ``secretKeyMultibase``. With ``public_key_multibase`` (as a key file carries
        it) the two must match: a file whose public half was edited is refused instead of
        signing under a key other than the one it shows."""
        signer = cls.from_seed(
            decode_secret_multikey(secret_key_multibase), verification_method=verification_method
        )
        if public_key_multibase is not None and (
            decode_public_multikey(public_key_multibase) != signer.public_key
        ):
            raise KeyFormatError("publicKeyMultibase does not match secretKeyMultibase")
        return signer

    @classmethod
    def from_key_file(cls, path: str | os.PathLike[str]) -> Ed25519Signer:
        """Load a key file written by :meth:`write_key_file` (JSON Multikey)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            reason = exc.strerror or "unreadable"
            raise KeyFormatError(f"cannot read key file {os.fspath(path)!s}: {reason}") from None
        except ValueError:  # the parser's message may quote the file: never shown
            raise KeyFormatError(
                f"key file {os.fspath(path)!s} is not a JSON key file (kr-ovid keygen writes one)"
            ) from None
        return cls.from_key_dict(data)

    @classmethod
    def from_key_dict(cls, data: object) -> Ed25519Signer:
        """From a parsed key file: a Multikey verification method plus ``secretKeyMultibase``;
        its ``id``, when present, becomes the verification method."""
        if not isinstance(data, dict) or "secretKeyMultibase" not in data:
            raise KeyFormatError("key file must be a JSON object with secretKeyMultibase")
        vm = data.get("id")
        return cls.from_multikey(
            data["secretKeyMultibase"],
            verification_method=vm if isinstance(vm, str) and vm else None,
            public_key_multibase=data.get("publicKeyMultibase"),
        )

    # -- the Signer protocol ----------------------------------------------------------------------
    @property
    def verification_method(self) -> str:
        """The DID URL proofs name (``verificationMethod``, JWS ``kid``)."""
        return self._verification_method

    @property
    def algorithm(self) -> str:
        """Always ``"Ed25519"``; suites and the JWS signer check it before signing."""
        return ED25519

    def sign(self, data: bytes) -> bytes:
        """Ed25519 over ``data`` (RFC 8032 §5.1.6): deterministic, no per-signature randomness."""
        return self._key.sign(bytes(data))

    # -- public views -------------------------------------------------------------------------------
    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key (e.g. what the SD-JWT holder compares with ``cnf.jwk``)."""
        return self._public

    @property
    def public(self) -> Ed25519PublicKeyInfo:
        """The public half in its Multikey, did:key and JWK forms."""
        return Ed25519PublicKeyInfo(self._public)

    @property
    def controller(self) -> str:
        """The DID part of the verification method: the controller a verifier expects
        (Controlled Identifiers §2.2 ``controller``)."""
        return self._verification_method.split("#", 1)[0]

    def with_verification_method(self, verification_method: str) -> Ed25519Signer:
        """The same key, signing for another verification method id (e.g. a did:web key)."""
        return Ed25519Signer(self._key, verification_method=verification_method)

    def public_multikey_document(self, *, controller: str | None = None) -> dict[str, str]:
        """The verification-method object (type Multikey) for this key."""
        return {
            "id": self._verification_method,
            "type": "Multikey",
            "controller": controller or self.controller,
            "publicKeyMultibase": self.public.multikey,
        }

    # -- explicit export (key files only) ----------------------------------------------------------
    def export_secret_multikey(self) -> str:
        """The seed as ``secretKeyMultibase``. Only for writing key files the operator asked for."""
        seed = self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return encode_secret_multikey(seed)

    def key_file_dict(self, *, controller: str | None = None) -> dict[str, Any]:
        """The key file content: the Multikey verification method plus ``secretKeyMultibase``.
        It holds the private key: write it only with :meth:`write_key_file`."""
        doc: dict[str, Any] = dict(self.public_multikey_document(controller=controller))
        doc["secretKeyMultibase"] = self.export_secret_multikey()
        return doc

    def write_key_file(
        self,
        path: str | os.PathLike[str],
        *,
        controller: str | None = None,
        note: str | None = None,
    ) -> None:
        """Write the JSON Multikey key file with mode 0600 (created with that mode, never wider)."""
        doc = self.key_file_dict(controller=controller)
        if note:
            doc["note"] = note
        data = (json.dumps(doc, indent=2) + "\n").encode("utf-8")
        p = Path(path)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data)
        finally:
            os.close(fd)

    def public_jwk(self) -> dict[str, str]:
        """The public JWK with ``kid`` set to the verification method (an issuer copies only
        ``kty``, ``crv`` and ``x`` into ``cnf.jwk``)."""
        return {**self.public.jwk, "kid": self._verification_method}

    def jwk_x(self) -> str:
        """The JWK ``x`` member: the raw public key, base64url (RFC 8037 §2)."""
        return b64url_encode(self._public)

    def __repr__(self) -> str:
        return f"Ed25519Signer(verification_method={self._verification_method!r})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("Ed25519Signer cannot be pickled: private keys never leave the signer")
