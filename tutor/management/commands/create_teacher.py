import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from tutor import services
from tutor.models import User


class Command(BaseCommand):
    help = "Create a teacher account, or give the teacher role to an existing user."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password", help="Password for a new account (asked for when omitted)."
        )

    def handle(self, *args, username: str, email: str, password: str | None, **options) -> None:
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            services.make_teacher(user=existing)
            self.stdout.write(self.style.SUCCESS(f"{username} is now a teacher."))
            return
        if password is None:
            password = getpass.getpass(f"Password for {username}: ")
        if not password:
            raise CommandError("A new teacher needs a password (--password or at the prompt).")
        try:
            services.create_teacher(username=username, email=email, password=password)
        except IntegrityError as exc:
            raise CommandError(f"Could not create {username}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Created teacher {username}."))
