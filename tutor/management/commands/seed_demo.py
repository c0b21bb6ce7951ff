from django.core.management.base import BaseCommand

from tutor.demo import DEMO_JOIN_CODE, seed_demo
from tutor.models import Classroom


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo course, users, class and classmates' practice. Safe to run"
        " again: existing users keep their passwords."
    )

    def handle(self, *args, **options) -> None:
        logins = seed_demo(classmates=True)
        self.stdout.write(self.style.SUCCESS("Demo course, users and class are ready."))
        for login in logins:
            self.stdout.write(
                f"  {login.role:8} username: {login.username:14} password: {login.password}"
            )
        classroom = Classroom.objects.select_related("course").get(join_code=DEMO_JOIN_CODE)
        self.stdout.write(
            f"  demo class “{classroom.name}” (join code {DEMO_JOIN_CODE}) practises "
            f"“{classroom.course.title}”, with {classroom.enrollments.count()} students"
        )
