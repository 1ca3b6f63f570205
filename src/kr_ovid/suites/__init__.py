"""Data Integrity cryptosuites (W3C vc-di-eddsa)."""

from collections.abc import Mapping
from types import MappingProxyType

from kr_ovid.suites.base import Cryptosuite, EddsaCryptosuite
from kr_ovid.suites.eddsa_jcs_2022 import EddsaJcs2022
from kr_ovid.suites.eddsa_rdfc_2022 import EddsaRdfc2022

#: The implemented suites, read-only: no caller can register or swap one process-wide.
SUITES: Mapping[str, EddsaCryptosuite] = MappingProxyType(
    {
        EddsaRdfc2022.name: EddsaRdfc2022(),
        EddsaJcs2022.name: EddsaJcs2022(),
    }
)
DEFAULT_CRYPTOSUITE = EddsaRdfc2022.name

__all__ = [
    "DEFAULT_CRYPTOSUITE",
    "SUITES",
    "Cryptosuite",
    "EddsaCryptosuite",
    "EddsaJcs2022",
    "EddsaRdfc2022",
]
