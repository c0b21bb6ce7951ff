from django.apps import AppConfig


class TutorConfig(AppConfig):
    name = "tutor"
    verbose_name = "Tutor"

    def ready(self) -> None:
        # The teachers' live dashboards follow learners' attempts (tutor.signals).
        import tutor.dashboards.events  # noqa: F401
