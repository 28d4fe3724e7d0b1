#!/bin/bash
# One-shot preparation of docker-compose's Odoo: the database with accounting and Canada's
# localization, and a company in Ontario on the ca_2023 chart (13 % HST sale tax). Idempotent:
# an installed module is not reinstalled, a loaded chart is not reloaded.
set -euo pipefail

db_args=(--db_host "$HOST" --db_port "${PORT:-5432}" --db_user "$USER" --db_password "$PASSWORD")
odoo "${db_args[@]}" -d "$ODOO_DB" -i account,l10n_ca --stop-after-init --no-http
odoo shell "${db_args[@]}" -d "$ODOO_DB" --no-http < /deploy/odoo/company.py
