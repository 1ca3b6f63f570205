"""The error reference: every ErrorCode has an entry (retryable or not, trigger, what to do),
the generated documentation page lists every code with its type URL, and the entries agree with
what the library does (codes it reports as retryable are not documented as never retryable)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kr_ovid.problems import ERROR_REFERENCE, ErrorCode, ErrorReference

DOCS_EXT = Path(__file__).resolve().parents[2] / "docs" / "_ext" / "kr_ovid_docs.py"


def docs_extension() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kr_ovid_docs", DOCS_EXT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("kr_ovid_docs", module)
    spec.loader.exec_module(module)
    return module


def test_every_code_has_an_entry() -> None:
    missing = [code.value for code in ErrorCode if code not in ERROR_REFERENCE]
    assert missing == [], f"add these codes to ERROR_REFERENCE in kr_ovid/problems.py: {missing}"
    assert set(ERROR_REFERENCE) == set(ErrorCode)


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda c: c.value)
def test_each_entry_says_something(code: ErrorCode) -> None:
    ref = code.reference
    assert isinstance(ref, ErrorReference)
    assert ref.retryable in ("never", "sometimes", "always")
    assert len(ref.trigger) >= 30 and ref.trigger.endswith(".")
    assert len(ref.action) >= 20 and ref.action.endswith(".")
    # The type URL names the code in its specification's document (a fragment ending in it).
    assert "#" in code.type_url and code.type_url.endswith(code.value)


def test_retryable_entries_match_what_the_library_reports() -> None:
    """Codes the library marks retryable when data could not be fetched are documented as
    retryable at least sometimes; verdicts on the input are never retryable."""
    for code in (
        ErrorCode.STATUS_RETRIEVAL_ERROR,
        ErrorCode.DID_RESOLUTION_ERROR,
        ErrorCode.TRUST_LIST_EXPIRED,
        ErrorCode.TRUST_LIST_ERROR,
        ErrorCode.INTERNAL_ERROR,
    ):
        assert code.reference.retryable != "never", code
    for code in (
        ErrorCode.PROOF_VERIFICATION_ERROR,
        ErrorCode.CREDENTIAL_REVOKED,
        ErrorCode.INVALID_CHALLENGE_ERROR,
        ErrorCode.VALIDITY_PERIOD_ERROR,
    ):
        assert code.reference.retryable == "never", code


def test_the_generated_page_lists_every_code() -> None:
    page = docs_extension().render_error_reference()
    for code in ErrorCode:
        assert f"\n## {code.value}\n" in page, code
        assert f"`{code.type_url}`" in page
        assert code.reference.action in page


def test_the_generated_cli_page_has_every_command() -> None:
    page = docs_extension().render_cli_reference()
    for command in ("verify", "issue", "status revoke", "status publish", "did rotate",
                    "trustlist create", "present"):  # fmt: skip
        assert f"\n## kr-ovid {command}\n" in page, command
