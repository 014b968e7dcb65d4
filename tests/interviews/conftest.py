from .coding_fixtures import team  # noqa: F401  (fixture)
from .evidence_fixtures import corpus  # noqa: F401  (fixture)
