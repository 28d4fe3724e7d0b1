-- What the Debezium connector needs on the NexaCloud source database. Run by a superuser,
-- in the source database, after cdc_consumer/sample/schema.sql. Idempotent.
--
--  * a `debezium` role that may log in and replicate, and read only what it captures;
--  * INSERT/UPDATE/DELETE on the signaling table (incremental snapshots write their
--    open/close watermarks there) and INSERT/UPDATE on the heartbeat table (the heartbeat
--    action query);
--  * the publication of the connector (publication.autocreate.mode=disabled: Debezium's
--    `filtered` mode would reset it to table.include.list on every start, dropping the two
--    Debezium tables). It holds the captured tables plus
--      - debezium_signal: pgoutput sends only changes of published tables, and the connector
--        reads signals and incremental-snapshot watermarks from the change stream;
--      - debezium_heartbeat: the heartbeat action query only moves the slot forward if its
--        change reaches the connector; a change of an unpublished table is not sent at all
--        (empty transactions are skipped), so the confirmed LSN would stay behind while
--        other databases or tables write WAL.
--    Neither table is in table.include.list, so neither gets a topic.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'debezium') THEN
        CREATE ROLE debezium WITH LOGIN REPLICATION PASSWORD 'debezium';
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO debezium;
GRANT SELECT ON public.invoices, public.invoice_items TO debezium;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.debezium_signal TO debezium;
GRANT SELECT, INSERT, UPDATE ON public.debezium_heartbeat TO debezium;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'nexacloud_invoices') THEN
        CREATE PUBLICATION nexacloud_invoices
            FOR TABLE public.invoices, public.invoice_items,
                      public.debezium_signal, public.debezium_heartbeat;
    END IF;
END
$$;
