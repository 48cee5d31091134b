-- status_pieces_v2 (sql/functions/status) numbers each piece's run (rule 11) in the time line's own window, with a
-- `runs` argument and a `run` column, so a report's outages are a grouping of its pieces instead of a second sort
-- and window over all of them. Its callers (report_figures_v2, the store page's timeline) read v2; v1 goes.
drop function if exists status_pieces_v1(timestamptz, timestamptz, text, text, text[], timestamptz, boolean);
