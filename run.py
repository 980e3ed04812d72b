"""Entry point: python run.py template | process | demo (see --help)."""

import sys

from processor.cli import main

if __name__ == "__main__":
    sys.exit(main())
