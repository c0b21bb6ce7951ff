// The work area's math keyboard: a MathLive field for the next line of working. "Add this
// line" (or Enter) appends its LaTeX to the working, one step per line, and the typeset
// read-back follows as if it had been typed. Without JavaScript the text area alone works.
(function () {
  "use strict";

  function setUp() {
    var mf = document.getElementById("working-math");
    var area = document.getElementById("working-text");
    var box = document.querySelector(".work-keyboard");
    var add = document.getElementById("working-add-line");
    if (!mf || !area || !box || !add || !window.customElements) return;
    window.customElements.whenDefined("math-field").then(function () {
      box.hidden = false;
      function addLine() {
        var latex = mf.getValue("latex").trim();
        if (!latex) return;
        var text = area.value.replace(/\s+$/, "");
        area.value = (text ? text + "\n" : "") + latex;
        mf.setValue("");
        area.dispatchEvent(new Event("input", { bubbles: true }));  // the read-back
        mf.focus();
      }
      add.addEventListener("click", addLine);
      mf.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); addLine(); }
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
