// A report page's "Run it again with these days" (a report not asked for days): triggers the same report (its as-of
// time and stores) with the days through the JSON API, then opens the new report's page, which follows its progress.
"use strict";

(() => {
  const button = document.getElementById("add-days");
  const message = document.getElementById("add-days-message");
  if (!button) return;

  button.addEventListener("click", async () => {
    const body = { as_of: button.dataset.asOf, days: { from: button.dataset.from, to: button.dataset.to } };
    const ids = JSON.parse(button.dataset.storeIds);
    if (ids.length) body.store_ids = ids;
    button.disabled = true;
    message.className = "message";
    message.textContent = "Starting…";
    try {
      const response = await fetch("/trigger_report", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), cache: "no-store",
      });
      const answer = await response.json().catch(() => null);
      if (response.status === 401) {
        window.location.assign(`/signin?next=${encodeURIComponent(window.location.pathname)}`);
        return;
      }
      if (!response.ok) {
        const detail = answer && typeof answer.detail === "string" ? `: ${answer.detail}` : "";
        throw new Error(`the server answered ${response.status}${detail}`);
      }
      window.location.assign(`/reports/${answer.report_id}/view`);
    } catch (err) {
      message.className = "message bad";
      message.textContent = `Not started: ${err.message === "Failed to fetch" ? "the server could not be reached" : err.message}.`;
      button.disabled = false;
    }
  });
})();
