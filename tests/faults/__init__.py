"""Fault-injection scenarios (marker ``faults``): DESIGN §6 proven under crashes, outages and bad input.

Run them with ``pytest -m faults tests/faults`` (about 2.5 minutes at the CI scale); add
``--faults-scale=N`` (or ``CDC_FAULTS_SCALE=N``) for N times the invoices and kills, and
``CDC_FAULTS_SEED`` for other random choices. Two scenarios stop and start the stack's Kafka
broker and Kafka Connect; to leave a shared stack alone, run them on a second one:
``CDC_STACK_PORT_OFFSET=1000 CDC_STACK_DIR=/tmp/cdc-faults-stack``. Each scenario prints what it
did and checked, again in the "fault scenarios" section at the end of the run.
"""
