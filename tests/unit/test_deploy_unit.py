"""docs/deploy/kr-ovid.service is a valid systemd unit: ``systemd-analyze verify`` finds nothing
to say about it (when systemd is installed), and its sections and keys are the ones the
deployment guide relies on (always)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "kr-ovid.service"

#: Keys systemd knows in each section (the ones this unit may use).
KNOWN = {
    "Unit": {"Description", "After", "Wants", "Requires", "Documentation"},
    "Service": {
        "Type",
        "User",
        "Group",
        "EnvironmentFile",
        "ExecStart",
        "KillMode",
        "KillSignal",
        "TimeoutStopSec",
        "Restart",
        "RestartSec",
        "StateDirectory",
        "StateDirectoryMode",
        "ConfigurationDirectory",
        "UMask",
        "NoNewPrivileges",
        "ProtectSystem",
        "ProtectHome",
        "PrivateTmp",
        "PrivateDevices",
        "ProtectKernelTunables",
        "ProtectKernelModules",
        "ProtectKernelLogs",
        "ProtectControlGroups",
        "ProtectClock",
        "ProtectHostname",
        "RestrictAddressFamilies",
        "RestrictNamespaces",
        "RestrictRealtime",
        "RestrictSUIDSGID",
        "LockPersonality",
        "SystemCallArchitectures",
        "CapabilityBoundingSet",
        "LimitNOFILE",
    },
    "Install": {"WantedBy"},
}


def parse_unit(text: str) -> dict[str, dict[str, str]]:
    """systemd's unit syntax: ``[Section]`` lines, ``Key=value`` lines, ``#``/``;`` comments."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, equals, value = line.partition("=")
        assert current is not None, f"line {number}: a key outside any section"
        assert equals and key.strip() and not key[-1].isspace(), f"line {number}: not Key=value"
        current[key] = value
    return sections


def test_sections_and_keys() -> None:
    unit = parse_unit(UNIT.read_text(encoding="utf-8"))
    assert set(unit) == set(KNOWN)
    for section, keys in unit.items():
        assert set(keys) <= KNOWN[section], (section, set(keys) - KNOWN[section])
    service = unit["Service"]
    command = service["ExecStart"].split()
    assert command[0].startswith("/") and command[0].endswith("/kr-ovid")
    assert command[1:3] == ["serve", "--config"]
    assert service["KillSignal"] == "SIGTERM"
    assert service["KillMode"] == "mixed"
    assert int(service["TimeoutStopSec"]) > 30  # above the default graceful_shutdown_seconds
    assert service["User"] != "root"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    """Verified with ExecStart pointing at this environment's kr-ovid (systemd checks that the
    program exists); any warning about the unit fails the test."""
    executable = Path(sys.executable).with_name("kr-ovid")
    if not executable.exists():
        pytest.skip("kr-ovid is not installed next to this Python")
    text = UNIT.read_text(encoding="utf-8").replace(
        "/opt/kr-ovid/venv/bin/kr-ovid", str(executable)
    )
    unit = tmp_path / "kr-ovid.service"
    unit.write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert str(unit) not in done.stderr, done.stderr
    assert "kr-ovid.service" not in done.stderr, done.stderr
