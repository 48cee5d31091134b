-- Queries of the two-phase commit of work split over several connections (app/db/two_phase.py): the loader's
-- parallel move. The decision table is staging.load_decision (sql/migrations/002_ingest_staging.sql).

-- name: max_prepared_transactions
select current_setting('max_prepared_transactions')::int

-- name: pending_load_parts
-- Prepared parts of runs whose coordinator died; $1 the gid prefix.
select x.gid, d.load_id is not null as decided
from pg_prepared_xacts x
left join staging.load_decision d on x.gid like $1 || d.load_id || '-%'
where x.gid like $1 || '%' and x.database = current_database()

-- name: record_load_decision
insert into staging.load_decision (load_id) values ($1)

-- name: forget_load_decisions
delete from staging.load_decision d
where not exists (select 1 from pg_prepared_xacts x where x.gid like $1 || d.load_id || '-%')

-- name: begin_part
begin

-- name: rollback_part
rollback

-- name: part_lock_timeout
-- A sibling part that is already prepared keeps its locks until the decision: a part waiting for one of them
-- would wait for ever, so such a wait fails the run instead.
set local lock_timeout = '60s'
