"""The Django project and the learner side of the tutor.

The Celery app lives in `tutor.celery` (`celery -A tutor` finds it there) and is loaded by
`TutorConfig.ready()`, so importing a pure core such as `tutor.adaptive` pulls in no Celery.
"""
