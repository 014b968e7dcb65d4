"""Web UI routes for personas, claims, citations, the evidence policy, messages and insights."""

from django.urls import path

from .views import claims, exercises, insights, messages, personas, policy

urlpatterns = [
    path("personas/", personas.PersonaGalleryView.as_view(), name="persona_gallery"),
    path("personas/<uuid:persona_id>/", personas.PersonaDetailView.as_view(), name="persona_detail"),
    path("personas/<uuid:persona_id>/print/", personas.PersonaPrintView.as_view(), name="persona_print"),
    path("personas/<uuid:persona_id>/edit/", personas.PersonaEditView.as_view(), name="persona_edit"),
    path("personas/<uuid:persona_id>/claims/", claims.ClaimCreateView.as_view(), name="claim_create"),
    path("personas/<uuid:persona_id>/publish/", personas.PersonaPublishView.as_view(), name="persona_publish"),
    path("personas/<uuid:persona_id>/archive/", personas.PersonaArchiveView.as_view(), name="persona_archive"),
    path("personas/<uuid:persona_id>/versions/", personas.PersonaVersionsView.as_view(), name="persona_versions"),
    path("claims/<uuid:claim_id>/", claims.ClaimEditView.as_view(), name="claim_edit"),
    path("claims/<uuid:claim_id>/evidence/", claims.ClaimEvidenceView.as_view(), name="claim_evidence"),
    path("claims/<uuid:claim_id>/citations/", claims.CitationCreateView.as_view(), name="citation_create"),
    path("citations/<uuid:citation_id>/delete/", claims.CitationDeleteView.as_view(), name="citation_delete"),
    path("settings/evidence-policy/", policy.EvidencePolicyView.as_view(), name="evidence_policy"),
    path("messages/", messages.MessageListView.as_view(), name="message_list"),
    path("messages/new/", messages.MessageCreateView.as_view(), name="message_create"),
    path("messages/evidence-panel/", messages.EvidencePanelView.as_view(), name="message_evidence_panel"),
    path("messages/highlight-picker/", messages.HighlightPickerView.as_view(), name="message_highlight_picker"),
    path("messages/insights/", insights.InsightsView.as_view(), name="message_insights"),
    path("messages/insights.csv", insights.InsightsCsvView.as_view(), name="message_insights_csv"),
    path("messages/<uuid:message_id>/", messages.MessageDetailView.as_view(), name="message_detail"),
    path("messages/<uuid:message_id>/revise/", messages.MessageReviseView.as_view(), name="message_revise"),
    path("messages/<uuid:message_id>/approve/", messages.MessageApproveView.as_view(), name="message_approve"),
    path("messages/<uuid:message_id>/meta/", messages.MessageMetaView.as_view(), name="message_meta"),
    path("messages/<uuid:message_id>/request-review/", messages.MessageRequestReviewView.as_view(),
         name="message_request_review"),
    path("messages/<uuid:message_id>/review-comments/", messages.MessageReviewCommentView.as_view(),
         name="message_review_comment"),
    path("settings/four-eyes/", policy.FourEyesView.as_view(), name="four_eyes"),
    path("messages/<uuid:message_id>/outcomes/", messages.MessageOutcomeCreateView.as_view(), name="message_outcome_create"),
    path("exercises/", exercises.ExerciseListView.as_view(), name="exercise_list"),
    path("exercises/new/", exercises.ExerciseCreateView.as_view(), name="exercise_create"),
    path("exercises/<uuid:exercise_id>/", exercises.ExerciseTakeView.as_view(), name="exercise_take"),
    path("messages/outcomes/import/", messages.OutcomeImportView.as_view(), name="outcome_import"),
]
