"""Fuzz targets run under the suite's Hypothesis profile (``ci``: 30 examples each) in CI.

``fuzz/run.py`` runs them longer by setting ``KR_OVID_FUZZ_EXAMPLES``: this file then loads a
profile with that many examples, no deadline and no health checks (a long run should not stop
because one input was slow or large). Nothing changes when the variable is unset.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_EXAMPLES = os.environ.get("KR_OVID_FUZZ_EXAMPLES")

if _EXAMPLES:
    settings.register_profile(
        "kr-ovid-fuzz",
        max_examples=int(_EXAMPLES),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    settings.load_profile("kr-ovid-fuzz")
