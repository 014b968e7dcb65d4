"""Models of the interop app; import from here."""

from .exports import ExportJob
from .imports import ImportJob
from .jobs import Job, JobStatus

__all__ = ["ExportJob", "ImportJob", "Job", "JobStatus"]
