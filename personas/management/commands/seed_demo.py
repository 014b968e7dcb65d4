from django.core.management.base import BaseCommand

from empathy_site.demo import seed_demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisation with one user per role. Safe to run twice."

    def handle(self, *args, **options):
        org, logins = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo organisation “{org.name}” at /o/{org.slug}/"))
        self.stdout.write(f"Demo logins (password for all: {logins[0][2]}):")
        for role, email, _ in logins:
            self.stdout.write(f"  {role:<11} {email}")
