"""Reads for personas. Evidence strength is computed by the database, one query per persona."""

from dataclasses import dataclass, field

from django.db.models import Count, DateTimeField, Max, Min, Prefetch, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from empathy_site.dates import months_before
from empathy_site.json_keys import json_key_equals, json_key_text
from empathy_site.text import plural
from interviews.models import Tag
from interviews.selectors import voice

from ..models import Citation, Claim, EvidencePolicy, Persona, PersonaVersion


def evidence_policy() -> EvidencePolicy:
    """The active org's policy; the defaults when an admin never saved one (not written on read)."""
    return EvidencePolicy.objects.first() or EvidencePolicy()


def _evidence_cutoff(policy: EvidencePolicy):
    if not policy.max_evidence_age_months:
        return None
    return months_before(timezone.now(), policy.max_evidence_age_months)


def claims_with_strength(*, persona_ids, policy: EvidencePolicy | None = None):
    """Claims annotated with their evidence strength:

    supporting / contradicting citations, distinct participants, interviews and
    segments among the supporting evidence that still counts (not older than the
    policy allows), stale citations, and the newest and oldest evidence dates.
    """
    policy = policy or evidence_policy()
    evidence_date = Coalesce(
        "citations__highlight__interview__conducted_at", "citations__highlight__interview__created_at",
        output_field=DateTimeField(),
    )
    supports = Q(citations__stance=Citation.Stance.SUPPORTS)
    cutoff = _evidence_cutoff(policy)
    counts = supports
    stale_count = Value(0)
    if cutoff is not None:
        fresh = Q(citations__highlight__interview__conducted_at__gte=cutoff) | Q(
            citations__highlight__interview__conducted_at__isnull=True,
            citations__highlight__interview__created_at__gte=cutoff,
        )
        counts = supports & fresh
        stale_count = Count("citations", filter=supports & ~fresh, distinct=True)
    return (
        Claim.objects.filter(persona_id__in=persona_ids)
        .annotate(
            support_count=Count("citations", filter=counts, distinct=True),
            contradict_count=Count("citations", filter=Q(citations__stance=Citation.Stance.CONTRADICTS), distinct=True),
            stale_count=stale_count,
            # Voices: participants, and unmapped customer speakers once per interview (never silently dropped).
            participant_count=Count(voice("citations__highlight__"), filter=counts, distinct=True),
            interview_count=Count("citations__highlight__interview", filter=counts, distinct=True),
            segment_count=Count(
                json_key_text("citations__highlight__participant__attributes", policy.segment_attribute),
                filter=counts, distinct=True,
            ),
            newest_evidence=Max(evidence_date),
            oldest_evidence=Min(evidence_date),
        )
        .order_by("persona_id", "order", "id")
    )


@dataclass
class Shortfall:
    claim: Claim
    reasons: list[str] = field(default_factory=list)


def claim_shortfalls(claim: Claim, policy: EvidencePolicy) -> list[str]:
    """Why an annotated claim falls short of the policy, in words a researcher can act on."""
    reasons = []
    if claim.support_count < policy.min_citations:
        reasons.append(
            f"needs {policy.min_citations} supporting citation{'s' if policy.min_citations != 1 else ''}, has {claim.support_count}"
        )
    if claim.participant_count < policy.min_participants:
        reasons.append(
            f"needs evidence from {plural(policy.min_participants, 'different participant')}, has {claim.participant_count}"
        )
    if claim.stale_count:
        reasons.append(
            f"{claim.stale_count} citation{'s are' if claim.stale_count != 1 else ' is'} older than "
            f"{plural(policy.max_evidence_age_months, 'month')} and no longer count{'s' if claim.stale_count == 1 else ''}"
        )
    return reasons


def persona_policy_report(*, persona: Persona, policy: EvidencePolicy | None = None) -> list[Shortfall]:
    """Every claim that falls short, with every reason. Empty list: ready to publish."""
    policy = policy or evidence_policy()
    claims = list(claims_with_strength(persona_ids=[persona.pk], policy=policy))
    report = []
    for claim in claims:
        reasons = claim_shortfalls(claim, policy)
        if reasons:
            report.append(Shortfall(claim=claim, reasons=reasons))
    return report


def strength_level(claim: Claim, policy: EvidencePolicy) -> str:
    """strong / adequate / weak / none, for the badge."""
    if claim.support_count == 0:
        return "none"
    if claim_shortfalls(claim, policy):
        return "weak"
    if claim.participant_count >= policy.min_participants * 2 and claim.contradict_count == 0:
        return "strong"
    return "adequate"


def persona_detail(*, persona: Persona):
    """The persona page: claims with strength and their citations with quotes, in constant queries."""
    policy = evidence_policy()
    citations = Citation.objects.select_related(
        "highlight__participant", "highlight__interview"
    ).prefetch_related(Prefetch("highlight__tags", queryset=Tag.objects.order_by("name"))).order_by("stance", "-id")
    claims = list(
        claims_with_strength(persona_ids=[persona.pk], policy=policy).prefetch_related(
            Prefetch("citations", queryset=citations)
        )
    )
    for claim in claims:
        claim.strength = strength_level(claim, policy)
        claim.shortfalls = claim_shortfalls(claim, policy)
    return policy, claims


def persona_snapshot(*, persona: Persona, claims=None) -> dict:
    """What a published version keeps; `claims` as persona_detail gives them, when the caller has them already."""
    if claims is None:
        _, claims = persona_detail(persona=persona)
    return {
        "name": persona.name,
        "summary": persona.summary,
        "segment": persona.segment,
        "claims": [
            {
                "id": str(claim.public_id), "kind": claim.kind, "statement": claim.statement,
                "support_count": claim.support_count, "participant_count": claim.participant_count,
                "citations": [
                    {
                        "highlight": str(c.highlight.public_id), "stance": c.stance, "quote": c.highlight.quote,
                        "participant": c.highlight.participant.pseudonym if c.highlight.participant_id else None,
                        "interview": c.highlight.interview.title,
                    }
                    for c in claim.citations.all()
                ],
            }
            for claim in claims
        ],
    }


def persona_unchanged_since_publish(*, persona: Persona, claims=None) -> bool:
    """True when the persona reads exactly as its latest published version: publishing again would add nothing."""
    if not persona.current_version:
        return False
    latest = PersonaVersion.objects.filter(persona=persona, number=persona.current_version).values_list("snapshot", flat=True).first()
    return latest is not None and latest == persona_snapshot(persona=persona, claims=claims)


def persona_gallery(*, status: str = "", segment_key: str = "", segment_value: str = ""):
    """Personas with strength at a glance: claims, claims meeting the policy, distinct voices."""
    policy = evidence_policy()
    personas = Persona.objects.select_related("owner").order_by("status", "name")
    if status:
        personas = personas.filter(status=status)
    else:
        personas = personas.exclude(status=Persona.Status.ARCHIVED)
    if segment_key:
        personas = personas.filter(json_key_equals("segment", segment_key, segment_value))
    personas = list(
        personas.annotate(
            claim_count=Count("claims", distinct=True),
            voice_count=Count(voice("claims__citations__highlight__"), distinct=True,
                              filter=Q(claims__citations__stance=Citation.Stance.SUPPORTS)),
        )
    )
    claims = claims_with_strength(persona_ids=[p.pk for p in personas], policy=policy)
    met: dict = {}
    for claim in claims:
        if not claim_shortfalls(claim, policy):
            met[claim.persona_id] = met.get(claim.persona_id, 0) + 1
    for persona in personas:
        persona.claims_met = met.get(persona.pk, 0)
        persona.strength_ratio = round(100 * persona.claims_met / persona.claim_count) if persona.claim_count else 0
        persona.meter_level = round(persona.strength_ratio / 10)
    return personas


def persona_segment_keys() -> list[tuple[str, str]]:
    pairs = set()
    for segment in Persona.objects.values_list("segment", flat=True):
        if isinstance(segment, dict):
            pairs.update((str(k), str(v)) for k, v in segment.items())
    return sorted(pairs)


def personas_citing(*, highlight_ids) -> set[int]:
    """Personas (ids) with a claim citing any of these highlights."""
    return set(
        Citation.objects.filter(highlight_id__in=list(highlight_ids)).values_list("claim__persona_id", flat=True).distinct()
    )


def persona_versions(*, persona: Persona):
    return PersonaVersion.objects.filter(persona=persona).select_related("published_by").order_by("-number")


def version_diff(older: PersonaVersion, newer: PersonaVersion) -> list[dict]:
    """Claims added, removed or changed between two snapshots, matched by claim id."""
    before = {c["id"]: c for c in older.snapshot.get("claims", [])}
    after = {c["id"]: c for c in newer.snapshot.get("claims", [])}
    rows = []
    for claim_id, claim in after.items():
        if claim_id not in before:
            rows.append({"change": "added", "after": claim, "before": None})
        else:
            old = before[claim_id]
            old_quotes = {c["highlight"] for c in old["citations"]}
            new_quotes = {c["highlight"] for c in claim["citations"]}
            if old["statement"] != claim["statement"] or old["kind"] != claim["kind"] or old_quotes != new_quotes:
                rows.append({
                    "change": "changed", "after": claim, "before": old,
                    "citations_added": len(new_quotes - old_quotes), "citations_removed": len(old_quotes - new_quotes),
                })
    for claim_id, claim in before.items():
        if claim_id not in after:
            rows.append({"change": "removed", "after": None, "before": claim})
    return rows



def personas_needing_review(*, limit: int = 6):
    """Personas whose evidence changed under them, oldest first (waiting longest), with the reason."""
    return list(
        Persona.objects.filter(status=Persona.Status.NEEDS_REVIEW).select_related("owner").order_by("updated_at", "id")[:limit]
    )
