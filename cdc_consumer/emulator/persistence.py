"""Saving and loading an emulated database as a JSON file (for demos that outlive a process)."""

from __future__ import annotations

import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from .models.base import IrModelFields
from .orm import Database, Model

FORMAT_VERSION = 1


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$decimal"}:
            return Decimal(value["$decimal"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dump(db: Database) -> dict[str, Any]:
    """Every record of every model, as JSON-ready data (taken under the database lock)."""
    with db.lock:
        return {
            "version": FORMAT_VERSION,
            "models": {
                name: {"next_id": model.next_id, "rows": [[rid, _encode(row)] for rid, row in model.rows.items()]}
                for name, model in db.models.items()
            },
        }


def save(db: Database, path: Path) -> None:
    """Write the database to ``path`` atomically (a half-written file never replaces a good one)."""
    data = dump(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(db: Database, path: Path) -> None:
    """Replace the records of ``db`` with those saved in ``path``.

    Raises:
        ValueError: a file of another format.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: not an emulator state file of format {FORMAT_VERSION}")
    with db.lock:
        for name, saved in data["models"].items():
            if name not in db.models:
                continue
            model = db.models[name]
            # the base restore: loading is no transaction to undo, model hooks stay out of it
            for rid in list(model.rows):
                Model.restore(model, rid, None)
            for rid, row in saved["rows"]:
                Model.restore(model, int(rid), _decode(row))
            model.next_id = int(saved["next_id"])
        fields_model = db.models["ir.model.fields"]
        if isinstance(fields_model, IrModelFields):
            fields_model.restore_manual_fields()
