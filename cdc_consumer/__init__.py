"""NexaCloud → Odoo: Debezium change events of invoices, assembled and written to Odoo 19."""

__version__ = "0.1.0"
