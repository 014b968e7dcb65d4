"""The transcript page plays the interview's recording in a real chromium: clicking an utterance seeks there,
the utterance being said is marked, a highlight plays exactly its span, keyboard controls, ?t= links."""

import pytest

from empathy_site.tenancy.context import tenant_scope
from interviews import services
from interviews.models import Media, Utterance
from interviews.services import Span
from tests.interviews import media_fixtures
from tests.interviews.media_fixtures import make_timed_interview, upload_of

from .test_daily_work import sign_in

recordings = media_fixtures.recordings
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "media": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


def recorded_interview(org, path):
    interview, _ = make_timed_interview(org)
    with tenant_scope(org):
        services.media_attach(interview=interview, uploaded_file=upload_of(path))  # probed eagerly on commit
    with tenant_scope(org):
        assert Media.objects.get(interview=interview).status == "ready"
        text = Utterance.objects.get(interview=interview, position=1).text
        services.highlight_create(interview=interview, span=Span(1, 0, 1, len(text)))  # 2.0 s to 4.5 s
    return interview


def player_state(page):
    return page.evaluate("() => { const p = document.querySelector('[data-player]');"
                         " return {time: p.currentTime, paused: p.paused, rate: p.playbackRate}; }")


def test_clicking_an_utterance_seeks_and_marks_it(page, live_server, screenshot, org_a, alice, recordings):
    interview = recorded_interview(org_a, recordings["wav"])
    sign_in(page, live_server, alice.user)
    page.goto(f"{live_server.url}/o/{org_a.slug}/interviews/{interview.public_id}/")
    page.wait_for_function("() => document.querySelector('[data-player]').readyState >= 1")

    page.locator("#u-2 .speaker").click()  # the third utterance starts at 4.5 s
    page.wait_for_function("() => document.querySelector('#u-2').classList.contains('is-playing')")
    state = player_state(page)
    assert 4.5 <= state["time"] < 6.5
    page.keyboard.press("Space")
    page.wait_for_function("() => document.querySelector('[data-player]').paused")
    paused_at = player_state(page)["time"]
    page.keyboard.press("ArrowLeft")
    assert player_state(page)["time"] == pytest.approx(max(paused_at - 5, 0), abs=0.05)
    page.keyboard.press(">")
    assert player_state(page)["rate"] == 1.25
    assert page.locator("[data-player-speed]").input_value() == "1.25"
    screenshot(page, "player-transcript")

    # A highlight's play button plays its span and stops at its end.
    page.locator("[data-play-span]").first.click()
    page.wait_for_function("() => document.querySelector('#u-1').classList.contains('is-playing')")
    page.wait_for_function("() => document.querySelector('[data-player]').paused", timeout=10000)
    assert player_state(page)["time"] == pytest.approx(4.5, abs=0.05)


def test_a_link_with_t_opens_at_that_moment(page, live_server, org_a, alice, recordings):
    interview = recorded_interview(org_a, recordings["mov"])  # QuickTime: played from its WebM copy
    sign_in(page, live_server, alice.user)
    page.goto(f"{live_server.url}/o/{org_a.slug}/interviews/{interview.public_id}/?t=3")
    page.wait_for_function("() => document.querySelector('video[data-player]').readyState >= 1")
    page.wait_for_function("() => document.querySelector('#u-1').classList.contains('is-playing')")
    assert player_state(page)["time"] == pytest.approx(3, abs=0.05)
    page.locator("#u-0 .speaker").click()
    page.wait_for_function("() => document.querySelector('#u-0').classList.contains('is-playing')")
    assert player_state(page)["time"] < 2


def test_a_recording_uploads_in_chunks_with_progress_and_then_plays(page, live_server, settings, tmp_path, org_a,
                                                                    alice, recordings):
    settings.MEDIA_UPLOAD_DIR = tmp_path / "uploads"
    interview, _ = make_timed_interview(org_a)
    sign_in(page, live_server, alice.user)
    page.goto(f"{live_server.url}/o/{org_a.slug}/interviews/{interview.public_id}/")
    form = page.locator("[data-media-upload]")
    # Small chunks, so this small file goes up in several (the page sends 4 MB ones).
    form.evaluate("form => { form.dataset.chunkBytes = String(64 * 1024); }")
    chunks = []
    page.on("request", lambda request: chunks.append(request.headers.get("content-range"))
            if request.method == "PUT" and "/api/v1/media-uploads/" in request.url else None)
    progress = []
    page.expose_function("noteProgress", lambda value: progress.append(value))
    page.evaluate("() => new MutationObserver(() => window.noteProgress(document.querySelector("
                  "'[data-upload-progress]').value)).observe(document.querySelector('[data-upload-progress]'),"
                  " {attributes: true, childList: true})")
    form.locator("input[type=file]").set_input_files(str(recordings["wav"]))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("audio[data-player]", timeout=30000)
    page.wait_for_function("() => document.querySelector('[data-player]').readyState >= 1")

    size = recordings["wav"].stat().st_size
    assert len(chunks) == -(-size // (64 * 1024)) >= 3
    assert chunks[0] == f"bytes 0-{64 * 1024 - 1}/{size}" and chunks[-1].endswith(f"-{size - 1}/{size}")
    assert progress and max(progress) >= 90 and min(progress) < 50  # the bar moved as the chunks went up
    with tenant_scope(org_a):
        media = Media.objects.get(interview=interview)
        assert media.status == "ready" and media.file_size == size
    assert abs(page.evaluate("() => document.querySelector('[data-player]').duration") - 8) < 0.1
