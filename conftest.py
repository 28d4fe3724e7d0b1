"""Fixture plugins shared by every test folder: the local stack and the Odoo emulator."""

pytest_plugins = (
    "tests.support.stack_fixtures",
    "tests.support.odoo_fixtures",
    "tests.support.consumer",
    "tests.support.faults",
)
