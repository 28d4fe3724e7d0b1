"""An emulated Odoo 19 (JSON-RPC over HTTP) for tests and demos.

Start it with ``cdc-consumer emulator`` or ``python -m cdc_consumer.emulator``, or in-process
with :class:`OdooEmulator`. Modules: ``server`` (HTTP and the Python API), ``rpc`` (services),
``orm`` and ``domain`` (records, indexes, searches), ``models`` (the areas), ``money`` (taxes),
``faults`` (injected failures), ``calllog`` (the inspectable log), ``persistence`` (state file).
"""

from .calllog import CallLog, CallRecord
from .faults import Fault, FaultInjector
from .server import OdooEmulator

__all__ = ["CallLog", "CallRecord", "Fault", "FaultInjector", "OdooEmulator"]
