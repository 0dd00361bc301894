"""The end-of-day check on the back-office home page (registered in ``BatchConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from microloan.backoffice.dashboard import Health

from .models import EodRun


def end_of_day_health() -> Health:
    """The latest end-of-day run: completed, still running, or failed."""
    label = _("End of day")
    run = EodRun.objects.order_by("-business_date").first()
    if run is None:
        return Health(label, None, _("No run yet."))
    detail = _("%(date)s: %(status)s") % {
        "date": run.business_date,
        "status": run.get_status_display(),
    }
    return Health(label, run.status == EodRun.Status.COMPLETED, detail)
