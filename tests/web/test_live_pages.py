"""The live panels of `/` (down now, open incidents, failed webhook deliveries), the `/live` fragment its script
refreshes them from, and a store page's incidents, over real HTTP with signed-in sessions: what each caller sees
(its tenant's stores and rules only; an admin all), as of the newest poll (ALERT_CLOCK=data), following new polls and
edited hours, and never a rule's secret or its webhook URL's path."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest

from tests.support.api import ApiServer, add_tenant, create_key, sign_in, wait_for_report
from tests.support.cases import every_day, utc
from tests.support.reports import load_rows

NOW = utc("2024-03-14 11:50:00")  # the newest poll: g-down's
POLLS = [  # posted over HTTP, which keeps the registry of newest states the panel reads
    ("a-down", "active", "2024-03-14 09:00:00"), ("a-down", "inactive", "2024-03-14 10:00:00"),
    ("a-down", "inactive", "2024-03-14 11:00:00"),
    ("a-up", "active", "2024-03-14 11:30:00"),
    ("a-closed", "inactive", "2024-03-14 11:45:00"),  # open 01:00-02:00 UTC only
    ("g-down", "inactive", "2024-03-14 11:50:00"),
]
ZONES = {"a-down": "Asia/Kolkata", "a-closed": "UTC", "g-down": "Europe/London"}
SECRETS = ["acme-signing-secret-0123456789", "globex-signing-secret-0123456789", "ops-signing-secret-0123456789",
           "T0KEN-acme-path", "T0KEN-globex-path", "T0KEN-ops-path"]


async def _alerts(conn) -> dict[str, object]:
    """Rules of acme, globex and an admin; incidents of each on the down stores (acme's a-down also has a resolved
    one); a delivery given up on for acme's and globex's open incidents. Returns the ids by name."""
    rules = {}
    for name, tenant in (("acme-pager", "acme"), ("globex-pager", "globex"), ("ops-pager", None)):
        owner = name.split("-")[0]
        rules[name] = await conn.fetchval(
            "insert into alert_rule (tenant_id, name, min_minutes, webhook_url, secret) "
            "values ((select id from tenant where name = $1), $2, 15, $3, $4) returning id",
            tenant, name, f"https://hooks.example.com/{owner}/T0KEN-{owner}-path", f"{owner}-signing-secret-0123456789")
    incidents = {}
    for name, rule, store, down_since, opened, resolved, minutes in [
        ("acme-open", "acme-pager", "a-down", "2024-03-14 10:00", "2024-03-14 10:30", None, 80),
        ("acme-old", "acme-pager", "a-down", "2024-03-13 08:00", "2024-03-13 08:20", "2024-03-13 09:00", 60),
        ("globex-open", "globex-pager", "g-down", "2024-03-14 11:50", "2024-03-14 11:50", None, 0.5),
        ("ops-open", "ops-pager", "a-down", "2024-03-14 10:00", "2024-03-14 10:15", None, 80),
    ]:
        incidents[name] = await conn.fetchval(
            "insert into incident (rule_id, store_id, down_since, opened_at, resolved_at, business_minutes) "
            "values ($1, $2, $3, $4, $5, $6) returning id", rules[rule], store, utc(down_since), utc(opened),
            utc(resolved) if resolved else None, minutes)
    events = {}
    for name, incident, rule in (("acme-failed", "acme-open", "acme-pager"),
                                 ("globex-failed", "globex-open", "globex-pager")):
        events[name] = await conn.fetchval(
            "insert into webhook_event (rule_id, incident_id, event, payload, attempts, failed_at, last_error) "
            "select $1, i.id, 'incident.opened', jsonb_build_object('id', i.id, 'store_id', i.store_id), 8, "
            "       $3, 'the receiver answered 503' from incident i where i.id = $2 returning id",
            rules[rule], incidents[incident], NOW - timedelta(minutes=5))
    return {**rules, **incidents, **events}


@pytest.fixture
async def live(db_settings, conn):
    """(server, {caller: key}, ids): the stores above posted, acme's and globex's keys, the alerts above."""
    await load_rows(conn, [], [*every_day("a-closed", "01:00", "02:00")], ZONES)
    settings = db_settings.model_copy(update={"alert_clock": "data", "alert_timer_seconds": 3600,
                                              "key_cache_seconds": 0})
    add_tenant(settings, "acme", ["a-down", "a-up", "a-closed"])
    add_tenant(settings, "globex", ["g-down"])
    keys = {"acme": create_key(settings, "acme-read", "read", "acme"),
            "globex": create_key(settings, "globex-read", "read", "globex")}
    with ApiServer(settings) as server:
        keys["admin"] = server.admin_key
        async with server.client() as api:
            posted = await api.post("/polls", json=[{"store_id": s, "status": st, "timestamp_utc": ts}
                                                    for s, st, ts in POLLS])
            assert posted.status_code == 200 and posted.json()["stored"] == len(POLLS), posted.text
        ids = await _alerts(conn)
        yield server, keys, ids


def _ids(html: str, section: str, attribute: str) -> list[str]:
    found = re.search(rf'(?s)<section id="{section}".*?</section>', html)
    assert found is not None, f"no section #{section}"
    return re.findall(rf'<tr {attribute}="([^"]+)"', found.group(0))


@asynccontextmanager
async def _signed_in(server: ApiServer, key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client signed in to the web page with `key` (the session cookie, no key sent)."""
    async with server.client(key=None) as client:
        assert (await sign_in(client, key)).status_code == 303
        yield client


async def test_each_caller_sees_its_own_down_stores_incidents_and_failed_deliveries(live):
    server, keys, ids = live
    expected = {
        "admin": (["g-down", "a-down"], {ids["globex-open"], ids["acme-open"], ids["ops-open"]},
                  {ids["acme-failed"], ids["globex-failed"]}),
        "acme": (["a-down"], {ids["acme-open"]}, {ids["acme-failed"]}),
        "globex": (["g-down"], {ids["globex-open"]}, {ids["globex-failed"]}),
    }
    for caller, (down, incidents, failed) in expected.items():
        async with _signed_in(server, keys[caller]) as client:
            index = await client.get("/")
            fragment = await client.get("/live")
            assert fragment.status_code == 200 and fragment.headers["cache-control"] == "no-store"
            assert "<html" not in fragment.text
            for html in (index.text, fragment.text):
                assert _ids(html, "down-now", "data-store-id") == down, caller  # the newest poll first
                assert re.search(rf'<section id="down-now"[^>]*data-total="{len(down)}"', html), caller
                assert set(_ids(html, "open-incidents", "data-incident-id")) == {str(i) for i in incidents}, caller
                assert set(_ids(html, "failed-deliveries", "data-event-id")) == {str(i) for i in failed}, caller
                assert "As of 2024-03-14 11:50:00 UTC, the newest poll" in html
                assert not [s for s in SECRETS if s in html], caller
            assert "the receiver answered 503" in fragment.text


async def test_down_since_is_on_the_stores_clock_and_in_utc_with_ages_to_now(live):
    server, keys, ids = live
    async with _signed_in(server, keys["acme"]) as client:
        html = (await client.get("/live")).text
    row = re.search(r'(?s)<tr data-store-id="a-down">.*?</tr>', html).group(0)
    cells = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"(?s)<td[^>]*>(.*?)</td>", row)]
    # down since the 10:00 poll that began its inactive run: 15:30 in Kolkata; 1 h 50 min before 11:50
    assert cells == ["a-down", "Thu 2024-03-14 15:30:00 Asia/Kolkata", "2024-03-14 10:00:00 UTC", "1 h 50 min",
                     "50 min ago"]
    incident = re.search(rf'(?s)<tr data-incident-id="{ids["acme-open"]}">.*?</tr>', html).group(0)
    assert "1 h 20 min" in incident and "80.00" in incident and "acme-pager" in incident


async def test_the_live_fragment_needs_a_session(live):
    server, _, _ = live
    async with server.client(key=None) as client:
        response = await client.get("/live")
        assert response.status_code == 401 and response.text == ""


async def test_the_panel_follows_new_polls_and_edited_hours(live):
    server, keys, _ = live
    async with server.client() as api, _signed_in(server, keys["admin"]) as client:
        await api.post("/polls", json=[
            {"store_id": "a-down", "status": "active", "timestamp_utc": "2024-03-14 11:55:00"},
            {"store_id": "a-up", "status": "inactive", "timestamp_utc": "2024-03-14 12:00:00"}])
        assert _ids((await client.get("/live")).text, "down-now", "data-store-id") == ["a-up", "g-down"]
        # g-down closes at 11:00 every day (London is UTC in March): no longer in business hours at 12:00.
        edited = await api.put("/stores/g-down/hours", json=[
            {"day_of_week": d, "start_time_local": "09:00", "end_time_local": "11:00"} for d in range(7)])
        assert edited.status_code == 200, edited.text
        assert _ids((await client.get("/live")).text, "down-now", "data-store-id") == ["a-up"]
        # A closed special date for a-up, then dropped again.
        assert (await api.put("/stores/a-up/special_hours/2024-03-14", json=[])).status_code == 200
        assert _ids((await client.get("/live")).text, "down-now", "data-store-id") == []
        assert (await api.delete("/stores/a-up/special_hours/2024-03-14")).status_code == 200
        assert _ids((await client.get("/live")).text, "down-now", "data-store-id") == ["a-up"]


async def test_a_store_page_lists_the_callers_incidents_of_the_store(live):
    server, keys, ids = live
    async with server.client(keys["acme"]) as api:
        report_id = (await api.post("/trigger_report", json={"as_of": "2024-03-14T12:00:00Z"})).json()["report_id"]
        assert (await wait_for_report(api, report_id)).status_code == 200
    async with _signed_in(server, keys["acme"]) as client:
        page = await client.get("/stores/a-down/view", follow_redirects=True)
        assert page.status_code == 200
        rows = re.findall(r'(?s)<tr data-incident-id="([^"]+)" data-open="(\w+)">(.*?)</tr>', page.text)
        assert [(i, o) for i, o, _ in rows] == [(str(ids["acme-open"]), "true"), (str(ids["acme-old"]), "false")]
        assert "open for\n          1 h 20 min" in rows[0][2]
        assert "2024-03-13 09:00:00 UTC" in rows[1][2] and "60.00" in rows[1][2]
        assert not [s for s in SECRETS if s in page.text]
    async with _signed_in(server, keys["admin"]) as client:
        page = await client.get(f"/stores/a-down/view?report={report_id}")
        assert len(re.findall(r"<tr data-incident-id=", page.text)) == 3  # the admin's rule's too
    async with _signed_in(server, keys["globex"]) as client:
        page = await client.get(f"/stores/a-down/view?report={report_id}")
        assert page.status_code == 404 and "data-incident-id" not in page.text
