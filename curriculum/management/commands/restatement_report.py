"""`manage.py restatement_report [--demo PATH] [--oatutor PATH] [--limit N] [--json]`."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from curriculum.oatutor import read_pool
from curriculum.package import read_package
from curriculum.restatements import format_restatement_report, restatement_report

DEFAULT_OATUTOR = Path(settings.BASE_DIR).parent / "shared" / "data" / "oatutor"


class Command(BaseCommand):
    help = (
        "Submit every math span of every problem statement as its answer, over the demo "
        "curriculum and the OATutor pool (when present), and report what the checker "
        "accepts: 0 apart from items whose key is in the statement. Writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", default=str(Path(settings.BASE_DIR) / "curriculum/demo"))
        parser.add_argument(
            "--oatutor", default=str(DEFAULT_OATUTOR), help="OATutor content pool folder"
        )
        parser.add_argument("--limit", type=int, help="OATutor: only the first N problems")
        parser.add_argument("--no-bare", action="store_true", help="skip the bare-spec pass")
        parser.add_argument("--listed", type=int, default=20)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o) -> None:
        reports = []
        if o["demo"]:
            reports.append(
                restatement_report("demo", [read_package(o["demo"])], compare_bare=not o["no_bare"])
            )
        pool = Path(o["oatutor"]) if o["oatutor"] else None
        if pool and (pool / "coursePlans.json").exists():
            packages, _ = read_pool(pool, limit=o["limit"])
            reports.append(
                restatement_report(
                    "oatutor", packages, compare_bare=not o["no_bare"], source_format="oatutor"
                )
            )
        elif pool:
            self.stderr.write(f"OATutor pool not found at {pool} (skipped; see ../shared/data)")
        if o["json"]:
            self.stdout.write(json.dumps([r.to_dict() for r in reports], indent=2))
        else:
            for r in reports:
                self.stdout.write(format_restatement_report(r, listed=o["listed"]))
        if any(r.accepted for r in reports):
            raise CommandError("some statements are accepted as their own answer")
