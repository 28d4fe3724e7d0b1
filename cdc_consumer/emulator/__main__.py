"""``python -m cdc_consumer.emulator``: the same as ``cdc-consumer emulator``."""

import sys

from ..cli import main

raise SystemExit(main(["emulator", *sys.argv[1:]]))
