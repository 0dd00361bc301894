from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "microloan.kernel"
    label = "kernel"
    verbose_name = "Kernel"
