"""`python -m softliq <command>`: the same as the `softliq` console script (softliq.cli)."""

import sys

from softliq.cli import COMMANDS, InputError, main, parser  # noqa: F401 (the registry, for importers)

if __name__ == "__main__":
    sys.exit(main())
