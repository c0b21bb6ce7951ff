"""The Django project and the learner side of the tutor."""

from tutor.celery import app as celery_app

__all__ = ["celery_app"]
