"""Models of the interop app; import from here."""

from .imports import ImportJob

__all__ = ["ImportJob"]
