"""Back-office pages of notifications: the message log with filters, a message with retry and
cancel, and the message templates with their editor. Pages call the same services as the API;
message texts are shown masked as in the API."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as PageForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from microloan.backoffice.decorators import actor_for, staff_page
from microloan.backoffice.lists import filtered_page, render_list
from microloan.backoffice.pages import flash_refusal
from microloan.kernel.errors import DomainError, NotFound

from . import services
from .forms import MessageFilterForm, TemplateForm


@staff_page(services.VIEW_MESSAGE)
def message_log(request):
    form = MessageFilterForm(request.GET or None)
    page, error = filtered_page(request, form, services.list_messages)
    rows = [(m, services.mask_text(m.body)) for m in page.items] if page else []
    context = {"form": form, "page": page, "rows": rows, "error": error}
    return render_list(
        request,
        "notifications/messages.html",
        "notifications/_message_results.html",
        context,
        status=422 if error else 200,
    )


@staff_page(services.VIEW_MESSAGE)
def message_page(request, message_id: str):
    try:
        message = services.get_message(actor=actor_for(request), message_id=message_id)
    except NotFound:
        return render(request, "notifications/not_found.html", status=404)
    context = {
        "message": message,
        "subject": services.mask_text(message.subject),
        "body": services.mask_text(message.body),
    }
    return render(request, "notifications/message.html", context)


def _act(request, message_id: str, action, done: str):
    try:
        action(actor=actor_for(request), message_id=message_id)
        messages.success(request, done)
    except NotFound:
        return render(request, "notifications/not_found.html", status=404)
    except DomainError as refusal:
        flash_refusal(request, refusal)
    return redirect("notifications:message", message_id=message_id)


@require_POST
@staff_page(services.CHANGE_MESSAGE)
def message_retry(request, message_id: str):
    return _act(request, message_id, services.retry_message, _("The message is queued again."))


@require_POST
@staff_page(services.CHANGE_MESSAGE)
def message_cancel(request, message_id: str):
    return _act(request, message_id, services.cancel_message, _("The message is cancelled."))


@staff_page(services.VIEW_TEMPLATE)
def template_list(request):
    templates = services.list_templates(actor=actor_for(request))
    return render(request, "notifications/templates.html", {"templates": templates})


@staff_page(services.VIEW_TEMPLATE)
def template_edit(request, code: str):
    actor = actor_for(request)
    try:
        template = services.get_template(actor=actor, code=code)
    except NotFound:
        return render(request, "notifications/not_found.html", status=404)
    status = 200
    if request.method == "POST":
        if not request.user.has_perm(services.CHANGE_TEMPLATE):
            raise PageForbidden(services.CHANGE_TEMPLATE)
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                services.update_template(actor=actor, code=code, changes=form.cleaned_data)
                messages.success(request, _("The template is saved."))
                return redirect("notifications:template", code=code)
            except DomainError as refusal:
                for field, problem in refusal.fields.items():
                    form.add_error(field if field in form.fields else None, str(problem))
        status = 422
    else:
        form = TemplateForm(
            initial={
                f: getattr(template, f) for f in ("subject_zh", "body_zh", "subject_en", "body_en")
            }
        )
    context = {"template": template, "form": form}
    return render(request, "notifications/template.html", context, status=status)
