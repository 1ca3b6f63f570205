"""POST /challenges and /presentations/verify: a challenge the service issued is good for one
presentation; replayed, unknown, or for another domain, the presentation is refused with
INVALID_CHALLENGE_ERROR / INVALID_DOMAIN_ERROR. Test mode (the W3C suites make up their own
challenges) accepts a challenge it did not issue; a configuration can refuse that too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from server_support import V2, credential, examples_loader

from conftest import write_toml
from kr_ovid.integrity import add_proof
from kr_ovid.keys import Ed25519Signer

DOMAIN = "https://verifier.example.test"


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory):
    """Test mode, but challenges must be the service's own."""
    from conftest import start_service

    directory = tmp_path_factory.mktemp("vp")
    config = write_toml(
        directory / "kr-ovid.toml",
        "[server]\ntest_mode = true\n[verifier]\naccept_unknown_challenges = false\n",
    )
    started = start_service(directory, ["--config", str(config)])
    yield started
    started.stop()


def _presentation(service, holder: Ed25519Signer, challenge: str, domain: str = DOMAIN) -> dict:
    with service.client() as client:
        vc = client.post(
            "/credentials/issue", json={"credential": credential(service.issuer)}
        ).json()["verifiableCredential"]
    vp = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": holder.public.did_key,
        "verifiableCredential": [vc],
    }
    return add_proof(
        vp,
        holder,
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
        loader=examples_loader(),
    )


def _verify(service, vp: Any, **options: str):
    with service.client() as client:
        return client.post(
            "/presentations/verify", json={"verifiablePresentation": vp, "options": options}
        )


def _challenge(service) -> str:
    with service.client() as client:
        response = client.post("/challenges")
    assert response.status_code == 200
    value = response.json()["challenge"]
    assert isinstance(value, str) and len(value) >= 22
    return value


def test_issued_challenge_verifies_once(strict) -> None:
    holder = Ed25519Signer.generate()
    challenge = _challenge(strict)
    vp = _presentation(strict, holder, challenge)
    first = _verify(strict, vp, challenge=challenge, domain=DOMAIN)
    assert first.status_code == 200, first.text
    assert first.json()["verified"] is True
    replay = _verify(strict, vp, challenge=challenge, domain=DOMAIN)
    assert replay.status_code == 422
    assert replay.json()["code"] == "INVALID_CHALLENGE_ERROR"


def test_challenge_not_issued_here_is_refused(strict) -> None:
    holder = Ed25519Signer.generate()
    vp = _presentation(strict, holder, "made-up-challenge-0123456789")
    answer = _verify(strict, vp, challenge="made-up-challenge-0123456789", domain=DOMAIN)
    assert answer.status_code == 422
    assert answer.json()["code"] == "INVALID_CHALLENGE_ERROR"


def test_wrong_challenge_or_domain_is_refused_without_spending_it(strict) -> None:
    holder = Ed25519Signer.generate()
    challenge = _challenge(strict)
    vp = _presentation(strict, holder, challenge)
    wrong_domain = _verify(strict, vp, challenge=challenge, domain="https://other.example.test")
    assert wrong_domain.status_code == 422
    assert wrong_domain.json()["code"] == "INVALID_DOMAIN_ERROR"
    wrong_challenge = _verify(strict, vp, challenge=_challenge(strict), domain=DOMAIN)
    assert wrong_challenge.status_code == 422
    assert wrong_challenge.json()["code"] == "INVALID_CHALLENGE_ERROR"
    # Neither failed attempt spent the challenge the holder signed.
    assert _verify(strict, vp, challenge=challenge, domain=DOMAIN).status_code == 200


def test_tampered_presentation_is_refused(strict) -> None:
    holder = Ed25519Signer.generate()
    challenge = _challenge(strict)
    vp = _presentation(strict, holder, challenge)
    vp["holder"] = Ed25519Signer.generate().public.did_key
    answer = _verify(strict, vp, challenge=challenge, domain=DOMAIN)
    assert answer.status_code == 422
    assert answer.json()["verified"] is False


def test_presentation_request_refusals(strict) -> None:
    with strict.client() as client:
        neither = client.post("/presentations/verify", json={"options": {}})
        both = client.post(
            "/presentations/verify", json={"verifiablePresentation": {}, "presentation": {}}
        )
        bad_challenge = client.post(
            "/presentations/verify",
            json={"verifiablePresentation": {}, "options": {"challenge": 5}},
        )
    assert neither.status_code == 400
    assert neither.json()["code"] == "PARSING_ERROR"
    assert both.status_code == 400
    assert bad_challenge.status_code == 400
    assert bad_challenge.json()["code"] == "MALFORMED_VALUE_ERROR"


def test_test_mode_accepts_a_challenge_it_did_not_issue(serve, tmp_path: Path) -> None:
    service = serve("--test-mode")
    holder = Ed25519Signer.generate()
    vp = _presentation(service, holder, "suite-made-challenge")
    answer = _verify(service, vp, challenge="suite-made-challenge", domain=DOMAIN)
    assert answer.status_code == 200, answer.text
