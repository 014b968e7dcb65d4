"""manage.py import_interviews: transcript files or folders queued as interviews of one organisation."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Organization
from interviews import parsers, services
from interviews.models import Study

TRANSCRIPT_SUFFIXES = set(parsers.ACCEPTED_EXTENSIONS)


class Command(BaseCommand):
    help = "Import transcript files (or every transcript in a folder) into an organisation."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organisation slug.")
        parser.add_argument("--study", help="Name of a study to file them under (created if missing).")
        parser.add_argument("paths", nargs="+")

    def handle(self, *args, org, study, paths, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organisation with slug “{org}”.")
        files = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TRANSCRIPT_SUFFIXES))
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"{raw}: no such file or folder.")
        imported = failed = 0
        with tenant_scope(organization):
            study_obj = None
            if study:
                study_obj = Study.objects.filter(name=study).first() or services.study_create(name=study)
        for path in files:
            with tenant_scope(organization):
                try:
                    interview = services.interview_upload(
                        upload=services.Upload(name=path.name, data=path.read_bytes()), study=study_obj
                    )
                except parsers.UnsupportedFile as error:
                    failed += 1
                    self.stderr.write(f"{path}: refused: {error.message}")
                    continue
                except services.DuplicateInterview as error:
                    self.stdout.write(f"{path}: already imported as “{error.existing.title}”")
                    continue
            imported += 1
            self.stdout.write(f"{path}: queued as {interview.public_id}")
        self.stdout.write(self.style.SUCCESS(f"{imported} imported, {failed} refused."))
        if failed and not imported:
            raise CommandError("Nothing was imported.")
