from django.apps import AppConfig


class TutorConfig(AppConfig):
    name = "tutor"
    verbose_name = "Tutor"

    def ready(self) -> None:
        # Make the project's Celery app current so @shared_task binds to it in web processes.
        from tutor.celery import app  # noqa: F401
        from tutor.db_fork import install

        install()
        # The teachers' live dashboards follow learners' attempts (tutor.signals).
        import tutor.dashboards.events  # noqa: F401
