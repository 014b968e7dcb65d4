"""`manage.py create_org SLUG --name NAME --owner EMAIL --password PW`: an organisation with an admin owner."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from empathy_site.tenancy.services import organization_create, user_get_or_create


class Command(BaseCommand):
    help = "Create an organisation with an admin owner."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner", required=True, help="Owner's email; the account is created if needed.")
        parser.add_argument("--password", help="Password for a newly created owner account.")

    def handle(self, *args, slug, name, owner, password, **options):
        user, created = user_get_or_create(email=owner, password=password)
        if created and not password:
            raise CommandError("The owner account does not exist yet: give it a --password.")
        try:
            org = organization_create(slug=slug, name=name, owner=user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"Created {org.name} at /o/{org.slug}/ owned by {user.email}."))
