"""Alerts against a real local HTTP receiver: incidents open after min_minutes of business time and not before, never
outside business hours or on a closed special date, resolve at the first active poll; deliveries are signed, retried
after failures until the receiver takes each event exactly once more, and survive a deliverer killed with kill -9
mid-delivery. The clock is the data's (ALERT_CLOCK=data), so the polls say what time it is."""

import asyncio
from datetime import date, time
from decimal import Decimal

import httpx
import pytest

from app.alerts.deliver import Deliverer, verify
from app.alerts.evaluate import evaluate_alerts
from app.alerts.rules import create_rule, list_incidents
from app.errors import InvalidWebhookUrl
from app.ingest.intake import check_csv_body, store_batch
from tests.support.cases import utc
from tests.support.commands import AppProcess
from tests.support.model import HourRow, SpecialRow
from tests.support.receiver import Receiver
from tests.support.reports import load_rows
from tests.support.wait import wait_until

MONDAY = utc("2024-05-13 00:00")  # UTC; the stores below are in UTC too
NINE_TO_FIVE = [HourRow("s1", d, time(9), time(17)) for d in range(7)] + \
               [HourRow("s2", d, time(9), time(17)) for d in range(7)]


@pytest.fixture
async def receiver():
    running = await Receiver().start()
    yield running
    await running.stop()


@pytest.fixture
def alert_settings(db_settings):
    return db_settings.model_copy(update={"alert_clock": "data", "webhook_allow_loopback": True,
                                          "webhook_backoff_seconds": 0.05, "webhook_max_attempts": 8})


async def post(conn, *rows: tuple[str, str, str]) -> None:
    """Polls as POST /polls stores them: (store, status, UTC time text)."""
    body = "store_id,status,timestamp_utc\n" + "".join(f"{s},{st},{utc(t):%Y-%m-%d %H:%M:%S} UTC\n"
                                                        for s, st, t in rows)
    result = await store_batch(conn, check_csv_body(body.encode()))
    assert not result.rejected


async def setup(conn, special=()) -> None:
    await load_rows(conn, [], NINE_TO_FIVE, {"s1": "UTC", "s2": "UTC"}, special)


async def incidents(conn) -> list[dict]:
    return [dict(r) for r in await list_incidents(conn, None, open_only=False)]


async def test_opened_after_min_minutes_of_business_time_and_not_before(conn, pool, alert_settings, receiver):
    await setup(conn)
    await create_rule(conn, None, "down 30", Decimal(30), receiver.url, "s3cret", None, True)
    await post(conn, ("s1", "active", "2024-05-13 09:00"), ("s1", "inactive", "2024-05-13 10:00"))
    await post(conn, ("s2", "active", "2024-05-13 10:29:59"))  # the data's clock: 29:59 of business time down
    assert await evaluate_alerts(pool, "data") == (0, 0)
    await post(conn, ("s2", "active", "2024-05-13 10:30:00"))
    assert await evaluate_alerts(pool, "data") == (1, 0)
    assert await evaluate_alerts(pool, "data") == (0, 0)  # once per spell
    (incident,) = await incidents(conn)
    assert (incident["store_id"], incident["down_since"], incident["opened_at"]) == (
        "s1", utc("2024-05-13 10:00"), utc("2024-05-13 10:30"))
    assert incident["resolved_at"] is None


async def test_closing_time_pauses_the_clock_and_a_closed_day_opens_nothing(conn, pool):
    await setup(conn, [SpecialRow("s2", date(2024, 5, 15), None, None)])  # s2 closed on Wednesday
    await create_rule(conn, None, "down 30", Decimal(30), "http://127.0.0.1:9/hook", "x", None, True)
    # s1 goes down 10 minutes before closing; the clock runs overnight but only business time counts.
    await post(conn, ("s1", "inactive", "2024-05-13 16:50"), ("s2", "active", "2024-05-14 08:59"))
    assert await evaluate_alerts(pool, "data") == (0, 0)  # 10 minutes of business time by 08:59 next day
    await post(conn, ("s2", "active", "2024-05-14 09:21"))
    assert await evaluate_alerts(pool, "data") == (1, 0)
    (incident,) = await incidents(conn)
    assert incident["opened_at"] == utc("2024-05-14 09:20")  # 10 min before closing + 20 min after opening
    # s2 down all of its closed Wednesday, and Thursday before opening: nothing.
    await post(conn, ("s2", "inactive", "2024-05-15 08:00"), ("s1", "active", "2024-05-16 08:59"))
    assert await evaluate_alerts(pool, "data") == (0, 1)  # s1's incident resolves; none for s2
    assert [i["store_id"] for i in await incidents(conn)] == ["s1"]


async def test_resolved_by_an_active_poll_with_the_spell_business_minutes(conn, pool):
    await setup(conn)
    await create_rule(conn, None, "down 15", Decimal(15), "http://127.0.0.1:9/hook", "x", ["s1"], True)
    await post(conn, ("s1", "inactive", "2024-05-13 12:00"), ("s2", "inactive", "2024-05-13 12:00"))
    await post(conn, ("s2", "active", "2024-05-13 12:20"))
    assert await evaluate_alerts(pool, "data") == (1, 0)  # s2 is not the rule's store
    await post(conn, ("s1", "inactive", "2024-05-13 12:40"), ("s1", "active", "2024-05-13 12:45:30"))
    assert await evaluate_alerts(pool, "data") == (0, 1)
    (incident,) = await incidents(conn)
    assert incident["resolved_at"] == utc("2024-05-13 12:45:30")
    assert incident["business_minutes"] == Decimal("45.50")
    events = await conn.fetch("select event from webhook_event order by created_at")
    assert [e["event"] for e in events] == ["incident.opened", "incident.resolved"]


async def test_spells_resolved_together_keep_their_own_business_minutes(conn, pool):
    # Resolved in one evaluation, from one business-hours computation for both: s1's spell spans closing time
    # (Monday 16:30 to Tuesday 09:10: 30 + 10 minutes), s2's lies inside Tuesday's hours (09:00 to 09:08:30).
    await setup(conn)
    await create_rule(conn, None, "down 5", Decimal(5), "http://127.0.0.1:9/hook", "x", None, True)
    await post(conn, ("s1", "inactive", "2024-05-13 16:30"), ("s2", "inactive", "2024-05-14 09:00"),
               ("s1", "inactive", "2024-05-14 09:06"))
    assert await evaluate_alerts(pool, "data") == (2, 0)
    await post(conn, ("s2", "active", "2024-05-14 09:08:30"), ("s1", "active", "2024-05-14 09:10"))
    assert await evaluate_alerts(pool, "data") == (0, 2)
    minutes = {i["store_id"]: (i["resolved_at"], i["business_minutes"]) for i in await incidents(conn)}
    assert minutes == {"s1": (utc("2024-05-14 09:10"), Decimal("40.00")),
                       "s2": (utc("2024-05-14 09:08:30"), Decimal("8.50"))}


async def test_deliveries_are_signed_and_retried_until_taken_exactly_once_more(conn, pool, alert_settings, receiver):
    await setup(conn)
    await create_rule(conn, None, "down 30", Decimal(30), receiver.url, "s3cret", None, True)
    receiver.statuses = [500, 503, 404]  # the receiver fails three times, then recovers
    await post(conn, ("s1", "inactive", "2024-05-13 10:00"), ("s2", "active", "2024-05-13 11:00"))
    await evaluate_alerts(pool, "data")
    await post(conn, ("s1", "active", "2024-05-13 11:30"))
    await evaluate_alerts(pool, "data")
    deliverer = Deliverer(pool, alert_settings)
    running = asyncio.create_task(deliverer.run())
    try:
        taken = await receiver.wait_for(2)
    finally:
        deliverer.stop()
        await running
    assert [r.status for r in receiver.received] == [500, 503, 404, 200, 200]
    assert [r.json["event"] for r in taken] == ["incident.opened", "incident.resolved"]
    assert len({r.json["id"] for r in taken}) == 2  # each event once once it was taken
    first_attempts = [r.json["id"] for r in receiver.received[:4]]
    assert len(set(first_attempts)) == 1  # the same event, retried
    for r in taken:
        assert verify("s3cret", r.body, r.headers["x-storepulse-signature"])
        assert not verify("another secret", r.body, r.headers["x-storepulse-signature"])
        assert r.json["incident"]["store_id"] == "s1" and r.headers["x-storepulse-timestamp"]
    rows = await conn.fetch("select attempts, delivered_at, failed_at from webhook_event order by created_at")
    assert [(r["attempts"], r["delivered_at"] is not None, r["failed_at"]) for r in rows] == [(4, True, None),
                                                                                             (1, True, None)]


async def test_events_of_different_incidents_are_posted_at_once_and_an_incidents_in_order(conn, pool, alert_settings,
                                                                                         receiver):
    await setup(conn)
    await create_rule(conn, None, "down 30", Decimal(30), receiver.url, "s3cret", None, True)
    await post(conn, ("s1", "inactive", "2024-05-13 10:00"), ("s2", "inactive", "2024-05-13 10:00"),
               ("s3", "inactive", "2024-05-13 10:00"), ("s2", "inactive", "2024-05-13 11:00"))
    assert await evaluate_alerts(pool, "data") == (3, 0)
    await post(conn, ("s1", "active", "2024-05-13 11:30"))
    assert await evaluate_alerts(pool, "data") == (0, 1)
    held = receiver.hold = asyncio.Event()  # no request is answered until the three have arrived
    deliverer = Deliverer(pool, alert_settings.model_copy(update={"webhook_concurrency": 4}))
    running = asyncio.create_task(deliverer.run())
    try:
        waiting = await receiver.wait_for(3, accepted_only=False)  # one at a time, only one would ever arrive
        # s1's resolution waits for its opening, in flight: the three are the openings.
        assert sorted((r.json["event"], r.json["incident"]["store_id"]) for r in waiting) == [
            ("incident.opened", "s1"), ("incident.opened", "s2"), ("incident.opened", "s3")]
        held.set()
        taken = await receiver.wait_for(4)
    finally:
        held.set()
        deliverer.stop()
        await running
    s1 = [r.json["event"] for r in taken if r.json["incident"]["store_id"] == "s1"]
    assert s1 == ["incident.opened", "incident.resolved"]
    assert await conn.fetchval("select count(*) from webhook_event where delivered_at is not null") == 4


async def test_a_receiver_that_never_recovers_gets_the_event_marked_failed(conn, pool, alert_settings, receiver):
    await setup(conn)
    await create_rule(conn, None, "down 30", Decimal(30), receiver.url, "s3cret", None, True)
    receiver.statuses = [500] * 3
    await post(conn, ("s1", "inactive", "2024-05-13 10:00"), ("s2", "active", "2024-05-13 11:00"))
    await evaluate_alerts(pool, "data")
    deliverer = Deliverer(pool, alert_settings.model_copy(update={"webhook_max_attempts": 3}))
    async with httpx.AsyncClient() as client:
        for _ in range(3):
            await conn.execute("update webhook_event set next_attempt_at = now()")  # no waiting for the backoff
            assert await deliverer.deliver_one(client)
        assert not await deliverer.deliver_one(client)  # nothing left to deliver
    row = await conn.fetchrow("select attempts, failed_at, last_error from webhook_event")
    assert row["attempts"] == 3 and row["failed_at"] is not None and "500" in row["last_error"]


async def test_a_deliverer_killed_mid_delivery_loses_no_event(db_settings, alert_settings, conn, pool, receiver,
                                                             output_dir):
    await setup(conn)
    await create_rule(conn, None, "down 30", Decimal(30), receiver.url, "s3cret", None, True)
    await post(conn, ("s1", "inactive", "2024-05-13 10:00"), ("s2", "active", "2024-05-13 11:00"))
    await evaluate_alerts(pool, "data")
    held = receiver.hold = asyncio.Event()  # the first delivery hangs inside the receiver
    env = {"ALERT_CLOCK": "data", "WEBHOOK_ALLOW_LOOPBACK": "true", "WEBHOOK_BACKOFF_SECONDS": "0.05"}
    first = AppProcess(db_settings, output_dir / "worker-1.log", "worker", **env)
    try:
        await receiver.wait_for(1, accepted_only=False)  # the deliverer is inside the POST, its row locked
        first.kill()
        assert await conn.fetchval("select delivered_at from webhook_event") is None
    finally:
        receiver.hold = None
        held.set()
        first.close()
    second = AppProcess(db_settings, output_dir / "worker-2.log", "worker", **env)
    try:
        taken = await receiver.wait_for(2, accepted_only=False)
        assert taken[0].json["id"] == taken[1].json["id"]  # delivered again: at least once, the id to drop it by
        await wait_until(lambda: conn.fetchval("select delivered_at is not null from webhook_event"),
                         message="the second worker records the delivery")
    finally:
        second.close()


async def test_webhook_urls_of_this_machine_or_private_networks_are_refused(conn):
    for url in ("http://127.0.0.1:8000/x", "http://localhost/x", "http://10.1.2.3/x", "http://192.168.0.1/x",
                "http://[::1]/x", "http://169.254.169.254/latest", "ftp://example.com/x", "http://user:pw@host/x"):
        with pytest.raises(InvalidWebhookUrl):
            await create_rule(conn, None, f"r{hash(url)}", Decimal(5), url, "x", None, False)
    assert await conn.fetchval("select count(*) from alert_rule") == 0

