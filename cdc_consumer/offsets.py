"""What a micro-batch makes committable, and where to rewind it to when it fails."""

from __future__ import annotations

from dataclasses import dataclass, field


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
