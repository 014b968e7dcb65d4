"""`manage.py export_org SLUG backup.zip`: the whole organisation as project.qdpx and bundle.json in one zip."""

from django.core.management.base import BaseCommand, CommandError

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Organization
from interop.services import org_backup


class Command(BaseCommand):
    help = "Back up an organisation: its REFI-QDA project and everything REFI-QDA cannot carry."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("path", help="Where to write the backup zip.")

    def handle(self, *args, slug, path, **options):
        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(f"No organisation has the slug “{slug}”.")
        with open(path, "wb") as target, tenant_scope(org):
            org_backup(target=target)
        self.stdout.write(self.style.SUCCESS(f"Backed up {org.name} to {path}."))
