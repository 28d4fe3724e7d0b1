"""Micro-benchmark of decode + apply: ``python -m cdc_consumer.state.bench [--help]``.

Builds synthetic Debezium messages (JsonConverter without schemas, as the local stack writes
them): each invoice is one ``invoices`` row and ``--items`` ``invoice_items`` rows. It decodes
them with the JSON decoder and applies them to a fresh state store in batches of ``--batch``, in
three passes: the first load (inserts), a replay of the same messages (all duplicates, as after
an offset reset) and an update of every row. It prints events per second for decode, apply and
both, per pass, and the process's resident memory after each pass: with the state on disk it
stays flat however many invoices the store holds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from pathlib import Path

import orjson

from ..decoding import JsonDecoder
from ..events import ChangeEvent
from . import open_state_store

Message = tuple[str, int, bytes]
"""(topic, offset, value) of one synthetic message."""


def _resident_mib() -> float:
    """The current resident set size of this process, in MiB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def synthetic_messages(invoices: int, items: int, *, first_lsn: int, amount: str) -> Iterator[Message]:
    """Debezium ``c``/``u`` envelopes of ``invoices`` invoices with ``items`` items each."""
    op = "c" if first_lsn == 1 else "u"
    lsn = first_lsn
    for n in range(invoices):
        invoice_id = f"00000000-0000-4000-8000-{n:012d}"
        subtotal = f"{int(amount) * items}.00"
        header = {
            "id": invoice_id,
            "stripe_invoice_id": f"in_{n}",
            "invoice_number": f"NC-{n:06d}",
            "user_id": "00000000-0000-4000-9000-000000000001",
            "subscription_id": None,
            "created_at": "2025-02-01T09:30:15.123456Z",
            "currency": "cad",
            "status": "open",
            "subtotal": subtotal,
            "tax": "13.00",
            "amount_paid": "0.00",
            "paid_at": None,
        }
        yield "invoices", lsn, _envelope("invoices", op, header, lsn)
        lsn += 1
        for m in range(items):
            item = {
                "id": f"00000000-0000-4000-a000-{n * items + m:012d}",
                "invoice_id": invoice_id,
                "description": "Odoo ERP hosting - Standard plan (monthly)",
                "quantity": 1,
                "unit_price": f"{amount}.00",
                "amount": f"{amount}.00",
            }
            yield "invoice_items", lsn, _envelope("invoice_items", op, item, lsn)
            lsn += 1


def _envelope(table: str, op: str, row: dict[str, object], lsn: int) -> bytes:
    source = {
        "connector": "postgresql",
        "name": "nexacloud",
        "db": "nexacloud",
        "schema": "public",
        "table": table,
        "lsn": lsn,
        "ts_ms": 1_740_000_000_000 + lsn,
        "snapshot": "false",
        "txId": lsn,
    }
    return orjson.dumps({"before": None, "after": row, "source": source, "op": op, "ts_ms": source["ts_ms"]})


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def run_pass(
    name: str, store_apply: Callable[[Sequence[ChangeEvent]], object], messages: Iterator[Message], batch: int
) -> str:
    """Decode and apply ``messages`` batch by batch (generated lazily); a line of results."""
    decoder = JsonDecoder()
    decode_seconds = apply_seconds = 0.0
    count = 0
    while chunk := list(islice(messages, batch)):
        events: list[ChangeEvent] = []

        def decode(chunk: list[Message] = chunk, events: list[ChangeEvent] = events) -> None:
            for topic, offset, value in chunk:
                event = decoder.decode(topic, offset % 3, offset, None, value)
                if event is not None:
                    events.append(event)

        decode_seconds += _timed(decode)
        apply_seconds += _timed(lambda events=events: store_apply(events))  # type: ignore[misc]
        count += len(chunk)
    return (
        f"{name:<8} {count:>9,} events  decode {count / decode_seconds:>9,.0f}/s  "
        f"apply {count / apply_seconds:>9,.0f}/s  decode+apply {count / (decode_seconds + apply_seconds):>9,.0f}/s  "
        f"rss {_resident_mib():.0f} MiB"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print one line per pass."""
    parser = argparse.ArgumentParser(
        prog="python -m cdc_consumer.state.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--invoices", type=int, default=25_000, help="invoices (default 25,000)")
    parser.add_argument("--items", type=int, default=3, help="items per invoice (default 3)")
    parser.add_argument("--batch", type=int, default=1000, help="events per apply (default 1,000)")
    parser.add_argument("--dsn", help="state store DSN (default: a SQLite file in a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        store = open_state_store(args.dsn or f"sqlite:///{folder}/bench.sqlite3")
        try:
            sys.stdout.write(f"rss at start {_resident_mib():.0f} MiB\n")
            for name, first_lsn, amount in (("insert", 1, "25"), ("replay", 1, "25"), ("update", 10**9, "30")):
                messages = synthetic_messages(args.invoices, args.items, first_lsn=first_lsn, amount=amount)
                sys.stdout.write(run_pass(name, store.apply, messages, args.batch) + "\n")
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
