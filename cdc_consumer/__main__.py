"""``python -m cdc_consumer`` is ``cdc-consumer``."""

from .cli import main

raise SystemExit(main())
