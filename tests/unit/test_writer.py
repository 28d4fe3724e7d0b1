"""``OdooWriter`` against the in-process Odoo emulator: batching, isolation, partners, idempotence.

The users lookup is a stand-in (no source database); everything else is the real writer and
gateway talking JSON-RPC to a bootstrapped emulator.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from cdc_consumer.app import gateway_for
from cdc_consumer.emulator import OdooEmulator
from cdc_consumer.invoice import Customer, InvoiceHeader, InvoiceLine, SourceInvoice
from cdc_consumer.odoo.writer import Job, OdooWriter, Result
from tests.support.consumer import bootstrapped


class Users:
    """The users lookup, from a dict."""

    def __init__(self, customers: Iterable[Customer]) -> None:
        self.customers = {c.user_id: c for c in customers}

    def get_many(self, user_ids: Iterable[str]) -> dict[str, Customer]:
        return {uid: self.customers[uid] for uid in user_ids if uid in self.customers}


ALICE = Customer("user-alice", "Alice Tremblay", "alice@example.test", "Billing@Tremblay.TEST")


def invoice(number: str, *, user: Customer = ALICE, status: str = "open", tax: str = "13.00") -> SourceInvoice:
    """A 100.00 invoice with one hosting line."""
    invoice_id = str(uuid.uuid4())
    header = InvoiceHeader(
        id=invoice_id,
        stripe_invoice_id=f"in_{number}",
        invoice_number=number,
        user_id=user.user_id,
        subscription_id=None,
        created_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        currency="CAD",
        status=status,
        subtotal=Decimal("100.00"),
        tax=Decimal(tax),
        amount_paid=Decimal(0),
        paid_at=None,
    )
    line = InvoiceLine(
        f"{invoice_id}-1", invoice_id, "Odoo ERP Hosting", Decimal(1), Decimal("100.00"), Decimal("100.00")
    )
    return SourceInvoice(header, (line,))


def writer_for(odoo: OdooEmulator, *customers: Customer, posting_mode: str = "draft") -> OdooWriter:
    settings = bootstrapped(odoo, posting_mode=posting_mode)
    return OdooWriter(gateway_for(settings), settings, Users(customers or (ALICE,)))  # type: ignore[arg-type]


def jobs(*invoices: SourceInvoice, results: Iterable[Result] = ()) -> list[Job]:
    """A job per invoice, carrying the fingerprint of an earlier result when there is one."""
    last = {r.invoice_id: r.fingerprint for r in results}
    return [Job(i.header.id, i, last.get(i.header.id)) for i in invoices]


def moves(odoo: OdooEmulator, *invoices: SourceInvoice) -> list[dict[str, Any]]:
    return odoo.execute(
        "account.move",
        "search_read",
        [("x_fc_nexacloud_invoice_id", "in", [i.header.id for i in invoices])],
        fields=["x_fc_nexacloud_invoice_id", "state", "partner_id", "ref"],
    )


def test_a_batch_is_one_create_and_a_rejected_invoice_fails_alone(odoo_emulator: OdooEmulator) -> None:
    writer = writer_for(odoo_emulator)
    odoo_emulator.add_unique_index("account.move", "ref")
    first, twin, other = invoice("NC-1"), invoice("NC-1"), invoice("NC-2")

    results = {r.invoice_id: r for r in writer.sync(jobs(first, twin, other))}

    assert (results[first.header.id].action, results[other.header.id].action) == ("created", "created")
    assert results[twin.header.id].action == "failed"
    assert results[twin.header.id].failure
    assert sorted(m["x_fc_nexacloud_invoice_id"] for m in moves(odoo_emulator, first, twin, other)) == sorted(
        [first.header.id, other.header.id]
    )


def test_an_unchanged_invoice_is_not_written_again(odoo_emulator: OdooEmulator) -> None:
    writer = writer_for(odoo_emulator)
    draft = invoice("NC-3", status="draft")
    results = writer.sync(jobs(draft))
    odoo_emulator.calls.clear()

    again = writer.sync(jobs(draft, results=results))

    assert [r.action for r in again] == ["unchanged"]
    assert odoo_emulator.calls.writes() == []


def test_a_partner_is_found_by_email_whatever_its_case_tagged_and_reused(odoo_emulator: OdooEmulator) -> None:
    existing = odoo_emulator.execute("res.partner", "create", {"name": "A. Tremblay", "email": "billing@tremblay.test"})
    writer = writer_for(odoo_emulator)

    first, second = invoice("NC-4"), invoice("NC-5")
    writer.sync(jobs(first))
    writer.sync(jobs(second))

    assert [m["partner_id"][0] for m in moves(odoo_emulator, first, second)] == [existing, existing]
    (partner,) = odoo_emulator.execute("res.partner", "read", [existing], fields=["x_fc_nexacloud_user_id"])
    assert partner["x_fc_nexacloud_user_id"] == ALICE.user_id
    assert odoo_emulator.calls.count(model="res.partner", method="create") == 0
    lookups = odoo_emulator.calls.count(model="res.partner", method="search_read")
    assert lookups == 2, "by user id, then by email, once: the second invoice's partner is cached"


def test_a_tax_no_sale_tax_reproduces_keeps_the_draft_even_in_auto_mode(odoo_emulator: OdooEmulator) -> None:
    writer = writer_for(odoo_emulator, posting_mode="auto")
    odd = invoice("NC-6", tax="1.11")

    (result,) = writer.sync(jobs(odd))

    assert result.action == "pending"
    assert result.pending is not None
    assert result.pending.reason == "tax_mismatch"
    assert [m["state"] for m in moves(odoo_emulator, odd)] == ["draft"]
    assert odoo_emulator.calls.count(model="account.move", method="action_post") == 0


@pytest.mark.parametrize("status", ["open", "uncollectible"])
def test_auto_mode_posts_a_matching_invoice(odoo_emulator: OdooEmulator, status: str) -> None:
    writer = writer_for(odoo_emulator, posting_mode="auto")
    billed = invoice("NC-7", status=status)

    (result,) = writer.sync(jobs(billed))

    assert result.action == ("posted" if status == "open" else "uncollectible")
    assert [m["state"] for m in moves(odoo_emulator, billed)] == ["posted"]
