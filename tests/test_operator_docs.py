"""The operator's documents keep up with the code: every setting read from the environment is in
the README, every gunicorn override too, and deploy/env.example names only real settings."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
SETTINGS = (ROOT / "empathy_site" / "settings" / "base.py").read_text()


def settings_read_from_environment():
    direct = re.findall(r'env\.(?:str|int|bool|list|path|db_url)\(\s*"([A-Z][A-Z0-9_]*)"', SETTINGS)
    checked = re.findall(r'(?:_int_between|_rate)\(\s*"([A-Z][A-Z0-9_]*)"', SETTINGS)
    return set(direct) | set(checked)


def test_every_setting_is_documented_in_the_readme():
    names = settings_read_from_environment()
    assert {"DATABASE_URL", "SECRET_KEY", "REDIS_URL", "WEBHOOK_ALLOW_PRIVATE_URLS"} <= names  # the parse works
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert missing == [], f"settings read from the environment but not in README.md: {missing}"


def test_every_gunicorn_override_is_documented():
    conf = (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    names = set(re.findall(r'os\.environ\.get\("(GUNICORN_[A-Z_]+)"', conf))
    assert names
    assert sorted(name for name in names if f"`{name}`" not in README) == []


def test_env_example_names_only_real_settings():
    example = (ROOT / "deploy" / "env.example").read_text()
    names = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    # MIGRATE_DATABASE_URL is read by the release step (systemd unit), not by the settings.
    unknown = names - settings_read_from_environment() - {"MIGRATE_DATABASE_URL"}
    assert unknown == set()
