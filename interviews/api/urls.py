from rest_framework.routers import SimpleRouter

from .views import InterviewViewSet, ParticipantViewSet, StudyViewSet

router = SimpleRouter(trailing_slash=True)
router.register("participants", ParticipantViewSet, basename="participant")
router.register("studies", StudyViewSet, basename="study")
router.register("interviews", InterviewViewSet, basename="interview")

urlpatterns = router.urls
