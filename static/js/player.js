// The transcript page's recording: click an utterance to jump there, the utterance being said is marked,
// a highlight's play button plays exactly its span, keyboard controls, links that open at a time (?t=),
// and upload progress for a new recording.
(function () {
  "use strict";

  var form = document.querySelector("[data-media-upload]");
  if (form && window.XMLHttpRequest && window.FormData) {
    var bar = form.querySelector("[data-upload-progress]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.upload.addEventListener("progress", function (progress) {
        if (!progress.lengthComputable) return;
        bar.hidden = false;
        bar.value = Math.round(100 * progress.loaded / progress.total);
        bar.textContent = bar.value + "%";
      });
      request.addEventListener("load", function () { window.location.assign(request.responseURL || window.location.href); });
      request.addEventListener("error", function () { form.submit(); });
      form.querySelector("button[type=submit]").disabled = true;
      request.send(new FormData(form));
    });
  }

  var player = document.querySelector("[data-player]");
  if (!player) return;
  var utterances = Array.prototype.slice.call(document.querySelectorAll("[data-utterance][data-start-ms]"));
  var speeds = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  var speedSelect = document.querySelector("[data-player-speed]");
  var stopAt = null;
  var current = null;

  function seconds(ms) { return Number(ms) / 1000; }

  function seek(startMs, endMs) {
    stopAt = endMs === undefined ? null : seconds(endMs);
    player.currentTime = seconds(startMs);
    var playing = player.play();
    if (playing && playing.catch) playing.catch(function () { /* autoplay refused: the position is set anyway */ });
  }

  function utteranceAt(time) {
    var ms = time * 1000;
    for (var i = utterances.length - 1; i >= 0; i--) {
      var start = Number(utterances[i].dataset.startMs);
      var end = utterances[i].dataset.endMs ? Number(utterances[i].dataset.endMs) : Infinity;
      if (start <= ms) return ms < end || i === utterances.length - 1 ? utterances[i] : null;
    }
    return null;
  }

  function mark() {
    var now = utteranceAt(player.currentTime);
    if (now === current) return;
    if (current) { current.classList.remove("is-playing"); current.removeAttribute("aria-current"); }
    current = now;
    if (current) { current.classList.add("is-playing"); current.setAttribute("aria-current", "time"); }
  }

  player.addEventListener("timeupdate", function () {
    if (stopAt !== null && player.currentTime >= stopAt) {
      player.pause();
      player.currentTime = stopAt;
      stopAt = null;
    }
    mark();
  });
  player.addEventListener("seeked", mark);

  utterances.forEach(function (utterance) {
    utterance.addEventListener("click", function (event) {
      var selection = window.getSelection();
      if (selection && !selection.isCollapsed) return;  // selecting words to highlight, not seeking
      if (event.target.closest("form, button, select, input")) return;
      seek(utterance.dataset.startMs);
    });
  });

  document.querySelectorAll("[data-play-span]").forEach(function (button) {
    button.addEventListener("click", function () { seek(button.dataset.startMs, button.dataset.endMs); });
  });

  function setSpeed(rate) {
    player.playbackRate = rate;
    if (speedSelect) {
      var option = speedSelect.querySelector('option[value="' + rate + '"]');
      if (!option) { option = new Option(rate + "×", String(rate)); speedSelect.add(option); }
      speedSelect.value = String(rate);
    }
  }
  if (speedSelect) speedSelect.addEventListener("change", function () { setSpeed(Number(speedSelect.value)); });

  document.addEventListener("keydown", function (event) {
    var active = document.activeElement;
    if (/INPUT|TEXTAREA|SELECT|BUTTON|VIDEO|AUDIO/.test(active.tagName) || active.isContentEditable) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("[data-highlight-popover]:not([hidden])")) return;
    if (event.key === " ") {
      event.preventDefault();
      if (player.paused) { stopAt = null; player.play(); } else { player.pause(); }
    } else if ((event.key === "ArrowLeft" || event.key === "ArrowRight") && !event.shiftKey) {
      event.preventDefault();
      var step = event.key === "ArrowLeft" ? -5 : 5;
      player.currentTime = Math.max(0, Math.min(player.duration || Infinity, player.currentTime + step));
    } else if (event.key === "<" || event.key === ">") {
      var index = speeds.indexOf(player.playbackRate);
      if (index === -1) index = speeds.indexOf(1);
      index = Math.max(0, Math.min(speeds.length - 1, index + (event.key === ">" ? 1 : -1)));
      setSpeed(speeds[index]);
    }
  });

  // ?t=90, ?t=1:30 or ?t=1m30s opens the recording at that moment.
  function parseTime(value) {
    if (!value) return null;
    var clock = value.match(/^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/);
    if (clock) return Number(clock[1] || 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
    var units = value.match(/^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$/);
    if (units && value.length) return Number(units[1] || 0) * 3600 + Number(units[2] || 0) * 60 + Number(units[3] || 0);
    return null;
  }
  var start = parseTime(new URLSearchParams(window.location.search).get("t"));
  if (start !== null) {
    var jump = function () {
      player.currentTime = start;
      mark();
      if (current) current.scrollIntoView({block: "center"});
    };
    if (player.readyState >= 1) jump(); else player.addEventListener("loadedmetadata", jump, {once: true});
  }

  var share = document.querySelector("[data-player-share]");
  var shareStatus = document.querySelector("[data-player-share-status]");
  if (share) {
    share.addEventListener("click", function () {
      var url = new URL(window.location.href);
      url.hash = "";
      url.searchParams.set("t", String(Math.floor(player.currentTime)));
      var text = url.toString();
      var done = function () { shareStatus.textContent = "Link copied: " + text; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { shareStatus.textContent = text; });
      } else {
        shareStatus.textContent = text;
      }
    });
  }
})();
