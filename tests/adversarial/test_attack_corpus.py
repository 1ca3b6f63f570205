"""Generated attack corpus: every kind of instance kr_ovid verifies, mutated in every way we could
name, through every verification entry point.

Instances (built once per process by :mod:`corpus_world`, deep-copied before every mutation):
overseas-ID credentials issued by ``kr_ovid.ovid.issuance.Issuer`` in eddsa-rdfc-2022 and
eddsa-jcs-2022 (``Verifier.verify_credential`` under ``GOV24.policy(...)`` and raw
``integrity.verify_proof``); Data Integrity presentations (``Holder.present``), as sent and as
re-signed by a holder who tampered with its credential; SD-JWT credentials and SD-JWT+KB
presentations (``Verifier`` and raw ``sdjwt.verify_sd_jwt``), as relayed and as re-bound by a
holder, and enveloped in a Data Integrity presentation; status list credentials (served by a
``LocalStatusListFetcher`` to the Verifier's status check, for a valid and for a revoked
credential); the trust list
(``TrustListRegistry.from_trust_list`` and ``verify_trust_list``); the mission's did:web document
(forged proofs under every mutation, via ``LocalDidResolver`` and a fetching
``WebDidResolver``).

Mutation kinds are named generators (:mod:`corpus_mutations` for JSON and compact tokens,
:mod:`corpus_targets` for proofs, JWS headers, disclosures and digests, KB-JWTs, status bits,
trust entries, DID keys and presentation bindings). Each mutation carries its expectation:
``fail`` (the default: not verified, with at least one error code), ``neutral`` (must still
verify: JSON member order, disclosure order, equivalent ``typ``/``alg`` spellings) or ``either``
(a second spelling of the same signed content that a verifier may refuse; if it is accepted,
the target's oracle checks the claims, the signed graph or JSON, and that it is still refused
under every adverse condition the original is refused under: expired, revoked, issuer suspended,
wrong challenge/nonce/domain/audience).

Profiles, chosen by the environment variable ``KR_OVID_CORPUS``:

* unset or ``default``: seed 20260301, one round of every generator — more than 10,000 cases,
  about half a minute;
* ``large``: the same seed, sixteen rounds (fresh random values each round) — more than
  100,000 cases, about five minutes:
  ``KR_OVID_CORPUS=large .venv/bin/python -m pytest tests/adversarial``.

The summary (cases by instance kind and by mutation kind, outcomes, excused accepts, known src
bugs) is printed by ``test_corpus_summary`` whatever the capture mode. The src bugs the corpus
found have been fixed; their exact reproductions are regression tests at the end of this module.
A bug found later and not yet fixed goes into ``corpus_targets.KNOWN_BUGS``: its cases become
expected failures (listed in the summary) and a strict xfail test reproduces it.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import corpus_targets as ct
import corpus_world as cw
import pytest
from corpus_mutations import Expect, Mutation, nested

from kr_ovid.clock import FixedClock
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.errors import KrOvidError
from kr_ovid.integrity import verify_proof
from kr_ovid.trust import TrustListRegistry, verify_trust_list

PROFILE = ct.profile_from_env()
#: The corpus run, kept for the summary test (computed inside a test, under the no-network guard).
RESULTS: dict[str, ct.Report] = {}


def corpus() -> ct.Report:
    if "report" not in RESULTS:
        RESULTS["report"] = ct.run_corpus(PROFILE)
    return RESULTS["report"]


# --------------------------------------------------------------------------------------------
# The harness itself: valid bases, adverse conditions that bite, planted bugs that are caught
# --------------------------------------------------------------------------------------------
_REFUSED_BASES = ("did-document/forged", "(revoked credential)")


def test_every_base_instance_is_judged_as_expected() -> None:
    """Each unmutated instance verifies through its entry point (the forgeries of the DID corpus
    and the revoked credential of the status corpus are refused, with codes)."""
    wrong = []
    for target in ct.all_targets():
        outcome = target.verify(copy.deepcopy(target.base))
        refused = any(marker in target.name for marker in _REFUSED_BASES)
        if (
            outcome.raised is not None
            or outcome.verified == refused
            or not (outcome.verified or outcome.codes)
        ):
            wrong.append((target.name, outcome.verified, outcome.codes, outcome.raised))
    assert not wrong


def test_adverse_conditions_refuse_every_original() -> None:
    """The oracles rely on these verifiers refusing the originals: otherwise they prove nothing."""
    w = cw.world()
    for name, verifier in w.adverse().items():
        for issued in w.issued.values():
            for value in (issued.credential, issued.sd_jwt):
                assert not verifier.verify_credential(value).verified, (name, issued.suite)
        for vp in w.vps.values():
            result = verifier.verify_presentation(vp, challenge=cw.CHALLENGE, domain=cw.DOMAIN)
            assert not result.verified, name
        assert not verifier.verify_presentation(w.kb, nonce=cw.NONCE, audience=cw.DOMAIN).verified
    honest = w.verifier()
    assert not honest.verify_presentation(
        w.vps["rdfc"], challenge="other", domain=cw.DOMAIN
    ).verified
    assert not honest.verify_presentation(w.kb, nonce=cw.NONCE, audience="other.example").verified


def test_forgeries_verify_where_their_key_is_really_authorised() -> None:
    """The DID corpus's forgeries fail only for want of authorisation: a document that really
    lists their key as an assertion key makes them verify (so their refusals mean something)."""
    w = cw.world()
    promoted = copy.deepcopy(cw.DOC)
    promoted["assertionMethod"] = [cw.LA.did + "#key-1", cw.LA.did + "#key-2"]
    replaced = copy.deepcopy(cw.DOC)
    replaced["verificationMethod"][0]["publicKeyMultibase"] = cw.multikey(cw.ATTACKER.public_key)
    for name, doc in (("auth-key-as-assertion", promoted), ("attacker-key-as-key-1", replaced)):
        resolver = CompositeResolver({"web": LocalDidResolver([doc])})
        result = verify_proof(
            w.forged[name],
            resolver=resolver,
            clock=FixedClock(cw.NOW),
            expected_controller=cw.LA.did,
        )
        assert result.verified, (name, result.errors)
        assert ct.legit_authorization(doc, name)


def _planted(verify: Any) -> ct.Report:
    """One small target whose entry point is replaced by a broken one."""
    base = next(t for t in ct.all_targets() if t.instance == "di-rdfc")
    target = ct.Target(
        base.instance,
        "planted",
        base.base,
        verify,
        {g: base.generators[g] for g in ("key-reorder", "value-change")},
        base.traits,
        oracle=base.oracle,
    )
    report = ct.Report(PROFILE)
    ct.run_target(target, PROFILE, report)
    return report


def test_the_harness_catches_planted_bugs(monkeypatch: pytest.MonkeyPatch) -> None:
    accept_all = _planted(lambda value: ct.Outcome(True, ()))
    assert accept_all.problems("false-accept")
    # A known bug turns its findings into expected failures, listed apart.
    bug = ct.KnownBug("planted", "via planted", "false-accept", "", "a planted bug")
    monkeypatch.setattr(ct, "KNOWN_BUGS", (bug,))
    known = _planted(lambda value: ct.Outcome(True, ()))
    assert known.known and not known.problems("false-accept")
    assert "known src bugs" in known.summary()
    monkeypatch.undo()
    refuse_all = _planted(lambda value: ct.Outcome(False, ("X",)))
    assert refuse_all.problems("neutral-rejection")
    assert not refuse_all.problems("false-accept")

    def boom(value: Any) -> ct.Outcome:
        raise ValueError("planted")

    assert _planted(lambda value: boom(value)).problems("uncaught-exception")
    assert _planted(lambda value: ct.Outcome(False, ())).problems("refused-without-code")
    internal = _planted(lambda value: ct.Outcome(False, ("INTERNAL_ERROR",)))
    assert internal.problems("internal-error")


def test_an_accepted_neutral_case_must_still_pass_its_oracle() -> None:
    """A "neutral" change that was accepted although the signed graph differs is caught."""
    target = next(t for t in ct.all_targets() if t.name == "di-rdfc via Verifier.verify_credential")
    forged = copy.deepcopy(target.base)
    forged["credentialSubject"]["familyName"] = "김"
    real = cw.world().verifier().verify_credential(target.base)
    lying = ct.Outcome(True, (), None, real)
    mutation = Mutation("planted", forged, Expect.NEUTRAL)
    assert target.oracle is not None
    assert target.oracle("key-reorder", mutation, forged, lying) is not None


# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------


def test_attack_corpus() -> None:
    report = corpus()
    summary = report.summary()
    assert report.total >= PROFILE.minimum, summary
    for problem in (
        "false-accept",
        "uncaught-exception",
        "internal-error",
        "neutral-rejection",
        "refused-without-code",
    ):
        found = report.problems(problem)
        assert not found, f"{len(found)} {problem} case(s):\n" + "\n".join(map(str, found[:40]))
    assert not report.findings, summary


def test_corpus_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Print the summary whatever the capture mode, and check every generator of every target
    produced cases."""
    report = corpus()
    with capsys.disabled():
        print("\n" + report.summary())
    for target in ct.all_targets():
        for generator in target.generators:
            assert report.cases[(target.instance, generator)], (target.name, generator)
    assert report.expectations["neutral"] and report.expectations["either"]


# --------------------------------------------------------------------------------------------
# Src bugs the corpus found, now fixed in src (d0daa01): exact reproductions kept as regression
# tests. A bug found later and not fixed yet goes into corpus_targets.KNOWN_BUGS (its corpus
# cases become expected failures) with a strict xfail reproduction here.
# --------------------------------------------------------------------------------------------


def _trust_list_with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(cw.world().trust_list)
    node: Any = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


def _verify_trust_list(doc: Any) -> Any:
    return verify_trust_list(
        doc, root_did=cw.ROOT.controller, resolver=cw.RESOLVER, clock=FixedClock(cw.NOW)
    )


@pytest.mark.parametrize("state", [["active"], {"@value": "active"}], ids=["array", "object"])
def test_found_trust_list_state_of_another_json_type_is_refused(state: Any) -> None:
    """Was: ``TypeError: unhashable type`` out of verify_trust_list, from_trust_list and
    parse_trust_list (``state not in MISSION_STATES`` on a list or object)."""
    doc = _trust_list_with(("credentialSubject", "missions", 0, "state"), state)
    result = _verify_trust_list(doc)
    assert not result.verified and result.errors
    with pytest.raises(KrOvidError):
        TrustListRegistry.from_trust_list(
            doc, root_did=cw.ROOT.controller, resolver=cw.RESOLVER, clock=FixedClock(cw.NOW)
        )


def test_found_trust_list_with_a_lone_surrogate_is_refused() -> None:
    """Was: ``CanonicalizationError: JCS failed`` out of verify_trust_list (the content digest
    of a list whose strings hold a lone surrogate)."""
    name = cw.world().trust_list["credentialSubject"]["missions"][0]["nameKo"]
    doc = _trust_list_with(("credentialSubject", "missions", 0, "nameKo"), name + "\ud800")
    result = _verify_trust_list(doc)
    assert not result.verified and result.errors


@pytest.mark.parametrize(
    "relationship",
    ["keyAgreement", "authentication", "capabilityInvocation", "capabilityDelegation"],
)
def test_found_key_embedded_for_another_relationship_signs_nothing(relationship: str) -> None:
    """Was: a false accept. The attacker's key, embedded as ``#key-1`` in another relationship
    and referenced from ``assertionMethod``, verified a credential it signed (DID Core: an
    embedded method is authorised only for the relationship that embeds it)."""
    key1 = cw.LA.did + "#key-1"
    doc = copy.deepcopy(cw.DOC)
    doc["verificationMethod"] = [m for m in doc["verificationMethod"] if m["id"] != key1]
    embedded = {
        "id": key1,
        "type": "Multikey",
        "controller": cw.LA.did,
        "publicKeyMultibase": cw.multikey(cw.ATTACKER.public_key),
    }
    doc[relationship] = [r for r in doc.get(relationship, []) if r != key1] + [embedded]
    assert doc["assertionMethod"] == [key1]  # a reference, to a key embedded elsewhere
    forged = cw.world().forged["attacker-key-as-key-1"]
    try:
        resolver = CompositeResolver({"web": LocalDidResolver([doc])})
    except KrOvidError:
        return  # refusing the document is one right answer
    result = verify_proof(
        forged, resolver=resolver, clock=FixedClock(cw.NOW), expected_controller=cw.LA.did
    )
    assert not result.verified and result.errors


def test_found_local_did_resolver_survives_a_deep_document() -> None:
    """Was: ``RecursionError`` out of LocalDidResolver (DidDocument.from_json deep-copied the
    caller's document without a depth bound)."""
    doc = copy.deepcopy(cw.DOC)
    doc["deep"] = nested(100_000)
    with contextlib.suppress(KrOvidError):  # refusing it is fine, accepting it too
        LocalDidResolver([doc])  # a RecursionError is not
