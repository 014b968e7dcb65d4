"""`manage.py create_api_key --org SLUG --name NAME --scopes read,write`: prints the new key once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from empathy_site.tenancy.models import Organization
from empathy_site.tenancy.roles import API_KEY_SCOPES
from empathy_site.tenancy.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for an organisation and print it (once)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organisation slug.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", default="read", help=f"Comma-separated, from: {','.join(API_KEY_SCOPES)}")

    def handle(self, *args, org, name, scopes, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organisation with slug “{org}”.")
        try:
            _, raw_key = api_key_create(
                organization=organization, name=name, scopes=[s.strip() for s in scopes.split(",") if s.strip()]
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(raw_key)
