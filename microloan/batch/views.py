"""Back-office pages: end-of-day runs and, per run, how each step and partition went."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from microloan.backoffice.decorators import actor_for, staff_page
from microloan.backoffice.lists import display_page
from microloan.kernel.errors import NotFound

from .services import PERM_VIEW, get_run, list_runs, run_checkpoints


@staff_page(PERM_VIEW)
def run_list(request):
    runs = list_runs(actor=actor_for(request))
    page = display_page(request, runs)
    return render(request, "batch/runs.html", {"page": page})


@staff_page(PERM_VIEW)
def run_detail(request, run_id: str):
    actor = actor_for(request)
    try:
        run = get_run(actor=actor, run_id=run_id)
    except NotFound as missing:
        raise Http404(str(missing)) from missing
    context = {
        "run": run,
        "steps": run.counts.get("steps", []),
        "checkpoints": run_checkpoints(actor=actor, run=run),
    }
    return render(request, "batch/run_detail.html", context)
