"""``python -m kr_ovid``."""

import sys

from kr_ovid.cli import main

# Guarded: the service's worker processes are started with "spawn", which imports the parent's
# __main__ module again (as __mp_main__); it must not run the command a second time.
if __name__ == "__main__":
    sys.exit(main())
