"""Sphinx configuration: MyST Markdown pages, the API reference from docstrings and type hints,
and pages generated at build time (the error reference from ``ErrorCode``, the command-line
reference from the parser). Built offline, warnings as errors: ``sphinx-build -W docs OUT``."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent / "src"))

from kr_ovid import __version__  # noqa: E402

project = "kr_ovid"
author = "kr_ovid developers"
copyright = "kr_ovid developers, Apache License 2.0"
release = version = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "kr_ovid_docs",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_default_options = {"members": True, "show-inheritance": True}
# The optional extra's driver is imported lazily by the library; the docs never need it.
autodoc_mock_imports = ["psycopg"]

html_theme = "alabaster"
html_title = f"kr_ovid {release}"
html_static_path: list[str] = []
