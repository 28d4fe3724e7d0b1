"""Talking to Odoo: the RPC gateway (the only odoorpc user) and the batch writer."""
