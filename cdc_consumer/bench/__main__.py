"""``python -m cdc_consumer.bench``: the same as ``cdc-consumer bench``."""

import sys

from ..cli import main

raise SystemExit(main(["bench", *sys.argv[1:]]))
