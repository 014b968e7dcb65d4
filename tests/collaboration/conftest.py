from tests.personas.fixtures import evidence, persona  # noqa: F401  (fixtures)
