"""Shared by the interop tests: an API client per organisation, running an import job, reading an export."""

import io
import zipfile
from pathlib import Path

import xmlschema
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from interop import services
from interop.models import ImportJob

XSD = Path(__file__).resolve().parents[2] / ".." / "shared" / "refi" / "Project-mrt2019.xsd"


def api_client(org, scopes=("read", "write", "personal_data")) -> APIClient:
    _, raw = api_key_create(organization=org, name=f"key {'-'.join(scopes)}", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def run_import(org, data: bytes, name: str, *, split_names=False) -> ImportJob:
    """Create the job as the API does, then run its task body here (the worker path is tested apart)."""
    with tenant_scope(org):
        job = services.import_job_create(uploaded_file=SimpleUploadedFile(name, data), split_names=split_names)
    with tenant_scope(org):
        services.import_job_run(job_id=job.pk)
    with tenant_scope(org):
        return ImportJob.objects.get(pk=job.pk)


def project_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD.resolve()))


def codebook_schema() -> xmlschema.XMLSchema:
    """The QDC schema: the project schema's own Code types under the codebook namespace, CodeBook as the root."""
    text = XSD.resolve().read_text(encoding="utf-8")
    text = text.replace('xmlns="urn:QDA-XML:project:1.0"', 'xmlns="urn:QDA-XML:codebook:1.0"')
    text = text.replace('targetNamespace="urn:QDA-XML:project:1.0"', 'targetNamespace="urn:QDA-XML:codebook:1.0"')
    text = text.replace('<xsd:element name="Project" type="ProjectType">',
                        '<xsd:element name="CodeBook" type="CodeBookType"/>\n\t<xsd:element name="Project" type="ProjectType">', 1)
    return xmlschema.XMLSchema(text)


def qdpx_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def make_zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
