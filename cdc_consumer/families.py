"""Service families: which revenue an invoice line is, from its description alone.

Each family has its own income account in Odoo (``Settings.family_accounts``), so the family
decides where a line's revenue is booked. The mapping is configuration
(``Settings.family_keywords``): an ordered mapping of family → keywords.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

OTHER = "other"
"""The family of a line no keyword matches; it has an income account of its own."""

_PRORATION = re.compile(
    r"""^\s*(?:remaining|unused)\s+time\s+on\s+
        (?:\d+(?:\.\d+)?\s*[×x]\s+)?        # "2 × Odoo ERP Hosting": a quantity prefix
        (?P<item>.+?)
        (?:\s+after\b.*|\s*\(at\s.*)?$       # "after 27 May 2026", "(at $50.00 / month)"
    """,
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)


def prorated_item(description: str) -> str | None:
    """The item a Stripe proration line is about, or ``None`` when it is not a proration line.

    Stripe describes a plan change with lines such as "Remaining time on X after 27 May 2026"
    and "Unused time on X after 27 May 2026" (the latter negative), sometimes with a quantity
    ("2 × X") or a price suffix ("(at $50.00 / month)"). The revenue is X's.
    """
    match = _PRORATION.match(description)
    return match.group("item") if match else None


def family_of(description: str, keywords: Mapping[str, Sequence[str]]) -> str:
    """The service family of an invoice line.

    Keywords are matched case-insensitively as substrings. Families are tried in the
    mapping's order and the first with a matching keyword wins, so with the default mapping
    "WordPress Website Hosting - Managed" is ``hosting``, not ``managed``. A proration line
    takes the family of the item it prorates. No match gives :data:`OTHER`.

    Args:
        description: the line's description as the source holds it.
        keywords: family → keywords, in priority order (``Settings.family_keywords``).

    Returns:
        The family name, or :data:`OTHER`.
    """
    text = (prorated_item(description) or description).casefold()
    for family, words in keywords.items():
        if any(word.casefold() in text for word in words):
            return family
    return OTHER
