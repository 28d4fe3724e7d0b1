"""The subcommands of ``cdc-consumer``, one module each.

Each module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``;
``run`` does its heavy imports itself so that ``--help`` stays fast.
"""

COMMANDS: tuple[str, ...] = (
    "run",
    "bootstrap",
    "sample_data",
    "emulator",
    "stack",
    "demo",
    "offsets",
    "snapshot",
    "post",
    "audit",
    "status",
    "bench",
)
