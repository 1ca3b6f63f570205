"""The overseas-national ID's claims as a typed value, and its credential subject.

:class:`OverseasNationalId` is what an issuing mission knows about the person after the in-person
check; :meth:`OverseasNationalId.to_subject` turns it into the ``credentialSubject`` of an
``OverseasNationalIdCredential`` (adding the derived predicates) and
:meth:`OverseasNationalId.from_subject` reads one back. Values are validated on construction with
the same rules as ``schemas/overseas-national-id.schema.json`` (a test keeps them identical); the
ISO 3166-1 list is read from that schema so there is one list.

There is deliberately **no resident registration number** (주민등록번호) field: the Personal
Information Protection Act allows processing it only where a law specifically permits, and a
credential would copy it into every wallet and verifier. Free-text values also refuse a 13-digit
run shaped like one (ASCII or full-width digits).

Vocabulary (``contexts/kr-ovid-v1.jsonld``, ``https://w3id.org/kr-ovid/v1``): schema.org IRIs are
reused where their meaning is exact — ``familyName``/``givenName`` (the Korean name *is* the
person's family/given name), ``birthDate`` (typed ``xsd:date``) and, for a mission's names,
``schema:name`` with the language fixed by the term (``nameKo`` → ``@ko``, ``nameEn`` → ``@en``),
so that JSON stays two plain strings while RDF keeps both languages. Everything else is
``https://w3id.org/kr-ovid/vocab#...``: the romanized names are the passport's own Latin-script
rendering, a distinct legal datum rather than another language of ``schema:familyName`` (reusing
the IRI would make the two indistinguishable to consumers ignoring language tags);
``schema:nationality`` and ``schema:image`` expect a Country node and any image, while ours are an
ISO code string and an identity-document portrait. Dates are ``xsd:date``, booleans
``xsd:boolean``; ``issuingMission`` and ``verifier`` are node references (``@type: @id``, the
mission's DID). There is no ``@vocab`` and no ``@json``: an undefined property is dropped on
expansion and the canonicalizer refuses it, instead of being signed under a catch-all IRI.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeVar

from kr_ovid.errors import ConfigurationError, SchemaError
from kr_ovid.ovid.labels import CLAIM_ORDER, YES_NO, labels_for
from kr_ovid.ovid.predicates import age_on, derive_predicates
from kr_ovid.schema import load_schema

__all__ = [
    "CLAIM_FIELDS",
    "ELIGIBLE_AGE",
    "ID_SCHEMA",
    "MAX_VALIDITY_YEARS",
    "PORTRAIT_MAX_BYTES",
    "IssuingMission",
    "OverseasNationalId",
    "claim_problems",
    "country_codes",
    "display_rows",
    "new_id_number",
]

#: Minimum age for the ID (docs/domain.md: "aged 14 or over").
ELIGIBLE_AGE = 14
#: The ID never outlives the passport and is valid at most this many years.
MAX_VALIDITY_YEARS = 10
#: Portrait bound (decoded JPEG bytes); the schema bounds the data URI length accordingly.
PORTRAIT_MAX_BYTES = 100 * 1024

#: The shipped JSON Schema of the ID (its ``credentialType`` is the ID's credential type, so a
#: verifier applies it to every ID whatever the ID's ``credentialSchema`` says).
ID_SCHEMA = "https://w3id.org/kr-ovid/schemas/overseas-national-id.json"
SUBJECT_TYPE = "OverseasNational"
MISSION_TYPE = "DiplomaticMission"

# The same expressions as the schema's $defs (tests/unit/test_ovid_model.py compares them).
HANGUL_FAMILY_NAME = re.compile(r"[가-힣]{1,5}")
HANGUL_GIVEN_NAME = re.compile(r"[가-힣]{1,10}")
LATIN_NAME = re.compile(r"[A-Z]+(?:[ -][A-Z]+)*")
PASSPORT_NUMBER = re.compile(r"(?:[A-Z][0-9]{8}|[A-Z]{2}[0-9]{7}|[A-Z][0-9]{3}[A-Z][0-9]{4})")
ID_NUMBER = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}")
MISSION_CODE = re.compile(r"[a-z]{2}(?:-[a-z]+)*")
DID_WEB = re.compile(r"did:web:[A-Za-z0-9.%-]+(?::[A-Za-z0-9._%-]+)*")
DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]+")
RRN_LIKE = re.compile(r"[0-9０-９]{6}[-－ ]?[0-9０-９]{7}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_PORTRAIT_PREFIX = "data:image/jpeg;base64,"
_LATIN_MAX = 64
_TEXT_MAX = 200
_CITY_MAX = 100
_MIN_YEAR = 1900
_SAFE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_T = TypeVar("_T")


@functools.lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, read from the ID schema's ``$defs/countryCode``."""
    enum = load_schema(ID_SCHEMA)["$defs"]["countryCode"]["enum"]
    return frozenset(str(code) for code in enum)


def new_id_number(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A fresh ID number: 80 random bits, Crockford base32, ``XXXX-XXXX-XXXX-XXXX``.

    Random rather than derived from personal data, so the number reveals nothing and cannot be
    recomputed from a name or birth date. Pass a seeded ``random_bytes`` for reproducible demos.
    """
    raw = random_bytes(10)
    if not isinstance(raw, bytes) or len(raw) != 10:
        raise ConfigurationError("random_bytes(10) must return 10 bytes")
    value = int.from_bytes(raw, "big")
    chars = "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(75, -1, -5))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def _bad(pointer: str, reason: str) -> ConfigurationError:
    return ConfigurationError(f"{pointer}: {reason}", path=pointer)


def _check_text(value: object, pointer: str, *, max_len: int = _TEXT_MAX) -> str:
    """Free text: NFC, bounded, no control characters, nothing shaped like an RRN."""
    if not isinstance(value, str):
        raise _bad(pointer, "expected a string")
    text = unicodedata.normalize("NFC", value)
    if not 1 <= len(text) <= max_len or _CONTROL.search(text):
        raise _bad(pointer, "not an allowed text value")
    if RRN_LIKE.search(unicodedata.normalize("NFKC", text)) or RRN_LIKE.search(text):
        raise _bad(pointer, "contains a digit run shaped like a resident registration number")
    return text


def _check_pattern(value: object, pointer: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _bad(pointer, "does not match the required pattern")
    return value


def _check_date(value: object, pointer: str) -> date:
    # datetime is a date subclass; a time of day (and its zone) has no place in these claims.
    if type(value) is not date:
        raise _bad(pointer, "expected a datetime.date")
    if value.year < _MIN_YEAR:
        raise _bad(pointer, "date is implausibly early")
    return value


def _check_portrait(value: object, pointer: str) -> str:
    if not isinstance(value, str) or not value.startswith(_PORTRAIT_PREFIX):
        raise _bad(pointer, "expected a JPEG data URI")
    try:
        jpeg = base64.b64decode(value[len(_PORTRAIT_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise _bad(pointer, "portrait is not valid base64") from None
    if not jpeg.startswith(b"\xff\xd8\xff"):
        raise _bad(pointer, "portrait is not a JPEG")
    if len(jpeg) > PORTRAIT_MAX_BYTES:
        raise _bad(pointer, f"portrait exceeds {PORTRAIT_MAX_BYTES} bytes")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuingMission:
    """The mission named in the ID (``issuingMission``): code, both names, DID."""

    code: str
    name_ko: str
    name_en: str
    did: str

    def __post_init__(self) -> None:
        _check_pattern(self.code, "/issuingMission/missionCode", MISSION_CODE)
        _check_pattern(self.did, "/issuingMission/id", DID_WEB)
        object.__setattr__(self, "name_ko", _check_text(self.name_ko, "/issuingMission/nameKo"))
        object.__setattr__(self, "name_en", _check_text(self.name_en, "/issuingMission/nameEn"))

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.did,
            "type": MISSION_TYPE,
            "missionCode": self.code,
            "nameKo": self.name_ko,
            "nameEn": self.name_en,
        }

    @classmethod
    def from_json(cls, value: object) -> IssuingMission:
        """Read ``issuingMission``; raises :class:`SchemaError` with the pointer of the fault."""
        base = "/issuingMission"
        if not isinstance(value, Mapping):
            raise SchemaError(f"{base}: expected an object", path=base)
        _refuse_unknown(value, {"id", "type", "missionCode", "nameKo", "nameEn"}, base)
        if value.get("type") != MISSION_TYPE:
            raise SchemaError(f"{base}/type: expected {MISSION_TYPE}", path=f"{base}/type")
        return _as_schema_error(
            lambda: cls(
                code=_required(value, "missionCode", base),
                name_ko=_required(value, "nameKo", base),
                name_en=_required(value, "nameEn", base),
                did=_required(value, "id", base),
            )
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OverseasNationalId:
    """The claims of one mobile overseas-national ID (no derived predicates: see to_subject).

    Hangul names are NFC-normalised, then validated (precomposed syllables only); romanized names
    must already be in passport form (uppercase A-Z, single spaces or hyphens). ``repr`` shows no
    personal data, so the value can appear in logs and tracebacks.
    """

    nationality: ClassVar[str] = "KR"

    family_name: str
    given_name: str
    family_name_latin: str
    given_name_latin: str
    birth_date: date
    residence_country: str
    passport_expiry: date
    id_number: str
    issuing_mission: IssuingMission
    overseas_registration_date: date | None = None
    residence_city: str | None = None
    passport_number: str | None = None
    portrait: str | None = None

    def __post_init__(self) -> None:
        for attr, pointer, pattern in (
            ("family_name", "/familyName", HANGUL_FAMILY_NAME),
            ("given_name", "/givenName", HANGUL_GIVEN_NAME),
        ):
            raw = getattr(self, attr)
            if not isinstance(raw, str):
                raise _bad(pointer, "expected a string")
            object.__setattr__(self, attr, unicodedata.normalize("NFC", raw))
            _check_pattern(getattr(self, attr), pointer, pattern)
        for attr, pointer in (
            ("family_name_latin", "/familyNameLatin"),
            ("given_name_latin", "/givenNameLatin"),
        ):
            value = _check_pattern(getattr(self, attr), pointer, LATIN_NAME)
            if len(value) > _LATIN_MAX:
                raise _bad(pointer, f"longer than {_LATIN_MAX} characters")
        _check_date(self.birth_date, "/birthDate")
        _check_date(self.passport_expiry, "/passportExpiry")
        if self.overseas_registration_date is not None:
            _check_date(self.overseas_registration_date, "/overseasRegistrationDate")
            if self.overseas_registration_date < self.birth_date:
                raise _bad("/overseasRegistrationDate", "is before the birth date")
        if not isinstance(self.residence_country, str) or (
            self.residence_country not in country_codes()
        ):
            raise _bad("/residenceCountry", "not an ISO 3166-1 alpha-2 code")
        if self.residence_country == self.nationality:
            raise _bad("/residenceCountry", "an overseas national resides outside Korea")
        if self.residence_city is not None:
            city = _check_text(self.residence_city, "/residenceCity", max_len=_CITY_MAX)
            object.__setattr__(self, "residence_city", city)
        if self.passport_number is not None:
            _check_pattern(self.passport_number, "/passportNumber", PASSPORT_NUMBER)
        _check_pattern(self.id_number, "/idNumber", ID_NUMBER)
        if self.portrait is not None:
            _check_portrait(self.portrait, "/portrait")
        if not isinstance(self.issuing_mission, IssuingMission):
            raise _bad("/issuingMission", "expected an IssuingMission")

    def __repr__(self) -> str:
        return (
            f"OverseasNationalId(<personal data withheld>, mission={self.issuing_mission.code!r})"
        )

    # ------------------------------------------------------------------ issuance helpers

    def check_issuable(self, on: date) -> None:
        """Refuse issuance on ``on`` when the eligibility rules (docs/domain.md) are not met.

        Aged 14 or over, registered as an overseas national (registration in effect), passport
        not expired. Raises :class:`ConfigurationError` whose ``path`` names the claim (the
        first of :meth:`issuable_problems`).
        """
        problems = self.issuable_problems(on)
        if problems:
            raise problems[0]

    def issuable_problems(self, on: date) -> list[ConfigurationError]:
        """Every eligibility rule that issuing on ``on`` would break, each naming its claim."""
        _check_date(on, "/predicatesComputedAt")
        out: list[ConfigurationError] = []
        if on < self.birth_date:
            out.append(_bad("/birthDate", "is after the issuance date"))
        elif age_on(self.birth_date, on) < ELIGIBLE_AGE:
            out.append(_bad("/birthDate", f"holder is under {ELIGIBLE_AGE} on the issuance date"))
        if self.overseas_registration_date is None:
            out.append(
                _bad(
                    "/overseasRegistrationDate",
                    "required to issue: the date the person registered as an overseas national",
                )
            )
        elif self.overseas_registration_date > on:
            out.append(_bad("/overseasRegistrationDate", "the registration is not yet in effect"))
        if self.passport_expiry < on:
            out.append(_bad("/passportExpiry", "the passport has expired"))
        return out

    def latest_valid_until(self, issued_on: date) -> date:
        """Last day the ID may be valid: the passport's expiry, at most 10 years after issue.

        A 29 February issue date ends its tenth year on 28 February (never past 10 years).
        """
        year = issued_on.year + MAX_VALIDITY_YEARS
        day = 28 if (issued_on.month, issued_on.day) == (2, 29) else issued_on.day
        return min(self.passport_expiry, date(year, issued_on.month, day))

    # ------------------------------------------------------------------ subject conversion

    def claims(self) -> dict[str, Any]:
        """The stated claims as credential JSON (no ``id``/``type``, no derived predicates)."""
        out: dict[str, Any] = {
            "familyName": self.family_name,
            "givenName": self.given_name,
            "familyNameLatin": self.family_name_latin,
            "givenNameLatin": self.given_name_latin,
            "birthDate": self.birth_date.isoformat(),
            "nationality": self.nationality,
            "residenceCountry": self.residence_country,
        }
        if self.residence_city is not None:
            out["residenceCity"] = self.residence_city
        if self.overseas_registration_date is not None:
            out["overseasRegistrationDate"] = self.overseas_registration_date.isoformat()
        if self.passport_number is not None:
            out["passportNumber"] = self.passport_number
        out["passportExpiry"] = self.passport_expiry.isoformat()
        if self.portrait is not None:
            out["portrait"] = self.portrait
        out["idNumber"] = self.id_number
        out["issuingMission"] = self.issuing_mission.to_json()
        return out

    def to_subject(self, *, holder: str | None, issuance_date: date) -> dict[str, Any]:
        """The ``credentialSubject``: claims plus predicates derived as of ``issuance_date``.

        ``holder`` (a DID, e.g. the wallet's ``did:key``) becomes the subject ``id``; ``None``
        leaves the subject without one (SD-JWT binds the holder through ``cnf`` instead).
        """
        _check_date(issuance_date, "/predicatesComputedAt")
        subject: dict[str, Any] = {}
        if holder is not None:
            subject["id"] = _check_pattern(holder, "/id", DID)
        subject["type"] = SUBJECT_TYPE
        subject.update(self.claims())
        subject.update(
            derive_predicates(
                self.birth_date,
                issuance_date,
                overseas_registration=self.overseas_registration_date,
            )
        )
        subject["predicatesComputedAt"] = issuance_date.isoformat()
        return subject

    @classmethod
    def from_subject(cls, subject: Mapping[str, Any]) -> OverseasNationalId:
        """Read a full ``credentialSubject``; raises :class:`SchemaError` with a JSON pointer.

        Derived predicates, when present, must agree with ``birthDate`` and
        ``overseasRegistrationDate`` at ``predicatesComputedAt``; the subject ``id`` (holder) is
        not part of the claims and is ignored here.
        """
        if not isinstance(subject, Mapping):
            raise SchemaError("credentialSubject: expected an object", path="")
        known = {"id", "type", "predicatesComputedAt", *CLAIM_ORDER}
        _refuse_unknown(subject, known, "")
        if subject.get("type", SUBJECT_TYPE) not in (SUBJECT_TYPE, [SUBJECT_TYPE]):
            raise SchemaError(f"/type: expected {SUBJECT_TYPE}", path="/type")
        if subject.get("nationality") != cls.nationality:
            raise SchemaError("/nationality: expected KR", path="/nationality")

        def optional_date(name: str) -> date | None:
            return _parse_date(subject[name], f"/{name}") if name in subject else None

        mission = IssuingMission.from_json(subject.get("issuingMission"))
        model = _as_schema_error(
            lambda: cls(
                family_name=_required(subject, "familyName", ""),
                given_name=_required(subject, "givenName", ""),
                family_name_latin=_required(subject, "familyNameLatin", ""),
                given_name_latin=_required(subject, "givenNameLatin", ""),
                birth_date=_parse_date(_required(subject, "birthDate", ""), "/birthDate"),
                residence_country=_required(subject, "residenceCountry", ""),
                passport_expiry=_parse_date(
                    _required(subject, "passportExpiry", ""), "/passportExpiry"
                ),
                id_number=_required(subject, "idNumber", ""),
                issuing_mission=mission,
                overseas_registration_date=optional_date("overseasRegistrationDate"),
                residence_city=subject.get("residenceCity"),
                passport_number=subject.get("passportNumber"),
                portrait=subject.get("portrait"),
            )
        )
        model._check_predicates(subject)
        return model

    def _check_predicates(self, subject: Mapping[str, Any]) -> None:
        names = [n for n in subject if n.startswith(("ageOver", "isOverseas"))]
        if not names:
            return
        if "predicatesComputedAt" not in subject:
            raise SchemaError(
                "/predicatesComputedAt: required with derived claims", path="/predicatesComputedAt"
            )
        on = _parse_date(subject["predicatesComputedAt"], "/predicatesComputedAt")
        if on < self.birth_date:
            raise SchemaError(
                "/predicatesComputedAt: before the birth date", path="/predicatesComputedAt"
            )
        expected = derive_predicates(
            self.birth_date, on, overseas_registration=self.overseas_registration_date
        )
        for name in names:
            if subject[name] is not expected[name]:
                raise SchemaError(
                    f"/{name}: inconsistent with the claims it is derived from", path=f"/{name}"
                )

    # ------------------------------------------------------------------ display

    def labels_ko(self) -> dict[str, str]:
        """Korean labels of the claims this ID carries, in display order."""
        present = self.claims()
        labels = labels_for("ko")
        return {name: labels[name] for name in CLAIM_ORDER if name in present}

    def display(self, lang: str = "ko", *, on: date | None = None) -> list[tuple[str, str]]:
        """(label, text) rows for showing the ID to a person; ``on`` adds the predicates.

        The portrait is shown as a placeholder, not as its data URI.
        """
        values = self.claims() if on is None else self.to_subject(holder=None, issuance_date=on)
        return display_rows(values, lang)


def display_rows(subject: Mapping[str, Any], lang: str = "ko") -> list[tuple[str, str]]:
    """Label and format whatever claims a subject holds (e.g. a selectively disclosed subset)."""
    labels = labels_for(lang)
    yes, no = YES_NO[lang]
    rows: list[tuple[str, str]] = []
    for name in CLAIM_ORDER:
        if name not in subject:
            continue
        value = subject[name]
        if isinstance(value, bool):
            text = yes if value else no
        elif name == "portrait":
            text = "(사진 첨부)" if lang == "ko" else "(portrait attached)"
        elif name == "issuingMission" and isinstance(value, Mapping):
            text = str(value.get("nameKo" if lang == "ko" else "nameEn", value.get("missionCode")))
        else:
            text = str(value)
        rows.append((labels[name], text))
    return rows


# ---------------------------------------------------------------------- a claims form

#: The stated claims of an ID, as a claims file or form gives them: name → (required to issue,
#: what it holds). Derived predicates are never stated; the issuer computes them.
CLAIM_FIELDS: dict[str, tuple[bool, str]] = {
    "familyName": (True, "family name in Hangul, 1-5 syllables (홍)"),
    "givenName": (True, "given name in Hangul, 1-10 syllables (길동)"),
    "familyNameLatin": (True, "family name as in the passport: capitals A-Z (HONG)"),
    "givenNameLatin": (True, "given name as in the passport: capitals, spaces, hyphens (GIL DONG)"),
    "birthDate": (True, "date of birth, YYYY-MM-DD; the holder must be 14 or over"),
    "nationality": (True, "always KR"),
    "residenceCountry": (True, "ISO 3166-1 alpha-2 code of the country of residence (US)"),
    "residenceCity": (False, "city of residence, free text (Los Angeles)"),
    "overseasRegistrationDate": (
        True,
        "date of the overseas-national registration (재외국민등록), YYYY-MM-DD, in effect on "
        "the day of issuance",
    ),
    "passportNumber": (False, "passport number (M12345678)"),
    "passportExpiry": (True, "passport expiry, YYYY-MM-DD; the ID expires with it"),
    "portrait": (False, "data:image/jpeg;base64,... (at most 100 KiB)"),
    "idNumber": (False, "XXXX-XXXX-XXXX-XXXX; issued at random when absent"),
    "issuingMission": (False, "filled in from the issuing mission when absent"),
}


def _field_check(name: str, value: Any) -> None:
    """Check one stated claim on its own; raises ``ConfigurationError``/``SchemaError``."""
    pointer = f"/{name}"
    if name in ("familyName", "givenName"):
        if not isinstance(value, str):
            raise _bad(pointer, "expected a string")
        pattern = HANGUL_FAMILY_NAME if name == "familyName" else HANGUL_GIVEN_NAME
        _check_pattern(unicodedata.normalize("NFC", value), pointer, pattern)
    elif name in ("familyNameLatin", "givenNameLatin"):
        if len(_check_pattern(value, pointer, LATIN_NAME)) > _LATIN_MAX:
            raise _bad(pointer, f"longer than {_LATIN_MAX} characters")
    elif name in ("birthDate", "passportExpiry", "overseasRegistrationDate"):
        _check_date(_parse_date(value, pointer), pointer)
    elif name == "nationality":
        if value != OverseasNationalId.nationality:
            raise _bad(pointer, "expected KR")
    elif name == "residenceCountry":
        if not isinstance(value, str) or value not in country_codes():
            raise _bad(pointer, "not an ISO 3166-1 alpha-2 code")
        if value == OverseasNationalId.nationality:
            raise _bad(pointer, "an overseas national resides outside Korea")
    elif name == "residenceCity":
        _check_text(value, pointer, max_len=_CITY_MAX)
    elif name == "passportNumber":
        _check_pattern(value, pointer, PASSPORT_NUMBER)
    elif name == "idNumber":
        _check_pattern(value, pointer, ID_NUMBER)
    elif name == "portrait":
        _check_portrait(value, pointer)
    elif name == "issuingMission":
        IssuingMission.from_json(value)


def claim_problems(
    subject: Mapping[str, Any], *, issued_on: date | None = None
) -> list[ConfigurationError]:
    """Every problem of a stated-claims object at once, each with the JSON pointer of its claim
    (a claims file or form shows them all, not one per attempt): missing required claims,
    unknown members, each claim's own rules, then the rules between claims and, with
    ``issued_on``, eligibility on that day. An empty list means
    :meth:`OverseasNationalId.from_subject` accepts it (and, with ``issued_on``, that it can be
    issued that day). Messages name claims, never their values."""
    if not isinstance(subject, Mapping):
        return [_bad("", "the claims must be a JSON object")]
    problems: list[ConfigurationError] = []
    for name, (required, meaning) in CLAIM_FIELDS.items():
        if name in subject:
            try:
                _field_check(name, subject[name])
            except (ConfigurationError, SchemaError) as exc:
                problems.append(
                    exc
                    if isinstance(exc, ConfigurationError)
                    else _bad(exc.path or f"/{name}", str(exc).removeprefix(f"{exc.path}: "))
                )
        elif required and (issued_on is not None or name != "overseasRegistrationDate"):
            problems.append(_bad(f"/{name}", f"required claim is missing: {meaning}"))
    known = {"id", "type", "predicatesComputedAt", *CLAIM_ORDER}
    for key in subject:
        if key not in known:
            shown = key if isinstance(key, str) and _SAFE_KEY.match(key) else "(name withheld)"
            problems.append(_bad(f"/{shown}", "not a claim of the ID"))
    if problems:
        return problems
    try:
        person = OverseasNationalId.from_subject(subject)
    except SchemaError as exc:
        return [_bad(exc.path or "", str(exc).removeprefix(f"{exc.path}: "))]
    return person.issuable_problems(issued_on) if issued_on is not None else []


# ---------------------------------------------------------------------- parsing helpers


def _required(obj: Mapping[str, Any], name: str, base: str) -> Any:
    if name not in obj:
        raise SchemaError(f"{base}/{name}: required claim is missing", path=f"{base}/{name}")
    return obj[name]


def _refuse_unknown(obj: Mapping[str, Any], known: set[str], base: str) -> None:
    for key in obj:
        if key in known:
            continue
        if isinstance(key, str) and _SAFE_KEY.match(key):
            raise SchemaError(f"{base}/{key}: property is not allowed", path=f"{base}/{key}")
        raise SchemaError(f"{base or '/'}: property is not allowed (name withheld)", path=base)


def _parse_date(value: object, pointer: str) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise SchemaError(f"{pointer}: expected an ISO 8601 date", path=pointer)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SchemaError(f"{pointer}: expected an ISO 8601 date", path=pointer) from None


def _as_schema_error(build: Callable[[], _T]) -> _T:
    """Run a constructor; its :class:`ConfigurationError` becomes a :class:`SchemaError`."""
    try:
        return build()
    except ConfigurationError as exc:
        raise SchemaError(str(exc), path=exc.path) from None
