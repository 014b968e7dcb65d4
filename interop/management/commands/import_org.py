"""`manage.py import_org backup.zip --into NEW_SLUG`: restore a backup into a new organisation, with new ids."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from interop import refi
from interop.services import org_restore


class Command(BaseCommand):
    help = "Restore an organisation's backup (from export_org) into a new organisation."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--into", required=True, help="The new organisation's slug.")
        parser.add_argument("--name", help="The new organisation's name (default: the original's, marked restored).")

    def handle(self, *args, path, into, name=None, **options):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            org, report = org_restore(data=data, slug=into, name=name)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except refi.ImportRefused as error:
            raise CommandError(error.message) from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(
            f"Restored into /o/{org.slug}/: {report['interviews_created']} interviews, "
            f"{report['highlights_created']} highlights, {report['tags_created']} tags."))
