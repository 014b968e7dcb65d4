from django.urls import path

from . import views

urlpatterns = [
    path("personas/", views.PersonaGalleryView.as_view(), name="persona_gallery"),
    path("personas/<uuid:persona_id>/", views.PersonaDetailView.as_view(), name="persona_detail"),
    path("personas/<uuid:persona_id>/print/", views.PersonaPrintView.as_view(), name="persona_print"),
    path("personas/<uuid:persona_id>/edit/", views.PersonaEditView.as_view(), name="persona_edit"),
    path("personas/<uuid:persona_id>/claims/", views.ClaimCreateView.as_view(), name="claim_create"),
    path("personas/<uuid:persona_id>/publish/", views.PersonaPublishView.as_view(), name="persona_publish"),
    path("personas/<uuid:persona_id>/archive/", views.PersonaArchiveView.as_view(), name="persona_archive"),
    path("personas/<uuid:persona_id>/versions/", views.PersonaVersionsView.as_view(), name="persona_versions"),
    path("claims/<uuid:claim_id>/", views.ClaimEditView.as_view(), name="claim_edit"),
    path("claims/<uuid:claim_id>/evidence/", views.ClaimEvidenceView.as_view(), name="claim_evidence"),
    path("claims/<uuid:claim_id>/citations/", views.CitationCreateView.as_view(), name="citation_create"),
    path("citations/<uuid:citation_id>/delete/", views.CitationDeleteView.as_view(), name="citation_delete"),
    path("settings/evidence-policy/", views.EvidencePolicyView.as_view(), name="evidence_policy"),
]

from . import message_views  # noqa: E402

urlpatterns += [
    path("messages/", message_views.MessageListView.as_view(), name="message_list"),
    path("messages/new/", message_views.MessageCreateView.as_view(), name="message_create"),
    path("messages/evidence-panel/", message_views.EvidencePanelView.as_view(), name="message_evidence_panel"),
    path("messages/highlight-picker/", message_views.HighlightPickerView.as_view(), name="message_highlight_picker"),
    path("messages/insights/", message_views.InsightsView.as_view(), name="message_insights"),
    path("messages/insights.csv", message_views.InsightsCsvView.as_view(), name="message_insights_csv"),
    path("messages/<uuid:message_id>/", message_views.MessageDetailView.as_view(), name="message_detail"),
    path("messages/<uuid:message_id>/revise/", message_views.MessageReviseView.as_view(), name="message_revise"),
    path("messages/<uuid:message_id>/approve/", message_views.MessageApproveView.as_view(), name="message_approve"),
    path("messages/<uuid:message_id>/meta/", message_views.MessageMetaView.as_view(), name="message_meta"),
]
