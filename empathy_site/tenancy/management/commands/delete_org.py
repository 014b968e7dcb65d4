from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from empathy_site.tenancy.erasure import organization_delete
from empathy_site.tenancy.models import Organization


class Command(BaseCommand):
    help = "Delete an organisation with everything it holds, original files included. Irreversible."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--confirm", required=True, help="Repeat the slug to confirm.")

    def handle(self, *args, slug, confirm, **options):
        if confirm != slug:
            raise CommandError("--confirm must repeat the organisation's slug exactly.")
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organisation with slug “{slug}”.")
        with transaction.atomic():
            organization_delete(organization=organization)
        self.stdout.write(self.style.SUCCESS(f"Deleted {slug} and its files."))
