"""Session fixtures for the local PostgreSQL → Debezium → Kafka stack."""
