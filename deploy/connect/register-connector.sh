#!/bin/bash
# Registers the Debezium connector of debezium/connector.json with Kafka Connect, then waits
# until it and its task run. PUT /connectors/<name>/config creates or updates: rerunning is safe.
# The file's ${env:SOURCE_DB_*} placeholders are resolved by the Connect worker, not here.
set -euo pipefail

connect_url="${CONNECT_URL:-http://connect:8083}"
file="${CONNECTOR_FILE:-/connector/connector.json}"
name="$(sed -n 's/^ *"name": *"\([^"]*\)".*/\1/p' "$file" | head -n 1)"
if [[ -z "$name" ]]; then
    echo "no \"name\" in $file" >&2
    exit 1
fi

response="$(curl -sS -w '\n%{http_code}' -X PUT -H 'Content-Type: application/json' \
    --data @"$file" "$connect_url/connectors/$name/config")"
code="${response##*$'\n'}"
echo "${response%$'\n'*}"
if [[ "$code" != 200 && "$code" != 201 ]]; then
    echo "registering $name failed: HTTP $code" >&2
    exit 1
fi

# Wait (up to two minutes) for the connector and its task to run.
deadline=$((SECONDS + 120))
while ((SECONDS < deadline)); do
    status="$(curl -fsS "$connect_url/connectors/$name/status" || true)"
    if [[ "$(grep -o '"state":"RUNNING"' <<<"$status" | wc -l)" -ge 2 ]]; then
        echo "connector $name is running"
        exit 0
    fi
    if grep -q '"state":"FAILED"' <<<"$status"; then
        echo "connector $name failed: $status" >&2
        exit 1
    fi
    sleep 2
done
echo "connector $name is not running after 120 s: $status" >&2
exit 1
