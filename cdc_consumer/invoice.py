"""The NexaCloud invoice as the source holds it: header, lines and customer.

Rows arrive as decoded column mappings (see ``events.py``); these types validate them once, so
the decision logic can rely on types: money is ``Decimal``, time is timezone-aware.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from .errors import InvalidMessage

STATUSES = frozenset({"draft", "open", "paid", "void", "uncollectible"})
CENT = Decimal("0.01")


def _text(row: Mapping[str, object], name: str, *, required: bool = True) -> str | None:
    value = row.get(name)
    if value is None:
        if required:
            raise InvalidMessage(f"column {name!r} is missing or null")
        return None
    if not isinstance(value, str):
        raise InvalidMessage(f"column {name!r} must be text, got {type(value).__name__}")
    return value


def _money(row: Mapping[str, object], name: str, *, required: bool = True) -> Decimal | None:
    value = row.get(name)
    if type(value) is Decimal and value.is_finite():
        return value  # what the decoders give: immutable, taken as it is
    if value is None:
        if required:
            raise InvalidMessage(f"column {name!r} is missing or null")
        return None
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise InvalidMessage(f"column {name!r} must be a decimal, got {type(value).__name__}")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise InvalidMessage(f"column {name!r} is not a number: {value!r}") from exc
    if not amount.is_finite():
        raise InvalidMessage(f"column {name!r} is not finite: {value!r}")
    return amount


def _moment(row: Mapping[str, object], name: str, *, required: bool = True) -> datetime | None:
    value = row.get(name)
    if value is None:
        if required:
            raise InvalidMessage(f"column {name!r} is missing or null")
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidMessage(f"column {name!r} must be a timezone-aware timestamp, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class InvoiceHeader:
    """A row of ``invoices`` (the columns we use)."""

    id: str
    stripe_invoice_id: str | None
    invoice_number: str
    user_id: str
    subscription_id: str | None
    created_at: datetime
    currency: str
    status: str
    subtotal: Decimal
    tax: Decimal
    amount_paid: Decimal
    paid_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> InvoiceHeader:
        """Validate a decoded ``invoices`` row; raise :class:`InvalidMessage` when it is not one."""
        status = _text(row, "status")
        if status not in STATUSES:
            raise InvalidMessage(f"unknown invoice status {status!r}")
        currency = _text(row, "currency")
        assert currency is not None
        if len(currency) != 3 or not currency.isalpha():
            raise InvalidMessage(f"currency {currency!r} is not an ISO 4217 code")
        return cls(
            id=_text(row, "id"),  # type: ignore[arg-type]
            stripe_invoice_id=_text(row, "stripe_invoice_id", required=False),
            invoice_number=_text(row, "invoice_number"),  # type: ignore[arg-type]
            user_id=_text(row, "user_id"),  # type: ignore[arg-type]
            subscription_id=_text(row, "subscription_id", required=False),
            created_at=_moment(row, "created_at"),  # type: ignore[arg-type]
            currency=currency.upper(),
            status=status,
            subtotal=_money(row, "subtotal"),  # type: ignore[arg-type]
            tax=_money(row, "tax"),  # type: ignore[arg-type]
            amount_paid=_money(row, "amount_paid", required=False) or Decimal("0"),
            paid_at=_moment(row, "paid_at", required=False),
        )


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """A row of ``invoice_items`` (the columns we use)."""

    id: str
    invoice_id: str
    description: str
    quantity: Decimal
    unit_price: Decimal | None
    amount: Decimal

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> InvoiceLine:
        """Validate a decoded ``invoice_items`` row; raise :class:`InvalidMessage` when it is not one."""
        return cls(
            id=_text(row, "id"),  # type: ignore[arg-type]
            invoice_id=_text(row, "invoice_id"),  # type: ignore[arg-type]
            description=_text(row, "description", required=False) or "",
            quantity=_money(row, "quantity", required=False) or Decimal("1"),
            unit_price=_money(row, "unit_price", required=False),
            amount=_money(row, "amount"),  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True)
class Customer:
    """A NexaCloud user, read from ``users``: who an invoice's partner is."""

    user_id: str
    full_name: str
    email: str | None
    billing_email: str | None

    @property
    def invoice_email(self) -> str | None:
        """The address invoices go to: the billing email when set, else the login email."""
        return self.billing_email or self.email


@dataclass(frozen=True, slots=True)
class SourceInvoice:
    """An invoice with all the lines the source holds for it at one moment."""

    header: InvoiceHeader
    lines: tuple[InvoiceLine, ...]

    @property
    def lines_total(self) -> Decimal:
        """The sum of the lines' amounts."""
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def consistent(self) -> bool:
        """Whether the lines add up to the subtotal: only then is the invoice complete."""
        return bool(self.lines) and self.lines_total == self.header.subtotal
