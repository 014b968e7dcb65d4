"""What the runner hands each benchmark's run(ctx)."""

from __future__ import annotations

import contextlib
import cProfile
import secrets
from dataclasses import dataclass, field

from . import database


@dataclass
class Context:
    scale: float
    database_url: str
    app_role: str
    # False when the whole database is dropped after the run anyway.
    delete_organizations: bool = True
    # Set with --profile: benchmarks enable it around the measured application code only.
    profiler: cProfile.Profile | None = None
    _org_ids: list[int] = field(default_factory=list)

    def scaled(self, count: int) -> int:
        return max(1, round(count * self.scale))

    def organization(self, label: str):
        """A fresh organisation for this run, deleted again by cleanup()."""
        from empathy_site.tenancy.models import Organization

        slug = f"{database.BENCH_SLUG_PREFIX}{label}-{secrets.token_hex(4)}"
        org = Organization.objects.create(slug=slug, name=f"Benchmark {label}")
        self._org_ids.append(org.pk)
        return org

    def raw_connection(self, *, as_owner: bool = False):
        """psycopg 3 connection as the runtime role (or the DATABASE_URL user); the caller closes it."""
        return database.raw_connection(self.database_url, None if as_owner else self.app_role)

    @contextlib.contextmanager
    def profiled(self):
        if self.profiler is None:
            yield
            return
        self.profiler.enable()
        try:
            yield
        finally:
            self.profiler.disable()

    def cleanup(self) -> None:
        while self._org_ids:
            org_id = self._org_ids.pop()
            if self.delete_organizations:
                database.delete_organization(org_id)
