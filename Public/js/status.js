// Keeps mirror statuses current while a run is in progress: polls the JSON API for rows marked
// data-active="true" and updates their cells; reloads once a run ends so counts and actions are fresh.
(function () {
  "use strict";
  var rows = document.querySelectorAll("[data-mirror-id]");
  if (!rows.length) return;
  var titles = { queued: "Queued", running: "Running", stopping: "Stopping", stopped: "Stopped",
                 completed: "Completed", failed: "Failed", interrupted: "Interrupted", "new": "Never run" };
  var active = { queued: true, running: true, stopping: true };

  function set(row, selector, text) {
    var el = row.querySelector(selector);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function poll() {
    var pending = Array.prototype.filter.call(rows, function (row) { return row.dataset.active === "true"; });
    if (!pending.length) return;
    Promise.all(pending.map(function (row) {
      return fetch("/api/v1/mirrors/" + encodeURIComponent(row.dataset.mirrorId), {
        headers: { "Accept": "application/json" }, credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (m) {
        if (!m) return false;
        var badge = row.querySelector(".mirror-status");
        if (badge) { badge.className = badge.className.replace(/status-\S+/, "status-" + m.status); }
        set(row, ".mirror-status", titles[m.status] || m.status);
        set(row, ".mirror-step", m.step || "");
        set(row, ".mirror-description", m.description || "");
        return !active[m.status];
      }).catch(function () { return false; });
    })).then(function (ended) {
      if (ended.some(Boolean)) { window.location.reload(); return; }
      window.setTimeout(poll, 1000);
    });
  }
  window.setTimeout(poll, 1000);
})();
