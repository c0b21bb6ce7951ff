// Streaming explanations: htmx's ws extension swaps the server's fragments into hidden "raw"
// spans; this script resumes from the last stream id after a reconnect and renders the raw text
// into the visible view, typesetting each math segment with KaTeX once it is complete.
(function () {
  "use strict";

  function generationOf(el) { return el && el.closest ? el.closest("[data-generation]") : null; }

  // On every (re)connect, tell the server the last stream id we have so nothing repeats.
  document.addEventListener("htmx:wsOpen", function (ev) {
    var section = generationOf(ev.target);
    if (!section) return;
    var last = document.getElementById("gen-" + section.dataset.generation + "-last");
    ev.detail.socketWrapper.send(JSON.stringify({ action: "resume", last: last ? last.dataset.sid : "0-0" }));
  });

  // Closed by the per-user socket cap (4429): say why instead of waiting for ever.
  document.addEventListener("htmx:wsClose", function (ev) {
    var e = ev.detail && ev.detail.event, section = generationOf(ev.target);
    if (!e || e.code !== 4429 || !section) return;
    var status = document.getElementById("gen-" + section.dataset.generation + "-status");
    if (status) { status.textContent = e.reason || window.tutorText("too_many_sockets", "Too many open connections: close other tabs and reload."); status.dataset.state = "refused"; }
  });

  document.addEventListener("htmx:wsAfterMessage", function (ev) {
    var section = generationOf(ev.target);
    if (section) render(section);
  });

  // The longest prefix of `text` whose math delimiters are all closed.
  function completePrefix(text) {
    var re = /\$\$|\\\[|\\\]|\\\(|\\\)|\$/g, open = null, safe = 0, m;
    var closes = { "$$": "$$", "\\[": "\\]", "\\(": "\\)", "$": "$" };
    while ((m = re.exec(text)) !== null) {
      var tok = m[0];
      if (open === null) {
        if (tok in closes) { safe = m.index; open = tok; }
      } else if (tok === closes[open]) {
        open = null; safe = m.index + tok.length;
      }
    }
    return open === null ? text.length : safe;
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }

  function renderPart(id, part) {
    var raw = document.getElementById("gen-" + id + "-" + part + "-raw");
    var view = document.getElementById("gen-" + id + "-" + part + "-view");
    if (!raw || !view) return;
    var text = raw.textContent;
    if (view.dataset.rendered === String(text.length)) return;
    view.dataset.rendered = String(text.length);
    var cut = completePrefix(text);
    var done = document.createElement("div");
    done.className = "gen-done";
    done.innerHTML = escapeHtml(text.slice(0, cut)).replace(/\n/g, "<br>");
    if (window.tutorMath) window.tutorMath(done, { dollars: true });
    var pending = document.createElement("span");
    pending.className = "gen-pending";
    pending.textContent = text.slice(cut);
    view.replaceChildren(done, pending);
    if (part === "think" && text.trim()) {
      document.getElementById("gen-" + id + "-think-box").hidden = false;
    }
  }

  // Screen readers hear the explanation at a sensible pace: whole lines only, at most one
  // announcement every few seconds (what arrived meanwhile is read together), math spoken
  // from KaTeX's MathML. The visible view is not a live region (it changes every 40 ms).
  var ANNOUNCE_EVERY_MS = 4000;
  function announce(section, finished) {
    var id = section.dataset.generation;
    var raw = document.getElementById("gen-" + id + "-answer-raw");
    var region = document.getElementById("gen-" + id + "-announce");
    if (!raw || !region) return;
    var text = raw.textContent, from = Number(section.dataset.announced || 0);
    var upTo = finished ? text.length : text.lastIndexOf("\n") + 1;
    upTo = from + completePrefix(text.slice(from, upTo));
    if (upTo <= from) return;
    var wait = Number(section.dataset.announcedAt || 0) + ANNOUNCE_EVERY_MS - Date.now();
    if (wait > 0 && !finished) {
      if (!section.dataset.announceTimer) {
        section.dataset.announceTimer = String(setTimeout(function () {
          delete section.dataset.announceTimer;
          announce(section, false);
        }, wait));
      }
      return;
    }
    section.dataset.announced = String(upTo);
    section.dataset.announcedAt = String(Date.now());
    var chunk = document.createElement("div");
    chunk.innerHTML = escapeHtml(text.slice(from, upTo)).replace(/\n/g, "<br>");
    if (window.tutorMath) window.tutorMath(chunk, { dollars: true, output: "mathml" });
    region.replaceChildren(chunk);
  }

  function render(section) {
    var id = section.dataset.generation;
    renderPart(id, "think");
    renderPart(id, "answer");
    var status = document.getElementById("gen-" + id + "-status");
    var active = status && ["queued", "running", ""].indexOf(status.dataset.state) >= 0;
    // Busy on the visible view only: an aria-busy ancestor would silence the announcements.
    var view = document.getElementById("gen-" + id + "-answer-view");
    if (view) view.setAttribute("aria-busy", active ? "true" : "false");
    announce(section, !active);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-generation]").forEach(render);
  });
})();
