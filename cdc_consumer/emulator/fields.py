"""Field descriptions of the emulated models and the conversion of values to and from the wire.

Values are kept in the form Odoo keeps in its cache: ``False`` for unset, ``Decimal`` for
float and monetary fields (money is never a binary float inside the emulator), ``str`` for
dates (``YYYY-MM-DD``) and datetimes, record ids for many2one and lists of ids for x2many.
On the wire they become what Odoo serialises: JSON numbers for floats, ``[id, display_name]``
for a many2one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import invalid_value

RELATIONAL = frozenset({"many2one", "one2many", "many2many"})
X2MANY = frozenset({"one2many", "many2many"})
NUMERIC = frozenset({"integer", "float", "monetary"})

#: The ``ttype`` values a manual field may have, as ``ir.model.fields`` accepts them here.
MANUAL_TYPES = frozenset(
    {"char", "text", "html", "integer", "float", "monetary", "boolean", "date", "datetime", "selection", "many2one"}
)


@dataclass(frozen=True)
class Field:
    """One field of a model.

    Attributes:
        type: Odoo's field type (``char``, ``many2one``, ``monetary``...).
        string: the label shown by ``fields_get``.
        relation: the comodel of a relational field.
        inverse: for a one2many, the many2one on the comodel pointing back.
        domain: for a one2many, a filter on the comodel's records (e.g. product lines only).
        required: refused when missing at create (Odoo's NOT NULL).
        readonly: reported by ``fields_get`` (Odoo does not refuse RPC writes for it).
        default: a value, or a callable ``(env) -> value``.
        index: maintain an index for ``=``/``in`` (``"ci"`` also for ``=ilike``).
        selection: the allowed values of a selection field.
        compute: the model method computing a non-stored field at read.
        store: whether the value is kept in the record (computed fields are not).
        manual: created over RPC through ``ir.model.fields``.
        name: the field's name on its model (set by the model).
    """

    type: str
    string: str = ""
    relation: str | None = None
    inverse: str | None = None
    domain: tuple[tuple[str, str, Any], ...] = ()
    required: bool = False
    readonly: bool = False
    default: Any = None
    index: bool | str = False
    selection: tuple[tuple[str, str], ...] = ()
    compute: str | None = None
    store: bool = True
    manual: bool = False
    copied: bool = True
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def named(self, name: str) -> Field:
        """This field, bound to ``name`` (and labelled from it when it has no label)."""
        return replace(self, name=name, string=self.string or name.replace("_", " ").title())

    @property
    def relational(self) -> bool:
        """Whether the field points at records of another model."""
        return self.type in RELATIONAL

    def describe(self) -> dict[str, Any]:
        """The ``fields_get`` description of the field."""
        data: dict[str, Any] = {
            "type": self.type,
            "string": self.string,
            "required": self.required,
            "readonly": self.readonly or self.compute is not None,
            "store": self.store,
            "searchable": self.store or self.type == "binary",
            "sortable": self.store and self.type not in X2MANY,
            "manual": self.manual,
            "help": "",
        }
        if self.relation:
            data["relation"] = self.relation
            data["context"] = {}
            data["domain"] = [list(cond) for cond in self.domain]
        if self.inverse:
            data["relation_field"] = self.inverse
        if self.type == "selection":
            data["selection"] = [list(option) for option in self.selection]
        if self.type == "monetary":
            data["currency_field"] = "currency_id"
        return data

    def default_value(self, env: Any) -> Any:
        """The value a new record gets when ``vals`` does not name this field."""
        value = self.default(env) if callable(self.default) else self.default
        if value is None:
            return [] if self.type in X2MANY else False
        return value


def empty(field_: Field) -> Any:
    """The unset value of a field."""
    return [] if field_.type in X2MANY else False


def unset(value: Any) -> bool:
    """Whether a written value means "no value" (``False`` or ``None``; ``0`` is a value)."""
    return value is None or value is False


def to_decimal(value: Any) -> Decimal:
    """A wire number (int, float, Decimal, numeric str) as a ``Decimal``, exactly as written.

    Floats go through ``repr`` so that ``0.35`` stays ``0.35`` and not its binary expansion.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise invalid_value(f"could not convert string to float: {value!r}") from None


def _to_date(value: Any, model: str, fname: str) -> str | bool:
    if unset(value) or value == "":
        return False
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise invalid_value(f"time data {text!r} does not match format '%Y-%m-%d'") from None


def _to_datetime(value: Any) -> str | bool:
    if unset(value) or value == "":
        return False
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise invalid_value(f"time data {text!r} does not match format '%Y-%m-%d %H:%M:%S'") from None
    return parsed.strftime("%Y-%m-%d %H:%M:%S")


def convert_scalar(model: str, field_: Field, value: Any) -> Any:
    """A written value of a non-x2many field in its stored form.

    Raises:
        PythonError: a value Odoo's ORM would refuse (``builtins.ValueError``).
    """
    kind = field_.type
    if kind in ("float", "monetary"):
        return False if value is None else to_decimal(value if value is not False else 0)
    if kind == "integer":
        if unset(value):
            return 0
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_value(f"invalid literal for int() with base 10: {value!r}") from None
    if kind == "boolean":
        return bool(value)
    if kind == "date":
        return _to_date(value, model, field_.name)
    if kind == "datetime":
        return _to_datetime(value)
    if kind == "many2one":
        if unset(value) or value == 0:
            return False
        if isinstance(value, list | tuple) and value:
            value = value[0]
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_value(f"Wrong value for {model}.{field_.name}: {value!r}")
        return value
    if kind == "selection":
        if unset(value):
            return False
        if value not in {key for key, _label in field_.selection}:
            raise invalid_value(f"Wrong value for {model}.{field_.name}: {value!r}")
        return value
    if kind in ("char", "text", "html"):
        if unset(value):
            return False
        return str(value)
    if kind == "binary":
        return False if unset(value) else value
    return value


def to_wire(value: Any) -> Any:
    """A stored value as JSON-ready data: ``Decimal`` → float, containers converted inside."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    return value


def wire_repr(value: Any) -> str:
    """``repr`` of a wire value as Odoo's messages show it (numbers as Python floats/ints)."""
    return repr(to_wire(value))
