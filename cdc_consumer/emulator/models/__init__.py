"""The emulated models, by area; :data:`ALL_MODELS` is what a database registers."""

from __future__ import annotations

from ..orm import Model
from . import accounts, base, moves, payments, reversals

ALL_MODELS: tuple[type[Model], ...] = base.MODELS + accounts.MODELS + moves.MODELS + payments.MODELS + reversals.MODELS
