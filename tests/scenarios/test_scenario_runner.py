"""Tests of the scenario runner itself (``test_scenarios.py``: the YAML loader, :class:`Scenario`
and ``check_expectation``), not of the library: the runner must accept what it documents, refuse
malformed cases with a message that names the case and the fault, report a wrong expectation as
a failure instead of passing everything, and move the one clock the world shares.

Cases are written as YAML into a temporary ``cases`` directory and loaded by the runner's own
``load_cases``; they run against a fresh world (the ``world`` fixture of ``conftest.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import test_scenarios as runner
import yaml

from kr_ovid.challenges import DEFAULT_TTL
from kr_ovid.clock import parse_datetime_stamp

from world import START, World, duration

Case = dict[str, Any]
Load = Callable[..., list[Any]]

MINIMAL = """
- name: minimal
  service: gov24/login
  expect: {verified: true}
"""
#: A case that fails verification the way the catalogue's ``di-wrong-challenge`` does.
WRONG_CHALLENGE: Case = {
    "name": "wrong-challenge",
    "service": "gov24/login",
    "present": {"challenge": "wrong"},
    "expect": {
        "verified": False,
        "errors": ["INVALID_CHALLENGE_ERROR"],
        "paths_include": ["/proof/challenge"],
        "retryable": False,
    },
}


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Load:
    """Write YAML files (text, or a case / list of cases as data) and load them all."""
    directory = tmp_path / "cases"
    directory.mkdir()
    monkeypatch.setattr(runner, "CASES", directory)

    def load(*files: str | Case | list[Case]) -> list[Any]:
        for n, content in enumerate(files):
            text = content if isinstance(content, str) else yaml.safe_dump(content)
            (directory / f"{n:02d}-probe.yaml").write_text(text, encoding="utf-8")
        return list(runner.load_cases())

    return load


def case(**fields: Any) -> Case:
    """The minimal valid case with ``fields`` added or replaced."""
    out: Case = {"name": "probe", "service": "gov24/login", "expect": {"verified": True}}
    out.update(fields)
    return out


def only(params: list[Any]) -> Case:
    assert len(params) == 1
    loaded: Case = params[0].values[0]
    return loaded


def run(world: World, scenario: Case) -> runner.Scenario:
    s = runner.Scenario(world, scenario)
    s.run()
    return s


# ---------------------------------------------------------------------------------------------
# Loading: what the runner accepts
# ---------------------------------------------------------------------------------------------
def test_minimal_scenario_loads_and_passes(load: Load, world: World) -> None:
    params = load(MINIMAL)
    assert [p.id for p in params] == ["minimal"] and list(params[0].marks) == []
    runner.test_scenario(world, only(params))  # the catalogue's own test function


def test_minimal_sd_jwt_scenario_with_a_second_round_passes(load: Load, world: World) -> None:
    scenario = only(
        load(
            case(
                issue={"format": "sd-jwt"},
                expect={"verified": True, "claims": {"familyName": "홍"}},
                then=[{"expect": {"verified": True}}],
            )
        )
    )
    run(world, scenario)


def test_a_file_may_hold_one_mapping_or_a_list(load: Load) -> None:
    params = load(case(name="single"), [case(name="first"), case(name="second")])
    assert [p.id for p in params] == ["single", "first", "second"]


def test_xfail_cases_are_strict(load: Load) -> None:
    (param,) = load(case(xfail="library bug #1"))
    (mark,) = param.marks
    assert mark.name == "xfail"
    assert mark.kwargs == {"reason": "library bug #1", "strict": True}


def test_every_documented_key_is_accepted(load: Load) -> None:
    full = case(
        description="all keys",
        policy={"max_presentation_age": "60s", "skew": "60s"},
        issue={
            "mission": "us-losangeles", "holder": "alice", "format": "di", "person": {},
            "copies": 1, "at": "-1d", "valid_from": "-1d", "valid_until": "+10d",
            "key": "current", "also": [],
        },
        before_issue=[], actions=[],
        present={
            "presenter": "alice", "copy": 0, "disclose": [], "challenge": "issued",
            "domain": "gov24.example", "suite": "eddsa-rdfc-2022",
        },
        after_present=[], verify={"mode": "presentation"},
        expect={
            "verified": True, "claims": {}, "absent": [], "errors": [], "errors_include": [],
            "paths_include": [], "retryable": False,
        },
        then=[
            {
                "description": "again", "actions": [], "present": {}, "after_present": [],
                "verify": {}, "expect": {"verified": True}, "replay": False, "policy": {},
                "service": "gov24/login",
            }
        ],
    )  # fmt: skip
    assert only(load(full)) == full


# ---------------------------------------------------------------------------------------------
# Loading: malformed cases are refused, naming the file, the case and the fault
# ---------------------------------------------------------------------------------------------
def _without(key: str) -> Case:
    out = case()
    del out[key]
    return out


MALFORMED: list[tuple[str, Case, str]] = [
    ("unknown top-level key", case(expcet={"verified": True}), r"probe: unknown keys \['expcet'\]"),
    ("missing name", _without("name"), r"<unnamed>: 'name' is required"),
    ("missing service", _without("service"), r"probe: 'service' is required"),
    ("missing expectation", _without("expect"), r"probe: 'expect' is required"),
    ("expectation without verified", case(expect={"errors": []}), "expect.verified is required"),
    ("unknown expect key", case(expect={"verified": False, "error": ["X"]}),
     r"probe/expect: unknown keys \['error'\]"),
    ("unknown service", case(service="gov25/login"), "unknown service 'gov25/login'"),
    ("unknown issue key", case(issue={"holdr": "bob"}), r"probe/issue: unknown keys \['holdr'\]"),
    ("unknown format", case(issue={"format": "mdoc"}), "probe: unknown format"),
    ("unknown present key", case(present={"copi": 1}), r"probe/present: unknown keys \['copi'\]"),
    ("unknown round key", case(then=[{"action": [], "expect": {"verified": True}}]),
     r"probe/then/0: unknown keys \['action'\]"),
    ("round without expectation", case(then=[{"actions": ["revoke"]}]),
     "probe/then/0: 'expect' is required"),
    ("round expectation without verified", case(then=[{"expect": {"errors": ["X"]}}]),
     "expect.verified is required"),
    ("unknown round expect key", case(then=[{"expect": {"verified": True, "claim": {}}}]),
     r"probe/expect: unknown keys \['claim'\]"),
    ("replay in the first round", case(replay=True), r"probe: unknown keys \['replay'\]"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("scenario", "message"), [(c, m) for _, c, m in MALFORMED], ids=[i for i, _, _ in MALFORMED]
)
def test_malformed_case_is_refused(load: Load, scenario: Case, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        load(scenario)
    assert str(caught.value).startswith("00-probe.yaml: ")  # the file is named too


def test_duplicate_names_are_refused_across_files(load: Load) -> None:
    with pytest.raises(ValueError, match=r"01-probe\.yaml: duplicate case name 'probe'"):
        load(case(), case(expect={"verified": False}))


def test_a_malformed_case_stops_the_whole_load(load: Load) -> None:
    """One bad case is not skipped silently while its neighbours load."""
    with pytest.raises(ValueError, match="bad: unknown keys"):
        load([case(name="good"), case(name="bad", oops=1), case(name="also-good")])


def test_the_catalogue_loads_with_unique_ids() -> None:
    ids = [p.id for p in runner.ALL_CASES]
    assert len(ids) == len(set(ids)) >= 20
    assert ids == [p.values[0]["name"] for p in runner.ALL_CASES]


# ---------------------------------------------------------------------------------------------
# Running: malformed steps fail with a clear message (the loader does not see inside steps)
# ---------------------------------------------------------------------------------------------
RUN_ERRORS: list[tuple[str, Case, type[Exception], str]] = [
    ("unknown action", case(actions=["revok"]), ValueError, "unknown world action 'revok'"),
    ("unknown action with argument", case(actions=[{"advanse": "1d"}]), ValueError,
     "unknown world action 'advanse'"),
    ("unknown action before issuance", case(before_issue=["rotate"]), ValueError,
     "unknown world action 'rotate'"),
    ("unknown tampering", case(after_present=[{"tamper_credentail": {"path": "/id"}}]),
     ValueError, "unknown tampering 'tamper_credentail'"),
    ("unknown challenge mode", case(present={"challenge": "stale"}), ValueError,
     "unknown challenge mode 'stale'"),
    ("unknown signing key", case(issue={"key": "old"}), ValueError, "unknown key choice 'old'"),
    ("bad duration in advance", case(actions=[{"advance": "10 days"}]), ValueError,
     "not a duration: '10 days'"),
    ("bad duration in after_present", case(after_present=[{"advance": "1w"}]), ValueError,
     "not a duration: '1w'"),
    ("bad duration in issue.at", case(issue={"at": "yesterday"}), ValueError,
     "not a duration: 'yesterday'"),
    ("bad duration in issue.valid_until", case(issue={"valid_until": "10"}), ValueError,
     "not a duration: '10'"),
    ("bad duration in policy", case(policy={"max_presentation_age": "1 min"}), ValueError,
     "not a duration: '1 min'"),
    ("unknown policy field", case(policy={"max_age": "60s"}), TypeError, "max_age"),
    ("unknown holder", case(issue={"holder": "carol"}), KeyError, "carol"),
    ("unknown service in a later round", case(then=[{"service": "gov25", "expect": {
        "verified": True}}]), KeyError, "gov25"),
    ("replay without a presentation", case(verify={"mode": "credential"}, then=[{
        "replay": True, "expect": {"verified": False}}]), AssertionError,
     "replay needs an earlier presentation"),
    ("retired key before any rotation", case(issue={"key": "retired"}), AssertionError,
     "rotate the key before signing with a retired one"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("scenario", "error", "message"),
    [(c, e, m) for _, c, e, m in RUN_ERRORS],
    ids=[i for i, _, _, _ in RUN_ERRORS],
)
def test_malformed_step_fails_the_run(
    load: Load, world: World, scenario: Case, error: type[Exception], message: str
) -> None:
    loaded = only(load(scenario))  # the loader lets these through: they fail when run
    with pytest.raises(error, match=message):
        run(world, loaded)


def test_an_unknown_error_code_fails_showing_the_actual_codes(load: Load, world: World) -> None:
    """Expected codes are strings compared with what the verifier said: a misspelt one fails
    the case (naming the actual codes), it is not silently accepted."""
    wrong = copy.deepcopy(WRONG_CHALLENGE)
    wrong["expect"]["errors"] = ["INVALID_CHALENGE_ERROR"]
    with pytest.raises(AssertionError, match=r"round 0: verified=False.*'INVALID_CHALLENGE_ERROR'"):
        run(world, only(load(wrong)))


# ---------------------------------------------------------------------------------------------
# A wrong expectation is reported as a failure: the runner does not pass everything
# ---------------------------------------------------------------------------------------------
def test_the_reference_failure_case_passes(load: Load, world: World) -> None:
    run(world, only(load(WRONG_CHALLENGE)))


MUTATIONS: list[tuple[str, dict[str, Any], str]] = [
    ("says verified", {"verified": True}, r"round 0: verified=False"),
    ("code missing from the exact set", {"errors": []}, "INVALID_CHALLENGE_ERROR"),
    ("an extra code in the exact set", {"errors": ["INVALID_CHALLENGE_ERROR", "POLICY_ERROR"]},
     "INVALID_CHALLENGE_ERROR"),
    ("another code", {"errors": ["INVALID_DOMAIN_ERROR"]}, "INVALID_CHALLENGE_ERROR"),
    ("errors_include not among the codes", {"errors_include": ["CREDENTIAL_REVOKED"]},
     "round 0"),
    ("paths_include not among the paths", {"paths_include": ["/proof/domain"]},
     "/proof/challenge"),
    ("retryable", {"retryable": True}, "round 0"),
]  # fmt: skip


@pytest.mark.parametrize("change", [m for _, m, _ in MUTATIONS], ids=[i for i, _, _ in MUTATIONS])
def test_a_wrong_expectation_of_a_refusal_fails(load: Load, world: World, change: Case) -> None:
    wrong = copy.deepcopy(WRONG_CHALLENGE)
    wrong["expect"].update(change)
    message = next(m for _, c, m in MUTATIONS if c is change)
    with pytest.raises(AssertionError, match=message):
        run(world, only(load(wrong)))


SUCCESS_MUTATIONS: list[tuple[str, Case, str]] = [
    ("says refused", {"verified": False}, r"round 0: verified=True errors=\[\]"),
    ("says refused with a code", {"verified": False, "errors": ["CREDENTIAL_REVOKED"]},
     r"verified=True"),
    ("wrong claim value", {"verified": True, "claims": {"familyName": "김"}},
     r"familyName='홍', expected '김'"),
    ("claim not disclosed", {"verified": True, "claims": {"passportNumber": "M123A4567"}},
     "passportNumber not disclosed"),
    ("errors expected on success", {"verified": True, "errors": ["POLICY_ERROR"]}, "round 0"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("expect", "message"),
    [(e, m) for _, e, m in SUCCESS_MUTATIONS],
    ids=[i for i, _, _ in SUCCESS_MUTATIONS],
)
def test_a_wrong_expectation_of_a_success_fails(
    load: Load, world: World, expect: Case, message: str
) -> None:
    scenario = case(issue={"format": "sd-jwt"}, expect=expect)  # discloses the login claims
    with pytest.raises(AssertionError, match=message):
        run(world, only(load(scenario)))


def test_a_disclosed_claim_expected_absent_fails(load: Load, world: World) -> None:
    scenario = case(expect={"verified": True, "absent": ["passportNumber"]})  # DI: everything
    with pytest.raises(AssertionError, match="passportNumber was disclosed"):
        run(world, only(load(scenario)))


def test_a_wrong_expectation_in_a_later_round_fails_naming_the_round(
    load: Load, world: World
) -> None:
    scenario = case(then=[{"expect": {"verified": True}}, {"expect": {"verified": False}}])
    with pytest.raises(AssertionError, match=r"round 2: verified=True"):
        run(world, only(load(scenario)))


@pytest.mark.parametrize(
    "name",
    ["gov24-login-sd-jwt", "di-wrong-challenge", "di-expired", "sd-jwt-replay"],
)
def test_flipping_a_catalogue_verdict_fails(world: World, name: str) -> None:
    """Catalogue cases (a success, refusals, a two-round replay) fail once their last expected
    verdict is flipped: the expectations are really checked against the results."""
    original = next(p.values[0] for p in runner.ALL_CASES if p.id == name)
    flipped = copy.deepcopy(original)
    last = (flipped.get("then") or [flipped])[-1]["expect"]
    last.clear()
    last["verified"] = not (original.get("then") or [original])[-1]["expect"]["verified"]
    with pytest.raises(AssertionError, match="verified="):
        run(world, flipped)


# ---------------------------------------------------------------------------------------------
# Time: the steps that advance move the one clock every component reads
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("steps", "moved"),
    [
        (["10d"], timedelta(days=10)),
        (["1h", "30m"], timedelta(minutes=90)),
        (["+2h", "-90m"], timedelta(minutes=30)),
        (["1500ms", 3], timedelta(seconds=4.5)),
    ],
)
def test_advance_actions_move_the_clock(
    load: Load, world: World, steps: list[str | int], moved: timedelta
) -> None:
    assert world.clock.now() == START
    run(world, only(load(case(actions=[{"advance": s} for s in steps]))))
    assert world.clock.now() == START + moved


def test_advance_moves_the_verifier_too(
    load: Load, world: World, world_factory: Callable[..., World]
) -> None:
    """10 days of validity: presented on day 9 it verifies, on day 11 it does not."""
    ok = case(issue={"valid_until": "+10d"}, actions=[{"advance": "9d"}])
    run(world, only(load(ok)))
    assert world.clock.now() == START + timedelta(days=9)
    late = case(
        name="late",
        issue={"valid_until": "+10d"},
        actions=[{"advance": "11d"}],
        expect={"verified": False, "errors": ["VALIDITY_PERIOD_ERROR"]},
    )
    fresh = world_factory()
    run(fresh, only(load(late)))
    assert fresh.clock.now() == START + timedelta(days=11)


def test_advance_after_presenting_ages_the_presentation(load: Load, world: World) -> None:
    """``after_present: [{advance}]`` sits between presenting and verifying: 119 s late is
    within 60 s + 60 s of skew, 121 s is not."""
    policy = {"max_presentation_age": "60s", "skew": "60s"}
    run(world, only(load(case(policy=policy, after_present=[{"advance": "119s"}]))))
    stale = case(
        policy=policy,
        after_present=[{"advance": "121s"}],
        expect={"verified": False, "errors": ["PRESENTATION_EXPIRED"]},
    )
    run(world, only(load(stale)))
    assert world.clock.now() == START + timedelta(seconds=240)


def test_issue_at_moves_the_clock_only_for_issuance(load: Load, world: World) -> None:
    scenario = only(load(case(issue={"at": "-60d", "valid_from": "+1h", "valid_until": "+90d"})))
    s = run(world, scenario)
    assert world.clock.now() == START  # restored after issuing
    assert s.issued is not None
    credential = s.issued.credential
    assert parse_datetime_stamp(credential["validFrom"]) == START - timedelta(days=60) + timedelta(
        hours=1
    )
    assert parse_datetime_stamp(credential["validUntil"]) == START + timedelta(days=30)


def test_an_expired_challenge_advances_past_its_lifetime(load: Load, world: World) -> None:
    scenario = case(
        present={"challenge": "expired"},
        expect={"verified": False, "errors": ["INVALID_CHALLENGE_ERROR"]},
    )
    run(world, only(load(scenario)))
    assert world.clock.now() == START + DEFAULT_TTL + timedelta(seconds=1)


def test_the_clock_carries_over_between_rounds(load: Load, world: World) -> None:
    scenario = case(
        issue={"valid_until": "+10d"},
        then=[
            {"actions": [{"advance": "6d"}], "expect": {"verified": True}},
            {
                "actions": [{"advance": "6d"}],  # 12 days in total
                "expect": {"verified": False, "errors": ["VALIDITY_PERIOD_ERROR"]},
            },
        ],
    )
    run(world, only(load(scenario)))
    assert world.clock.now() == START + timedelta(days=12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("300s", timedelta(seconds=300)),
        ("-5m", timedelta(minutes=-5)),
        ("+2h", timedelta(hours=2)),
        ("10d", timedelta(days=10)),
        ("250ms", timedelta(milliseconds=250)),
        (" 1h ", timedelta(hours=1)),
        (90, timedelta(seconds=90)),
        (1.5, timedelta(seconds=1.5)),
    ],
)
def test_duration_syntax(text: str | float, expected: timedelta) -> None:
    assert duration(text) == expected


@pytest.mark.parametrize("text", ["10 days", "1w", "5", "", "m5", "1.5h", "--1d", "True", True])
def test_bad_durations_are_refused(text: str | bool) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        duration(text)


# ---------------------------------------------------------------------------------------------
# Gaps the runner once had: a misspelt verify mode, claims expected of a refused case
# ---------------------------------------------------------------------------------------------
def test_unknown_verify_mode_is_refused(load: Load) -> None:
    with pytest.raises(ValueError, match="credentail"):
        load(case(verify={"mode": "credentail"}))


def test_claims_expected_of_a_refusal_are_reported(load: Load, world: World) -> None:
    contradictory = copy.deepcopy(WRONG_CHALLENGE)
    contradictory["expect"]["claims"] = {"familyName": "홍"}
    with pytest.raises((ValueError, AssertionError)):
        run(world, only(load(contradictory)))
