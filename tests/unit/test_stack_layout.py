"""The local stack's ports (outside the ephemeral range, shifted as a whole, checked) and cluster id."""

from __future__ import annotations

import uuid
from dataclasses import astuple
from pathlib import Path

import pytest

from cdc_consumer.errors import StackError
from cdc_consumer.localstack import kafka
from cdc_consumer.localstack.layout import Ports

_LOW, _HIGH = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
EPHEMERAL = range(_LOW, _HIGH + 1)


def test_the_default_ports_are_outside_the_ephemeral_range(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client's socket in TIME_WAIT on a listener's port would keep the component from restarting."""
    monkeypatch.delenv("CDC_STACK_PORT_OFFSET", raising=False)
    assert not [port for port in astuple(Ports.from_env()) if port in EPHEMERAL]


def test_an_offset_shifts_every_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDC_STACK_PORT_OFFSET", "1000")
    assert astuple(Ports.from_env()) == tuple(port + 1000 for port in astuple(Ports()))


@pytest.mark.parametrize("offset", ["ten", "-25000", "40000"])
def test_a_bad_offset_is_refused_with_its_value(monkeypatch: pytest.MonkeyPatch, offset: str) -> None:
    monkeypatch.setenv("CDC_STACK_PORT_OFFSET", offset)
    with pytest.raises(StackError, match="CDC_STACK_PORT_OFFSET"):
        Ports.from_env()


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """kafka-storage would take ``--cluster-id -abc…`` for an option: one fresh stack in 64 failed."""
    drawn = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=bytes(range(16)))])
    monkeypatch.setattr(kafka.uuid, "uuid4", lambda: next(drawn))
    assert kafka.new_cluster_id() == "AAECAwQFBgcICQoLDA0ODw"
    monkeypatch.undo()
    assert not [i for i in (kafka.new_cluster_id() for _ in range(2000)) if i.startswith("-") or len(i) != 22]
