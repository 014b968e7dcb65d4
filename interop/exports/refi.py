"""REFI-QDA exports: the codebook as QDC, the project as QDPX."""

from django.utils import timezone

from empathy_site.tenancy.context import require_org_id
from empathy_site.tenancy.models import Organization

from .. import refi, selectors
from .base import Export, filename, finished, spooled

CODEBOOK_QDC = Export("qdc", "application/xml")
PROJECT_QDPX = Export("qdpx", "application/zip")


def _org_name() -> str:
    return Organization.objects.only("name").get(pk=require_org_id()).name


def codebook_qdc():
    stream = spooled()
    stream.write(refi.codebook_xml(selectors.codebook_codes()))
    return finished(stream, filename("codebook", CODEBOOK_QDC), CODEBOOK_QDC)


def project_qdpx(*, personal_data: bool, study=None):
    project = selectors.project_snapshot(personal_data=personal_data, study=study,
                                         name=study.name if study else _org_name())
    stream = spooled()
    refi.project_qdpx(project, created=timezone.now().replace(microsecond=0).isoformat(), target=stream)
    return finished(stream, filename(study.name if study else "project", PROJECT_QDPX), PROJECT_QDPX)
