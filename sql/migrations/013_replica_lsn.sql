-- Report shards computed on streaming replicas (app/report/replicas.py). A report records the primary's WAL
-- position once the status change summary it reads is current (each run records it again after its own refresh);
-- a replica computes its shards only after replaying past it, so its snapshot holds every write committed before
-- the report was run. Stored as pg_lsn's text (Prisma has no pg_lsn type): `primary_lsn::pg_lsn` compares.
alter table report add column primary_lsn text;

-- Where each shard's rows were computed: 'primary', or the replica's address (or socket directory) and port.
alter table report_shard add column computed_on text;
