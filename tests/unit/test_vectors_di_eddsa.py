"""W3C vc-di-eddsa test vectors (tests/vectors/vc-di-eddsa, see its README for the source commit),
reproduced step by step: canonical document, hashes, canonical proof config, hashData, signature,
signed document; then each signed document verifies and a tampered copy fails."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest

from kr_ovid.clock import FixedClock, parse_datetime_stamp
from kr_ovid.integrity import add_proof, get_suite, verify_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.multikey import decode_secret_multikey
from kr_ovid.problems import ErrorCode

from support import VECTORS, load_json, vector_loader

V = VECTORS / "vc-di-eddsa"
LOADER = vector_loader()


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def signer_for(key: dict[str, str]) -> Ed25519Signer:
    pub = key["publicKeyMultibase"]
    return Ed25519Signer.from_seed(
        decode_secret_multikey(key["privateKeyMultibase"]),
        verification_method=f"did:key:{pub}#{pub}",
    )


CASES = [
    # (folder, suffix, suite, input document)
    ("eddsa-rdfc-2022", "DataInt", "eddsa-rdfc-2022", V / "unsigned.json"),
    ("eddsa-rdfc-2022/employ", "DataInt", "eddsa-rdfc-2022", V / "employmentAuth.json"),
    ("eddsa-jcs-2022", "JCS", "eddsa-jcs-2022", V / "unsigned.json"),
]


@pytest.mark.parametrize(
    ("folder", "sfx", "suite_name", "unsigned"), CASES, ids=[c[0] for c in CASES]
)
def test_steps_byte_for_byte(folder: str, sfx: str, suite_name: str, unsigned: Path) -> None:
    d = V / folder
    suite = get_suite(suite_name)
    document = load_json(unsigned)
    proof_config = load_json(d / f"proofConfig{sfx}.json")

    canon_doc = suite.transform(document, loader=LOADER)
    assert canon_doc.decode() == text(d / f"canonDoc{sfx}.txt")
    assert hashlib.sha256(canon_doc).hexdigest() == text(d / f"docHash{sfx}.txt")

    canon_proof = suite.configure_proof(proof_config, document, loader=LOADER)
    assert canon_proof.decode() == text(d / f"proofCanon{sfx}.txt")
    assert hashlib.sha256(canon_proof).hexdigest() == text(d / f"proofHash{sfx}.txt")

    hash_data = suite.hash_data(canon_doc, canon_proof)
    assert hash_data.hex() == text(d / f"combinedHash{sfx}.txt")

    signer = signer_for(load_json(V / "keyPair.json"))
    proof_value = suite.serialize_proof(hash_data, signer)
    assert proof_value == text(d / f"sigBTC58{sfx}.txt")
    assert signer.sign(hash_data).hex() == text(d / f"sigHex{sfx}.txt")

    signed = add_proof(
        document, signer, cryptosuite=suite_name, created=proof_config["created"], loader=LOADER
    )
    expected = load_json(d / f"signed{sfx}.json")
    assert signed == expected
    # Same members in the same order as the published file.
    assert list(signed["proof"]) == list(expected["proof"])


SIGNED = [
    V / "eddsa-rdfc-2022" / "signedDataInt.json",
    V / "eddsa-rdfc-2022" / "employ" / "signedDataInt.json",
    V / "eddsa-jcs-2022" / "signedJCS.json",
    V / "proof-set-chain" / "signedProofSet1.json",
    V / "proof-set-chain" / "signedProofSet2.json",
    V / "proof-set-chain" / "signedProofChain1.json",
    V / "proof-set-chain" / "signedProofChain2.json",
]


def _now(doc: dict[str, Any]) -> Any:
    proofs = doc["proof"] if isinstance(doc["proof"], list) else [doc["proof"]]
    return max(parse_datetime_stamp(p["created"]) for p in proofs)


@pytest.mark.parametrize("path", SIGNED, ids=lambda p: str(p.relative_to(V)))
def test_signed_vectors_verify(path: Path) -> None:
    doc = load_json(path)
    result = verify_proof(doc, loader=LOADER, clock=FixedClock(_now(doc)))
    assert result.verified, result.errors
    assert result.errors == ()


@pytest.mark.parametrize("path", SIGNED, ids=lambda p: str(p.relative_to(V)))
def test_tampered_vectors_fail(path: Path) -> None:
    doc = load_json(path)
    now = _now(doc)
    tampered = copy.deepcopy(doc)
    tampered["credentialSubject"][
        "alumniOf" if "alumniOf" in tampered["credentialSubject"] else "id"
    ] = "did:example:tampered"
    result = verify_proof(tampered, loader=LOADER, clock=FixedClock(now))
    assert not result.verified
    assert ErrorCode.PROOF_VERIFICATION_ERROR in result.codes

    # A change to a proof option (created) breaks that proof too.
    tampered = copy.deepcopy(doc)
    first = tampered["proof"][0] if isinstance(tampered["proof"], list) else tampered["proof"]
    first["created"] = "2020-01-01T00:00:00Z"
    result = verify_proof(tampered, loader=LOADER, clock=FixedClock(now))
    assert not result.verified
    # That proof fails, and so does every proof chained on it; nothing else is reported.
    assert set(result.codes) == {ErrorCode.PROOF_VERIFICATION_ERROR}
    first_path = "/proof/0/proofValue" if isinstance(doc["proof"], list) else "/proof/proofValue"
    assert result.errors[0].path == first_path


def test_proof_set_and_chain_reproduced() -> None:
    ps = V / "proof-set-chain"
    keys = load_json(ps / "multiKeyPairs.json")
    document = load_json(ps / "unsigned.json")
    step = document
    for i, name in enumerate(["proofSetConfig1", "proofSetConfig2"], start=1):
        cfg = load_json(ps / f"{name}.json")
        step = add_proof(
            step,
            signer_for(keys[f"keyPair{i}"]),
            created=cfg["created"],
            proof_id=cfg["id"],
            loader=LOADER,
        )
        assert step == load_json(ps / f"signedProofSet{i}.json")
    for i, name in enumerate(["proofChainConfig1", "proofChainConfig2"], start=1):
        cfg = load_json(ps / f"{name}.json")
        step = add_proof(
            step,
            signer_for(keys[f"keyPair{i + 2}"]),
            created=cfg["created"],
            proof_id=cfg.get("id"),
            previous_proof=cfg["previousProof"],
            loader=LOADER,
        )
        assert step == load_json(ps / f"signedProofChain{i}.json")
        assert step["proof"][-1] == load_json(ps / f"proofChainConfigSigned{i}.json")


def test_legacy_ed25519signature2020_canonical_form_matches() -> None:
    """Ed25519Signature2020 is not implemented (legacy); its document canonicalizes identically."""
    suite = get_suite("eddsa-rdfc-2022")
    signed = load_json(V / "Ed25519Signature2020" / "signedEdSig.json")
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    assert suite.transform(unsecured, loader=LOADER).decode() == text(
        V / "Ed25519Signature2020" / "canonDocEdSig.txt"
    )
