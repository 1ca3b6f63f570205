"""The mobile overseas-national ID (모바일 재외국민증): claims model, missions, predicates, labels.

The product layer on top of the generic VC library: nothing below ``kr_ovid.ovid`` imports it.
"""

from kr_ovid.ovid.labels import LABELS_EN, LABELS_KO
from kr_ovid.ovid.missions import Mission, MissionKind, MissionRegistry, load_missions
from kr_ovid.ovid.model import (
    ID_SCHEMA,
    IssuingMission,
    OverseasNationalId,
    country_codes,
    display_rows,
    new_id_number,
)
from kr_ovid.ovid.predicates import age_on, derive_predicates

__all__ = [
    "ID_SCHEMA",
    "LABELS_EN",
    "LABELS_KO",
    "IssuingMission",
    "Mission",
    "MissionKind",
    "MissionRegistry",
    "OverseasNationalId",
    "age_on",
    "country_codes",
    "derive_predicates",
    "display_rows",
    "load_missions",
    "new_id_number",
]
