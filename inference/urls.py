from django.urls import path

from inference import views

urlpatterns = [
    path("problems/<int:problem_id>/explain/", views.explain, name="explain"),
    path("generations/<int:generation_id>/", views.generation_detail, name="generation"),
    path("generations/<int:generation_id>/stop/", views.stop, name="generation_stop"),
]
