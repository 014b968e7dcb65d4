from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "empathy_site.api"
    label = "api"
    verbose_name = "API"
