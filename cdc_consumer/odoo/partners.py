"""One ``res.partner`` per NexaCloud user: found by user id, else by email, else created.

Resolution is batched — one search by user id, one by email, one create — and cached, so a
backfill costs a few calls per batch, not per invoice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..invoice import Customer
from .gateway import Gateway

USER_FIELD = "x_fc_nexacloud_user_id"


def _any_email_domain(emails: list[str]) -> list[object]:
    """``email =ilike a OR email =ilike b ...`` in Odoo's prefix notation."""
    terms: list[object] = [("email", "=ilike", email) for email in emails]
    return ["|"] * (len(terms) - 1) + terms


class PartnerDirectory:
    """Maps user ids to partner ids, creating partners that do not exist yet."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway
        self._partner_of: dict[str, int] = {}

    def resolve(self, customers: Mapping[str, Customer]) -> dict[str, int]:
        """Partner ids for the given customers (user id → customer), creating what is missing.

        A partner found by email is tagged with the user id, so the next lookup finds it by id.
        Among several partners with the same email, the oldest wins.
        """
        todo = [uid for uid in customers if uid not in self._partner_of]
        if todo:
            self._find_by_user_id(todo)
            todo = [uid for uid in todo if uid not in self._partner_of]
        if todo:
            self._find_by_email([customers[uid] for uid in todo])
            todo = [uid for uid in todo if uid not in self._partner_of]
        if todo:
            self._create([customers[uid] for uid in todo])
        return {uid: self._partner_of[uid] for uid in customers}

    def _oldest_by_user_id(self, user_ids: list[str]) -> dict[str, int]:
        """The oldest partner carrying each of ``user_ids`` (users without one are absent)."""
        rows = self._gateway.call(
            "res.partner",
            "search_read",
            [[(USER_FIELD, "in", user_ids)]],
            {"fields": [USER_FIELD], "order": "id"},
        )
        oldest: dict[str, int] = {}
        for row in rows:
            oldest.setdefault(row[USER_FIELD], row["id"])
        return oldest

    def _find_by_user_id(self, user_ids: list[str]) -> None:
        for user_id, partner_id in self._oldest_by_user_id(user_ids).items():
            self._partner_of.setdefault(user_id, partner_id)

    def _find_by_email(self, customers: Iterable[Customer]) -> None:
        by_email = {c.invoice_email.lower(): c.user_id for c in customers if c.invoice_email}
        if not by_email:
            return
        rows = self._gateway.call(
            "res.partner",
            "search_read",
            [_any_email_domain(sorted(by_email))],
            {"fields": ["email", USER_FIELD], "order": "id"},
        )
        tagged: dict[int, str] = {}
        for row in rows:
            uid = by_email.get(str(row["email"] or "").lower())
            if uid is None or uid in self._partner_of or row.get(USER_FIELD):
                continue
            self._partner_of[uid] = row["id"]
            tagged[row["id"]] = uid
        for partner_id, uid in tagged.items():
            self._gateway.call("res.partner", "write", [[partner_id], {USER_FIELD: uid}])

    def _create(self, customers: list[Customer]) -> None:
        values = [
            {
                "name": c.full_name or c.invoice_email or c.user_id,
                "email": c.invoice_email or False,
                "customer_rank": 1,
                USER_FIELD: c.user_id,
            }
            for c in customers
        ]
        ids = self._gateway.call("res.partner", "create", [values])
        created = {c.user_id: partner_id for c, partner_id in zip(customers, ids, strict=True)}
        # Users are not partitioned: another instance may have created a partner for the same
        # user meanwhile. The oldest one is the user's partner; a newer one of ours goes again.
        oldest = self._oldest_by_user_id(list(created))
        extra = [partner_id for uid, partner_id in created.items() if oldest.get(uid, partner_id) != partner_id]
        if extra:
            self._gateway.call("res.partner", "unlink", [extra])
        for uid, partner_id in created.items():
            self._partner_of[uid] = oldest.get(uid, partner_id)
