"""Service families from line descriptions: keywords, priority, case, Stripe proration lines."""

from __future__ import annotations

import pytest

from cdc_consumer.config import DEFAULT_FAMILY_KEYWORDS
from cdc_consumer.families import OTHER, family_of, prorated_item


@pytest.mark.parametrize(
    ("description", "family"),
    [
        ("Odoo ERP Hosting (2026-05-01 to 2026-06-01)", "hosting"),
        ("WordPress Website Hosting - Managed (at $50.00 / month)", "hosting"),
        ("Managed Odoo - Standard (at $49.99 / month)", "managed"),
        ("Daily Backup Protection", "addons"),
        ("WhatsApp Integration", "addons"),
        ("Forms Builder", "addons"),
        ("White Label Branding", "addons"),
        ("ODOO ERP HOSTING", "hosting"),
        ("wordpress website hosting", "hosting"),
        ("mAnAgEd odoo", "managed"),
        ("Remaining time on Daily Backup Protection after 27 May 2026", "addons"),
        ("Unused time on Managed Odoo - Standard after 27 May 2026", "managed"),
        ("UNUSED TIME ON odoo erp hosting AFTER 27 May 2026", "hosting"),
        ("Remaining time on 2 × Odoo ERP Hosting after 01 Jun 2026", "hosting"),
        ("Unused time on WordPress Website Hosting (at $50.00 / month) after 27 May 2026", "hosting"),
        ("Remaining time on Custom Development after the Managed migration", OTHER),
        ("Something Unmapped", OTHER),
        ("", OTHER),
    ],
)
def test_default_families(description: str, family: str) -> None:
    assert family_of(description, DEFAULT_FAMILY_KEYWORDS) == family


@pytest.mark.parametrize(
    ("keywords", "family"),
    [
        ({"hosting": ("hosting",), "managed": ("managed",)}, "hosting"),
        ({"managed": ("managed",), "hosting": ("hosting",)}, "managed"),
        ({"support": ("WEBSITE",)}, "support"),
        ({}, OTHER),
    ],
)
def test_first_family_in_mapping_order_wins(keywords: dict[str, tuple[str, ...]], family: str) -> None:
    assert family_of("WordPress Website Hosting - Managed", keywords) == family


@pytest.mark.parametrize(
    ("description", "item"),
    [
        ("Remaining time on Daily Backup Protection after 27 May 2026", "Daily Backup Protection"),
        ("Unused time on Managed Odoo - Standard after 27 May 2026", "Managed Odoo - Standard"),
        ("Remaining time on 2 × Odoo ERP Hosting after 01 Jun 2026", "Odoo ERP Hosting"),
        ("Remaining time on 3 x Forms Builder after 01 Jun 2026", "Forms Builder"),
        ("Unused time on WhatsApp (at $5.00 / month) after 2 Jun 2026", "WhatsApp"),
        ("Remaining time on White Label", "White Label"),
        ("Daily Backup Protection", None),
        ("Time on Daily Backup Protection after 27 May 2026", None),
    ],
)
def test_prorated_item(description: str, item: str | None) -> None:
    assert prorated_item(description) == item
