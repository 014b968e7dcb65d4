"""The API layer every endpoint stands on: base views, authentication, errors, pagination, throttles,
idempotent POSTs, ETag/If-Match and `updated_since`. Above tenancy, below sync and the domain apps."""
