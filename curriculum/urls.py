"""Curriculum pages (admin upload, export). The curriculum issue fills these in."""

app_name = "curriculum"
urlpatterns: list = []
