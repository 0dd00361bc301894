from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "microloan.ledger"
    label = "ledger"
