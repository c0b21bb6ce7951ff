"""The admin upload page: size limit, dry-run report, confirm, import by a real Celery worker."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from curriculum import package, services
from curriculum.models import Course, CurriculumVersion, ImportJob
from tests.curriculum.conftest import MINI, package_dir, snapshot


def mini_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(MINI.rglob("*")):
            if path.is_file():
                archive.write(path, f"mini/{path.relative_to(MINI).as_posix()}")
    return buffer.getvalue()


def upload(client, name: str, content: bytes, source_format: str = "native"):
    return client.post(
        "/curriculum/",
        {"package": SimpleUploadedFile(name, content), "source_format": source_format},
    )


def checked(job: ImportJob) -> ImportJob:
    """Run the dry-run task's body here (the worker tests below run it through Celery)."""
    assert job.status == ImportJob.Status.CHECKING
    return services.run_check_job(job_id=job.pk)


@pytest.mark.django_db
def test_only_staff_may_load_curricula(client, student):
    assert client.get("/curriculum/").status_code == 302  # to the log-in page
    client.force_login(student)
    assert client.get("/curriculum/").status_code == 403
    assert upload(client, "course.yaml", b"x").status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_upload_shows_the_dry_run_report_and_writes_nothing(client, admin_user_demo):
    client.force_login(admin_user_demo)
    before = snapshot()
    response = upload(client, "mini.zip", mini_zip())
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/curriculum/imports/{job.pk}/"
    assert "Checking the package" in client.get(response.url).content.decode()
    job = checked(job)
    assert job.status == ImportJob.Status.VALIDATED
    page = client.get(response.url).content.decode()
    assert "Dry run passed" in page and "Confirm import" in page
    assert "24 problems" in page and "mini-algebra — new course" in page
    assert snapshot() == before


@pytest.mark.django_db
def test_invalid_upload_lists_errors_and_cannot_be_confirmed(client, admin_user_demo):
    client.force_login(admin_user_demo)
    text = (
        (MINI / "course.yaml")
        .read_text()
        .replace("prerequisites: [adding]", "prerequisites: [linear]")
    )
    response = upload(client, "course.yaml", text.encode())
    job = checked(ImportJob.objects.get())
    assert job.status == ImportJob.Status.INVALID
    page = client.get(response.url).content.decode()
    assert "cannot be imported" in page
    assert "cyclic prerequisites: multiplying → linear → multiplying" in page
    assert "course.yaml:" in page  # file and line
    client.post(f"/curriculum/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID
    assert not Course.objects.filter(slug="mini-algebra").exists()


@pytest.mark.django_db
def test_an_unreadable_package_reports_no_zero_counts(client, admin_user_demo):
    """Nothing could be read: the report says it cannot be imported and lists the error,
    never "Package: 0 courses, 0 units"."""
    client.force_login(admin_user_demo)
    response = upload(client, "course.yaml", b"course: [unclosed\n  - : :\n")
    job = checked(ImportJob.objects.get())
    assert job.status == ImportJob.Status.INVALID
    page = client.get(response.url).content.decode()
    assert "cannot be imported" in page
    assert "0 courses" not in page and "Package:" not in page
    # A readable package that is rejected still says what it holds.
    text = (
        (MINI / "course.yaml").read_text().replace("prerequisites: [adding]", "prerequisites: [x]")
    )
    response = upload(client, "course.yaml", text.encode())
    checked(ImportJob.objects.latest("pk"))
    page = client.get(response.url).content.decode()
    assert "cannot be imported" in page and "Package:" in page


@pytest.mark.django_db
def test_oversized_upload_is_refused_before_storing(client, admin_user_demo):
    client.force_login(admin_user_demo)
    response = upload(client, "big.zip", b"0" * (package.MAX_PACKAGE_BYTES + 1))
    assert response.status_code == 400
    assert "the limit is 20,971,520 bytes" in response.content.decode()
    assert not ImportJob.objects.exists()


def wait_until_settled(client, job: ImportJob, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if not job.busy:
            return
        fragment = client.get(f"/curriculum/imports/{job.pk}/progress/").content.decode()
        assert 'id="job-state"' in fragment
        # A busy job's fragment polls itself; the worker may settle it between the two reads.
        job.refresh_from_db()
        if job.busy:
            assert "hx-trigger" in fragment
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_confirm_imports_with_a_worker_and_reports_progress(
    client, admin_user_demo, celery_worker_session
):
    client.force_login(admin_user_demo)
    job_url = upload(client, "mini.zip", mini_zip()).url
    job = ImportJob.objects.get()
    wait_until_settled(client, job)
    assert job.status == ImportJob.Status.VALIDATED, job.message
    assert client.post(f"/curriculum/imports/{job.pk}/confirm/").status_code == 302
    wait_until_settled(client, job)
    assert job.status == ImportJob.Status.DONE, job.message
    version = CurriculumVersion.objects.get(course__slug="mini-algebra")
    assert version.created_by == admin_user_demo and list(job.versions.all()) == [version]
    page = client.get(job_url).content.decode()
    assert "Imported." in page and 'href="/courses/mini-algebra/"' in page
    # Confirming twice does not import twice.
    client.post(f"/curriculum/imports/{job.pk}/confirm/")
    assert CurriculumVersion.objects.count() == 1


@pytest.mark.django_db
def test_export_and_figures(client, admin_user_demo, student, mini_data, tmp_path):
    from curriculum.services import load_curriculum

    load_curriculum(MINI)
    mini_data["course"]["title"] = "Mini algebra, second edition"
    assert load_curriculum(package_dir(tmp_path, mini_data)).imported  # version 2
    client.force_login(admin_user_demo)
    response = client.get("/curriculum/courses/mini-algebra/export/")
    assert response["Content-Disposition"] == 'attachment; filename="mini-algebra.zip"'
    assert zipfile.is_zipfile(io.BytesIO(response.content))
    manage = client.get("/curriculum/").content.decode()
    assert "Mini algebra, second edition" in manage
    assert "/curriculum/courses/mini-algebra/export/" in manage
    # One row per course, with its problem count and latest version (no join blow-up).
    row = manage.split("Mini algebra, second edition</a>")[1].split("</tr>")[0]
    assert "<td>24</td>" in row and "<td>2</td>" in row

    client.force_login(student)
    assert client.get("/curriculum/courses/mini-algebra/export/").status_code == 403
    figure = client.get("/curriculum/figures/mini-algebra/figures/line.png")
    assert figure.status_code == 200 and figure["Content-Type"] == "image/png"
    assert "sandbox" in figure["Content-Security-Policy"]
    assert client.get("/curriculum/figures/mini-algebra/figures/nope.png").status_code == 404


@pytest.mark.django_db
def test_admin_course_list_links_to_the_upload_page(client, admin_user_demo):
    client.force_login(admin_user_demo)
    page = client.get("/admin/curriculum/course/").content.decode()
    assert 'href="/curriculum/"' in page and "Upload a curriculum package" in page


@pytest.mark.django_db
def test_an_oatutor_pool_can_be_uploaded_as_a_zip(client, admin_user_demo):
    from tests.curriculum.conftest import FIXTURES

    pool = FIXTURES / "oatutor"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(pool.rglob("*")):
            if path.is_file():
                archive.write(path, f"oatutor/{path.relative_to(pool).as_posix()}")
    client.force_login(admin_user_demo)
    assert upload(client, "pool.yaml", b"x", source_format="oatutor").status_code == 400
    upload(client, "pool.zip", buffer.getvalue(), source_format="oatutor")
    job = checked(ImportJob.objects.get())
    assert job.status == ImportJob.Status.VALIDATED, job.report["errors"]
    page = client.get(f"/curriculum/imports/{job.pk}/").content.decode()
    assert "oatutor-openstax-tiny-algebra — new course" in page
    services.confirm_import_job(job=job, user=admin_user_demo)  # queued for a worker ...
    job = services.run_import_job(job_id=job.pk)  # ... whose body runs here
    assert job.status == ImportJob.Status.DONE
    assert Course.objects.get(slug="oatutor-openstax-tiny-algebra").source_format == "oatutor"
