from django.apps import AppConfig


class InteropConfig(AppConfig):
    """Research exchange: REFI-QDA import and export, researcher exports, whole-organisation backup."""

    name = "interop"
