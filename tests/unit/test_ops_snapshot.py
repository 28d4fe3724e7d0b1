"""The incremental-snapshot signal: tables, conditions, refusals."""

from __future__ import annotations

import pytest

from cdc_consumer.errors import ConfigError
from cdc_consumer.ops.snapshot import build_signal, clean_condition


def test_without_a_condition_every_row_of_both_tables_is_re_read():
    assert build_signal("both", None) == {
        "data-collections": ["public.invoices", "public.invoice_items"],
        "type": "incremental",
    }


def test_a_condition_on_invoices_selects_the_items_through_their_invoice():
    signal = build_signal("both", "created_at >= '2026-01-01'")
    assert signal["additional-conditions"] == [
        {"data-collection": "public.invoices", "filter": "(created_at >= '2026-01-01')"},
        {
            "data-collection": "public.invoice_items",
            "filter": "invoice_id IN (SELECT id FROM public.invoices WHERE (created_at >= '2026-01-01'))",
        },
    ]


@pytest.mark.parametrize(
    ("table", "collection"), [("invoices", "public.invoices"), ("invoice_items", "public.invoice_items")]
)
def test_one_table(table, collection):
    signal = build_signal(table, "status = 'paid'")
    assert signal["data-collections"] == [collection]
    assert [c["data-collection"] for c in signal["additional-conditions"]] == [collection]


def test_conditions_are_stripped_and_checked():
    assert clean_condition(None) is None
    assert clean_condition("  status = 'paid' ") == "status = 'paid'"
    with pytest.raises(ConfigError, match="empty"):
        clean_condition("   ")
    with pytest.raises(ConfigError, match="without ';'"):
        clean_condition("true; DELETE FROM invoices")


def test_unknown_tables_and_oversized_signals_are_refused():
    with pytest.raises(ConfigError, match="--table"):
        build_signal("users", None)
    with pytest.raises(ConfigError, match="2048"):
        build_signal("both", "id IN (" + ", ".join(f"'{i:032x}'" for i in range(40)) + ")")
