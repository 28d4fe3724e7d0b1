"""Reset the consumer group's committed offsets, like kafka-consumer-groups.sh --reset-offsets.

  cdc-consumer offsets reset --to-earliest                 # plan only (dry run)
  cdc-consumer offsets reset --to-datetime 2026-01-31T00:00 --execute
  cdc-consumer offsets reset --shift-by -100 --topic nexacloud.public.invoices:0,2 --execute

Without --execute nothing changes: the plan is printed as a table (topic, partition, current
offset, new offset). With --execute the new offsets are committed for the group by a client
that never joins it. Stop every consumer of the group first: the command refuses while the
group has members and names them. Targets outside a partition's log are clamped to its
earliest or latest offset with a warning. A partition where the group committed nothing counts
as being at its earliest offset (where the consumer would start).

Replaying is safe: the state store ignores changes older than what it holds and Odoo writes
are idempotent. To re-read history that Kafka no longer holds, use `cdc-consumer snapshot`.
"""

from __future__ import annotations

import argparse
import sys

NAME = "offsets"
HELP = "reset the consumer group's offsets (dry run unless --execute; refuses while consumers run)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``offsets reset`` and its options."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    reset = sub.add_parser(
        "reset",
        help="move the group's committed offsets",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = reset.add_mutually_exclusive_group(required=True)
    target.add_argument("--to-earliest", action="store_true", help="the earliest offset still in each partition")
    target.add_argument("--to-latest", action="store_true", help="the end of each partition (skip everything unread)")
    target.add_argument(
        "--to-datetime",
        metavar="ISO",
        help="the first message at or after this time (ISO 8601; without an offset, in company_timezone)",
    )
    target.add_argument("--to-offset", type=int, metavar="N", help="offset N in every chosen partition")
    target.add_argument("--shift-by", type=int, metavar="N", help="the current offset plus N (negative: back)")
    reset.add_argument(
        "--topic",
        action="append",
        metavar="T[:P,P]",
        help="only topic T (optionally only partitions P); repeatable (default: both topics of the consumer)",
    )
    reset.add_argument("--group", metavar="ID", help="another consumer group than kafka_group_id")
    reset.add_argument("--execute", action="store_true", help="commit the new offsets (default: print the plan)")


def run(args: argparse.Namespace) -> int:
    """Plan the reset, refuse while the group is active, commit with --execute."""
    from ..config import load_settings
    from ..ops.group import ConsumerGroup
    from ..ops.offsets import ResetTarget, parse_datetime, parse_topic, plan_reset, render_plan, select_partitions

    settings = load_settings(args.config)
    if args.to_earliest:
        target = ResetTarget("earliest")
    elif args.to_latest:
        target = ResetTarget("latest")
    elif args.to_datetime is not None:
        target = ResetTarget("datetime", int(parse_datetime(args.to_datetime, settings.timezone).timestamp() * 1000))
    elif args.to_offset is not None:
        target = ResetTarget("offset", args.to_offset)
    else:
        target = ResetTarget("shift", args.shift_by)
    specs = [parse_topic(t) for t in args.topic or [settings.topic_invoices, settings.topic_items]]
    with ConsumerGroup(settings, args.group) as group:
        state = group.describe()
        if state.active:
            print(
                f"cdc-consumer offsets: consumer group {group.group_id!r} is {state.state} with "
                f"{len(state.members)} member(s); stop them first:",
                file=sys.stderr,
            )
            for member in state.members:
                print(f"  {member.describe()}", file=sys.stderr)
            return 1
        keys = select_partitions(specs, group.partitions(t for t, _ in specs))
        offsets = group.offsets(keys)
        at_time = group.offsets_for_time(keys, target.value) if target.kind == "datetime" else None
        plans = plan_reset(target, offsets, at_time)
        if args.execute:
            if group.describe().active:
                print(
                    f"cdc-consumer offsets: a consumer joined group {group.group_id!r}; nothing committed",
                    file=sys.stderr,
                )
                return 1
            group.commit({(p.topic, p.partition): p.new for p in plans})
        print(render_plan(group.group_id, target, plans, executed=args.execute))
    return 0
