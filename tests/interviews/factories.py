import hashlib

import factory
from django.core.files.base import ContentFile

from interviews.models import Interview, Participant, SpeakerMapping, Study, Utterance
from tests.factories import active_or_new_organization


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    organization = active_or_new_organization()
    pseudonym = factory.Sequence(lambda n: f"P{n:03d}")
    attributes = factory.LazyFunction(lambda: {"role": "procurement"})


class StudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Study

    organization = active_or_new_organization()
    name = factory.Sequence(lambda n: f"Study {n}")


class InterviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interview

    organization = active_or_new_organization()
    title = factory.Sequence(lambda n: f"Interview {n}")
    original_filename = "interview.txt"
    original_file = factory.LazyAttribute(lambda o: ContentFile(f"Alice: hello {o.title}".encode(), name="interview.txt"))
    content_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.title.encode()).hexdigest())
    status = Interview.Status.READY
    detected_format = "txt"


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpeakerMapping

    interview = factory.SubFactory(InterviewFactory)
    organization = factory.SelfAttribute("interview.organization")
    label = factory.Sequence(lambda n: f"Speaker {n}")
    # Next in its interview, as ingest numbers them.
    number = factory.LazyAttribute(lambda o: SpeakerMapping.objects.filter(interview=o.interview).count() + 1)


class UtteranceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Utterance

    speaker = factory.SubFactory(SpeakerFactory)
    interview = factory.SelfAttribute("speaker.interview")
    organization = factory.SelfAttribute("speaker.organization")
    position = factory.Sequence(lambda n: n)
    start_ms = factory.Sequence(lambda n: n * 1000)
    end_ms = factory.LazyAttribute(lambda o: o.start_ms + 900)
    text = "I compare three vendors before I sign anything."
