"""`manage.py load_curriculum PATH [--format native|oatutor] [--dry-run]`."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from curriculum.reporting import format_report
from curriculum.services import load_curriculum


class Command(BaseCommand):
    help = (
        "Validate a curriculum package (our YAML/JSON format: a file, folder or zip; or an "
        "OATutor content pool) and import it atomically. Nothing is written if any error is found."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--format", choices=["native", "oatutor"], default="native")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report; write nothing"
        )
        parser.add_argument("--user", help="username recorded on the version (default: none)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--max-issues", type=int, default=50, help="issues listed per level")

    def handle(
        self, *args, path: str, format: str, dry_run: bool, user: str | None, **options
    ) -> None:
        who = None
        if user:
            who = get_user_model().objects.filter(username=user).first()
            if who is None:
                raise CommandError(f"no user {user!r}")

        def progress(done: int, total: int, stage: str) -> None:
            if options["verbosity"] > 1:
                self.stderr.write(f"  {done}/{total} {stage}")

        report = load_curriculum(path, fmt=format, dry_run=dry_run, user=who, progress=progress)
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(format_report(report, max_issues=options["max_issues"]))
        if not report.ok:
            raise CommandError(f"{len(report.errors)} error(s); nothing was written")
