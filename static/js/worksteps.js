// "Explain this step": the tutor's own lines, each checked against the line before, arrive
// with the end of the stream (an out-of-band swap into #gen-<id>-steps). Typeset their math
// with KaTeX, as the verdict's working is.
(function () {
  "use strict";
  if (window.tutorWorkSteps) return;
  window.tutorWorkSteps = true;

  function typeset() {
    if (!window.tutorMath || !window.renderMathInElement) return;
    document.querySelectorAll(".gen-steps [data-math]:not([data-typeset])").forEach(function (el) {
      el.setAttribute("data-typeset", "1");
      window.tutorMath(el);
    });
  }

  document.addEventListener("htmx:wsAfterMessage", typeset);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", typeset);
  else typeset();
})();
