from tests.interviews.evidence_fixtures import corpus  # noqa: F401  (fixture)
