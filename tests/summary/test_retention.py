"""Retention (`python -m app retention --keep-days N`, retention_apply_v1): whole days of polls dropped, the status
each store had when the kept range begins kept, reports whose week lies in the kept range exactly what they were
before (the model over every poll), a report whose week starts before it refused with the reason."""

import asyncio
from datetime import timedelta

import pytest

from app import cli
from app.db.connect import create_pool
from app.errors import InvalidReportRequest
from app.jobs.actions import submit_report
from app.jobs.manager import ReportManager
from app.summary.refresh import refresh_summary_on
from tests.support.cases import utc
from tests.support.model import ACTIVE, INACTIVE, HourRow, Poll, compute_report
from tests.support.reports import differences, load_rows, sql_figures

NEWEST = utc("2024-05-30 12:00")


def history() -> list[Poll]:
    """Five weeks of polls for `a` (changing every 10 hours), `b` polled once five weeks ago and silent since, `c`
    down since four weeks ago."""
    polls = [Poll("a", ACTIVE if (h // 10) % 2 else INACTIVE, NEWEST - timedelta(hours=h))
             for h in range(0, 35 * 24, 3)]
    polls.append(Poll("b", INACTIVE, NEWEST - timedelta(days=35)))
    polls.append(Poll("c", ACTIVE, NEWEST - timedelta(days=34)))
    polls.append(Poll("c", INACTIVE, NEWEST - timedelta(days=28, hours=5)))
    return polls


HOURS = [HourRow("a", d, utc("2024-01-01 08:00").time(), utc("2024-01-01 20:00").time()) for d in range(5)]


async def test_retention_keeps_reports_of_the_kept_range_exact_and_refuses_older_ones(db_settings, conn, capsys,
                                                                                     monkeypatch):
    polls = history()
    await load_rows(conn, polls, HOURS, {"a": "Europe/London"})
    await refresh_summary_on(conn)
    as_ofs = [NEWEST, NEWEST - timedelta(days=3, minutes=7), NEWEST - timedelta(days=12, hours=1)]
    before = {as_of: await sql_figures(conn, as_of) for as_of in as_ofs}

    monkeypatch.setattr(cli, "get_settings", lambda: db_settings)
    assert await asyncio.to_thread(cli.main, ["retention", "--keep-days", "20"]) == 0
    printed = capsys.readouterr().out
    kept_from = await conn.fetchval("select kept_from from poll_retention")
    assert kept_from == utc("2024-05-10 00:00")  # the chunk holding newest - 20 days
    assert "dropped" in printed and "2024-05-10" in printed
    assert await conn.fetchval("select min(timestamp_utc) from store_status") >= kept_from
    assert await conn.fetchval("select count(*) from status_change where ts < $1", kept_from) == 0

    for as_of in as_ofs:
        expected = compute_report(polls, HOURS, {"a": "Europe/London"}, as_of)
        after = await sql_figures(conn, as_of)
        assert after == before[as_of] and differences(expected, after) == [], as_of
        assert {"b", "c"} <= set(after)  # silent since before the kept range, still reported

    pool = await create_pool(db_settings, max_size=2)
    try:
        manager = ReportManager(pool)
        with pytest.raises(InvalidReportRequest, match="before 2024-05-10"):
            await submit_report(manager, kept_from + timedelta(days=6))
        submitted = await submit_report(manager, kept_from + timedelta(days=7))
        assert submitted.report is not None and submitted.report.as_of == kept_from + timedelta(days=7)
    finally:
        await pool.close()


async def test_retention_needs_a_week(db_settings, monkeypatch, capsys):
    monkeypatch.setattr(cli, "get_settings", lambda: db_settings)
    assert await asyncio.to_thread(cli.main, ["retention", "--keep-days", "3"]) == 1
    assert "at least 8" in capsys.readouterr().err
