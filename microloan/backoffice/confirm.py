"""The confirmation step of irreversible actions (reject, write-off, freeze, blacklist
removal…), enforced by the server: a POST without ``confirmed=1`` changes nothing and shows
what would happen, with the same fields ready to post again, confirmed, or a way back."""

from __future__ import annotations

from django.shortcuts import render

CONFIRMED = "confirmed"
_NOT_REPOSTED = {"csrfmiddlewaretoken", CONFIRMED}


def is_confirmed(request) -> bool:
    return request.POST.get(CONFIRMED) == "1"


def confirm_page(
    request, *, title: str, summary: list[str], cancel_url: str, irreversible: bool = True
):
    """The summary page; its form posts the same fields to the same URL with ``confirmed=1``."""
    fields = [
        (name, value)
        for name in request.POST
        if name not in _NOT_REPOSTED
        for value in request.POST.getlist(name)
    ]
    context = {
        "title": title,
        "summary": summary,
        "fields": fields,
        "action": request.get_full_path(),
        "cancel_url": cancel_url,
        "irreversible": irreversible,
    }
    return render(request, "backoffice/confirm.html", context)
