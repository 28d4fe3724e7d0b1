"""The stack's life cycle: idempotent start, status, failures named with their log, and a stop
that only ever signals processes it started."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cdc_consumer import cli
from cdc_consumer.errors import StackError
from cdc_consumer.localstack import LocalStack, Ports
from cdc_consumer.localstack.processes import ProcessSpec, Supervisor, is_alive


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A scratch directory the ``postgres`` user can enter (pytest's tmp_path is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="cdc-stack-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.stack
def test_starting_a_running_stack_reuses_it(stack, capsys):
    again = LocalStack().start(timeout=60)

    assert again.started == frozenset()
    assert cli.main(["stack", "status"]) == 0
    out = capsys.readouterr().out
    assert "connector nexacloud-invoices RUNNING (tasks RUNNING)" in out
    assert [line.split()[:2] for line in out.splitlines()] == [
        ["postgres", "running"],
        ["kafka", "running"],
        ["connect", "running"],
    ]


@pytest.mark.stack
def test_a_component_that_cannot_start_is_named_with_its_log(stack, world_readable_dir):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        ports = Ports(postgres=taken, kafka=free_port(), controller=free_port(), connect=free_port())
        broken = LocalStack(world_readable_dir, ports=ports)

        with pytest.raises(StackError, match=r"(?s)^postgres exited while starting.*could not bind"):
            broken.start(timeout=60)

    assert all(not s.running for s in broken.status())
    assert broken.stop() == [], "what the failed start had started is already stopped"


def test_stop_ends_its_own_process_and_nothing_else(tmp_path):
    supervisor = Supervisor(tmp_path / "run", tmp_path / "logs")
    marker = str(tmp_path / "marker")
    argv = [sys.executable, "-c", "import time; time.sleep(60)", marker]
    pid = supervisor.spawn(ProcessSpec("sleeper", argv, marker))

    assert supervisor.pid("sleeper") == pid
    assert supervisor.stop("sleeper", timeout=10)
    assert not is_alive(pid)
    assert supervisor.pid("sleeper") is None
    assert "starting sleeper" in supervisor.log_path("sleeper").read_text()

    # A PID file whose process is not ours (another command line) is never signalled.
    (tmp_path / "run" / "impostor.pid").write_text(f"{os.getpid()}\n{marker}\n")
    assert supervisor.pid("impostor") is None
    assert not supervisor.stop("impostor")
    assert is_alive(os.getpid())
