-- A report asked for days also gets its outages from its shards, in the pass that computes its figures and days:
-- report_figures_v2 and report_rows_v3 (sql/functions/report) replace report_figures_v1 and report_rows_v2 with an
-- `outages` argument and start_utc, end_utc columns, and report_outages_v1 reads report_figures_v2. A report without
-- days still computes its outages on the first request.
drop function if exists report_rows_v2(timestamptz, text, text, text[], timestamptz, date, date);
drop function if exists report_figures_v1(timestamptz, text, text, text[], timestamptz, date, date);
