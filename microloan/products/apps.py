from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "microloan.products"
    label = "products"
