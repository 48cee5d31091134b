"""No secret ever appears in logs, URLs, the database's tables or answers: a session of everything that handles keys and
session tokens (keys good, bad, revoked; the web sign-in and sign-out; errors; reports run by the embedded worker; the
key commands) and webhook secrets (an alert rule whose deliveries fail until given up on), with every log record of
the process captured at DEBUG (uvicorn's access log included), every URL requested and every answer recorded, then all
of it and every table of the database searched for each key, each session token, and their secret parts."""

import asyncio
import io
import logging
import re
from contextlib import redirect_stdout

import asyncpg
import httpx

from app import cli
from app.access.tokens import SESSION_COOKIE
from tests.support.api import ApiServer, add_tenant, create_key, revoke_key, sample_rows, wait_for_report
from tests.support.reports import load_rows
from tests.support.wait import wait_until

WEBHOOK_SECRET = "whsec-6f1d0c2a9b8e7f41"
WEBHOOK_TOKEN = "T0AAAAAA-B0BBBBBB-xoxo42secretpath"
WEBHOOK_URL = f"http://127.0.0.1:9/services/{WEBHOOK_TOKEN}"


def secrets_of(token: str) -> list[str]:
    """The token, and its secret part (what follows the prefix and the 12-character lookup id)."""
    return [token, token[20:]]


async def every_table_as_text(conn: asyncpg.Connection, but: tuple[str, ...] = ()) -> str:
    tables = [r["table_name"] for r in await conn.fetch(
        "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'")
        if r["table_name"] not in but]
    # Every row as JSON text: bytea columns (the hashes) come out as hex.
    return "\n".join([str(await conn.fetch(f'select row_to_json(t)::text from "{name}" t')) for name in tables])


async def test_no_secret_in_logs_urls_tables_or_answers(db_settings, conn, monkeypatch):
    await load_rows(conn, *sample_rows(12))
    stores = [r["store_id"] for r in await conn.fetch("select distinct store_id from store_status limit 3")]
    add_tenant(db_settings, "acme", stores)
    reader = create_key(db_settings, "acme-reader", "read", "acme")
    revoked = create_key(db_settings, "gone", "admin")
    revoke_key(db_settings, "gone")
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setLevel(logging.DEBUG)
    # The service's records only: not those of this test's own HTTP client (httpcore traces the headers it got).
    handler.addFilter(lambda record: not record.name.startswith(("httpx", "httpcore")))
    # The root logger, and uvicorn's own, which an earlier server's logging config may have cut off from the root
    # (propagate=False) or disabled.
    loggers = [logging.getLogger(name) for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error")]
    saved = [(lg.level, lg.propagate, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.propagate = lg.name == "root"
        lg.disabled = False
        lg.addHandler(handler)
    urls: list[str] = []
    answers: list[str] = []
    sessions: list[str] = []

    async def record(response: httpx.Response) -> None:
        await response.aread()
        urls.append(str(response.request.url))
        headers = {k: v for k, v in response.headers.items() if k != "set-cookie"}  # the cookie is the point there
        if cookie := response.cookies.get(SESSION_COOKIE):
            sessions.append(cookie)
        answers.append(f"{response.status_code} {headers} {response.text}")

    try:
        # log_config=None: uvicorn's loggers propagate to the root logger, where everything is captured.
        settings = db_settings.model_copy(update={
            "alert_clock": "data", "alert_timer_seconds": 0.1, "webhook_allow_loopback": True,
            "webhook_backoff_seconds": 0.01, "webhook_max_attempts": 2})
        with ApiServer(settings, log_config=None, log_level="debug", access_log=True) as server:
            admin = server.admin_key
            hooks = {"response": [record]}
            async with httpx.AsyncClient(base_url=server.url, event_hooks=hooks, timeout=30) as client:
                for key in (admin, reader, revoked, admin + "x", "sp_live_" + "0" * 44, None):
                    headers = {"Authorization": f"Bearer {key}"} if key else {}
                    await client.get("/reports", headers=headers)
                    await client.post("/trigger_report", headers=headers, json={"store_ids": ["nope", stores[0]]})
                    await client.post("/trigger_report", headers=headers, content=b'{"as_of": ')
                    await client.get("/metrics", headers=headers)
                report_id = (await client.post("/trigger_report", headers={"Authorization": f"Bearer {reader}"})
                             ).json()["report_id"]
                client.headers["Authorization"] = f"Bearer {reader}"
                assert (await wait_for_report(client, report_id)).status_code == 200
                client.headers.pop("Authorization")
                # The web page: a wrong key, then the right one, the pages, sign-out.
                await client.post("/signin", data={"key": revoked, "next": "/"})
                await client.post("/signin", data={"key": reader, "next": f"/reports/{report_id}/view"})
                assert sessions, "no session cookie was set"
                for path in ("/", f"/reports/{report_id}/view", f"/stores/{stores[0]}/view", "/reports", "/nowhere"):
                    await client.get(path)
                await client.post("/signout")
                await client.get("/reports")  # the ended session
                client.cookies.set(SESSION_COOKIE, sessions[0])
                await client.get("/reports")  # replayed after sign-out
                # An alert rule whose receiver refuses every delivery (nothing listens on port 9), its URL's path a
                # token as chat services make them; the rule, its listing and its failed deliveries.
                admin_headers = {"Authorization": f"Bearer {admin}"}
                rule = {"name": "pager", "min_minutes": 1, "webhook_url": WEBHOOK_URL, "secret": WEBHOOK_SECRET}
                assert (await client.post("/alert_rules", json=rule, headers=admin_headers)).status_code == 201
                await client.post("/alert_rules", json=rule, headers=admin_headers)  # 409: the name is taken
                await client.get("/alert_rules", headers=admin_headers)
                given_up = "select count(*) > 0 from webhook_event where failed_at is not null"
                await wait_until(lambda: conn.fetchval(given_up), message="a webhook delivery given up on")
                await client.get("/incidents", headers=admin_headers)
                await client.get("/metrics", headers=admin_headers)
        tables = await every_table_as_text(conn)
        # The key commands' output (`key create` prints the key on purpose: not checked).
        monkeypatch.setattr(cli, "get_settings", lambda: db_settings)
        listed = io.StringIO()
        with redirect_stdout(listed):  # in a thread: the commands run their own event loop
            for argv in (["key", "list"], ["tenant", "list"], ["key", "revoke", "acme-reader"]):
                assert await asyncio.to_thread(cli.main, argv) == 0
    finally:
        for lg, (level, propagate, disabled) in zip(loggers, saved):
            lg.removeHandler(handler)
            lg.setLevel(level)
            lg.propagate, lg.disabled = propagate, disabled

    logs = captured.getvalue()
    assert "GET /reports HTTP/1.1" in logs and "running report" in logs  # the access log and the worker's
    assert len(urls) > 30 and len(answers) == len(urls)
    everything = {"logs": logs, "urls": "\n".join(urls), "answers": "\n".join(answers), "tables": tables,
                  "key list": listed.getvalue()}
    for token in [admin, reader, revoked, *sessions]:
        for secret in secrets_of(token):
            for where, text in everything.items():
                assert secret not in text, f"a secret ({secret[:12]}…) appears in the {where}"
    assert "given up after 2 tries" in logs  # the deliverer's warning, without the URL
    everything["tables"] = await every_table_as_text(conn, but=("alert_rule",))  # the rule must keep both, to sign
    for secret in (WEBHOOK_SECRET, WEBHOOK_TOKEN):
        for where, text in everything.items():
            assert secret not in text, f"a webhook secret ({secret[:6]}…) appears in the {where}"
    assert re.search(r"sp_live_[A-Za-z0-9]{12}…", listed.getvalue())  # keys are named by their lookup id
