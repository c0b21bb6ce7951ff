// Our own browser code: typeset math with KaTeX, and enhance the answer box with MathLive.
(function () {
  "use strict";

  // Sentences in the page's language (base.html's #js-strings), English as the fallback.
  var strings = null;
  window.tutorText = function (key, fallback, values) {
    if (strings === null) {
      var el = document.getElementById("js-strings");
      try { strings = el ? JSON.parse(el.textContent) : {}; } catch (e) { strings = {}; }
    }
    var text = strings[key] || fallback;
    Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    return text;
  };
  var t = window.tutorText;

  // The one KaTeX configuration of the site. Our pages mark math with \( \) and \[ \] (a
  // dollar sign in page text stays a dollar sign); the tutor's explanations (model text) also
  // write $ ... $ and $$ ... $$. options: {dollars: true} for model text, {output: "mathml"}.
  var PAGE_DELIMITERS = [
    { left: "\\[", right: "\\]", display: true },
    { left: "\\(", right: "\\)", display: false },
    { left: "$$", right: "$$", display: true },
  ];
  var MODEL_DELIMITERS = PAGE_DELIMITERS.concat([{ left: "$", right: "$", display: false }]);
  window.tutorMath = function (el, options) {
    if (!window.renderMathInElement) return;
    var settings = {
      delimiters: options && options.dollars ? MODEL_DELIMITERS : PAGE_DELIMITERS,
      throwOnError: false,
    };
    if (options && options.output) settings.output = options.output;
    window.renderMathInElement(el, settings);
  };

  function typeset(root) {
    root.querySelectorAll("[data-math]").forEach(function (el) { window.tutorMath(el); });
  }

  // One answer box at a time. The plain-text box is the default (and works without
  // JavaScript); the math keyboard (MathLive) is the student's explicit choice, remembered in
  // this browser. In math mode the text box is hidden and carries the field's LaTeX, which
  // the checker reads; switching back puts a plain-text reading of the math in the box.
  var MODE_KEY = "tutor.answerMode";
  function enhanceAnswerBox() {
    var mf = document.getElementById("answer-math");
    var text = document.getElementById("answer-text");
    var toggle = document.querySelector(".input-switch");
    if (!mf || !text || !toggle || !window.customElements) return;
    var textWrap = text.closest(".text-answer"), mathWrap = mf.closest(".mathfield-wrap");
    function setMode(mode, focus) {
      var math = mode === "math";
      if (math) mf.setValue(text.value, { silenceNotifications: true });
      else if (mf.getValue("latex")) text.value = mf.getValue("ascii-math");
      mathWrap.hidden = !math;
      textWrap.hidden = math;
      text.required = !math;
      toggle.textContent = math ? toggle.dataset.text : toggle.dataset.math;
      toggle.setAttribute("aria-controls", math ? "answer-text" : "answer-math");
      try { window.localStorage.setItem(MODE_KEY, mode); } catch (e) { /* private mode */ }
      if (focus) (math ? mf : text).focus();
    }
    window.customElements.whenDefined("math-field").then(function () {
      toggle.hidden = false;
      // The field's LaTeX goes into the form's "answer" on every change and, to be sure,
      // just before the form is sent (a capturing listener runs before htmx's).
      function sync() { if (!mathWrap.hidden) text.value = mf.getValue("latex"); }
      mf.addEventListener("input", sync);
      mf.addEventListener("change", sync);
      document.addEventListener("submit", function (ev) { if (ev.target === text.form) sync(); }, true);
      mf.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); sync(); text.form.requestSubmit(); }
      });
      toggle.addEventListener("click", function () { setMode(mathWrap.hidden ? "math" : "text", true); });
      var saved = null;
      try { saved = window.localStorage.getItem(MODE_KEY); } catch (e) { /* private mode */ }
      if (saved === "math") setMode("math", false);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    typeset(document);
    enhanceAnswerBox();
  });
  document.addEventListener("htmx:afterSwap", function (ev) {
    typeset(ev.detail.target);
    // A new hint takes the focus, so a screen reader reads that hint (not every hint again)
    // and the keyboard continues from it.
    if (ev.detail.target.id === "hints") {
      var items = ev.detail.target.querySelectorAll(".hint-item");
      if (items.length) items[items.length - 1].focus();
    }
  });
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
      region.innerHTML = '<div class="verdict verdict-invalid"><p></p></div>';
      region.querySelector("p").textContent = t("busy_resending", "The tutor is very busy. Your answer is kept and is being sent again…");
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
    if (region) {
      region.innerHTML = '<div class="verdict verdict-invalid" role="alert"><p></p></div>';
      region.querySelector("p").textContent = t("server_error", "The server could not check your answer right now (error {status}). Your answer is still in the box: try again in a moment.", { status: ev.detail.xhr.status });
    }
  });
  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("verdict");
    if (region) {
      region.innerHTML = '<div class="verdict verdict-invalid" role="alert"><p></p></div>';
      region.querySelector("p").textContent = t("unreachable", "We could not reach the server. Check your connection; your answer is still in the box.");
    }
  });
})();
