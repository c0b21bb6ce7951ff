"""Asking the tutor: thin views over inference.services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inference import services
from inference.models import Generation
from tutor import selectors
from tutor.models import Attempt


@login_required
@require_POST
def explain(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = get_object_or_404(selectors.visible_problems(request.user), pk=problem_id)
    attempt_id = request.POST.get("attempt", "")
    try:
        generation = services.request_explanation(
            user=request.user,
            problem=problem,
            purpose=request.POST.get("purpose", Generation.Purpose.EXPLANATION),
            # "Explain this step": the student's own attempt (the service checks whose)
            attempt=Attempt.objects.filter(pk=attempt_id).first() if attempt_id.isdigit() else None,
        )
    except services.ExplanationRefused as refusal:
        return render(request, "inference/_refused.html", {"message": str(refusal)}, status=200)
    if not request.htmx:
        return redirect("generation", generation_id=generation.pk)
    return render(request, "inference/_panel.html", {"generation": generation})


@login_required
@require_POST
def stop(request: HttpRequest, generation_id: int) -> HttpResponse:
    generation = get_object_or_404(Generation, pk=generation_id)
    if generation.user_id != request.user.pk and not request.user.is_staff:
        raise PermissionDenied(_("Only the student who asked can stop this explanation."))
    services.stop_generation(user=request.user, generation=generation)
    return HttpResponse(status=204)


@login_required
def generation_detail(request: HttpRequest, generation_id: int) -> HttpResponse:
    generation = get_object_or_404(
        Generation.objects.select_related("problem__skill__course", "user"), pk=generation_id
    )
    if not services.can_watch(request.user, generation):
        raise PermissionDenied(_("You can only see your own explanations or your students'."))
    return render(request, "inference/generation.html", {"generation": generation})
