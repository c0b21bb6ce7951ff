"""`manage.py export_curriculum SLUG [--output PATH]`: a loaded course back to our format."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from curriculum.exporter import export_bytes
from curriculum.models import Course


class Command(BaseCommand):
    help = "Export a loaded course as a package (YAML, or a zip when it has figures)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--output", "-o", help="file to write (default: print YAML to stdout)")

    def handle(self, *args, slug: str, output: str | None, **options) -> None:
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            raise CommandError(f"no course {slug!r}")
        filename, content, _ = export_bytes(course)
        if output is None:
            if filename.endswith(".zip"):
                raise CommandError("this course has figures: give --output PATH.zip")
            self.stdout.write(content.decode())
            return
        Path(output).write_bytes(content)
        self.stdout.write(f"wrote {output} ({len(content):,} bytes)")
