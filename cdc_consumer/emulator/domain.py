"""Odoo search domains: parsed from their prefix-notation lists and compiled to predicates.

A domain is a list of conditions ``(path, operator, value)`` and the prefix operators ``&``,
``|`` and ``!``; conditions side by side are ANDed. Paths may be dotted through relational
fields (``partner_id.email``). The error texts are those of Odoo 19's ``odoo.orm.domains``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import PythonError, invalid_value
from .fields import NUMERIC, X2MANY, Field, to_decimal, unset, wire_repr

if TYPE_CHECKING:
    from .orm import Model

OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<>",
        "==",
        "in",
        "not in",
        "<",
        "<=",
        ">",
        ">=",
        "like",
        "not like",
        "ilike",
        "not ilike",
        "=like",
        "=ilike",
        "=?",
        "any",
        "not any",
        "child_of",
        "parent_of",
    }
)
NEGATIVE = {"!=": "=", "<>": "=", "not in": "in", "not like": "like", "not ilike": "ilike", "not any": "any"}

Predicate = Callable[[int], bool]


@dataclass(frozen=True)
class Cond:
    """One condition ``(path, op, value)``."""

    path: str
    op: str
    value: Any

    def describe(self) -> str:
        """The condition as Odoo's messages show it."""
        return f"({self.path!r}, {self.op!r}, {wire_repr(self.value)})"


@dataclass(frozen=True)
class And:
    """All children hold."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one child holds."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The child does not hold."""

    child: Node


@dataclass(frozen=True)
class Const:
    """``[(1, '=', 1)]`` (true) or ``[(0, '=', 1)]`` (false)."""

    value: bool


Node = Cond | And | Or | Not | Const
TRUE = Const(True)


def _leaf(item: list[Any] | tuple[Any, ...]) -> Node:
    path, op, value = item
    if (path, op, value) == (1, "=", 1):
        return TRUE
    if (path, op, value) == (0, "=", 1):
        return Const(False)
    if not isinstance(path, str) or not path:
        raise PythonError("TypeError", f"Empty field name in condition ({path!r}, {op!r}, {wire_repr(value)})")
    cond = Cond(path, op.lower() if isinstance(op, str) else op, value)
    if cond.op not in OPERATORS:
        raise invalid_value(f"Invalid operator in condition {cond.describe()}")
    return cond


def parse(domain: Any) -> Node:
    """The tree of a domain list.

    Raises:
        PythonError: a domain that is not a list, a malformed one or an unknown operator.
    """
    if domain in (None, False, []):
        return TRUE
    if isinstance(domain, Cond | And | Or | Not | Const):
        return domain
    if not isinstance(domain, list | tuple):
        raise PythonError("TypeError", f"Domain() invalid argument type for domain: {wire_repr(domain)}")
    stack: list[Node] = []
    try:
        for item in reversed(domain):
            if isinstance(item, list | tuple) and len(item) == 3:
                stack.append(_leaf(item))
            elif item == "&":
                first, second = stack.pop(), stack.pop()
                stack.append(And(_flat(And, first) + _flat(And, second)))
            elif item == "|":
                first, second = stack.pop(), stack.pop()
                stack.append(Or(_flat(Or, first) + _flat(Or, second)))
            elif item == "!":
                stack.append(Not(stack.pop()))
            else:
                raise invalid_value(f"Domain() invalid item in domain: {wire_repr(item)}")
    except IndexError:
        raise invalid_value(f"Domain() malformed domain {wire_repr(domain)}") from None
    if len(stack) == 1:
        return stack[0]
    return And(tuple(reversed(stack)))


def _flat(kind: type[And] | type[Or], node: Node) -> tuple[Node, ...]:
    """The children of ``node`` if it is of ``kind`` (``a | (b | c)`` is ``a | b | c``)."""
    return node.children if isinstance(node, kind) else (node,)


def conditions(node: Node) -> Iterable[Cond]:
    """Every condition of the tree."""
    if isinstance(node, Cond):
        yield node
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from conditions(child)
    elif isinstance(node, Not):
        yield from conditions(node.child)


def mentions(node: Node, fname: str) -> bool:
    """Whether a condition of the tree is on ``fname`` (as Odoo checks for ``active``)."""
    return any(c.path == fname for c in conditions(node))


def _like_regex(pattern: str, op: str) -> re.Pattern[str]:
    body = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    if not op.startswith("="):
        body = f".*{body}.*"
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if "ilike" in op else re.DOTALL)


def _normalise(field_: Field, value: Any) -> Any:
    if value is None or value is False:
        return False
    if field_.type in ("float", "monetary"):
        return to_decimal(value)
    if field_.type == "integer" and not isinstance(value, bool):
        return int(value)
    if field_.type == "date" and isinstance(value, str):
        return value[:10]
    return value


def _unset(field_: Field, stored: Any) -> bool:
    if field_.type in X2MANY:
        return not stored
    if field_.type == "boolean":
        return not stored
    if field_.type in NUMERIC:
        return stored is False
    return stored is False or stored is None


class Compiler:
    """Turns a tree into a predicate on the record ids of one model."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def compile(self, node: Node) -> Predicate:
        """The predicate of ``node`` on :attr:`model`.

        Raises:
            PythonError: a condition on a field the model does not have.
        """
        if isinstance(node, Const):
            return (lambda _rid: True) if node.value else (lambda _rid: False)
        if isinstance(node, And):
            parts = [self.compile(child) for child in node.children]
            return lambda rid: all(p(rid) for p in parts)
        if isinstance(node, Or):
            merged = self._equalities(node)
            if merged is not None:
                return merged
            parts = [self.compile(child) for child in node.children]
            return lambda rid: any(p(rid) for p in parts)
        if isinstance(node, Not):
            inner = self.compile(node.child)
            return lambda rid: not inner(rid)
        return self._condition(node)

    def _equalities(self, node: Or) -> Predicate | None:
        """``f = a | f = b | ...`` (or ``=ilike`` without wildcards) as one set lookup."""
        conds = [c for c in node.children if isinstance(c, Cond)]
        if len(conds) != len(node.children) or len({(c.path, c.op) for c in conds}) != 1:
            return None
        path, op = conds[0].path, conds[0].op
        values = [c.value for c in conds]
        if "." in path or op not in ("=", "=ilike") or not all(isinstance(v, str | int) for v in values):
            return None
        field_, _rest = self._field(conds[0])
        if field_.relational and any(isinstance(v, str) for v in values):
            return None
        if op == "=":
            return self._positive(field_, "in", values)
        if any(not isinstance(v, str) or set(v) & {"%", "_"} for v in values):
            return None
        folded = {v.lower() for v in values}
        get, name = self.model.value, field_.name
        return lambda rid: isinstance(stored := get(rid, name), str) and stored.lower() in folded

    def _field(self, cond: Cond) -> tuple[Field, str]:
        fname, _, rest = cond.path.partition(".")
        field_ = self.model.fields.get(fname)
        if field_ is None:
            raise invalid_value(f"Invalid field {self.model.name}.{fname} in condition {cond.describe()}")
        return field_, rest

    def _condition(self, cond: Cond) -> Predicate:
        field_, rest = self._field(cond)
        model = self.model
        if rest and field_.relational:
            comodel = model.db[field_.relation or ""]
            sub = Compiler(comodel).compile(Cond(rest, cond.op, cond.value))
            return self._through(field_, sub)
        op, value = cond.op, cond.value
        if op == "=?":
            if not value:
                return lambda _rid: True
            op = "="
        if op in ("==", "child_of", "parent_of"):
            op = "in" if isinstance(value, list | tuple) else "="
        if op in ("any", "not any"):
            if not field_.relational:
                raise invalid_value(f"Cannot use 'any' with non-relational fields in condition {cond.describe()}")
            sub = Compiler(model.db[field_.relation or ""]).compile(parse(value))
            positive = self._through(field_, sub)
            return positive if op == "any" else (lambda rid: not positive(rid))
        if op in NEGATIVE:
            positive = self._positive(field_, NEGATIVE[op], value)
            return lambda rid: not positive(rid)
        return self._positive(field_, op, value)

    def _through(self, field_: Field, sub: Predicate) -> Predicate:
        get = self.model.value
        name = field_.name
        if field_.type == "many2one":
            return lambda rid: bool(target := get(rid, name)) and sub(target)
        return lambda rid: any(sub(child) for child in get(rid, name))

    def _positive(self, field_: Field, op: str, value: Any) -> Predicate:
        get = self.model.value
        name = field_.name
        if field_.relational and self._by_name(op, value):
            comodel = self.model.db[field_.relation or ""]
            names = Compiler(comodel).compile(Cond("display_name", op, value))
            return self._through(field_, names)
        if op == "=":
            return self._equal(field_, value)
        if op == "in":
            values = value if isinstance(value, list | tuple | set | frozenset) else [value]
            if not values:
                return lambda _rid: False
            wanted = {_normalise(field_, v) for v in values}
            with_unset = False in wanted
            if field_.type in X2MANY:
                return lambda rid: (not (ids := get(rid, name)) and with_unset) or not wanted.isdisjoint(ids)
            if field_.type == "boolean":
                return lambda rid: bool(get(rid, name)) in {bool(v) for v in wanted}
            return lambda rid: (stored := get(rid, name)) in wanted or (with_unset and _unset(field_, stored))
        if op.endswith("like"):
            if unset(value) or value == "":
                if op.startswith("="):
                    return self._equal(field_, False)
                return lambda _rid: True
            pattern = str(value)
            if op.startswith("=") and not set(pattern) & {"%", "_"}:
                if op == "=ilike":
                    folded = pattern.lower()
                    return lambda rid: isinstance(stored := get(rid, name), str) and stored.lower() == folded
                return lambda rid: get(rid, name) == pattern
            regex = _like_regex(pattern, op)
            return lambda rid: isinstance(stored := get(rid, name), str) and regex.match(stored) is not None
        bound = _normalise(field_, value)
        if bound is False:
            return lambda _rid: False
        compare = _ORDERING[op]

        def ordered(rid: int) -> bool:
            stored = get(rid, name)
            if _unset(field_, stored) and field_.type not in NUMERIC:
                return False
            if stored is False:
                return False
            return compare(stored, bound)

        return ordered

    def _equal(self, field_: Field, value: Any) -> Predicate:
        get = self.model.value
        name = field_.name
        target = _normalise(field_, value)
        if target is False:
            return lambda rid: _unset(field_, get(rid, name))
        if field_.type in X2MANY:
            return lambda rid: target in get(rid, name)
        if field_.type == "boolean":
            return lambda rid: bool(get(rid, name)) == bool(target)
        return lambda rid: get(rid, name) == target

    @staticmethod
    def _by_name(op: str, value: Any) -> bool:
        if op.endswith("like"):
            return True
        if isinstance(value, str):
            return True
        return isinstance(value, list | tuple) and any(isinstance(v, str) for v in value)


def _lt(a: Any, b: Any) -> bool:
    return bool(a < b)


def _le(a: Any, b: Any) -> bool:
    return bool(a <= b)


def _gt(a: Any, b: Any) -> bool:
    return bool(a > b)


def _ge(a: Any, b: Any) -> bool:
    return bool(a >= b)


_ORDERING: dict[str, Callable[[Any, Any], bool]] = {"<": _lt, "<=": _le, ">": _gt, ">=": _ge}


def index_candidates(node: Node, model: Model) -> set[int] | None:
    """Record ids that may match, from indexes, or ``None`` when no index helps.

    A condition ``=``/``in`` on an indexed field (``id`` included), or ``=ilike`` without
    wildcards on a case-insensitively indexed one, gives its ids; an AND keeps its smallest
    child set, an OR the union of its children's when each of them has one.
    """
    if isinstance(node, Cond):
        return None if "." in node.path else model.lookup(node.path, node.op, node.value)
    if isinstance(node, And):
        best: set[int] | None = None
        for child in node.children:
            found = index_candidates(child, model)
            if found is not None and (best is None or len(found) < len(best)):
                best = found
        return best
    if isinstance(node, Or):
        union: set[int] = set()
        for child in node.children:
            found = index_candidates(child, model)
            if found is None:
                return None
            union |= found
        return union
    return None
