"""Start, find and stop the stack's long-running processes, and nothing else.

Each process is started in its own session (it outlives a ``cdc-consumer stack start``) with
its output appended to a log file, and recorded in a PID file holding its PID and a marker
(a path that must appear in its command line). A PID is only ever signalled after
``/proc/<pid>/cmdline`` shows that marker, so a PID reused by an unrelated process is never
touched.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StackError

POLL_INTERVAL = 0.2

# Popen objects of the processes this interpreter started: kept so that they can be reaped
# (no zombies, no "still running" warnings when the objects would be collected).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class ProcessSpec:
    """How to run one component.

    Attributes:
        name: the component, e.g. ``kafka``; names the PID and log files.
        argv: the command line.
        marker: a string (a path of the stack directory) that the command line must contain.
        env: extra environment variables.
        user: run as this system user (needs root), e.g. ``postgres``.
    """

    name: str
    argv: Sequence[str]
    marker: str
    env: Mapping[str, str] = field(default_factory=dict)
    user: str | None = None


def wait_until(condition: Callable[[], bool], deadline: float, what: str) -> None:
    """Poll ``condition`` until it holds; raise :class:`StackError` at ``deadline`` (monotonic)."""
    while not condition():
        if time.monotonic() >= deadline:
            raise StackError(f"timed out waiting for {what}")
        time.sleep(POLL_INTERVAL)


def log_tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file, for error messages."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 16384))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def user_ids(user: str) -> tuple[int, int]:
    """The uid and gid of a system user, or a clear error when it does not exist."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise StackError(f"system user {user!r} does not exist (the postgresql package creates it)") from None
    return entry.pw_uid, entry.pw_gid


class Supervisor:
    """The PID files and logs of one stack directory."""

    def __init__(self, run_dir: Path, log_dir: Path) -> None:
        self.run_dir = run_dir
        self.log_dir = log_dir

    def log_path(self, name: str) -> Path:
        """The log file of a component."""
        return self.log_dir / f"{name}.log"

    def _pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def spawn(self, spec: ProcessSpec) -> int:
        """Start ``spec`` detached, record its PID file and return its PID."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **spec.env}
        extra: dict[str, object] = {}
        if spec.user is not None:
            uid, gid = user_ids(spec.user)
            extra = {"user": uid, "group": gid, "extra_groups": []}
            env["HOME"] = pwd.getpwuid(uid).pw_dir
        with self.log_path(spec.name).open("ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%S%z')} starting {spec.name}\n".encode())
            log.flush()
            try:
                process = subprocess.Popen(
                    list(spec.argv),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                    **extra,  # type: ignore[arg-type]
                )
            except OSError as exc:
                raise StackError(f"cannot start {spec.name} ({spec.argv[0]}): {exc}") from exc
        _CHILDREN[process.pid] = process
        self._pid_file(spec.name).write_text(f"{process.pid}\n{spec.marker}\n", encoding="utf-8")
        return process.pid

    def pid(self, name: str) -> int | None:
        """The PID of a running component started from this directory, else None."""
        try:
            pid_text, marker = self._pid_file(name).read_text(encoding="utf-8").splitlines()[:2]
            pid = int(pid_text)
        except (OSError, ValueError):
            return None
        return pid if is_alive(pid) and marker in _cmdline(pid) else None

    def stop(self, name: str, first_signal: int = signal.SIGTERM, timeout: float = 30.0) -> bool:
        """Stop a component: ``first_signal``, then SIGKILL after ``timeout`` seconds.

        Returns:
            True when a process was stopped, False when none of ours was running.
        """
        pid = self.pid(name)
        if pid is None:
            self._pid_file(name).unlink(missing_ok=True)
            return False
        _signal(pid, first_signal)
        try:
            wait_until(lambda: not is_alive(pid), time.monotonic() + timeout, f"{name} to stop")
        except StackError:
            _signal(pid, signal.SIGKILL)
            wait_until(lambda: not is_alive(pid), time.monotonic() + 10, f"{name} to die")
        self._pid_file(name).unlink(missing_ok=True)
        return True


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def is_alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie child of ours is reaped and counts as ended."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        del _CHILDREN[pid]
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
