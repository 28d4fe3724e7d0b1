"""What the consumer needs to exist in Odoo, and the idempotent bootstrap that creates it.

``bootstrap`` creates the custom fields (``x_fc_*``), the Stripe bank journal and the per-family
income accounts, and checks — without changing — the company, its sale taxes and currencies.
``check_ready`` is the start-up check of ``run``: it refuses to start when the custom fields are
missing, instead of failing on the first invoice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ..config import Settings
from ..errors import StartupCheckError
from .gateway import Gateway

CUSTOM_FIELDS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "account.move": (
        ("x_fc_nexacloud_invoice_id", "NexaCloud Invoice ID"),
        ("x_fc_stripe_invoice_id", "Stripe Invoice ID"),
    ),
    "res.partner": (("x_fc_nexacloud_user_id", "NexaCloud User ID"),),
}


@dataclass
class BootstrapReport:
    """What bootstrap found, created, and warns about, as lines for the operator."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def missing_fields(gateway: Gateway) -> list[str]:
    """The custom fields that do not exist yet, as ``model.field``."""
    missing = []
    for model, wanted in CUSTOM_FIELDS.items():
        names = [name for name, _label in wanted]
        found = gateway.call(
            "ir.model.fields",
            "search_read",
            [[("model", "=", model), ("name", "in", names)]],
            {"fields": ["name"]},
        )
        have = {row["name"] for row in found}
        missing += [f"{model}.{name}" for name in names if name not in have]
    return missing


def check_ready(gateway: Gateway) -> None:
    """Refuse to run against an Odoo that was not bootstrapped.

    Raises:
        StartupCheckError: naming the missing fields and the command that creates them.
    """
    missing = missing_fields(gateway)
    if missing:
        raise StartupCheckError(
            f"Odoo lacks the custom fields {', '.join(missing)}: run `cdc-consumer bootstrap` first"
        )


def _ensure_fields(gateway: Gateway, report: BootstrapReport) -> None:
    for model, wanted in CUSTOM_FIELDS.items():
        model_ids = gateway.call("ir.model", "search", [[("model", "=", model)]])
        if not model_ids:
            raise StartupCheckError(f"Odoo has no model {model!r}: is the Accounting app installed?")
        found = gateway.call(
            "ir.model.fields",
            "search_read",
            [[("model", "=", model), ("name", "in", [name for name, _ in wanted])]],
            {"fields": ["name"]},
        )
        have = {row["name"] for row in found}
        for name, label in wanted:
            if name in have:
                report.existing.append(f"field {model}.{name}")
                continue
            gateway.call(
                "ir.model.fields",
                "create",
                [
                    {
                        "model_id": model_ids[0],
                        "name": name,
                        "field_description": label,
                        "ttype": "char",
                        "state": "manual",
                        "index": True,
                        "copied": False,
                    }
                ],
            )
            report.created.append(f"field {model}.{name}")


def _ensure_journal(gateway: Gateway, settings: Settings, report: BootstrapReport) -> None:
    code = settings.stripe_journal_code
    found = gateway.call("account.journal", "search_read", [[("code", "=", code)]], {"fields": ["type", "name"]})
    if found:
        if found[0]["type"] != "bank":
            raise StartupCheckError(f"journal {code!r} exists but is of type {found[0]['type']!r}, not 'bank'")
        report.existing.append(f"journal {code} ({found[0]['name']})")
        return
    gateway.call("account.journal", "create", [{"name": settings.stripe_journal_name, "code": code, "type": "bank"}])
    report.created.append(f"journal {code} ({settings.stripe_journal_name})")


def _ensure_accounts(gateway: Gateway, settings: Settings, report: BootstrapReport) -> None:
    wanted = dict(settings.family_accounts.values())
    found = gateway.call(
        "account.account",
        "search_read",
        [[("code", "in", list(wanted))]],
        {"fields": ["code", "account_type"]},
    )
    have = {row["code"]: row["account_type"] for row in found}
    for code, name in wanted.items():
        if code in have:
            if have[code] != "income":
                report.warnings.append(f"account {code} exists with type {have[code]!r}, not 'income'")
            report.existing.append(f"account {code}")
            continue
        gateway.call("account.account", "create", [{"code": code, "name": name, "account_type": "income"}])
        report.created.append(f"account {code} ({name})")


def _check_company(gateway: Gateway, report: BootstrapReport) -> None:
    taxes = gateway.call(
        "account.tax",
        "search_read",
        [[("type_tax_use", "=", "sale"), ("amount_type", "=", "percent")]],
        {"fields": ["name", "amount"]},
    )
    rates = {Decimal(str(t["amount"])) for t in taxes}
    for rate, why in ((Decimal(13), "13 % HST (Ontario)"), (Decimal(0), "zero-rated invoices")):
        if rate in rates:
            report.existing.append(f"sale tax {rate:g} % for {why}")
        else:
            report.warnings.append(f"no {rate:g} % sale tax: invoices needing it for {why} will stay pending")
    currencies = gateway.call("res.currency", "search_read", [[("name", "=", "CAD")]], {"fields": ["name"]})
    if currencies:
        report.existing.append("currency CAD active")
    else:
        report.warnings.append("currency CAD is not active: CAD invoices will be reported as failed")


def bootstrap(gateway: Gateway, settings: Settings) -> BootstrapReport:
    """Create what is missing in Odoo and check the rest; running it twice changes nothing."""
    report = BootstrapReport()
    _ensure_fields(gateway, report)
    _ensure_journal(gateway, settings, report)
    _ensure_accounts(gateway, settings, report)
    _check_company(gateway, report)
    return report
