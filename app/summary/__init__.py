"""The status change summary (status_change): what reports read instead of every poll, with the registry of polled
stores kept beside it. Its SQL is in sql/functions/summary and sql/queries/summary.sql; this package keeps it
current (refresh.py after anyone's writes, absorb.py after our own) and drops old days (retention.py). It sits
below both the loader and the report engine, which use it."""
