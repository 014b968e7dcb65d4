"""manage.py guess_speakers: suggest interviewer/customer for speakers of interviews parsed before guessing existed."""

from django.core.management.base import BaseCommand

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Organization
from interviews import services
from interviews.models import Interview, SpeakerMapping


class Command(BaseCommand):
    help = ("Guess which unmapped speakers interview and which are customers, in interviews that have no guesses yet "
            "(parsed before this existed). Safe to run again: interviews with guesses are left alone.")

    def handle(self, *args, **options):
        guessed = 0
        for organization in Organization.objects.order_by("pk"):
            with tenant_scope(organization):
                pending = Interview.objects.filter(
                    status=Interview.Status.READY, speakers__guessed_role="",
                ).exclude(speakers__guessed_role__in=[choice for choice in SpeakerMapping.GuessedRole.values if choice]).distinct()
                for interview in pending:
                    services.speakers_guess_roles(interview=interview)
                    guessed += 1
        self.stdout.write(self.style.SUCCESS(f"Guessed the speakers of {guessed} interview(s)."))
