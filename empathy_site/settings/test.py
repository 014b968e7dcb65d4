"""Test settings: the base settings with fast hashing and no SSL redirects."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
LOGIN_RATE_LIMIT = "1000/m"
LOGIN_ADDRESS_RATE_LIMIT = "1000/m"
# Tasks run in-process unless a test starts the real worker (tests/worker.py).
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["media"] = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(MEDIA_ROOT)}}  # noqa: F405
MEDIA_UPLOAD_DIR = VAR_DIR / "test-uploads"  # noqa: F405
