"""Operator tools behind the ``offsets``, ``snapshot``, ``post``, ``audit`` and ``status`` commands.

Pure logic and I/O live in separate modules:

- pure: ``offsets`` (reset plans), ``snapshot`` (signals), ``audit`` (source ↔ Odoo comparison),
  ``post`` (what may be posted), ``status`` (lag and pending), ``table`` (text tables),
  ``progress`` (progress bar / lines);
- I/O: ``group`` (Kafka: the consumer group, its offsets), ``source`` (read-only source reads),
  ``held`` (what Odoo holds for NexaCloud invoices), ``auditor`` and ``poster`` (the long
  batched runs), ``pending`` (the state store's pending invoices, read without creating a store).
"""
