"""Fixtures for the Odoo emulator (and a real Odoo when ODOO_URL is set)."""
