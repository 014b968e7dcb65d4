# Two commands matter: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test venv bench worker migrate lint clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# Embedded mode: SQLite and in-process Celery, whatever the shell exports.
run: venv
	@env -u DATABASE_URL -u REDIS_URL DEBUG=true $(PY) manage.py migrate --noinput -v0
	@env -u DATABASE_URL -u REDIS_URL DEBUG=true $(PY) manage.py seed_demo
	@command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || echo "ffmpeg is not installed: the site runs, but recordings stay unprocessed (no player, clips or reels) until it is (apt-get install ffmpeg fonts-dejavu-core)."
	@echo "Serving http://127.0.0.1:$(PORT)/ (sign in with a demo login above)"
	@env -u DATABASE_URL -u REDIS_URL DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Uses DATABASE_URL and REDIS_URL when set; SQLite and eager Celery otherwise.
test: venv
	@$(PY) -m pytest $(PYTEST_ARGS)

worker: venv
	$(VENV)/bin/celery -A empathy_site worker --loglevel=info --concurrency=2

bench: venv
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	@$(PY) -m bench $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) var staticfiles
