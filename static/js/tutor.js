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
  // A failed request must not lose what was typed: say so and keep the form as it is.
  document.addEventListener("htmx:responseError", function (ev) {
    var region = document.getElementById("verdict");
    if (region) region.innerHTML = '<div class="verdict verdict-invalid" role="alert"><p>The server could not check your answer right now (error ' + ev.detail.xhr.status + '). Your answer is still in the box: try again in a moment.</p></div>';
  });
  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("verdict");
    if (region) region.innerHTML = '<div class="verdict verdict-invalid" role="alert"><p>We could not reach the server. Check your connection; your answer is still in the box.</p></div>';
  });
})();
