"""The interface in a second language (Spanish): every catalogue entry translated and compiled,
the language chosen per user (kept on the account, so it follows them to another device),
pages rendered with no English interface sentence left, and the checker's feedback codes
translated."""

from __future__ import annotations

import importlib.util
import re
from html import unescape
from pathlib import Path

import pytest
from django.test import Client

from curriculum.models import Problem
from tutor.models import Attempt, Classroom

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("messages", ROOT / "scripts" / "messages.py")
messages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(messages)
import po  # noqa: E402 - scripts/ is on the path once messages.py is loaded

pytestmark = pytest.mark.django_db


def test_every_entry_is_translated_and_the_mo_is_up_to_date():
    catalogues = messages.catalogues()
    assert [p.parent.parent.name for p in catalogues] == ["es"]
    for path in catalogues:
        assert messages.problems(path) == []
        _, entries = po.read(str(path))
        assert len(entries) > 400
        # Placeholders survive translation (a lost %(name)s would raise at render time).
        for e in entries:
            for form in e.msgstr.values():
                source = e.msgid_plural if e.msgid_plural and form != e.msgstr[0] else e.msgid
                assert (
                    sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", form))
                    == sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", source))
                    or e.msgid_plural
                ), (e.msgid, form)


def test_the_check_fails_on_an_untranslated_entry(tmp_path):
    path = tmp_path / "django.po"
    path.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Check answer"\nmsgstr ""\n'
    )
    found = messages.problems(path)
    assert any("untranslated" in p for p in found) and any("out of date" in p for p in found)


def _english_sentences() -> set[str]:
    """Interface sentences (3 words or more) of the catalogue, as the English pages show
    them: on a Spanish page, any of these is a string that missed its translation."""
    _, entries = po.read(str(messages.catalogues()[0]))
    out = set()
    for e in entries:
        text = re.sub(r"<[^>]+>|%\(\w+\)[sd]|\{\w+\}", " ", e.msgid)
        for part in re.split(r"[.:;?!…]", text):
            words = part.split()
            if len(words) >= 3:
                out.add(" ".join(words))
    return out


def _visible_text(html: str) -> str:
    html = re.sub(r"(?s)<script.*?</script>|<style.*?</style>", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _spanish_client(user) -> Client:
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/language/", {"language": "es", "next": "/courses/"})
    assert response.status_code == 302 and response["Location"] == "/courses/"
    return client


def test_a_student_chooses_spanish_and_keeps_it_on_another_device(demo, student):
    client = _spanish_client(student)
    student.refresh_from_db()
    assert student.language == "es"
    page = client.get("/courses/")
    assert page["Content-Language"] == "es"
    html = page.content.decode()
    assert '<html lang="es">' in html and ">Cursos</a>" in html and "Cerrar sesión" in html
    # Another browser, no cookie: the account's choice applies.
    other = Client()
    other.force_login(student)
    assert '<html lang="es">' in other.get("/courses/").content.decode()
    # Back to English.
    other.post("/accounts/language/", {"language": "en", "next": "/courses/"})
    assert '<html lang="en">' in other.get("/courses/").content.decode()


def test_anonymous_visitors_get_their_browser_language():
    page = Client(HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9").get("/accounts/login/")
    html = page.content.decode()
    assert '<html lang="es">' in html and "Iniciar sesión" in html
    assert "¿Has olvidado tu contraseña?" in html
    assert '<html lang="en">' in Client().get("/accounts/login/").content.decode()


def test_an_unknown_language_is_refused(client, student):
    client.force_login(student)
    assert client.post("/accounts/language/", {"language": "xx"}).status_code == 400
    response = client.post("/accounts/language/", {"language": "es", "next": "https://evil.test/"})
    assert response["Location"] == "/"


def test_feedback_codes_are_translated(demo, student):
    client = _spanish_client(student)
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    html = client.post(
        f"/problems/{problem.pk}/answer/", {"answer": "7"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "No del todo" in html and "No es correcto." in html
    assert Attempt.objects.get(learner=student).feedback == "That is not correct."  # stored as is
    html = client.post(
        f"/problems/{problem.pk}/answer/", {"answer": ""}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Escribe una respuesta." in html


def _assert_spanish(html: str, page: str) -> None:
    text = _visible_text(html)
    left = sorted(s for s in _english_sentences() if s in text)
    assert not left, f"{page}: English interface text on a Spanish page: {left}"


def test_student_teacher_and_admin_pages_have_no_english_interface_text(
    demo, student, teacher, admin_user_demo
):
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    s = _spanish_client(student)
    s.post(f"/problems/{problem.pk}/answer/", {"answer": "7"}, HTTP_HX_REQUEST="true")
    s.post(f"/problems/{problem.pk}/hint/", HTTP_HX_REQUEST="true")
    pages = {
        "course list": s.get("/courses/"),
        "course": s.get(f"/courses/{demo.slug}/"),
        "problem": s.get(f"/problems/{problem.pk}/"),
        "my work": s.get("/me/attempts/", follow=True),
        "join": s.get("/classes/join/"),
        "password": s.get("/accounts/password_change/"),
    }
    t = _spanish_client(teacher)
    pages |= {
        "teach": t.get("/teach/"),
        "class": t.get(f"/teach/classes/{classroom.pk}/"),
        "student": t.get(f"/teach/classes/{classroom.pk}/students/{student.pk}/"),
        "roster": t.get(f"/teach/classes/{classroom.pk}/roster/"),
        "assignment": t.get(f"/teach/classes/{classroom.pk}/assignments/new/"),
        "new class": t.get("/teach/classes/new/"),
    }
    a = _spanish_client(admin_user_demo)
    pages["curricula"] = a.get("/curriculum/")
    for name, response in pages.items():
        assert response.status_code == 200, name
        _assert_spanish(response.content.decode(), name)
    # The sentences the checks look for are the real ones (the check can fail).
    assert "Show a hint" not in _visible_text(pages["problem"].content.decode())
    english = Client()
    english.force_login(student)
    english.post("/accounts/language/", {"language": "en"})
    with pytest.raises(AssertionError):
        _assert_spanish(english.get(f"/problems/{problem.pk}/").content.decode(), "english")


def test_an_admin_sets_a_users_language_from_a_list(client, demo, student, admin_user_demo):
    client.force_login(admin_user_demo)
    page = client.get(f"/admin/tutor/user/{student.pk}/change/").content.decode()
    select = page[page.index('name="language"') :]
    select = select[: select.index("</select>")]
    assert re.findall(r'<option value="(\w*)"', select) == ["", "en", "es"]


def test_the_course_page_says_what_each_skill_means_in_spanish(client, demo, student):
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    client.force_login(student)
    client.post(f"/problems/{problem.pk}/answer/", {"answer": "5"}, HTTP_HX_REQUEST="true")
    english = _visible_text(client.get(f"/courses/{demo.slug}/").content.decode())
    assert "Learning: the chance that you know this skill is estimated at" in english
    assert "Not started." in english
    client.post("/accounts/language/", {"language": "es"})
    spanish = _visible_text(client.get(f"/courses/{demo.slug}/").content.decode())
    assert "Aprendiendo: la probabilidad de que sepas esta habilidad se estima en un" in spanish
    assert "Sin empezar." in spanish
    assert "Learning:" not in spanish and "Not started." not in spanish


def test_every_skill_status_has_its_spanish_sentence():
    import time
    from types import SimpleNamespace

    from django.utils import translation

    from tutor.templatetags.tutor_tags import skill_meaning

    def row(status, **kw):
        base = dict(
            status=status,
            p_known=0.9,
            evidence=3,
            evidence_needed=3,
            locked_by=[],
            review_due_at=None,
            retrievability=0.6,
            meaning="(the engine's English)",
        )
        return SimpleNamespace(**(base | kw))

    with translation.override("en"):
        assert skill_meaning(row("learning")) == "(the engine's English)"
    with translation.override("es"):
        assert skill_meaning(row("not_started", locked_by=["Fracciones"])) == (
            "Sin empezar. Bloqueada: antes hay que dominar «Fracciones», así que el tutor "
            "todavía no la elegirá para ti; puedes abrirla como vista previa."
        )
        assert "en un 90%" in skill_meaning(row("learning"))
        mastered = skill_meaning(row("mastered", review_due_at=time.time() + 3 * 86400 + 60))
        assert mastered.startswith("Dominada: la probabilidad") and "3 días" in mastered
        assert "toca repasar" in skill_meaning(row("review_due")) and "60%" in skill_meaning(
            row("review_due")
        )
