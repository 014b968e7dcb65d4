"""Web UI for patterns: tags by participant segment as a heat map, tags that occur together, and both as CSV."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from empathy_site.tenancy.web import OrgView, csv_download

from .. import selectors


def _heat_level(count: int, peak: int) -> int:
    """0 for nobody, else 1..10 relative to the busiest cell."""
    return 0 if count == 0 else max(1, round(10 * count / peak))


class PatternsView(OrgView):
    def get(self, request):
        keys = selectors.participant_attribute_keys()
        default = "role" if "role" in keys else (keys[0] if keys else "")
        attribute = request.GET.get("attribute") or default
        # A key nobody has (a stale link, a typo) is an empty state that says so, not another key's matrix.
        missing = attribute if attribute and attribute not in keys else ""
        # No attributes yet still shows who raises what: participants "(not set)", unmapped customer speakers apart.
        values, rows = selectors.tag_segment_matrix(attribute=attribute) if not missing else ([], [])
        peak = max([c for _, counts in rows for c in counts.values()] or [1])
        matrix = [
            (tag, [(value, counts.get(value, 0), _heat_level(counts.get(value, 0), peak)) for value in values])
            for tag, counts in rows
        ]
        return render(request, "interviews/patterns.html", {
            "keys": keys, "attribute": attribute, "missing_attribute": missing, "values": values, "matrix": matrix,
            "pairs": selectors.tag_cooccurrence()[:30], "unmapped": selectors.unmapped_speakers(),
            "unmapped_segment": selectors.UNMAPPED_SEGMENT,
        })


class MatrixCsvView(OrgView):
    def get(self, request):
        keys = selectors.participant_attribute_keys()
        attribute = request.GET.get("attribute", "")
        if attribute not in keys:
            return HttpResponse(f"Unknown attribute. Choose one of: {', '.join(keys) or '(none yet)'}.",
                                status=400, content_type="text/plain")
        values, rows = selectors.tag_segment_matrix(attribute=attribute)
        response, writer = csv_download(f"tags-by-{slugify(attribute) or 'attribute'}.csv")
        writer.writerow(["tag", *[f"{attribute}={v}" for v in values]])
        for tag, counts in rows:
            writer.writerow([tag.name, *[counts.get(v, 0) for v in values]])
        return response


class CooccurrenceCsvView(OrgView):
    def get(self, request):
        response, writer = csv_download("tag-cooccurrence.csv")
        writer.writerow(["tag", "other tag", "highlights", "distinct participants"])
        for first, second, highlights, voices in selectors.tag_cooccurrence():
            writer.writerow([first.name, second.name, highlights, voices])
        return response
