-- A report's days and outages are written once, by the statement that computes them (one per shard, or one for a
-- report's outages), which groups them by store and date, resp. is a store's runs: unique by construction. Their
-- primary keys checked that again for every row and cost more than the rows: on the default sample, a report with 7
-- days writes 98,000 day rows, 0.46 s with the key (report_id, store_id, date_local), 0.2 s with an index on
-- report_id alone (0.12 s with none); 28,000 outages 0.16 s with their key, 0.08 s with (report_id, store_id).
-- Readers find a report's rows by report_id and sort them (the days CSV, the fleet's days), and a store's outages
-- by (report_id, store_id) (the store page, the outages CSV for one store).
alter table report_day drop constraint report_day_pkey;
create index report_day_report_idx on report_day (report_id);
alter table report_outage drop constraint report_outage_pkey;
create index report_outage_store_idx on report_outage (report_id, store_id);
