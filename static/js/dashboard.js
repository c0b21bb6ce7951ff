// Teacher dashboards: say whether live updates are connected (in words, for screen readers
// too), keep the activity feed short, mark fresh lines, and confirm destructive roster forms.
(function () {
  "use strict";
  var MAX_ACTIVITY = 15;

  function setStatus(state, text) {
    var el = document.getElementById("live-status");
    if (!el || el.dataset.state === state) return;
    el.dataset.state = state;
    el.textContent = text;
  }

  // Events sent while the socket was down are not replayed (a channel group has no history),
  // so after a reconnect the parts that change are fetched again and swapped in place.
  var PARTS = ["needs-help", "grid-body", "skills-body", "activity"];
  var wasClosed = false;

  function resync() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        PARTS.forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) old.replaceWith(document.importNode(fresh, true));
        });
      })
      .catch(function () { /* the next event or a reload will catch up */ });
  }

  document.addEventListener("htmx:wsOpen", function () {
    setStatus("open", window.tutorText("live_on", "Live updates: on. The grid changes as students answer."));
    if (wasClosed) { wasClosed = false; resync(); }
  });
  document.addEventListener("htmx:wsClose", function () {
    wasClosed = true;
    setStatus("closed", window.tutorText("live_off", "Live updates: disconnected, reconnecting… Reload the page if this stays."));
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    var list = document.getElementById("activity");
    if (!list) return;
    var empty = document.getElementById("activity-empty");
    if (empty && list.children.length) empty.remove();
    var first = list.firstElementChild;
    if (first && !first.dataset.seen) { first.dataset.seen = "1"; first.classList.add("fresh"); }
    while (list.children.length > MAX_ACTIVITY) list.lastElementChild.remove();
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      ev.preventDefault();
    }
  });
})();
