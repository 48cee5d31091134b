// The reports page: triggers reports and lists them through the JSON API (authenticated by the session cookie set
// at sign-in), polling while any is queued or running. A report is shown as complete only when the API says its
// status is "complete"; when a call fails the page says so, marks what it shows as out of date and offers a retry.
// Its live panels (down now, open incidents, failed deliveries) are rendered by the server and replaced by a fresh
// rendering from /live every few seconds while the page is visible.
"use strict";

(() => {
  const TIMEOUT_MS = 10000;
  const POLL_MS = 1000;
  const PAGE = 20;

  const $ = (id) => document.getElementById(id);
  let limit = PAGE;
  let pollTimer = null;
  let refreshSeq = 0;
  let retryAction = null;
  let errorSource = null; // "list" or "action": a good list refresh clears only a list error

  class HttpError extends Error {
    constructor(status, detail) {
      super(`the server answered ${status}${detail ? `: ${detail}` : ""}`);
      this.status = status;
      this.detail = detail;
    }
  }

  async function request(method, url, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    let payload = null;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        signal: controller.signal,
      });
      payload = await response.json().catch(() => null);
    } catch (err) {
      throw new Error(controller.signal.aborted ? `no answer from the server within ${TIMEOUT_MS / 1000} s`
        : "the server could not be reached");
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 401) { // the session ended (expired, signed out elsewhere, key revoked): sign in again
      window.location.assign(`/signin?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    }
    if (!response.ok) throw new HttpError(response.status, payload && typeof payload.detail === "string" ? payload.detail : "");
    return payload;
  }

  function showError(source, text, retry) {
    $("error-text").textContent = text;
    $("error").hidden = false;
    if (source === "list") $("reports").classList.add("stale");
    errorSource = source;
    retryAction = retry;
  }

  function hideError(source) {
    if (source && errorSource !== source) return;
    $("error").hidden = true;
    $("reports").classList.remove("stale");
    errorSource = null;
    retryAction = null;
  }

  const utc = (iso) => (iso ? `${new Date(iso).toISOString().slice(0, 19).replace("T", " ")} UTC` : "—");
  const short = (id) => id.slice(0, 8);
  const active = (report) => report.status === "queued" || report.status === "running";

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  }

  function runTime(report) {
    if (!report.started_at || !report.finished_at) return active(report) ? "…" : "—";
    const seconds = (new Date(report.finished_at) - new Date(report.started_at)) / 1000;
    return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  }

  function progress(report) {
    const total = report.stores_total;
    const done = report.stores_done;
    let text;
    if (report.status === "queued") text = "Queued: waiting for a worker";
    else if (!total) text = "Running: counting stores…";
    else if (done >= total) text = `Running: ${done} of ${total} stores, finishing…`;
    else text = `Running: ${done} of ${total} stores`;
    const bar = el("div", { class: "bar", style: `width: ${total ? Math.min(100, (100 * done) / total) : 0}%` });
    const meter = el("div", {
      class: total ? "progress" : "progress indeterminate", role: "progressbar", "aria-valuemin": "0",
      "aria-valuemax": String(total || 0), "aria-valuenow": String(done), "aria-label": `Progress of report ${short(report.id)}`,
    }, bar);
    const cancel = el("button", { type: "button", class: "secondary small", text: "Cancel" });
    cancel.addEventListener("click", () => cancelReport(report.id));
    return [meter, el("span", { class: "progress-text", text }), cancel];
  }

  function outcome(report) {
    switch (report.status) {
      case "complete":
        return [
          el("a", { href: `/reports/${report.id}/view`, class: "view", text: "View figures" }), " · ",
          el("a", { href: `/get_report/${report.id}`, class: "csv", download: `report_${report.id}.csv`, text: "CSV" }),
        ];
      case "failed":
        return [el("span", { class: "error-text", text: report.error || "unknown error" })];
      case "cancelled":
        return [el("span", { class: "muted", text: "Stopped before it was complete" })];
      default:
        return progress(report);
    }
  }

  function row(report) {
    const stores = report.row_count ?? report.stores_total;
    const selected = report.parameters && report.parameters.store_ids;
    const label = report.status.charAt(0).toUpperCase() + report.status.slice(1);
    return el("tr", { "data-report-id": report.id, "data-status": report.status },
      el("td", { "data-label": "Status" }, el("span", { class: `badge status-${report.status}`, text: label })),
      el("td", { "data-label": "Report" }, el("span", { class: "mono", text: short(report.id) })),
      el("td", { "data-label": "As of", text: utc(report.as_of) }),
      el("td", { "data-label": "Stores", text: `${stores ?? "—"}${selected ? " (selected)" : ""}` }),
      el("td", { "data-label": "Triggered", text: utc(report.queued_at) }),
      el("td", { "data-label": "Run time", text: runTime(report) }),
      el("td", { "data-label": "Result", class: "result" }, ...outcome(report)));
  }

  function render(page) {
    const box = $("reports");
    if (page.items.length === 0) {
      box.replaceChildren(el("p", { class: "muted", text: "No reports yet: run one above." }));
    } else {
      const head = el("tr", {}, ...["Status", "Report", "As of", "Stores", "Triggered", "Run time", "Result"]
        .map((name) => el("th", { scope: "col", text: name })));
      box.replaceChildren(el("table", { class: "reports" }, el("thead", {}, head),
        el("tbody", {}, ...page.items.map(row))));
    }
    $("more").hidden = page.next_offset === null || limit >= 500;
    $("updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  }

  async function refresh() {
    clearTimeout(pollTimer);
    const seq = ++refreshSeq;
    let page;
    try {
      page = await request("GET", `/reports?limit=${limit}`);
    } catch (err) {
      if (seq === refreshSeq) showError("list", `Could not load the reports: ${err.message}. The list below may be out of date.`, refresh);
      return;
    }
    if (seq !== refreshSeq) return; // a newer refresh started meanwhile
    hideError("list");
    render(page);
    if (page.items.some(active)) pollTimer = setTimeout(refresh, POLL_MS);
  }

  function say(text, tone) {
    const message = $("trigger-message");
    message.textContent = text;
    message.className = `message ${tone || ""}`;
  }

  async function trigger() {
    const body = {};
    const asOf = $("as-of").value;
    if (asOf) body.as_of = `${asOf.length === 16 ? `${asOf}:00` : asOf}Z`; // datetime-local has no zone: UTC
    const ids = $("store-ids").value.split(/[\s,]+/).filter(Boolean);
    if (ids.length) body.store_ids = ids;
    const [first, last] = [$("days-from").value, $("days-to").value];
    if (first || last) {
      if (!first || !last) {
        say("Not started: give both the first and the last date, or neither.", "bad");
        return;
      }
      body.days = { from: first, to: last };
    }
    const button = $("trigger");
    button.disabled = true;
    say("Starting…");
    try {
      const answer = await request("POST", "/trigger_report", body);
      say(`Report ${short(answer.report_id)} queued.`, "good");
      await refresh();
    } catch (err) {
      if (err instanceof HttpError && err.status === 422) {
        say(`Not started: ${err.detail}`, "bad");
      } else {
        say("");
        showError("action", `Could not start the report: ${err.message}.`, trigger);
      }
    } finally {
      button.disabled = false;
    }
  }

  async function cancelReport(id) {
    try {
      await request("POST", `/reports/${id}/cancel`);
    } catch (err) {
      if (!(err instanceof HttpError && err.status === 409)) { // 409: it finished meanwhile
        showError("action", `Could not cancel report ${short(id)}: ${err.message}.`, () => cancelReport(id));
        return;
      }
    }
    await refresh();
  }

  const liveBox = $("live");
  const LIVE_MS = Number(liveBox.dataset.refreshSeconds) * 1000;
  let liveTimer = null;

  async function refreshLive() {
    clearTimeout(liveTimer);
    if (!document.hidden) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
      try {
        const response = await fetch("/live", { cache: "no-store", signal: controller.signal });
        if (response.status === 401) {
          window.location.assign(`/signin?next=${encodeURIComponent(window.location.pathname)}`);
          return;
        }
        if (!response.ok) throw new Error(`the server answered ${response.status}`);
        liveBox.innerHTML = await response.text(); // the server's rendering, escaped there
        liveBox.classList.remove("stale");
        $("live-error").hidden = true;
      } catch (err) {
        const reason = controller.signal.aborted ? `no answer within ${TIMEOUT_MS / 1000} s`
          : err instanceof TypeError ? "the server could not be reached" : err.message; // fetch's network error
        $("live-error").textContent = `Could not refresh what is down now (${reason}); trying again shortly. `
          + "What is shown may be out of date.";
        $("live-error").hidden = false;
        liveBox.classList.add("stale");
      } finally {
        clearTimeout(timer);
      }
    }
    liveTimer = setTimeout(refreshLive, LIVE_MS);
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refreshLive();
  });
  liveTimer = setTimeout(refreshLive, LIVE_MS);

  $("trigger-form").addEventListener("submit", (event) => {
    event.preventDefault();
    trigger();
  });
  $("retry").addEventListener("click", () => {
    const action = retryAction;
    hideError();
    if (action) action();
  });
  $("more").addEventListener("click", () => {
    limit = Math.min(500, limit + PAGE);
    refresh();
  });
  refresh();
})();
