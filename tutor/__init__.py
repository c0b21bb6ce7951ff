"""The learner side of the tutor: classes, enrolments, attempts, learner state, practice views,
websocket consumers, the teacher dashboards and the adaptive engine (`tutor.adaptive`, pure).

The project's configuration (settings, urls, asgi, the Celery app, launchers) is the `config`
package beside this one; importing a pure core such as `tutor.adaptive` pulls in no Celery.
"""
