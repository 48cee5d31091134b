"""One line of an input file as its fields, or the reason it cannot be read: the first checks every file's lines
go through (the polls file's in poll_check.py, the other files' in landing_check.py)."""

import csv

from app.ingest.parallel_copy import is_utf8

BLANKS = " \t"  # dropped around a field


def split_line(raw: bytes, max_line_bytes: int) -> list[str] | str | None:
    """The CSV fields of `raw` (one line without its newline or CRs); a reason (str) when it is rejected; None
    when it is blank. A field may be quoted, with a quote inside written twice, but a line is never continued on
    the next: a quote left open is a reason."""
    if len(raw) > max_line_bytes:
        return f"line longer than {max_line_bytes} bytes"
    if not raw.strip():
        return None
    if not is_utf8(raw):
        return "not valid UTF-8"
    text = raw.decode("utf-8")
    if "\x00" in text:
        return "NUL character"
    if '"' not in text:
        return text.split(",")
    if text.count('"') % 2:
        return "unbalanced double quote"
    return next(csv.reader([text]))
