# The consumer image: `cdc-consumer` on a slim Python 3.11, run as an unprivileged user.
# docker-compose.yml uses it for the consumer, the Odoo bootstrap and the sample-data generator.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# Dependencies change less often than the code: resolve them in a layer of their own.
COPY pyproject.toml README.md* ./
RUN mkdir cdc_consumer && touch cdc_consumer/__init__.py \
    && pip install . \
    && pip uninstall --yes nexacloud-cdc-consumer \
    && rm -rf cdc_consumer build
COPY cdc_consumer ./cdc_consumer
RUN pip install --no-deps . && rm -rf cdc_consumer build ./*.egg-info

# The state store (SQLite by default) lives in /var/lib/cdc-consumer: mount a volume there.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/cdc-consumer --create-home cdc
USER cdc
WORKDIR /var/lib/cdc-consumer
ENV CDC_STATE_DSN=sqlite:////var/lib/cdc-consumer/state.sqlite3 \
    CDC_METRICS_HOST=0.0.0.0 \
    CDC_METRICS_PORT=9108
EXPOSE 9108

ENTRYPOINT ["cdc-consumer"]
CMD ["run"]
