-- report_figures_v2 (sql/functions/report) sums its pieces' lengths as microseconds (micros_v1) instead of intervals,
-- and turns them into seconds with seconds_v2; seconds_v1, of an interval, has no caller left.
drop function if exists seconds_v1(interval);
