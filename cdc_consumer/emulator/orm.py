"""The in-memory ORM of the emulator: records, indexes, transactions and the generic methods.

Every model keeps its records as ``{id: {field: stored value}}`` and an index per indexed field
(``=``/``in`` lookups over hundreds of ids stay O(n) in the ids asked for, not in the table).
A call runs inside :meth:`Database.atomic`: whatever it changed is undone if it fails, as a
PostgreSQL transaction would be rolled back.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .domain import And, Compiler, Cond, Node, index_candidates, mentions, parse
from .errors import MissingError, PythonError, UserError, ValidationError, invalid_value
from .fields import X2MANY, Field, convert_scalar, empty, to_wire

MAGIC_FIELDS = ("id", "display_name", "create_date", "write_date")


def model_method(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a method callable over RPC without record ids (``@api.model`` in Odoo)."""
    fn.rpc_kind = "model"  # type: ignore[attr-defined]
    return fn


def record_method(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a method callable over RPC on record ids (its first argument)."""
    fn.rpc_kind = "records"  # type: ignore[attr-defined]
    return fn


def normalize_ids(ids: Any) -> list[int]:
    """Record ids as sent over RPC (one id or a list of ids) as a list.

    Raises:
        PythonError: something that is not ids.
    """
    if ids in (False, None):
        return []
    if isinstance(ids, int) and not isinstance(ids, bool):
        return [ids]
    if isinstance(ids, list | tuple) and all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return list(ids)
    raise PythonError("TypeError", f"Invalid ids: {ids!r}")


def current_company(env: Env) -> int:
    """Default of ``company_id`` fields: the current company."""
    return env.company_id


def context_today(env: Env) -> str:
    """Default of date fields that start today (in the user's timezone)."""
    return env.today()


def utc_stamp() -> str:
    """The current UTC time in Odoo's datetime format."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


class Env:
    """The environment of one call: database, user and context."""

    def __init__(self, db: Database, uid: int, context: dict[str, Any] | None = None) -> None:
        self.db = db
        self.uid = uid
        self.context: dict[str, Any] = dict(context or {})

    def __getitem__(self, name: str) -> Model:
        return self.db[name]

    def with_context(self, **values: Any) -> Env:
        """The same environment with ``values`` added to the context."""
        return Env(self.db, self.uid, {**self.context, **values})

    @property
    def company_id(self) -> int:
        """The current company (the emulator has one)."""
        return self.db.company_id

    def timezone(self) -> ZoneInfo:
        """The context's ``tz``, else the user's, else UTC."""
        users = self.db.models.get("res.users")
        name = self.context.get("tz") or (users.rows.get(self.uid, {}).get("tz") if users else None) or "UTC"
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def today(self) -> str:
        """Today in the user's timezone (Odoo's ``context_today``), as ``YYYY-MM-DD``."""
        return dt.datetime.now(self.timezone()).date().isoformat()


class Database:
    """One emulated Odoo database: its models, its lock and its transaction journal."""

    def __init__(self, name: str, login: str, password: str) -> None:
        self.name = name
        self.login = login
        self.password = password
        self.uid = 2
        self.company_id = 1
        self.lock = threading.RLock()
        self.models: dict[str, Model] = {}
        self.changes = 0
        self._undo: dict[tuple[str, int], tuple[Model, dict[str, Any] | None]] | None = None

    def register(self, model_class: type[Model]) -> Model:
        """Instantiate and add one model."""
        model = model_class(self)
        self.models[model.name] = model
        return model

    def __getitem__(self, name: str) -> Model:
        try:
            return self.models[name]
        except KeyError:
            raise UserError(f"Object {name} doesn't exist") from None

    def __contains__(self, name: object) -> bool:
        return name in self.models

    def remember(self, model: Model, rid: int, row: dict[str, Any] | None) -> None:
        """Keep the state of a record before its first change in the running transaction."""
        if self._undo is None:
            return
        key = (model.name, rid)
        if key not in self._undo:
            self._undo[key] = (model, None if row is None else dict(row))

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run a block as one transaction: on an exception every change is undone."""
        with self.lock:
            outer = self._undo is None
            if outer:
                self._undo = {}
            try:
                yield
            except BaseException:
                if outer:
                    self._rollback()
                raise
            finally:
                if outer:
                    touched = bool(self._undo)
                    self._undo = None
                    if touched:
                        self.changes += 1

    def _rollback(self) -> None:
        undo = self._undo or {}
        self._undo = None
        for (_name, rid), (model, row) in reversed(list(undo.items())):
            model.restore(rid, row)
        for model in self.models.values():
            model.forget_pending()

    def flush(self, env: Env) -> None:
        """Bring every computed value up to date (as Odoo does before answering)."""
        for model in self.models.values():
            model.flush(env)


class Model:
    """The generic behaviour of every emulated model; areas subclass it."""

    _name: ClassVar[str] = ""
    _description: ClassVar[str] = ""
    _order: ClassVar[str] = "id"
    _rec_name: ClassVar[str | None] = "name"
    _fields_spec: ClassVar[dict[str, Field]] = {}

    def __init__(self, db: Database) -> None:
        self.db = db
        self.name = self._name
        self.description = self._description or self._name
        self.fields: dict[str, Field] = {}
        self.rows: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self._index: dict[str, dict[Any, set[int]]] = {}
        self._ci_index: dict[str, dict[str, set[int]]] = {}
        self.unique: dict[str, str] = {}
        self._o2m_filters: dict[str, Callable[[int], bool]] = {}
        self.add_field("id", Field("integer", "ID", readonly=True))
        for fname, spec in self._fields_spec.items():
            self.add_field(fname, spec)
        self.add_field("display_name", Field("char", "Display Name", compute="display_name_of", store=False))
        self.add_field("create_date", Field("datetime", "Created on", readonly=True))
        self.add_field("write_date", Field("datetime", "Last Updated on", readonly=True))

    # ------------------------------------------------------------------ fields and indexes

    def add_field(self, fname: str, spec: Field) -> Field:
        """Add (or replace) a field; index it when asked or when it is a stored many2one."""
        bound = spec.named(fname)
        self.fields[fname] = bound
        if bound.store and (bound.index or bound.type == "many2one"):
            self._index[fname] = {}
            if bound.index == "ci":
                self._ci_index[fname] = {}
            for rid, row in self.rows.items():
                self._index_add(rid, {fname: row.get(fname, False)})
        return bound

    def remove_field(self, fname: str) -> None:
        """Drop a (manual) field and its values."""
        self.fields.pop(fname, None)
        self.unique.pop(fname, None)
        self._index.pop(fname, None)
        self._ci_index.pop(fname, None)
        for row in self.rows.values():
            row.pop(fname, None)

    def _index_add(self, rid: int, row: dict[str, Any]) -> None:
        for fname, index in self._index.items():
            if fname in row and row[fname] is not False:
                index.setdefault(row[fname], set()).add(rid)
                if fname in self._ci_index and isinstance(row[fname], str):
                    self._ci_index[fname].setdefault(row[fname].lower(), set()).add(rid)

    def _index_remove(self, rid: int, row: dict[str, Any]) -> None:
        for fname, index in self._index.items():
            value = row.get(fname, False)
            if value is False:
                continue
            bucket = index.get(value)
            if bucket is not None:
                bucket.discard(rid)
                if not bucket:
                    del index[value]
            if fname in self._ci_index and isinstance(value, str):
                ci_bucket = self._ci_index[fname].get(value.lower())
                if ci_bucket is not None:
                    ci_bucket.discard(rid)
                    if not ci_bucket:
                        del self._ci_index[fname][value.lower()]

    def lookup(self, fname: str, op: str, value: Any) -> set[int] | None:
        """Ids that may satisfy ``(fname, op, value)`` from an index, or ``None``."""
        if fname == "id":
            if op == "=" and isinstance(value, int) and not isinstance(value, bool):
                return {value}
            if op == "in" and isinstance(value, list | tuple) and all(isinstance(v, int) for v in value):
                return set(value)
            return None
        if op == "=ilike" and fname in self._ci_index and isinstance(value, str) and not set(value) & {"%", "_"}:
            return set(self._ci_index[fname].get(value.lower(), ()))
        index = self._index.get(fname)
        if index is None or op not in ("=", "in"):
            return None
        values = [value] if op == "=" else value
        if not isinstance(values, list | tuple) or any(v is False or v is None for v in values):
            return None
        if self.fields[fname].type == "many2one" and any(isinstance(v, str) for v in values):
            return None
        found: set[int] = set()
        for v in values:
            found |= index.get(v, set())
        return found

    def add_unique_index(self, fname: str, name: str = "") -> str:
        """Refuse two records with the same non-empty ``fname`` (an operator's unique index in SQL).

        Returns:
            the constraint's name, as PostgreSQL reports it in the error.
        """
        if fname not in self.fields or not self.fields[fname].store:
            raise KeyError(f"{self.name} has no stored field {fname!r}")
        if fname not in self._index:
            self._index[fname] = {}
            for rid, row in self.rows.items():
                self._index_add(rid, {fname: row.get(fname, False)})
        self.unique[fname] = name or f"{self.name.replace('.', '_')}_{fname}_uniq"
        return self.unique[fname]

    def _check_unique(self, rid: int, row: dict[str, Any]) -> None:
        for fname, constraint in self.unique.items():
            value = row.get(fname, False)
            if value is not False and len(self._index[fname].get(value, ())) > 1:
                raise ValidationError(
                    "The operation cannot be completed: "
                    f'duplicate key value violates unique constraint "{constraint}"\n'
                    f"DETAIL:  Key ({fname})=({value}) already exists.\n"
                )

    # ------------------------------------------------------------------ storage primitives

    def insert(self, row: dict[str, Any]) -> int:
        """Store a new record; returns its id."""
        rid = self.next_id
        self.next_id += 1
        self.db.remember(self, rid, None)
        self.rows[rid] = row
        self._index_add(rid, row)
        return rid

    def update(self, rid: int, changes: dict[str, Any]) -> None:
        """Change stored values of one record."""
        row = self.rows[rid]
        self.db.remember(self, rid, row)
        if self._index:
            indexed = {k: row.get(k, False) for k in changes if k in self._index}
            if indexed:
                self._index_remove(rid, indexed)
                self._index_add(rid, {k: changes[k] for k in indexed})
        row.update(changes)

    def delete(self, rid: int) -> None:
        """Remove one record."""
        row = self.rows.pop(rid)
        self.db.remember(self, rid, row)
        self._index_remove(rid, row)

    def restore(self, rid: int, row: dict[str, Any] | None) -> None:
        """Put a record back as it was (``None``: it did not exist)."""
        current = self.rows.pop(rid, None)
        if current is not None:
            self._index_remove(rid, current)
        if row is not None:
            self.rows[rid] = row
            self._index_add(rid, row)

    def forget_pending(self) -> None:
        """Drop pending recomputations after a rollback (subclasses keep some)."""

    def flush(self, env: Env) -> None:
        """Recompute what changes left pending (subclasses keep some)."""

    # ------------------------------------------------------------------ values

    def value(self, rid: int, fname: str) -> Any:
        """The current value of one field of one record, in its stored form."""
        if fname == "id":
            return rid
        spec = self.fields[fname]
        if spec.type == "one2many":
            return self._one2many(rid, spec)
        if spec.store:
            return self.rows[rid].get(fname, empty(spec))
        return getattr(self, spec.compute or "")(rid)

    def _one2many(self, rid: int, spec: Field) -> list[int]:
        comodel = self.db[spec.relation or ""]
        ids = comodel._index[spec.inverse or ""].get(rid, ())
        if spec.domain:
            keep = self._o2m_filters.get(spec.name)
            if keep is None:
                keep = Compiler(comodel).compile(parse(list(spec.domain)))
                self._o2m_filters[spec.name] = keep
            ids = [i for i in ids if keep(i)]
        return comodel.order(list(ids), None)

    def display_name_of(self, rid: int) -> str:
        """The ``display_name`` of one record."""
        if self._rec_name and self._rec_name in self.fields:
            value = self.rows[rid].get(self._rec_name, False)
            if value:
                return str(value)
        return f"{self.name},{rid}"

    def wire_value(self, rid: int, fname: str, load: str = "_classic_read") -> Any:
        """One field of one record as ``read`` answers it."""
        spec = self.fields[fname]
        value = self.value(rid, fname)
        if spec.type == "many2one":
            if not value:
                return False
            if load == "_classic_write":
                return value
            return [value, self.db[spec.relation or ""].display_name_of(value)]
        if spec.type in X2MANY:
            return list(value)
        return to_wire(value)

    # ------------------------------------------------------------------ ordering and search

    def order(self, ids: list[int], order: str | None) -> list[int]:
        """``ids`` sorted by an order spec such as ``"date desc, id"`` (default: the model's)."""
        spec = (order or self._order).strip()
        keys: list[tuple[str, bool]] = []
        for part in spec.split(","):
            words = part.split()
            if not words:
                continue
            fname = words[0].strip('"')
            if fname not in self.fields:
                raise invalid_value(f"Invalid field {fname!r} on model {self.name!r}")
            keys.append((fname, len(words) > 1 and words[1].lower() == "desc"))
        result = list(ids)
        for fname, desc in reversed(keys):
            if fname == "id":
                result.sort(reverse=desc)
                continue

            def key(rid: int, fname: str = fname) -> tuple[int, Any]:
                value = self.value(rid, fname)
                if value is False or value is None:
                    return (1, 0)
                return (0, value)

            result.sort(key=key, reverse=desc)
        return result

    def compile(self, env: Env, domain: Any) -> tuple[Node, Callable[[int], bool]]:
        """A parsed domain (with Odoo's implicit ``active`` filter) and its predicate."""
        node = parse(domain)
        if "active" in self.fields and env.context.get("active_test", True) and not mentions(node, "active"):
            node = And((node, Cond("active", "=", True)))
        return node, Compiler(self).compile(node)

    def search_ids(
        self, env: Env, domain: Any, offset: int = 0, limit: int | None = None, order: str | None = None
    ) -> list[int]:
        """The ids matching ``domain``, ordered and sliced."""
        node, predicate = self.compile(env, domain)
        candidates = index_candidates(node, self)
        pool: Iterable[int] = self.rows.keys() if candidates is None else (c for c in candidates if c in self.rows)
        matched = self.order([rid for rid in pool if predicate(rid)], order)
        offset = int(offset or 0)
        if limit:
            return matched[offset : offset + int(limit)]
        return matched[offset:]

    def existing(self, ids: Any) -> list[int]:
        """``ids`` that all exist, else Odoo's ``MissingError`` naming the first missing one."""
        ids = normalize_ids(ids)
        missing = next((rid for rid in ids if rid not in self.rows), None)
        if missing is not None:
            raise MissingError(
                f"Record does not exist or has been deleted.\n(Record: {self.name}({missing},), User: {self.db.uid})"
            )
        return ids

    # ------------------------------------------------------------------ conversion and checks

    def convert(self, fname: str, value: Any) -> Any:
        """A written value of a stored scalar field in stored form (references checked)."""
        spec = self.fields[fname]
        stored = convert_scalar(self.name, spec, value)
        if spec.type == "many2one" and stored and stored not in self.db[spec.relation or ""].rows:
            table = self.name.replace(".", "_")
            raise ValidationError(
                "The operation cannot be completed: insert or update on table "
                f'"{table}" violates foreign key constraint "{table}_{fname}_fkey"\n'
                f"DETAIL:  Key ({fname})=({stored}) is not present in table "
                f'"{(spec.relation or "").replace(".", "_")}".'
            )
        return stored

    def check_known(self, vals: dict[str, Any], *, creating: bool) -> None:
        """Refuse a field the model does not have as Odoo 19 does: ``create`` names it in a
        ``ValueError``, ``write`` fails on the field lookup (a bare ``KeyError``)."""
        if not isinstance(vals, dict):
            raise PythonError("AttributeError", f"'{type(vals).__name__}' object has no attribute 'items'")
        for key in vals:
            if key not in self.fields:
                if creating:
                    raise invalid_value(f"Invalid field {key!r} in {self.name!r}")
                raise PythonError("KeyError", str(key))

    def check_required(self, row: dict[str, Any]) -> None:
        """Refuse a missing required value as PostgreSQL's NOT NULL would, through Odoo."""
        for fname, spec in self.fields.items():
            value = row.get(fname)
            if (
                spec.required
                and spec.store
                and spec.type not in X2MANY
                and (value is False or value is None or value == "")
            ):
                raise ValidationError(
                    "The operation cannot be completed:\n"
                    "- Create/update: a mandatory field is not set.\n"
                    "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
                    f"Model: {self.description} ({self.name})\nField: {spec.string} ({fname})"
                )

    # ------------------------------------------------------------------ hooks for the areas

    def prepare_create(self, env: Env, vals: dict[str, Any]) -> dict[str, Any]:
        """Complete the values of a new record (model-specific defaults)."""
        return vals

    def before_write(self, env: Env, ids: list[int], vals: dict[str, Any]) -> None:
        """Refuse a write the model's rules forbid."""

    def after_change(self, env: Env, ids: list[int], vals: dict[str, Any], created: bool) -> None:
        """React to created or written records (recomputations, constraints)."""

    def before_unlink(self, env: Env, ids: list[int]) -> None:
        """Refuse a deletion the model's rules forbid."""

    # ------------------------------------------------------------------ create / write / unlink

    def create_records(self, env: Env, vals_list: list[dict[str, Any]]) -> list[int]:
        """Create records from a list of values; returns their ids."""
        ids = [self._create_one(env, vals) for vals in vals_list]
        self.after_change(env, ids, {}, created=True)
        return ids

    def _create_one(self, env: Env, vals: dict[str, Any]) -> int:
        self.check_known(vals, creating=True)
        vals = dict(vals)
        for key, value in env.context.items():
            if key.startswith("default_") and key[8:] in self.fields and key[8:] not in vals:
                vals[key[8:]] = value
        vals = self.prepare_create(env, vals)
        row: dict[str, Any] = {}
        x2many: list[tuple[Field, Any]] = []
        for fname, spec in self.fields.items():
            if fname in MAGIC_FIELDS:
                continue
            if spec.type == "one2many":
                if fname in vals:
                    x2many.append((spec, vals[fname]))
                continue
            if not spec.store:
                continue
            if spec.type == "many2many":
                row[fname] = list(spec.default_value(env))
                if fname in vals:
                    x2many.append((spec, vals[fname]))
                continue
            row[fname] = self.convert(fname, vals[fname]) if fname in vals else spec.default_value(env)
        self.check_required(row)
        row["create_date"] = row["write_date"] = utc_stamp()
        rid = self.insert(row)
        self._check_unique(rid, row)
        for spec, commands in x2many:
            self.write_x2many(env, rid, spec, commands)
        return rid

    def write_records(self, env: Env, ids: list[int], vals: dict[str, Any]) -> None:
        """Write ``vals`` on existing records."""
        self.check_known(vals, creating=False)
        self.before_write(env, ids, vals)
        scalars = {
            fname: self.convert(fname, value)
            for fname, value in vals.items()
            if self.fields[fname].store and self.fields[fname].type not in X2MANY and fname not in MAGIC_FIELDS
        }
        scalars["write_date"] = utc_stamp()
        x2many = [(self.fields[f], v) for f, v in vals.items() if self.fields[f].type in X2MANY]
        for rid in ids:
            self.update(rid, dict(scalars))
            self._check_unique(rid, self.rows[rid])
            for spec, commands in x2many:
                self.write_x2many(env, rid, spec, commands)
        self.after_change(env, ids, vals, created=False)

    def unlink_records(self, env: Env, ids: list[int]) -> None:
        """Delete records and the one2many children they own."""
        ids = [rid for rid in ids if rid in self.rows]
        if not ids:
            return
        self.before_unlink(env, ids)
        for spec in self.fields.values():
            if spec.type == "one2many" and spec.extra.get("cascade"):
                comodel = self.db[spec.relation or ""]
                children = [c for rid in ids for c in self._one2many(rid, spec)]
                comodel.unlink_records(env, children)
        for rid in ids:
            if rid in self.rows:
                self.delete(rid)

    def write_x2many(self, env: Env, rid: int, spec: Field, commands: Any) -> None:
        """Apply x2many commands 0–6 (tuple or list form, or a plain list of ids) to one record."""
        comodel = self.db[spec.relation or ""]
        if not isinstance(commands, list | tuple):
            raise invalid_value(f"Wrong value for {self.name}.{spec.name}: {commands!r}")
        if commands and all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
            commands = [(6, 0, list(commands))]
        if spec.type == "one2many":
            self._one2many_commands(env, rid, spec, comodel, commands)
        else:
            self._many2many_commands(env, rid, spec, comodel, commands)

    def _one2many_commands(self, env: Env, rid: int, spec: Field, comodel: Model, commands: Any) -> None:
        inverse = spec.inverse or ""
        to_create: list[dict[str, Any]] = []
        for command in commands:
            code, target, values = _command(self.name, spec.name, command)
            if code == 0:
                to_create.append({**(values or {}), inverse: rid})
                continue
            if to_create:
                comodel.create_records(env, to_create)
                to_create = []
            if code == 1:
                comodel.write_records(env, comodel.existing([target]), values or {})
            elif code in (2, 3):
                comodel.unlink_records(env, [target])
            elif code == 4:
                comodel.write_records(env, comodel.existing([target]), {inverse: rid})
            elif code == 5:
                comodel.unlink_records(env, self._one2many(rid, spec))
            elif code == 6:
                keep = set(values or [])
                comodel.unlink_records(env, [c for c in self._one2many(rid, spec) if c not in keep])
                if keep:
                    comodel.write_records(env, comodel.existing(sorted(keep)), {inverse: rid})
        if to_create:
            comodel.create_records(env, to_create)

    def _many2many_commands(self, env: Env, rid: int, spec: Field, comodel: Model, commands: Any) -> None:
        current = list(self.rows[rid].get(spec.name, []))
        for command in commands:
            code, target, values = _command(self.name, spec.name, command)
            if code == 0:
                current.extend(comodel.create_records(env, [values or {}]))
            elif code == 1:
                comodel.write_records(env, comodel.existing([target]), values or {})
            elif code == 2:
                comodel.unlink_records(env, [target])
                current = [c for c in current if c != target]
            elif code == 3:
                current = [c for c in current if c != target]
            elif code == 4:
                comodel.existing([target])
                if target not in current:
                    current.append(target)
            elif code == 5:
                current = []
            elif code == 6:
                current = list(dict.fromkeys(comodel.existing(values or [])))
        self.update(rid, {spec.name: current})

    # ------------------------------------------------------------------ the RPC surface

    @model_method
    def create(self, env: Env, vals_list: Any) -> int | list[int]:
        """``create(vals)`` → id; ``create([vals, ...])`` → ids."""
        if isinstance(vals_list, dict):
            return self.create_records(env, [vals_list])[0]
        if not isinstance(vals_list, list | tuple):
            raise PythonError("AttributeError", f"'{type(vals_list).__name__}' object has no attribute 'items'")
        return self.create_records(env, list(vals_list))

    @record_method
    def write(self, env: Env, ids: list[int], vals: dict[str, Any]) -> bool:
        """Write ``vals`` on the records; Odoo answers ``True``."""
        self.write_records(env, self.existing(ids), vals)
        return True

    @record_method
    def unlink(self, env: Env, ids: list[int]) -> bool:
        """Delete the records (all must exist); Odoo answers ``True``."""
        self.unlink_records(env, self.existing(ids))
        return True

    @record_method
    def read(
        self, env: Env, ids: list[int], fields: list[str] | None = None, load: str = "_classic_read"
    ) -> list[dict[str, Any]]:
        """The values of ``fields`` (all when empty); ids that do not exist are skipped."""
        names = self.readable(fields)
        result = []
        for rid in normalize_ids(ids):
            if rid not in self.rows:
                continue
            record: dict[str, Any] = {"id": rid}
            for fname in names:
                record[fname] = self.wire_value(rid, fname, load)
            result.append(record)
        return result

    def readable(self, fields: list[str] | None) -> list[str]:
        """The field names a read returns, checked against the model."""
        if not fields:
            return [f for f in self.fields if f != "id"]
        for fname in fields:
            if fname not in self.fields:
                raise invalid_value(f"Invalid field {fname!r} on {self.name!r}")
        return [f for f in fields if f != "id"]

    @model_method
    def search(
        self, env: Env, domain: Any = None, offset: int = 0, limit: int | None = None, order: str | None = None
    ) -> list[int]:
        """The ids of the records matching ``domain``."""
        return self.search_ids(env, domain, offset, limit, order)

    @model_method
    def search_count(self, env: Env, domain: Any = None, limit: int | None = None) -> int:
        """How many records match ``domain`` (at most ``limit``)."""
        return len(self.search_ids(env, domain, 0, limit, "id"))

    @model_method
    def search_read(
        self,
        env: Env,
        domain: Any = None,
        fields: list[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        load: str = "_classic_read",
    ) -> list[dict[str, Any]]:
        """``search`` then ``read``, in one call."""
        names = self.readable(fields)
        ids = self.search_ids(env, domain, offset, limit, order)
        return self.read(env, ids, names or ["id"], load)

    @model_method
    def fields_get(
        self, env: Env, allfields: list[str] | None = None, attributes: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """The description of the fields (all, or ``allfields``), limited to ``attributes``."""
        names = allfields or list(self.fields)
        result = {}
        for fname in names:
            if fname not in self.fields:
                continue
            described = self.fields[fname].describe()
            if attributes:
                described = {k: v for k, v in described.items() if k in attributes}
            result[fname] = described
        return result

    @model_method
    def name_search(
        self, env: Env, name: str = "", domain: Any = None, operator: str = "ilike", limit: int = 100
    ) -> list[list[Any]]:
        """``[[id, display_name], ...]`` of the records whose name matches."""
        node = parse(domain or [])
        if name:
            field = self._rec_name if self._rec_name in self.fields else "display_name"
            node = And((node, Cond(field, operator, name)))
        ids = self.search_ids(env, node, 0, limit)
        return [[rid, self.display_name_of(rid)] for rid in ids]

    @model_method
    def default_get(self, env: Env, fields_list: list[str]) -> dict[str, Any]:
        """The defaults a new record would get for ``fields_list``."""
        result = {}
        for fname in fields_list:
            spec = self.fields.get(fname)
            if spec is None or fname in MAGIC_FIELDS or not spec.store:
                continue
            value = spec.default_value(env)
            if value not in (False, [], None):
                result[fname] = to_wire(value)
        return result


class RecomputedModel(Model):
    """A model whose stored computed values are brought up to date when the call ends, as Odoo
    flushes its pending recomputations before answering."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.dirty: set[int] = set()

    def touch(self, ids: Iterable[int]) -> None:
        """Recompute these records when the call ends."""
        self.dirty.update(ids)

    def forget_pending(self) -> None:
        """Nothing left to recompute after a rollback."""
        self.dirty.clear()

    def flush(self, env: Env) -> None:
        """Recompute the touched records that still exist (recomputing may touch more)."""
        while self.dirty:
            pending = sorted(self.dirty)
            self.dirty.clear()
            for rid in pending:
                if rid in self.rows:
                    self.recompute(rid)

    def recompute(self, rid: int) -> None:
        """Bring one record's computed values up to date."""
        raise NotImplementedError


def _command(model: str, fname: str, command: Any) -> tuple[int, int, Any]:
    if not isinstance(command, list | tuple) or not command or not isinstance(command[0], int):
        raise invalid_value(f"Wrong value for {model}.{fname}: {command!r}")
    code = command[0]
    target = command[1] if len(command) > 1 else 0
    values = command[2] if len(command) > 2 else None
    if code not in range(7):
        raise invalid_value(f"Wrong value for {model}.{fname}: {command!r}")
    return code, target, values
