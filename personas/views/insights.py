"""Web UI for the insight dashboard: where the team's messages come from, on the page and as CSV."""

from django.shortcuts import render

from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, csv_download

from .. import selectors

# What a row without a value means, in the page's words: no author is a check answered through the API.
_NONE_LABEL = {"by_month": "(none)", "by_channel": "(none)", "by_persona": "(none)", "by_author": "API"}


class InsightsView(OrgView):
    def get(self, request):
        names_visible = selectors.others_records_visible(is_admin=self.can(Perm.MANAGE_ORG))
        return render(request, "personas/messages/insights.html", {
            "dash": selectors.basis_dashboard(), "experiment": selectors.instruction_experiment(),
            "calibration": selectors.calibration_overview(names_visible=names_visible, viewer=request.user),
            "names_visible": names_visible, "can_write": self.can(Perm.MESSAGES),
        })


class InsightsCsvView(OrgView):
    """Every chart's numbers: one row per (dimension, value, basis)."""

    def get(self, request):
        dash = selectors.basis_dashboard()
        response, writer = csv_download("assumption-checks.csv")
        writer.writerow(["dimension", "value", "basis", "revisions", "share_percent"])
        for dimension in ("by_month", "by_channel", "by_persona", "by_author"):
            for value, entry in dash[dimension].items():
                label = value.strftime("%Y-%m") if hasattr(value, "strftime") else (value or _NONE_LABEL[dimension])
                for basis, _ in dash["bases"]:
                    writer.writerow([dimension.removeprefix("by_"), label, basis, entry[basis], entry["pct"][basis]])
        writer.writerow([])
        writer.writerow(["author", "mean_own_taste", "mean_predicted_reaction", "gap", "revisions", "projection_risks"])
        for gap in dash["gaps"]:
            # By name, as the page shows them; a check answered through the API has no person.
            writer.writerow([gap["author"] or "API", round(gap["taste"], 2),
                             round(gap["prediction"], 2), gap["gap"], gap["n"], gap["risky"]])
        return response
