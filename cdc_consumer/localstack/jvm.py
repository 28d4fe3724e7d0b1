"""The command line of the stack's JVMs (Kafka broker, Connect worker).

Small heaps, the serial collector and C1-only compilation: the stack shares two cores with
the tests, and start-up time matters more to it than peak throughput.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import StackError
from .layout import debezium_file

JVM_OPTIONS = (
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)


def java() -> str:
    """``$JAVA_HOME/bin/java``, else ``java`` on the PATH."""
    home = os.environ.get("JAVA_HOME")
    candidate = Path(home, "bin", "java") if home else None
    if candidate is not None and candidate.is_file():
        return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise StackError("Java is not installed; run scripts/setup (apt-get install openjdk-17-jre-headless)")
    return found


def command(heap: str, classpath: str, main: str, *args: str) -> list[str]:
    """``java`` running ``main`` with a maximum heap of ``heap`` and the stack's log4j2 setup."""
    return [
        java(), f"-Xmx{heap}", *JVM_OPTIONS,
        f"-Dlog4j2.configurationFile={debezium_file('log4j2.properties')}",
        "-cp", classpath, main, *args,
    ]  # fmt: skip
