"""The Java side of the stack: Kafka, Kafka Connect and Debezium jars from Maven Central.

``debezium/pom.xml`` pins every version. Its three profiles are copied with
``mvn dependency:copy-dependencies`` into ``<cache>/<version key>/{broker,connect,plugins/...}``,
one classpath per JVM. The version key names the Kafka and Debezium versions and a digest of
the pom, so a changed pom gets a fresh directory and an unchanged one is never fetched twice.
Maven's own repository is ``~/.m2`` unless ``MAVEN_OPTS`` / ``MAVEN_ARGS`` say otherwise
(e.g. ``-Dmaven.repo.local=...``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ..errors import StackError
from .layout import debezium_file

PLUGIN_NAME = "debezium-connector-postgres"
_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
_COMPLETE = ".complete"


@dataclass(frozen=True)
class Jars:
    """The installed jars: one directory per classpath."""

    root: Path

    @property
    def broker(self) -> Path:
        """The Kafka broker's classpath directory."""
        return self.root / "broker"

    @property
    def connect(self) -> Path:
        """The Kafka Connect worker's classpath directory."""
        return self.root / "connect"

    @property
    def plugin_path(self) -> Path:
        """Connect's ``plugin.path``: one sub-directory per plugin."""
        return self.root / "plugins"

    @staticmethod
    def classpath(directory: Path) -> str:
        """A JVM ``-cp`` value for every jar of ``directory``."""
        return f"{directory}/*"


def version_key(pom: Path) -> str:
    """``kafka-<v>-debezium-<v>-<digest>`` for a pom."""
    data = pom.read_bytes()
    props = ET.fromstring(data).find("m:properties", _POM_NS)  # noqa: S314 - the project's own pom
    if props is None:
        raise StackError(f"{pom} has no <properties>")

    def prop(name: str) -> str:
        element = props.find(f"m:{name}", _POM_NS)
        if element is None or not element.text:
            raise StackError(f"{pom} does not pin {name}")
        return element.text.strip()

    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"kafka-{prop('kafka.version')}-debezium-{prop('debezium.version')}-{digest}"


def installed(cache: Path) -> Jars | None:
    """The jars in ``cache`` for the current pom, or None when they are not installed yet."""
    jars = Jars(cache / version_key(debezium_file("pom.xml")))
    return jars if (jars.root / _COMPLETE).is_file() else None


def install(cache: Path) -> Jars:
    """Fetch the jars into ``cache`` unless they are there already.

    The copy goes to a temporary directory renamed into place at the end, so an interrupted
    install never looks complete and two concurrent installs do not mix their files.

    Raises:
        StackError: Maven is missing or fails (its output is in the message).
    """
    done = installed(cache)
    if done is not None:
        return done
    pom = debezium_file("pom.xml")
    target = cache / version_key(pom)
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("Maven (mvn) is not installed; run scripts/setup (apt-get install maven)")
    staging = cache / f".{target.name}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    profiles = {"broker": "broker", "connect": "connect", "debezium": f"plugins/{PLUGIN_NAME}"}
    try:
        for profile, subdir in profiles.items():
            _copy_dependencies(mvn, pom, profile, staging / subdir)
        (staging / _COMPLETE).write_text(f"{pom.name} {version_key(pom)}\n", encoding="utf-8")
        try:
            staging.rename(target)
        except OSError:
            if not (target / _COMPLETE).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Jars(target)


def _copy_dependencies(mvn: str, pom: Path, profile: str, output: Path) -> None:
    argv = [
        mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(pom), "-P", profile,
        "dependency:copy-dependencies", f"-DoutputDirectory={output}",
    ]  # fmt: skip
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not any(output.glob("*.jar")):
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise StackError(f"mvn could not fetch the {profile} jars (exit {result.returncode}):\n{tail}")
