"""`python -m softliq.scenarios NAME [options]`: see softliq.scenarios.cli."""

import sys

from softliq.scenarios.cli import main

sys.exit(main())
