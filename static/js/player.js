// The transcript page's recording: click an utterance to jump there, the utterance being said is marked,
// a highlight's play button plays exactly its span, keyboard controls, links that open at a time (?t=),
// and a new recording uploaded in chunks with progress.
(function () {
  "use strict";

  // A recording goes up in chunks through the API (resumable: a chunk whose answer was lost is not sent twice,
  // the server says where to resume), so a large file is not one request that a proxy or a dropped connection
  // cuts off. Without JavaScript the form posts the file in one go.
  var form = document.querySelector("[data-media-upload]");
  if (form && window.XMLHttpRequest && window.Blob && window.JSON) {
    var bar = form.querySelector("[data-upload-progress]");
    var status = form.querySelector("[data-upload-status]");
    var button = form.querySelector("button[type=submit]");
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var chunkBytes = function () { return Number(form.dataset.chunkBytes) || 4 * 1024 * 1024; };

    var call = function (method, url, body, headers, onProgress) {
      return new Promise(function (resolve, reject) {
        var request = new XMLHttpRequest();
        request.open(method, url);
        request.setRequestHeader("X-Organization", form.dataset.uploadOrg);
        request.setRequestHeader("X-CSRFToken", csrf);
        request.setRequestHeader("Accept", "application/json");
        Object.keys(headers || {}).forEach(function (name) { request.setRequestHeader(name, headers[name]); });
        if (onProgress) request.upload.addEventListener("progress", function (e) { onProgress(e.loaded); });
        request.addEventListener("load", function () {
          var data = null;
          try { data = JSON.parse(request.responseText); } catch (ignored) { /* an empty or HTML answer */ }
          resolve({status: request.status, data: data});
        });
        request.addEventListener("error", function () { reject(new Error("network")); });
        request.send(body);
      });
    };
    var show = function (done, total) {
      bar.hidden = false;
      bar.value = total ? Math.floor(100 * done / total) : 0;
      bar.textContent = bar.value + "%";
      status.textContent = "Uploading… " + bar.value + "%";
    };
    var fail = function (message) {
      status.textContent = message;
      status.classList.add("text-error");
      button.disabled = false;
    };
    var problem = function (answer) {
      return answer.data && answer.data.error ? answer.data.error.message
        : "The upload failed (HTTP " + answer.status + "). Try again.";
    };
    var wait = function (ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); };

    var send = function (file, session) {
      var offset = session.offset, retries = 0;
      var next = function () {
        if (offset >= file.size) return Promise.resolve();
        var end = Math.min(offset + chunkBytes(), file.size);
        var range = "bytes " + offset + "-" + (end - 1) + "/" + file.size;
        var started = offset;
        return call("PUT", "/api/v1/media-uploads/" + session.id + "/", file.slice(offset, end),
                    {"Content-Type": "application/octet-stream", "Content-Range": range},
                    function (loaded) { show(started + loaded, file.size); })
          .then(function (answer) {
            if (answer.status === 200) { offset = answer.data.offset; retries = 0; return next(); }
            if (answer.status === 409 || answer.status >= 500 || answer.status === 429) return resume(problem(answer));
            throw new Error(problem(answer));
          }, function () { return resume("The connection dropped."); });
      };
      // Ask the server where the upload stands, then carry on from there (a few times, then give up).
      var resume = function (why) {
        if (++retries > 5) throw new Error(why + " The upload stopped at " + bar.value + "%; try again.");
        return wait(500 * retries).then(function () {
          return call("GET", "/api/v1/media-uploads/" + session.id + "/");
        }).then(function (answer) {
          if (answer.status !== 200) throw new Error(problem(answer));
          offset = answer.data.offset;
          return next();
        }, function () { return resume(why); });
      };
      return next();
    };

    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      var file = input.files && input.files[0];
      if (!file) return;  // the browser asks for one
      event.preventDefault();
      status.classList.remove("text-error");
      if (file.size > Number(form.dataset.uploadLimit)) {
        fail("This file is larger than the upload limit.");
        return;
      }
      button.disabled = true;
      show(0, file.size);
      var session = null;
      call("POST", form.dataset.uploadStart, JSON.stringify({filename: file.name, size: file.size}),
           {"Content-Type": "application/json"})
        .then(function (answer) {
          if (answer.status !== 201) throw new Error(problem(answer));
          session = answer.data;
          return send(file, session);
        })
        .then(function () {
          status.textContent = "Uploaded; checking the recording…";
          return call("POST", "/api/v1/media-uploads/" + session.id + "/complete/", null, {});
        })
        .then(function (answer) {
          if (answer.status !== 202) throw new Error(problem(answer));
          show(file.size, file.size);
          window.location.reload();
        })
        .catch(function (error) {
          fail(error.message === "network" ? "The connection dropped; check it and try again." : error.message);
        });
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
