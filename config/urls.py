from django.contrib import admin
from django.urls import include, path

from tutor import views
from tutor.forms import ThrottledAdminAuthenticationForm

# The admin's log-in is limited like the site's.
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/language/", views.choose_language, name="choose_language"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("curriculum/", include("curriculum.urls")),
    path("", include("inference.urls")),
    path("courses/", views.course_list, name="courses"),
    path("courses/<slug:slug>/", views.course_detail, name="course"),
    path("courses/<slug:slug>/next/", views.course_next, name="course_next"),
    path("skills/<int:skill_id>/practise/", views.practise_skill, name="practise_skill"),
    path("problems/<int:problem_id>/", views.problem_detail, name="problem"),
    path("problems/<int:problem_id>/answer/", views.submit_answer, name="submit_answer"),
    path(
        "problems/<int:problem_id>/working/preview/",
        views.working_preview,
        name="working_preview",
    ),
    path("problems/<int:problem_id>/hint/", views.reveal_hint, name="reveal_hint"),
    path(
        "problems/<int:problem_id>/hints/<int:hint_id>/check/",
        views.check_scaffold,
        name="check_scaffold",
    ),
    path("classes/join/", views.join_class, name="join_class"),
    path("me/attempts/", views.my_attempts, name="my_attempts"),
    path("students/<int:user_id>/attempts/", views.student_attempts, name="student_attempts"),
    path("teach/", include("tutor.dashboards.urls")),
]

handler500 = "tutor.views.server_error"
