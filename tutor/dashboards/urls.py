from django.urls import path

from tutor.dashboards import views

urlpatterns = [
    path("", views.teach, name="teach"),
    path("classes/new/", views.classroom_create, name="classroom_create"),
    path("classes/<int:classroom_id>/", views.classroom_detail, name="classroom"),
    path("classes/<int:classroom_id>/roster/", views.roster, name="classroom_roster"),
    path(
        "classes/<int:classroom_id>/roster/<int:student_id>/remove/",
        views.roster_remove,
        name="classroom_roster_remove",
    ),
    path(
        "classes/<int:classroom_id>/roster/code/", views.roster_new_code, name="classroom_new_code"
    ),
    path(
        "classes/<int:classroom_id>/assignments/new/",
        views.assignment_create,
        name="assignment_create",
    ),
    path(
        "classes/<int:classroom_id>/assignments/<int:assignment_id>/edit/",
        views.assignment_edit,
        name="assignment_edit",
    ),
    path(
        "classes/<int:classroom_id>/assignments/<int:assignment_id>/delete/",
        views.assignment_delete,
        name="assignment_delete",
    ),
    path(
        "classes/<int:classroom_id>/students/<int:student_id>/",
        views.student_detail,
        name="classroom_student",
    ),
    path(
        "classes/<int:classroom_id>/export/attempts.csv",
        views.export_attempts,
        name="classroom_export_attempts",
    ),
    path(
        "classes/<int:classroom_id>/export/mastery.csv",
        views.export_mastery,
        name="classroom_export_mastery",
    ),
]
