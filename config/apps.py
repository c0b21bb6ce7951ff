from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project's own start-up: no models, only what every process needs before the apps."""

    name = "config"
    verbose_name = "Project configuration"

    def ready(self) -> None:
        # Make the project's Celery app current so @shared_task binds to it in web processes.
        from config.celery import app  # noqa: F401
        from config.db_fork import install

        install()
