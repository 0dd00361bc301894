"""Lines, loans and their records in the Django admin: read-only.

Every change goes through the services (locks, versions, ledger postings, audit trail); an edit
here would bypass all of them, so the admin only looks.
"""

from django.contrib import admin

from .models import CreditLine, Instalment, Loan, LoanTransaction, MakerCheckerRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InstalmentInline(admin.TabularInline):
    model = Instalment
    extra = 0
    can_delete = False
    fields = (
        "number",
        "start_date",
        "due_date",
        "principal",
        "interest",
        "paid_principal",
        "paid_interest",
        "paid_penalty",
        "balance_after",
        "status",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CreditLine)
class CreditLineAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "customer_id",
        "status",
        "limit",
        "used",
        "daily_rate",
        "expires_on",
    )
    list_filter = ("status",)
    search_fields = ("public_id", "customer_id")


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "customer_id",
        "product_code",
        "status",
        "principal",
        "principal_outstanding",
        "dpd",
        "category",
    )
    list_filter = ("status", "category", "product_code")
    search_fields = ("public_id", "customer_id")
    inlines = [InstalmentInline]


@admin.register(LoanTransaction)
class LoanTransactionAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "loan", "kind", "business_date", "amount", "journal_entry_id")
    list_filter = ("kind",)
    search_fields = ("public_id", "loan__public_id", "source_ref")


@admin.register(MakerCheckerRequest)
class MakerCheckerRequestAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "kind", "status", "maker", "checker", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("public_id",)
