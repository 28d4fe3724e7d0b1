"""Live changes while the consumer runs (``posting_mode=auto``): every status transition of the
ledger rules, item edits of a draft, deletes, and a posted invoice changed at the source.

Each invoice is written to the source the way NexaCloud does it (one transaction, or one live
change from ``cdc_consumer.sample.changes``); the test waits, with deadlines, until Odoo holds
what the rules say, then checks the calls the consumer made for that invoice.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from cdc_consumer.emulator import OdooEmulator
from cdc_consumer.sample import changes
from tests.support.consumer import Consumers, ConsumerThread, money, moves_of, writes_about
from tests.support.stack_fixtures import SourceRows, insert_invoice

pytestmark = [pytest.mark.stack, pytest.mark.e2e]

Moves = list[dict[str, Any]]
Expectation = Callable[[Moves], bool]

PRICE = Decimal("19.99")
"""What ``insert_invoice`` bills per item (13 % tax)."""


def draft(moves: Moves) -> bool:
    return len(moves) == 1 and moves[0]["state"] == "draft"


def posted(payment_state: str = "not_paid") -> Expectation:
    return lambda moves: len(moves) == 1 and (moves[0]["state"], moves[0]["payment_state"]) == ("posted", payment_state)


def cancelled(moves: Moves) -> bool:
    return len(moves) == 1 and moves[0]["state"] == "cancel"


def gone(moves: Moves) -> bool:
    return not moves


def reversed_by_credit_note(moves: Moves) -> bool:
    return len(moves) == 1 and moves[0]["payment_state"] == "reversed" and len(moves[0]["reversal_move_ids"]) == 1


def draft_of(untaxed: str, tax: str, lines: int) -> Expectation:
    def holds(moves: Moves) -> bool:
        return (
            draft(moves)
            and (money(moves[0]["amount_untaxed"]), money(moves[0]["amount_tax"])) == (Decimal(untaxed), Decimal(tax))
            and len(moves[0]["invoice_line_ids"]) == lines
        )

    return holds


def await_odoo(consumers: Consumers, expected: dict[str, Expectation], timeout: float = 60) -> dict[str, Moves]:
    """Wait until every invoice's moves meet its expectation; the moves then."""

    def unmet() -> list[str]:
        moves = moves_of(consumers.odoo, expected)
        return [f"{i}: {moves[i]}" for i, holds in expected.items() if not holds(moves[i])]

    consumers.wait(lambda: not unmet(), timeout, what=lambda: "\n".join(unmet()), interval=0.2)
    return moves_of(consumers.odoo, expected)


def await_pending(consumers: Consumers, consumer: ConsumerThread, expected: dict[str, str]) -> None:
    """Wait until the consumer reports each invoice as pending with the given reason."""

    def reasons() -> dict[str, str]:
        return {r.invoice_id: r.reason for r in consumer.app.state.pending() if r.invoice_id in expected}

    consumers.wait(lambda: reasons() == expected, what=lambda: f"pending {reasons()}, expected {expected}")


def calls(odoo: OdooEmulator, invoice_id: str, move_ids: list[int]) -> list[str]:
    """The data-changing calls about one invoice, as ``model.method``."""
    return [f"{r.model}.{r.method}" for r in writes_about(odoo, [invoice_id], move_ids)]


CREATE, POST = "account.move.create", "account.move.action_post"
PAY = ["account.payment.register.create", "account.payment.register.action_create_payments"]


def test_every_status_transition_is_carried_out_once(consumers: Consumers, source: psycopg.Connection) -> None:
    odoo = consumers.odoo
    consumer = consumers.thread(consumers.settings(posting_mode="auto", skip_history=True))
    inv: dict[str, SourceRows] = {
        name: insert_invoice(source, status=status)
        for name, status in [
            ("draft_to_open", "draft"),
            ("draft_edited", "draft"),
            ("draft_deleted", "draft"),
            ("draft_voided", "draft"),
            ("open_to_paid", "open"),
            ("open_to_partial", "open"),
            ("open_voided", "open"),
            ("uncollectible_then_paid", "open"),
            ("posted_deleted", "open"),
            ("posted_edited", "open"),
        ]
    }
    ids = {name: rows.invoice_id for name, rows in inv.items()}
    first = await_odoo(consumers, {i: draft if name.startswith("draft") else posted() for name, i in ids.items()})
    move_id = {name: first[i][0]["id"] for name, i in ids.items()}

    # Stripe's transitions, and edits NexaCloud makes.
    changes.set_status(source, ids["draft_to_open"], "open")
    changes.set_item_amount(source, inv["draft_edited"].item_ids[0], Decimal("30.00"))
    changes.add_item(source, ids["draft_edited"], "Daily Backup Protection", Decimal("10.00"))
    changes.delete_invoice(source, ids["draft_deleted"])
    # An open invoice whose tax no sale tax reproduces stays a draft, even in auto mode.
    source.execute("UPDATE invoices SET status = 'open', tax = 1.11 WHERE id = %s", (ids["draft_voided"],))
    changes.set_status(source, ids["open_to_paid"], "paid")
    changes.set_status(source, ids["open_to_partial"], "paid", amount_paid=Decimal("40.00"))
    changes.set_status(source, ids["open_voided"], "void")
    changes.set_status(source, ids["uncollectible_then_paid"], "uncollectible")
    changes.delete_invoice(source, ids["posted_deleted"])
    changes.set_item_amount(source, inv["posted_edited"].item_ids[0], Decimal("25.00"))

    await_pending(
        consumers,
        consumer,
        {
            ids["draft_voided"]: "tax_mismatch",
            ids["posted_deleted"]: "deleted_posted",
            ids["posted_edited"]: "conflict",
        },
    )
    second = await_odoo(
        consumers,
        {
            ids["draft_to_open"]: posted(),
            # 30.00 + 19.99 + 10.00 at 13 %
            ids["draft_edited"]: draft_of("59.99", "7.80", lines=3),
            ids["draft_deleted"]: gone,
            ids["draft_voided"]: draft,
            ids["open_to_paid"]: posted("paid"),
            ids["open_to_partial"]: posted("partial"),
            ids["open_voided"]: reversed_by_credit_note,
            ids["uncollectible_then_paid"]: posted(),
            ids["posted_deleted"]: posted(),
            ids["posted_edited"]: posted(),
        },
    )
    changes.set_status(source, ids["draft_voided"], "void")
    changes.set_status(source, ids["uncollectible_then_paid"], "paid")
    await_odoo(consumers, {ids["draft_voided"]: cancelled, ids["uncollectible_then_paid"]: posted("paid")})
    await_pending(consumers, consumer, {ids["posted_deleted"]: "deleted_posted", ids["posted_edited"]: "conflict"})
    consumer.stop()

    partial = second[ids["open_to_partial"]][0]
    assert money(partial["amount_total"]) - money(partial["amount_residual"]) == Decimal("40.00")
    edited = second[ids["posted_edited"]][0]
    subtotal = 2 * PRICE
    assert (money(edited["amount_untaxed"]), money(edited["amount_tax"])) == (subtotal, Decimal("5.20")), (
        "a posted invoice is never rewritten"
    )
    credit_note = odoo.execute(
        "account.move", "read", second[ids["open_voided"]][0]["reversal_move_ids"], fields=["move_type", "state"]
    )
    assert [(c["move_type"], c["state"]) for c in credit_note] == [("out_refund", "posted")]
    partner = first[ids["open_voided"]][0]["partner_id"][0]
    partner_moves = odoo.execute("account.move", "search_read", [("partner_id", "=", partner)], fields=["state"])
    assert sorted(m["state"] for m in partner_moves) == ["posted", "posted"], "no draft copy is left by the reversal"

    expected_calls = {
        "draft_to_open": [CREATE, POST],
        "draft_deleted": [CREATE, "account.move.unlink"],
        "draft_voided": [CREATE, "account.move.write", "account.move.button_cancel"],
        "open_to_paid": [CREATE, POST, *PAY],
        "open_to_partial": [CREATE, POST, *PAY],
        "uncollectible_then_paid": [CREATE, POST, *PAY],
        "posted_deleted": [CREATE, POST],
        "posted_edited": [CREATE, POST],
    }
    made = {name: calls(odoo, ids[name], [move_id[name]]) for name in expected_calls}
    assert made == expected_calls
    voided = calls(odoo, ids["open_voided"], [move_id["open_voided"]])
    assert voided[:3] == [CREATE, POST, "account.move.reversal.create"]
    assert len(voided) == 4, "one reversal wizard, run once"
    assert voided[3].startswith("account.move.reversal.")
    edited_calls = calls(odoo, ids["draft_edited"], [move_id["draft_edited"]])
    assert edited_calls[0] == CREATE
    assert set(edited_calls[1:]) == {"account.move.write"}
    assert len(edited_calls[1:]) <= 2, "one rewrite per batch that saw an edit"
