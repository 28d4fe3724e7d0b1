"""The benchmark (``cdc-consumer bench``, ``python -m cdc_consumer.bench``, ``scripts/bench``).

Modules: ``suite`` (which figures, in which order), ``figures`` (one JSON line per figure),
``pipeline`` (decode → state → assemble through the real runner, in a child process: throughput
on one core and peak memory), ``feed`` (the in-memory stand-in for the Kafka consumer it reads),
``messages`` (captured-shaped Debezium messages of the sample data set), ``live`` (backfill,
steady-state latency and Odoo calls through the real stack), ``source`` (the database and
Debezium connector of the benchmark's own), ``odoo`` (the emulator in its own process, its call
log). The methods are written down in README.md, "Benchmarks".
"""
