"""Plain-text rendering of a load report (the command and the benchmark print it)."""

from __future__ import annotations

from curriculum.services import LoadReport


def format_report(report: LoadReport, *, max_issues: int = 50) -> str:
    lines = [
        f"{'DRY RUN' if report.dry_run else 'IMPORT'} of {report.source} ({report.source_format})",
    ]
    if report.counts:
        lines.append("  package: " + ", ".join(f"{v} {k}" for k, v in report.counts.items()))
    for key, value in report.mapping.items():
        lines.append(f"  {key}: {value}")
    for change in report.changes:
        state = "new course" if change["new_course"] else "loaded course"
        if change["unchanged_package"]:
            state += ", same content as the loaded version"
        parts = []
        for kind, c in change["counts"].items():
            done = ", ".join(f"{n} {a}" for a, n in c.items() if n)
            if done:
                parts.append(f"{kind}s: {done}")
        lines.append(f"  {change['course']} ({state}): " + ("; ".join(parts) or "no changes"))
    for level, issues in (("errors", report.errors), ("warnings", report.warnings)):
        if issues:
            lines.append(f"  {len(issues)} {level}:")
            lines.extend(f"    {issue}" for issue in issues[:max_issues])
            if len(issues) > max_issues:
                lines.append(f"    ... and {len(issues) - max_issues} more")
    if report.timings:
        lines.append("  time: " + ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items()))
    verdict = (
        "imported" if report.imported else ("valid" if report.ok else "REJECTED, nothing written")
    )
    lines.append(f"  result: {verdict}")
    return "\n".join(lines)
