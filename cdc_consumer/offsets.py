"""What a micro-batch makes committable, where to rewind it to when it fails, and what awaits commit."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from confluent_kafka import KafkaError, TopicPartition

from . import metrics

log = logging.getLogger(__name__)


@dataclass
class BatchOffsets:
    """The first and last offset read per (topic, partition) in one batch."""

    _first: dict[tuple[str, int], int] = field(default_factory=dict)
    _last: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, topic: str, partition: int, offset: int) -> None:
        """Note one message of the batch."""
        key = (topic, partition)
        self._first.setdefault(key, offset)
        self._first[key] = min(self._first[key], offset)
        self._last[key] = max(self._last.get(key, offset), offset)

    def next_offsets(self) -> dict[tuple[str, int], int]:
        """The offsets to commit once the whole batch is applied: one past the last message."""
        return {key: last + 1 for key, last in self._last.items()}

    def first_offsets(self) -> dict[tuple[str, int], int]:
        """Where to rewind each partition when the batch fails."""
        return dict(self._first)


class PendingCommits:
    """Offsets applied but not yet confirmed committed, per (topic, partition).

    Commits are asynchronous: a synchronous one waits for the group coordinator for as long as
    the brokers are gone, and the loop would stand still, deaf to the stop signal and silent in
    its logs and metrics. A commit the coordinator refuses keeps its offsets pending, and the
    next commit carries them again; a confirmed one drops them. Its :meth:`on_commit` must be
    the consumer's ``on_commit`` callback.
    """

    def __init__(self) -> None:
        self._wanted: dict[tuple[str, int], int] = {}
        self._in_flight = 0

    def add(self, next_offsets: Mapping[tuple[str, int], int]) -> None:
        """Note offsets that may be committed (every message before them is applied)."""
        for key, offset in next_offsets.items():
            self._wanted[key] = max(offset, self._wanted.get(key, offset))

    def to_send(self, owned: Collection[tuple[str, int]], *, only_if_idle: bool = False) -> list[TopicPartition]:
        """What is still to commit for the partitions in ``owned``; counted in flight once sent.

        With ``only_if_idle``, nothing while a commit is in flight: it carries, or will be
        followed by, every pending offset already.
        """
        if only_if_idle and self._in_flight:
            return []
        offsets = [TopicPartition(t, p, o) for (t, p), o in sorted(self._wanted.items()) if (t, p) in owned]
        if offsets:
            self._in_flight += 1
        return offsets

    def forget(self, partitions: Collection[tuple[str, int]]) -> None:
        """Drop partitions this instance no longer owns: their next owner commits them."""
        for key in partitions:
            self._wanted.pop(key, None)

    def on_commit(self, error: KafkaError | None, partitions: list[TopicPartition]) -> None:
        """The result of one commit: what it confirmed is no longer pending."""
        self._in_flight = max(0, self._in_flight - 1)
        failed = [tp for tp in partitions if tp.error is not None]
        if error is not None or failed:
            reason = error.str() if error is not None else failed[0].error.str()
            metrics.COMMIT_FAILURES.inc()
            log.warning("offset commit failed; the next commit carries its offsets again", extra={"error": reason})
            return
        for tp in partitions:
            key = (tp.topic, tp.partition)
            if key in self._wanted and self._wanted[key] <= tp.offset:
                del self._wanted[key]
        metrics.LAST_COMMIT.set(time.time())
