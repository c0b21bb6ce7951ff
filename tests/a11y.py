"""The accessibility audit of the browser tests: axe-core (from npm, copied into
static/vendor/ by the build) run inside the page as the user sees it.

`audit(page, name)` injects axe from the site's own static files (allowed by the CSP), runs
the WCAG 2.0/2.1/2.2 A and AA rules plus axe's best practices, writes what it found to
`var/a11y/<name>.json` (git-ignored, for people to read) and returns the violations.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

RESULTS = Path(__file__).resolve().parents[1] / "var" / "a11y"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")

_RUN = """async (tags) => {
  const result = await window.axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary,
                              html: n.html.slice(0, 300)})),
  }));
}"""


def _inject(page) -> None:
    if not page.evaluate("() => !!window.axe"):
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        page.add_script_tag(url=f"{origin}/static/vendor/axe-core/axe.min.js")
        page.wait_for_function("() => !!window.axe")


def audit(page, name: str) -> list[dict]:
    """Run axe on the page as it is now; record and return its violations."""
    _inject(page)
    violations = page.evaluate(_RUN, TAGS)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(
        json.dumps({"page": name, "url": page.url, "violations": violations}, indent=1)
    )
    return violations


def blocking(violations: list[dict]) -> list[str]:
    """The serious and critical ones, one line each (rule, impact, first element)."""
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} — {v['nodes'][0]['target']}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


_PROBE = """async (tags) => {
  const probe = document.createElement("div");
  probe.id = "axe-probe";
  probe.innerHTML = '<img src="data:,"><button></button>' +
    '<p style="color:#bbb;background:#fff">faint text</p>';
  document.body.appendChild(probe);
  try {
    const r = await window.axe.run("#axe-probe", {runOnly: {type: "tag", values: tags}});
    return r.violations.map(v => v.id).sort();
  } finally { probe.remove(); }
}"""


def probe(page) -> list[str]:
    """The audit finds what it must: an image without alt text, a nameless button and
    faint text planted in the page (then removed). Guards against an audit that passes
    because it checks nothing."""
    _inject(page)
    return page.evaluate(_PROBE, TAGS)


class Audits:
    """Audits of one walkthrough: every page is audited and recorded before the test fails,
    so one run lists every page's problems. The first audit proves the audit can fail."""

    def __init__(self, page) -> None:
        self.page = page
        self.found: dict[str, list[str]] = {}

    def __call__(self, name: str) -> None:
        if not self.found:
            found = probe(self.page)
            assert {"image-alt", "button-name", "color-contrast"} <= set(found), found
        self.found[name] = blocking(audit(self.page, name))

    def assert_clean(self) -> None:
        bad = {name: lines for name, lines in self.found.items() if lines}
        assert not bad, "serious/critical axe violations:\n" + "\n".join(
            f"  {name}: {line}" for name, lines in bad.items() for line in lines
        )
