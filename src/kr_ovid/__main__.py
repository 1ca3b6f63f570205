"""``python -m kr_ovid``."""

import sys

from kr_ovid.cli import main

sys.exit(main())
