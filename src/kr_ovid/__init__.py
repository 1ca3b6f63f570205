"""kr_ovid: Korea's mobile overseas-national ID as W3C Verifiable Credentials."""

from kr_ovid.errors import KrOvidError
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerificationResult

__version__ = "0.1.0"

__all__ = ["ErrorCode", "KrOvidError", "ProblemDetails", "VerificationResult", "__version__"]
