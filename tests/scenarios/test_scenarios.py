"""End-to-end scenarios from ``cases/*.yaml``: issue at a mission, change the world, present to a
service, verify, and compare with the expected result.

A case (one YAML mapping; a file holds a list of them)::

    name: gov24-login-di                 # unique; the test id
    description: ...
    xfail: "<reason>"                    # optional: a library bug; strict xfail
    service: gov24/login                 # gov24/{login,certificates} ok365/{...} age-check
    policy: {max_presentation_age: 60s}  # optional VerifierPolicy overrides
    issue:                               # all optional
      mission: us-losangeles
      holder: alice                      # alice | bob
      format: di                         # di | sd-jwt | di-enveloped-sd-jwt | status-list
      person: {passportNumber: null}     # overrides of the default person (null removes)
      copies: 1                          # SD-JWT batch size (one cnf key per copy)
      at: -60d                           # issue with the clock moved by this much
      valid_from: +1d                    # relative to the issuance time
      valid_until: +10d
      key: current                       # current | retired (sign with the rotated-out key)
      also: [{mission: nz-auckland, holder: bob}]  # more DI IDs in the same presentation
    before_issue: [<world action>, ...]
    actions: [<world action>, ...]       # between issuance and presentation
    present:                             # how the holder presents (all optional)
      presenter: alice                   # another holder presents the credential
      copy: 0                            # which SD-JWT copy
      disclose: [familyName, ...]        # SD-JWT claims (default: what the policy requires)
      challenge: issued                  # issued | wrong | unissued | other-audience | expired
      domain: gov24.example              # what the holder binds (default: the service's)
      suite: eddsa-rdfc-2022
    after_present: [<tampering>, ...]
    verify: {mode: presentation}         # presentation | credential
    expect:
      verified: true
      claims: {familyName: 홍}            # subset of the disclosed claims
      absent: [passportNumber]           # claims that must not be disclosed
      errors: [CREDENTIAL_REVOKED]       # the exact set of error codes
      errors_include: [...]              # codes that must be among the errors
      paths_include: [/credentialStatus/0]
      retryable: true
    then:                                # further rounds (fresh challenge unless replay: true)
      - actions: [unsuspend]
        expect: {verified: true}

World actions: ``revoke``, ``suspend``, ``unsuspend`` (optionally ``{suspend: {copy: 1}}``),
``rotate_key``, ``compromise_key``, ``{advance: 10d}``, ``status_unavailable``,
``did_unavailable``, ``{trust_list: {<code>: {state: suspended}}}``, ``status_list_frozen`` (the
mission's status server keeps serving what it first published), ``{status_list_forged: <code>}``
(the status server serves a list signed by another mission).

Tampering: ``{tamper_credential: {path, value | remove: true, resign: true, suite}}`` (the
credential inside a DI presentation, or the credential itself in credential mode),
``{tamper_presentation: {path, value | remove: true, resign: false}}``,
``resign_without_created``, ``{tamper_disclosure: {claim, value}}``,
``{tamper_jws_payload: {path, value}}``, ``drop_kb_jwt``, ``{append_disclosure: claim}``,
``{advance: 11m}``.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from kr_ovid.challenges import DEFAULT_TTL
from kr_ovid.holder import Holder
from kr_ovid.integrity import add_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.results import VerificationResult
from kr_ovid.sdjwt.disclosure import split_sd_jwt
from kr_ovid.sdjwt.holder import create_kb_jwt, present

from world import SERVICES, START, Issued, World, duration

CASES = Path(__file__).resolve().parent / "cases"

_CASE_KEYS = {
    "name",
    "description",
    "xfail",
    "service",
    "policy",
    "issue",
    "before_issue",
    "actions",
    "present",
    "after_present",
    "verify",
    "expect",
    "then",
}
_ROUND_KEYS = {
    "description",
    "actions",
    "present",
    "after_present",
    "verify",
    "expect",
    "replay",
    "policy",
    "service",
}
_ISSUE_KEYS = {
    "mission",
    "holder",
    "format",
    "person",
    "copies",
    "at",
    "valid_from",
    "valid_until",
    "key",
    "also",
}
_PRESENT_KEYS = {"presenter", "copy", "disclose", "challenge", "domain", "suite"}
_EXPECT_KEYS = {
    "verified",
    "claims",
    "absent",
    "errors",
    "errors_include",
    "paths_include",
    "retryable",
}
_FORMATS = {"di", "sd-jwt", "di-enveloped-sd-jwt", "status-list"}
_DURATION_POLICY = {"max_presentation_age", "skew"}
_SET_POLICY = {
    "accepted_types",
    "required_claims",
    "allowed_claims",
    "required_true",
    "allowed_formats",
    "allowed_suites",
}


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------
def _check_keys(where: str, mapping: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = set(mapping) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")


def _validate(case: Mapping[str, Any], source: str) -> None:
    where = f"{source}: {case.get('name', '<unnamed>')}"
    _check_keys(where, case, _CASE_KEYS)
    for required in ("name", "service", "expect"):
        if required not in case:
            raise ValueError(f"{where}: '{required}' is required")
    if case["service"] not in SERVICES:
        raise ValueError(f"{where}: unknown service {case['service']!r}")
    _check_keys(f"{where}/issue", case.get("issue") or {}, _ISSUE_KEYS)
    if (case.get("issue") or {}).get("format", "di") not in _FORMATS:
        raise ValueError(f"{where}: unknown format")
    rounds = [case, *(case.get("then") or [])]
    for i, rnd in enumerate(rounds):
        if i:
            _check_keys(f"{where}/then/{i - 1}", rnd, _ROUND_KEYS)
            if "expect" not in rnd:
                raise ValueError(f"{where}/then/{i - 1}: 'expect' is required")
        _check_keys(f"{where}/present", rnd.get("present") or {}, _PRESENT_KEYS)
        verify = rnd.get("verify") or {}
        _check_keys(f"{where}/verify", verify, {"mode"})
        if verify.get("mode", "presentation") not in ("presentation", "credential"):
            raise ValueError(f"{where}: unknown verify mode {verify.get('mode')!r}")
        _check_keys(f"{where}/expect", rnd["expect"], _EXPECT_KEYS)
        if "verified" not in rnd["expect"]:
            raise ValueError(f"{where}: expect.verified is required")
        if not rnd["expect"]["verified"] and (
            rnd["expect"].get("claims") or rnd["expect"].get("absent")
        ):
            raise ValueError(f"{where}: a refused case discloses no claims to expect")


def load_cases() -> Iterator[Any]:
    seen: set[str] = set()
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data if isinstance(data, list) else [data]:
            _validate(case, path.name)
            if case["name"] in seen:
                raise ValueError(f"{path.name}: duplicate case name {case['name']!r}")
            seen.add(case["name"])
            marks = []
            if case.get("xfail"):
                marks.append(pytest.mark.xfail(reason=str(case["xfail"]), strict=True))
            yield pytest.param(case, id=case["name"], marks=marks)


ALL_CASES = list(load_cases())


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def _pointer(path: str) -> list[str | int]:
    if not path.startswith("/"):
        raise ValueError(f"not a JSON pointer: {path!r}")
    out: list[str | int] = []
    for raw in path[1:].split("/"):
        seg = raw.replace("~1", "/").replace("~0", "~")
        out.append(int(seg) if seg.isdigit() else seg)
    return out


def _edit(document: Any, path: str, spec: Mapping[str, Any]) -> None:
    """Set (``value``), remove (``remove: true``) or append to a list (``append``) at ``path``."""
    segments = _pointer(path)
    parent = document
    for seg in segments[:-1]:
        parent = parent[seg]
    last = segments[-1]
    if isinstance(parent, list) and isinstance(last, str):
        raise ValueError(f"list index expected at {path}")
    if spec.get("remove"):
        del parent[last]
    elif "append" in spec:
        target = parent[last]
        if not isinstance(target, list):
            parent[last] = [target]
        parent[last].append(spec["append"])
    else:
        parent[last] = spec["value"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _disclosure_for(sd_jwt: str, claim: str) -> tuple[int, list[Any]]:
    parts = split_sd_jwt(sd_jwt)
    for i, encoded in enumerate(parts.disclosures):
        decoded = json.loads(_unb64(encoded))
        if len(decoded) == 3 and decoded[1] == claim:
            return i, decoded
    raise AssertionError(f"no disclosure for {claim!r}")


def _policy_overrides(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        if key in _DURATION_POLICY:
            out[key] = duration(value)
        elif key in _SET_POLICY:
            out[key] = frozenset(value)
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------------------------------------
# Running a case
# ---------------------------------------------------------------------------------------------
class Scenario:
    def __init__(self, world: World, case: Mapping[str, Any]) -> None:
        self.w = world
        self.case = case
        spec = case.get("issue") or {}
        self.spec = spec
        self.format: str = spec.get("format", "di")
        self.mission: str = spec.get("mission", "us-losangeles")
        self.holder: str = spec.get("holder", "alice")
        self.issued: Issued | None = None
        self.foreign: dict[str, Any] | None = None  # a credential of another kind (status-list)
        self.last: tuple[Any, str, str] | None = None  # presentation, challenge, domain
        self.copy_index = 0
        self.also: list[Issued] = []
        self.signing: tuple[Ed25519Signer, str, str, str] | None = (
            None  # key, challenge, domain, suite
        )

    # -- world -------------------------------------------------------------------------------
    def world_action(self, action: Any) -> None:
        name, arg = (action, None) if isinstance(action, str) else next(iter(action.items()))
        w = self.w
        if name == "advance":
            w.clock.advance(duration(arg))
        elif name in ("revoke", "suspend", "unsuspend"):
            assert self.issued is not None
            purpose = "revocation" if name == "revoke" else "suspension"
            copy_index = (arg or {}).get("copy", self.copy_index)
            w.set_status(
                self.issued,
                purpose,
                0 if name == "unsuspend" else 1,
                None if self.format == "di" else copy_index,
            )
        elif name == "rotate_key":
            w.rotate_key(arg or self.mission)
        elif name == "compromise_key":
            assert self.issued is not None
            w.compromise_key(self.issued.mission, self.issued.signer.verification_method)
        elif name == "status_unavailable":
            w.unavailable_status.add(arg or self.mission)
        elif name == "did_unavailable":
            w.unavailable_did.add(arg or self.mission)
        elif name == "status_list_forged":
            w.forged_status[self.mission] = arg
        elif name == "status_list_frozen":
            w.freeze_status(arg or self.mission)
        elif name == "trust_list":
            w.update_trust_list(arg)
        else:
            raise ValueError(f"unknown world action {name!r}")

    def issue(self) -> None:
        spec = self.spec
        w = self.w
        back = w.clock.now()
        if "at" in spec:
            w.clock.advance(duration(spec["at"]))
        now = w.clock.now()
        if self.format == "status-list":
            # The mission's own, validly signed revocation list, passed off as an ID.
            seedling = w.issue(mission=self.mission, holder=self.holder)
            list_id, _ = seedling.allocation(None)
            url = f"{w.status_base(self.mission)}/{list_id}/revocation"
            self.foreign = copy.deepcopy(dict(w.fetch_status_list(url)))
        else:
            formats = {"di": ("di",), "sd-jwt": ("sd-jwt",), "di-enveloped-sd-jwt": ("sd-jwt",)}
            self.issued = w.issue(
                mission=self.mission,
                holder=self.holder,
                person=spec.get("person"),
                formats=formats[self.format],
                copies=int(spec.get("copies", 1)),
                valid_from=now + duration(spec["valid_from"]) if "valid_from" in spec else None,
                valid_until=now + duration(spec["valid_until"]) if "valid_until" in spec else None,
                key=spec.get("key", "current"),
            )
        for extra in spec.get("also") or []:
            self.also.append(
                w.issue(
                    mission=extra.get("mission", "us-losangeles"),
                    holder=extra.get("holder", "alice"),
                )
            )
        if "at" in spec:
            w.clock.set(back)

    # -- presenting ----------------------------------------------------------------------------
    def _disclose(
        self, pres: Mapping[str, Any], service: str, overrides: Mapping[str, Any]
    ) -> list[str]:
        chosen = pres.get("disclose", "required")
        if chosen == "required":
            policy = self.w.policy(service, **overrides)
            names = sorted(policy.required_claims | policy.required_true)
        elif chosen == "all":
            names = sorted(
                p.rsplit("/", 1)[1]
                for p, _ in self.w.holders[self.holder].wallet().disclosable(self._sd_jwt())
                if p.startswith("/credentialSubject/")
            )
        else:
            names = list(chosen)
        return [n if n.startswith("/") else f"/credentialSubject/{n}" for n in names]

    def _sd_jwt(self) -> str:
        assert self.issued is not None
        return self.issued.sd_jwt(self.copy_index)

    def _credential(self) -> dict[str, Any]:
        if self.foreign is not None:
            return self.foreign
        assert self.issued is not None
        return self.issued.credential

    def presenter_signer(self, pres: Mapping[str, Any]) -> Ed25519Signer:
        who = pres.get("presenter", self.holder)
        return self.w.holders[who].copy_signer(self.copy_index)

    def build_presentation(
        self, pres: Mapping[str, Any], service: str, overrides: Mapping[str, Any]
    ) -> tuple[Any, str, str]:
        w = self.w
        domain = w.domain(service)
        mode = pres.get("challenge", "issued")
        if mode == "issued":
            expected = held = w.challenges.issue(domain).value
        elif mode == "wrong":
            expected = w.challenges.issue(domain).value
            held = "not-" + expected
        elif mode == "unissued":
            expected = held = "never-issued-challenge-0123456789abcdef"
        elif mode == "other-audience":
            expected = held = w.challenges.issue("elsewhere.example").value
        elif mode == "expired":
            expected = held = w.challenges.issue(domain).value
            w.clock.advance(DEFAULT_TTL + duration("1s"))
        else:
            raise ValueError(f"unknown challenge mode {mode!r}")
        held_domain = pres.get("domain", domain)
        signer = self.presenter_signer(pres)
        suite = pres.get("suite", "eddsa-rdfc-2022")
        wallet = Holder(signer, clock=w.clock)
        if self.format in ("di", "status-list"):
            items = [self._credential(), *(i.credential for i in self.also)]
            vp = wallet.present(items, challenge=held, domain=held_domain, cryptosuite=suite)
        elif self.format == "di-enveloped-sd-jwt":
            disclosed = present(self._sd_jwt(), self._disclose(pres, service, overrides))
            vp = wallet.present([disclosed], challenge=held, domain=held_domain, cryptosuite=suite)
        else:  # sd-jwt
            disclosed = present(self._sd_jwt(), self._disclose(pres, service, overrides))
            vp = disclosed + create_kb_jwt(
                disclosed, signer, nonce=held, aud=held_domain, iat=w.clock.now()
            )
        self.signing = (signer, held, held_domain, suite)
        return vp, expected, domain

    # -- tampering -----------------------------------------------------------------------------
    def _resign(
        self, vp: dict[str, Any], suite: str | None, *, include_created: bool = True
    ) -> dict[str, Any]:
        assert self.signing is not None, "re-signing needs a presentation"
        signer, held, held_domain, used = self.signing
        bare = {k: v for k, v in vp.items() if k != "proof"}
        # add_proof, not sign_presentation: a forger is not bound by the holder's own checks.
        return add_proof(
            bare,
            signer,
            cryptosuite=suite or used,
            proof_purpose="authentication",
            challenge=held,
            domain=held_domain,
            created=self.w.clock.now(),
            include_created=include_created,
        )

    def tamper(self, action: Any, item: Any, *, credential_mode: bool) -> Any:
        name, arg = (action, None) if isinstance(action, str) else next(iter(action.items()))
        if name == "advance":
            self.w.clock.advance(duration(arg))
            return item
        if name == "tamper_credential":
            doc = copy.deepcopy(item)
            target = doc if credential_mode else doc["verifiableCredential"]
            _edit(target, arg["path"], arg)
            if arg.get("resign") and not credential_mode:
                doc = self._resign(doc, arg.get("suite"))
            return doc
        if name == "tamper_presentation":
            doc = copy.deepcopy(item)
            _edit(doc, arg["path"], arg)
            if arg.get("resign"):
                doc = self._resign(doc, arg.get("suite"))
            return doc
        if name == "resign_without_created":
            return self._resign(item, None, include_created=False)
        if name == "tamper_disclosure":
            assert isinstance(item, str)
            index, decoded = _disclosure_for(item, arg["claim"])
            decoded[2] = arg["value"]
            parts = item.split("~")
            parts[1 + index] = _b64(json.dumps(decoded, ensure_ascii=False).encode())
            return "~".join(parts)
        if name == "tamper_jws_payload":
            assert isinstance(item, str)
            header, payload, signature = item.split("~", 1)[0].split(".")
            claims = json.loads(_unb64(payload))
            _edit(claims, arg["path"], arg)
            forged = _b64(json.dumps(claims, separators=(",", ":")).encode())
            return ".".join([header, forged, signature]) + "~" + item.split("~", 1)[1]
        if name == "drop_kb_jwt":
            assert isinstance(item, str)
            return item[: item.rindex("~") + 1]
        if name == "append_disclosure":
            assert isinstance(item, str)
            index, _ = _disclosure_for(self._sd_jwt(), arg)
            extra = split_sd_jwt(self._sd_jwt()).disclosures[index]
            cut = item.rindex("~")
            return item[:cut] + "~" + extra + item[cut:]
        raise ValueError(f"unknown tampering {name!r}")

    # -- one round -----------------------------------------------------------------------------
    def run_round(self, rnd: Mapping[str, Any], label: str) -> None:
        service = rnd.get("service", self.case["service"])
        overrides = _policy_overrides(
            {**(self.case.get("policy") or {}), **(rnd.get("policy") or {})}
        )
        pres = rnd.get("present") or {}
        self.copy_index = int(pres.get("copy", 0))
        for action in rnd.get("actions") or []:
            self.world_action(action)
        mode = (rnd.get("verify") or {}).get("mode", "presentation")
        verifier = self.w.verifier(service, **overrides)
        if mode == "credential":
            item: Any = (
                self._credential() if self.format in ("di", "status-list") else self._sd_jwt()
            )
            for action in rnd.get("after_present") or []:
                item = self.tamper(action, item, credential_mode=True)
            result = verifier.verify_credential(item)
        else:
            if rnd.get("replay"):
                assert self.last is not None, "replay needs an earlier presentation"
                item, challenge, domain = self.last
            else:
                item, challenge, domain = self.build_presentation(pres, service, overrides)
                for action in rnd.get("after_present") or []:
                    item = self.tamper(action, item, credential_mode=False)
            self.last = (item, challenge, domain)
            result = verifier.verify_presentation(item, challenge=challenge, domain=domain)
        check_expectation(result, rnd["expect"], label)

    def run(self) -> None:
        for action in self.case.get("before_issue") or []:
            self.world_action(action)
        self.issue()
        self.run_round(self.case, "round 0")
        for i, rnd in enumerate(self.case.get("then") or [], start=1):
            self.run_round(rnd, f"round {i}")


def _claims_dict(result: VerificationResult) -> dict[str, Any]:
    claims = result.claims
    if isinstance(claims, list):
        merged: dict[str, Any] = {}
        for c in claims:
            merged.update(dict(c.claims))
        return merged
    return dict(claims.claims) if claims is not None else {}


def check_expectation(result: VerificationResult, expect: Mapping[str, Any], label: str) -> None:
    codes = sorted({c.value for c in result.codes})
    summary = f"{label}: verified={result.verified} errors={[(e.code.value, e.path, e.detail) for e in result.errors]}"
    assert result.verified is expect["verified"], summary
    if "errors" in expect:
        assert codes == sorted(set(expect["errors"])), summary
    if "errors_include" in expect:
        assert set(expect["errors_include"]) <= set(codes), summary
    if "paths_include" in expect:
        paths = {e.path for e in result.errors}
        assert set(expect["paths_include"]) <= paths, summary
    if "retryable" in expect:
        assert result.retryable is expect["retryable"], summary
    if expect["verified"]:
        assert result.errors == (), summary
        claims = _claims_dict(result)
        for name, value in (expect.get("claims") or {}).items():
            assert name in claims, f"{label}: {name} not disclosed; got {sorted(claims)}"
            assert claims[name] == value, f"{label}: {name}={claims[name]!r}, expected {value!r}"
        for name in expect.get("absent") or []:
            assert name not in claims, f"{label}: {name} was disclosed"
    else:
        assert result.errors, summary
        assert result.claims is None and result.document is None, summary


@pytest.mark.parametrize("case", ALL_CASES)
def test_scenario(world: World, case: Mapping[str, Any]) -> None:
    assert world.clock.now() == START
    Scenario(world, case).run()


def test_case_catalogue() -> None:
    """The catalogue keeps its promise: success paths and at least 20 distinct failure codes."""
    cases = [p.values[0] for p in ALL_CASES if not p.values[0].get("xfail")]
    rounds = [rnd["expect"] for c in cases for rnd in [c, *(c.get("then") or [])]]
    codes = {code for e in rounds for code in e.get("errors", []) + e.get("errors_include", [])}
    assert sum(1 for e in rounds if e["verified"]) >= 6
    assert sum(1 for e in rounds if not e["verified"]) >= 20
    assert len(codes) >= 20, sorted(codes)


REPLAY_CASES = [
    p
    for p in ALL_CASES
    if "replay" in p.id or p.id.startswith(("di-challenge", "sd-jwt-challenge"))
]


@pytest.mark.parametrize("case", REPLAY_CASES)
def test_challenge_cases_with_sqlite_store(world_factory: Any, case: Mapping[str, Any]) -> None:
    """The challenge cases again with the SQLite challenge store (one shared by workers)."""
    Scenario(world_factory(challenge_store="sqlite"), case).run()
