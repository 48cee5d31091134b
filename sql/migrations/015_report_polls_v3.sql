-- report_polls_v3 (sql/functions/polls/report_polls.sql) replaces report_polls_v2: it reads the day before a
-- report's window with the window, so that most stores' status at the window start is found there rather than by
-- an index probe each, and returns those rows too (status_pieces_v1, its only caller, keeps what it needs).
drop function if exists report_polls_v2(timestamptz, timestamptz, text, text, text[], timestamptz);
