from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The development demo (``microloan demo``): at the top of the layers, it drives every app.

    Installed for its management command only; it has no models.
    """

    name = "microloan.demo"
    label = "demo"
    verbose_name = "Demo"
