"""`make run` on this clone, as a newcomer runs it: the embedded SQLite database is made and seeded, and every
demo role signs in and opens every page its navigation links to, without an error. Prints how long the first
page took. Run by .ci/run after the suite (which runs on PostgreSQL, so nothing else exercises SQLite).

Usage: .venv/bin/python .ci/embedded_check.py [port]
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-pass-2026"
ROLES = ("admin", "researcher", "marketer", "viewer")
LINK = re.compile(r'<a [^>]*href="(/[^"#?]*)"')
# Links that change state or leave the app's pages: not opened.
SKIP = re.compile(r"/(logout|signout|accounts/logout)|/static/|/media/|/files/|/api/|download|\.csv$|\.xlsx$|\.docx$")


def wait_for_login(base: str, server: subprocess.Popen, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if server.poll() is not None:
            raise SystemExit(f"make run exited with status {server.returncode} before serving a page")
        try:
            if requests.get(f"{base}/accounts/login/", timeout=5).status_code == 200:
                return time.monotonic() - started
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"no login page within {timeout:.0f} s")


def sign_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{base}/accounts/login/", timeout=30, headers={"Referer": f"{base}/accounts/login/"},
                          data={"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD})
    if answer.status_code != 200 or "/accounts/login/" in answer.url:
        raise SystemExit(f"{email} could not sign in (status {answer.status_code}, at {answer.url})")
    return session


def walk(base: str, session: requests.Session, role: str) -> int:
    """Open the home page and every page it links to, one level deep."""
    home = session.get(f"{base}/", timeout=30)
    if home.status_code != 200:
        raise SystemExit(f"{role}: home page answered {home.status_code}")
    paths = sorted({path for path in LINK.findall(home.text) if not SKIP.search(path)})
    failures = []
    for path in paths:
        answer = session.get(f"{base}{path}", timeout=60)
        if answer.status_code >= 500:
            failures.append(f"{path} answered {answer.status_code}")
    if failures:
        raise SystemExit(f"{role}: " + "; ".join(failures))
    return len(paths)


def main() -> int:
    port = sys.argv[1] if len(sys.argv) > 1 else "8765"
    base = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    server = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=env,
                              start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        seconds = wait_for_login(base, server, timeout=600)
        print(f"embedded mode: first page {seconds:.1f} s after `make run`", flush=True)
        for role in ROLES:
            pages = walk(base, sign_in(base, f"{role}@demo.example"), role)
            print(f"embedded mode: {role} opened the home page and {pages} linked pages", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    if re.search(r"Traceback|Internal Server Error", output):
        print(output[-4000:])
        print("embedded mode: the server logged an error")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
