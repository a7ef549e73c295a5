"""Allow ``python -m ganbench``."""

import sys

from ganbench.cli import main

sys.exit(main())
