"""Curriculum pages, mounted at /curriculum/."""

from django.urls import path

from curriculum import views

app_name = "curriculum"
urlpatterns = [
    path("", views.manage, name="manage"),
    path("imports/<int:job_id>/", views.job_detail, name="job"),
    path("imports/<int:job_id>/confirm/", views.job_confirm, name="job_confirm"),
    path("imports/<int:job_id>/progress/", views.job_progress, name="job_progress"),
    path("courses/<slug:slug>/export/", views.export, name="export"),
    path("figures/<slug:slug>/<path:path>", views.figure, name="figure"),
]
