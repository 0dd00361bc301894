from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "microloan.accounts"
    label = "accounts"
