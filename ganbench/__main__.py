"""Allow ``python -m ganbench``."""

import sys

from ganbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
