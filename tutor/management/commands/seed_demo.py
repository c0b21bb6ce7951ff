from django.core.management.base import BaseCommand

from tutor.demo import DEMO_JOIN_CODE, seed_demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo course, demo users and demo class. Safe to run again."

    def handle(self, *args, **options) -> None:
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo course, users and class are ready."))
        for login in logins:
            self.stdout.write(
                f"  {login.role:8} username: {login.username:14} password: {login.password}"
            )
        self.stdout.write(f"  demo class join code: {DEMO_JOIN_CODE}")
