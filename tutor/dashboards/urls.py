from django.urls import path

from tutor.dashboards import views

urlpatterns = [
    path("", views.teach, name="teach"),
    path("classes/new/", views.classroom_create, name="classroom_create"),
    path("classes/<int:classroom_id>/", views.classroom_detail, name="classroom"),
]
