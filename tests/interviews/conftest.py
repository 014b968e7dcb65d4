from .evidence_fixtures import corpus  # noqa: F401  (fixture)
