"""NexaCloud's source side, for tests and demos: the schema, the sample-data generator and the
live changes that NexaCloud's application would make.

``dataset`` builds invoices (pure, seeded), ``generate`` writes them, ``changes`` changes them as
the application does (one SQL transaction per change), ``summary`` says what Odoo should end up
with.
"""
