"""Sample research for the demo organisation: a study, participants and three transcripts."""

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import User

from . import services
from .models import Highlight, Interview, Participant, SpeakerMapping, Study, Tag, Utterance

STUDY = "Supplier onboarding 2026"
DEMO_INTERVIEWER_EMAIL = "researcher@demo.example"

PARTICIPANTS = [
    ("P01", {"role": "procurement", "company_size": "200-1000", "plan": "pro"}),
    ("P02", {"role": "operations", "company_size": "50-200", "plan": "starter"}),
    ("P03", {"role": "procurement", "company_size": "1000+", "plan": "enterprise"}),
]

TRANSCRIPTS = [
    ("p01-onboarding-call.vtt", "P01", "Dana", """WEBVTT

00:00:02.000 --> 00:00:06.500
<v Rosa>Thanks for making time. Walk me through the last time you added a new supplier.

00:00:07.000 --> 00:00:12.000
<v Dana>Honestly it starts in a spreadsheet. We compare three vendors side by side

00:00:12.000 --> 00:00:16.000
<v Dana>before anyone is allowed to sign anything.

00:00:16.500 --> 00:00:19.000
<v Rosa>Why three?

00:00:19.500 --> 00:00:27.000
<v Dana>Because the last time we picked one on gut feeling it failed us during the audit, and I had to explain that to finance.

00:00:27.500 --> 00:00:31.000
<v Rosa>What would have helped you then?

00:00:31.500 --> 00:00:39.000
<v Dana>Proof. Certificates in one place, and a way to show my manager why we chose them without rebuilding the spreadsheet.
"""),
    ("p02-ops-interview.txt", "P02", "Marco", """Rosa: How do new suppliers reach your team today?
Marco: Usually by email, with PDFs attached. Half of them are out of date.
Rosa: What happens when a document is out of date?
Marco: We chase them. It can take two weeks, and meanwhile the order is blocked.
Marco: I would pay for anything that reminds suppliers before their certificates expire.
Rosa: Who else is involved in that chase?
Marco: Procurement, and sometimes legal. Nobody owns it, which is the real problem.
"""),
    ("p03-enterprise-call.srt", "P03", "Ines", """1
00:00:01,000 --> 00:00:05,000
Rosa: Tell me about approving a supplier at your scale.

2
00:00:05,500 --> 00:00:12,000
Ines: Every supplier goes through risk, legal and procurement. The audit trail matters more than speed.

3
00:00:12,500 --> 00:00:18,000
Ines: If a tool cannot show who approved what and when, we cannot use it.

4
00:00:18,500 --> 00:00:22,000
Rosa: And the spreadsheet, does it still exist?

5
00:00:22,500 --> 00:00:28,000
Ines: It exists everywhere. We compare vendors in spreadsheets because the ERP is too slow to change.
"""),
]


def seed_interviews(org) -> None:
    with tenant_scope(org):
        already_seeded = Study.objects.filter(name=STUDY).exists()
    if already_seeded:
        seed_evidence(org)
        return
    with tenant_scope(org):
        study = services.study_create(
            name=STUDY,
            goal="Understand how teams choose and onboard suppliers, and what slows them down.",
            research_questions=["How do teams compare suppliers?", "What makes onboarding slow?"],
        )
        participants = {
            pseudonym: services.participant_create(pseudonym=pseudonym, attributes=attributes)
            for pseudonym, attributes in PARTICIPANTS
        }
    for filename, pseudonym, speaker_label, text in TRANSCRIPTS:
        with tenant_scope(org):
            interview = services.interview_upload(
                upload=services.Upload(name=filename, data=text.encode()), study=study,
                participant=participants[pseudonym], title=f"Supplier onboarding with {pseudonym}",
            )
        # Embedded mode runs the task when the scope above commits; map the speaker once parsed.
        with tenant_scope(org):
            speaker = SpeakerMapping.objects.filter(interview=interview, label=speaker_label).first()
            if speaker is not None:
                services.speaker_map(speaker=speaker, participant=Participant.objects.get(pk=participants[pseudonym].pk))
            interviewer = SpeakerMapping.objects.filter(interview=interview, label="Rosa").first()
            researcher = User.objects.filter(email=DEMO_INTERVIEWER_EMAIL).first()
            if interviewer is not None and researcher is not None:
                services.speaker_map(speaker=interviewer, team_member=researcher)
    seed_evidence(org)


DEMO_TAGS = [
    ("Comparing vendors", "#6366f1", None),
    ("Spreadsheets", "#0ea5e9", "Comparing vendors"),
    ("Audit & compliance", "#ef4444", None),
    ("Slow onboarding", "#f59e0b", None),
    ("Expired documents", "#10b981", "Slow onboarding"),
]
DEMO_HIGHLIGHTS = [
    ("P01", "compare three vendors side by side", ["Comparing vendors"]),
    ("P01", "it starts in a spreadsheet", ["Spreadsheets"]),
    ("P01", "failed us during the audit", ["Audit & compliance"]),
    ("P02", "Half of them are out of date", ["Expired documents"]),
    ("P02", "It can take two weeks, and meanwhile the order is blocked", ["Slow onboarding"]),
    ("P03", "The audit trail matters more than speed", ["Audit & compliance"]),
    ("P03", "We compare vendors in spreadsheets because the ERP is too slow to change", ["Spreadsheets", "Comparing vendors"]),
]


def seed_evidence(org) -> None:
    with tenant_scope(org):
        if Tag.objects.exists() or Highlight.objects.exists():
            return
        tags = {}
        for name, colour, parent in DEMO_TAGS:
            tags[name] = services.tag_create(name=name, colour=colour, parent=tags.get(parent))
        for pseudonym, phrase, tag_names in DEMO_HIGHLIGHTS:
            interview = Interview.objects.filter(title=f"Supplier onboarding with {pseudonym}", status="ready").first()
            utterance = interview and Utterance.objects.filter(interview=interview, text__contains=phrase).first()
            if utterance is None:
                continue
            start = utterance.text.index(phrase)
            services.highlight_create(
                interview=interview,
                span=services.Span(utterance.position, start, utterance.position, start + len(phrase)),
                tags=[tags[n] for n in tag_names],
            )
