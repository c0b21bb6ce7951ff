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
    if (status) { status.textContent = e.reason || "Too many open connections: close other tabs and reload."; status.dataset.state = "refused"; }
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
    if (window.renderMathInElement) {
      window.renderMathInElement(done, {
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "\\[", right: "\\]", display: true },
          { left: "\\(", right: "\\)", display: false },
          { left: "$", right: "$", display: false },
        ],
        throwOnError: false,
      });
    }
    var pending = document.createElement("span");
    pending.className = "gen-pending";
    pending.textContent = text.slice(cut);
    view.replaceChildren(done, pending);
    if (part === "think" && text.trim()) {
      document.getElementById("gen-" + id + "-think-box").hidden = false;
    }
  }

  function render(section) {
    var id = section.dataset.generation;
    renderPart(id, "think");
    renderPart(id, "answer");
    var status = document.getElementById("gen-" + id + "-status");
    var active = status && ["queued", "running", ""].indexOf(status.dataset.state) >= 0;
    section.setAttribute("aria-busy", active ? "true" : "false");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-generation]").forEach(render);
  });
})();
