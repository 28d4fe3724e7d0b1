"""Show how the consumer stands: its group, the members and their partitions, lag, pending invoices.

The group's state and members come from Kafka (describe), the lag per partition is the high
watermark minus the group's committed offset, and the pending invoices (inconsistent, tax
mismatch, failed, conflict, ...) come from the state store named by state_dsn, counted by
reason with how many are overdue (past inconsistency_grace_seconds) and the oldest's age.
--json prints the same as one JSON document.
"""

from __future__ import annotations

import argparse

NAME = "status"
HELP = "show the consumer group, its members and assignments, lag per partition and pending invoices"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``status``."""
    parser.add_argument("--group", metavar="ID", help="another consumer group than kafka_group_id")
    parser.add_argument("--json", action="store_true", help="print the status as one JSON document")


def run(args: argparse.Namespace) -> int:
    """Print the status."""
    import json
    from datetime import UTC, datetime, timedelta

    from ..config import load_settings
    from ..ops.group import ConsumerGroup
    from ..ops.pending import read_pending
    from ..ops.status import render_status, status_document

    settings = load_settings(args.config)
    topics = [settings.topic_invoices, settings.topic_items]
    with ConsumerGroup(settings, args.group) as group:
        state = group.describe()
        partitions = group.partitions(topics)
        offsets = group.offsets([(t, p) for t in topics for p in partitions[t]])
    pending = read_pending(settings.state_dsn)
    grace = timedelta(seconds=settings.inconsistency_grace_seconds)
    now = datetime.now(UTC)
    if args.json:
        print(json.dumps(status_document(state, offsets, pending, now, grace), indent=2))
    else:
        print(render_status(state, offsets, pending, now, grace))
    return 0
