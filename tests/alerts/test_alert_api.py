"""Alert rules and incidents over HTTP, with tenants: each tenant's write key manages its own rules, which watch its
stores only (by default all of them); a read key reads; nobody sees another tenant's rules, incidents or webhook
URL paths, and no secret comes back. Polls posted with the tenants' write keys open the incidents, evaluated after
each batch as of the data's clock, and the embedded worker delivers them to each tenant's own receiver."""

from decimal import Decimal

import pytest

from app.alerts.deliver import verify
from tests.support.api import ApiServer, add_tenant, create_key
from tests.support.receiver import Receiver
from tests.support.wait import wait_until

CSV = {"content-type": "text/csv"}
NINE_TO_FIVE = [{"day_of_week": d, "start_time_local": "09:00", "end_time_local": "17:00"} for d in range(7)]


def polls(*rows: tuple[str, str, str]) -> str:
    return "store_id,status,timestamp_utc\n" + "".join(f"{s},{st},{t} UTC\n" for s, st, t in rows)


@pytest.fixture
async def receivers():
    started = {name: await Receiver().start() for name in ("acme", "globex")}
    yield started
    for receiver in started.values():
        await receiver.stop()


@pytest.fixture
def server(db_settings):
    settings = db_settings.model_copy(update={
        "alert_clock": "data", "alert_timer_seconds": 0.2, "webhook_allow_loopback": True,
        "webhook_backoff_seconds": 0.05, "key_cache_seconds": 0})
    add_tenant(settings, "acme", ["a1", "a2"])
    add_tenant(settings, "globex", ["g1"])
    with ApiServer(settings) as running:
        running.keys = {name: create_key(settings, name, role, tenant) for name, role, tenant in [  # type: ignore[attr-defined]
            ("acme-write", "write", "acme"), ("acme-read", "read", "acme"), ("globex-write", "write", "globex")]}
        yield running


async def incidents_once(client, count: int, **params) -> list[dict]:
    """GET /incidents once it lists `count` (the alert timer looks at stores that stay silent)."""
    last: list[dict] = []

    async def listed() -> bool:
        last[:] = (await client.get("/incidents", params=params)).json()
        return len(last) == count

    await wait_until(listed, 30, f"/incidents lists {count}")
    return last


def rule(name: str, url: str, secret: str, **extra) -> dict:
    return {"name": name, "min_minutes": 30, "webhook_url": url, "secret": secret, **extra}


async def test_tenants_manage_their_own_rules_and_see_their_own_incidents(server, receivers):
    keys = server.keys
    async with server.client() as admin, server.client(keys["acme-write"]) as acme, \
            server.client(keys["acme-read"]) as acme_reader, server.client(keys["globex-write"]) as globex:
        for store in ("a1", "a2", "g1"):
            assert (await admin.put(f"/stores/{store}/timezone", json={"timezone_str": "UTC"})).status_code == 200
            assert (await admin.put(f"/stores/{store}/hours", json=NINE_TO_FIVE)).status_code == 200

        acme_secret, globex_secret = "acme-signing-secret-1", "globex-signing-secret"
        created = await acme.post("/alert_rules", json=rule("down 30", receivers["acme"].url + "?token=abc",
                                                            acme_secret))
        assert created.status_code == 201, created.text
        acme_rule = created.json()
        assert acme_rule["tenant"] == "acme" and acme_rule["stores"] is None
        assert acme_rule["webhook_url"] == f"http://127.0.0.1:{receivers['acme'].port}/…"
        assert "secret" not in acme_rule and acme_secret not in created.text
        assert (await globex.post("/alert_rules", json=rule("down 30", receivers["globex"].url,
                                                            globex_secret))).status_code == 201
        again = await acme.post("/alert_rules", json=rule("down 30", receivers["acme"].url, acme_secret))
        assert (again.status_code, again.json()) == (409, {"detail": "there is already a rule named 'down 30'"})
        assert (await acme_reader.post("/alert_rules", json=rule("r", receivers["acme"].url,
                                                                 acme_secret))).status_code == 403
        outside = await acme.post("/alert_rules", json=rule("g", receivers["acme"].url, acme_secret,
                                                            stores=["a1", "g1"]))
        assert (outside.status_code, outside.json()["detail"]) == (422, "store ids outside tenant acme: 'g1'")
        short = await acme.post("/alert_rules", json=rule("s", receivers["acme"].url, "short"))
        assert short.status_code == 422 and "secret" in short.text
        private = await acme.post("/alert_rules", json=rule("p", "http://user:pw@example.com/x", acme_secret))
        assert private.status_code == 422 and "pw" not in private.text

        assert [r["name"] for r in (await acme_reader.get("/alert_rules")).json()] == ["down 30"]
        assert [r["tenant"] for r in (await admin.get("/alert_rules")).json()] == ["acme", "globex"]

        # a1 and g1 go down at 10:00; acme cannot post g1's polls. At 10:30 (the data's clock) both have been down
        # 30 minutes of business time: one incident each, on its own tenant's rule, opened by the alert timer (a1 and
        # g1 posted nothing since 10:00).
        first = await acme.post("/polls", headers=CSV, content=polls(
            ("a1", "active", "2024-05-13 09:00:00"), ("a1", "inactive", "2024-05-13 10:00:00"),
            ("g1", "active", "2024-05-13 10:00:00")))
        assert [r["row"] for r in first.json()["rejected"]] == [3]
        await globex.post("/polls", headers=CSV, content=polls(("g1", "inactive", "2024-05-13 10:00:00")))
        await acme.post("/polls", headers=CSV, content=polls(("a2", "active", "2024-05-13 10:30:00")))

        acme_open = await incidents_once(acme_reader, 1, open="true")
        globex_open = await incidents_once(globex, 1, open="true")
        assert [(i["store_id"], i["rule"], i["opened_at"]) for i in acme_open] == [
            ("a1", "down 30", "2024-05-13T10:30:00Z")]
        assert [i["store_id"] for i in globex_open] == ["g1"]
        assert sorted(i["store_id"] for i in (await admin.get("/incidents")).json()) == ["a1", "g1"]
        assert (await acme_reader.get("/incidents", params={"store_id": "g1"})).json() == []

        # Each receiver gets its own tenant's event, signed with its rule's secret.
        (acme_event,) = await receivers["acme"].wait_for(1)
        (globex_event,) = await receivers["globex"].wait_for(1)
        assert acme_event.json["incident"]["store_id"] == "a1" and globex_event.json["incident"]["store_id"] == "g1"
        assert verify(acme_secret, acme_event.body, acme_event.headers["x-storepulse-signature"])
        assert not verify(globex_secret, acme_event.body, acme_event.headers["x-storepulse-signature"])

        # a1 comes back: resolved, with the outage's business minutes.
        await acme.post("/polls", headers=CSV, content=polls(("a1", "active", "2024-05-13 10:45:00")))
        (resolved,) = (await acme_reader.get("/incidents")).json()
        assert resolved["resolved_at"] == "2024-05-13T10:45:00Z"
        assert Decimal(resolved["business_minutes"]) == 45
        assert [i["store_id"] for i in (await admin.get("/incidents", params={"open": "true"})).json()] == ["g1"]

        metrics = (await admin.get("/metrics")).text
        assert "storepulse_incidents_open 1.0" in metrics
        assert "storepulse_webhook_events_failed 0.0" in metrics
        assert 'storepulse_webhook_deliveries_total{outcome="delivered"}' in metrics

        # Deleting: another tenant's rule is not found; one's own goes, with its incidents.
        rule_id = acme_rule["id"]
        assert (await globex.delete(f"/alert_rules/{rule_id}")).status_code == 404
        assert (await acme_reader.delete(f"/alert_rules/{rule_id}")).status_code == 403
        assert (await acme.delete(f"/alert_rules/{rule_id}")).status_code == 204
        assert (await acme.delete(f"/alert_rules/{rule_id}")).status_code == 404
        assert (await acme_reader.get("/incidents")).json() == []
        assert [r["tenant"] for r in (await admin.get("/alert_rules")).json()] == ["globex"]


async def test_an_admin_rule_watches_every_store_and_a_tenant_rule_follows_its_tenant(server, receivers, conn):
    keys = server.keys
    async with server.client() as admin, server.client(keys["acme-write"]) as acme:
        for store in ("a1", "x1"):
            await admin.put(f"/stores/{store}/timezone", json={"timezone_str": "UTC"})
        secret = "a-long-enough-secret"
        assert (await admin.post("/alert_rules", json=rule("all", receivers["globex"].url, secret))).json()[
            "tenant"] is None
        assert (await acme.post("/alert_rules", json=rule("mine", receivers["acme"].url, secret,
                                                          stores=["a1"]))).status_code == 201
        await admin.post("/polls", headers=CSV, content=polls(
            ("a1", "inactive", "2024-05-13 10:00:00"), ("x1", "inactive", "2024-05-13 10:00:00"),
            ("a2", "active", "2024-05-13 11:00:00")))  # no hours: open 24/7
        seen = {(i["rule"], i["store_id"]) for i in await incidents_once(admin, 3)}
        assert seen == {("all", "a1"), ("all", "x1"), ("mine", "a1")}
        assert {i["store_id"] for i in (await acme.get("/incidents")).json()} == {"a1"}
    # Removing the tenant removes its rules (and their incidents); the admin's rule stays.
    await conn.execute("delete from tenant where name = 'acme'")
    assert [r["name"] for r in await conn.fetch("select name from alert_rule")] == ["all"]
