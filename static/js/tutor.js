// Our own browser code: typeset math with KaTeX, and enhance the answer box with MathLive.
(function () {
  "use strict";

  function typeset(root) {
    if (!window.renderMathInElement) return;
    root.querySelectorAll("[data-math]").forEach(function (el) {
      window.renderMathInElement(el, {
        delimiters: [
          { left: "\\[", right: "\\]", display: true },
          { left: "\\(", right: "\\)", display: false },
          { left: "$$", right: "$$", display: true },
        ],
        throwOnError: false,
      });
    });
  }

  // The plain-text box stays the source of truth (and works without JavaScript);
  // when MathLive loads, its math keyboard fills that box with LaTeX as the student types.
  function enhanceAnswerBox() {
    var mf = document.getElementById("answer-math");
    var text = document.getElementById("answer-text");
    if (!mf || !text || !window.customElements) return;
    window.customElements.whenDefined("math-field").then(function () {
      mf.closest(".mathfield-wrap").hidden = false;
      document.querySelectorAll(".mathfield-note").forEach(function (n) { n.hidden = false; });
      mf.addEventListener("input", function () { text.value = mf.getValue("latex"); });
      text.addEventListener("input", function () { if (document.activeElement === text) mf.setValue(text.value, { silenceNotifications: true }); });
      mf.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); text.form.requestSubmit(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    typeset(document);
    enhanceAnswerBox();
  });
  document.addEventListener("htmx:afterSwap", function (ev) { typeset(ev.detail.target); });
  // Overloaded (503 with Retry-After): nothing was stored, so send the same request again
  // after the pause, a few times, with the typed answer untouched in the box.
  var RETRIES = 5;
  function retryLater(ev) {
    var xhr = ev.detail.xhr, elt = ev.detail.elt;
    if (!xhr || xhr.status !== 503 || !elt) return false;
    var tries = Number(elt.dataset.retries || 0);
    if (tries >= RETRIES) { delete elt.dataset.retries; return false; }
    elt.dataset.retries = String(tries + 1);
    var wait = (Number(xhr.getResponseHeader("Retry-After")) || 2) * 1000 * (1 + Math.random() * 0.5);
    var region = document.getElementById("verdict");
    if (region && elt.closest("form") && elt.closest("form").querySelector("#answer-text")) {
      region.innerHTML = '<div class="verdict verdict-invalid" role="status"><p>The tutor is very busy. Your answer is kept and is being sent again…</p></div>';
    }
    setTimeout(function () { htmx.trigger(elt, ev.detail.requestConfig.triggeringEvent ? ev.detail.requestConfig.triggeringEvent.type : "submit"); }, wait);
    return true;
  }
  document.addEventListener("htmx:afterRequest", function (ev) {
    if (ev.detail.successful && ev.detail.elt) delete ev.detail.elt.dataset.retries;
  });
  // A socket closed with 4013 ("busy, try again later") reconnects after a pause with jitter.
  document.addEventListener("htmx:wsClose", function (ev) {
    var e = ev.detail && ev.detail.event, ws = ev.detail && ev.detail.socketWrapper;
    if (e && e.code === 4013 && ws && ws.reconnect) setTimeout(ws.reconnect, 1000 + Math.random() * 2000);
  });
  // A failed request must not lose what was typed: say so and keep the form as it is.
  document.addEventListener("htmx:responseError", function (ev) {
    if (retryLater(ev)) return;
    var region = document.getElementById("verdict");
    if (region) region.innerHTML = '<div class="verdict verdict-invalid" role="alert"><p>The server could not check your answer right now (error ' + ev.detail.xhr.status + '). Your answer is still in the box: try again in a moment.</p></div>';
  });
  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("verdict");
    if (region) region.innerHTML = '<div class="verdict verdict-invalid" role="alert"><p>We could not reach the server. Check your connection; your answer is still in the box.</p></div>';
  });
})();
