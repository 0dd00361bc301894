from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessDate(models.Model):
    """The single row holding today's business date. Only end of day moves it forward.

    ``id`` is always 1 (a check constraint keeps it so); ``version`` guards concurrent advances.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    current = models.DateField(_("business date"))
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("business date")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="business_date_single_row")
        ]

    def __str__(self) -> str:
        return self.current.isoformat()
