// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest(".flash-close");
    if (close) {
      close.closest(".flash").remove();
      return;
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.dataset.copy);
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          copy.textContent = "Copied";
        });
      }
    }
  });
})();

// Upload: drag and drop onto the drop zone, list the chosen files.
(function () {
  "use strict";
  var zone = document.querySelector("[data-dropzone]");
  if (!zone) return;
  var input = document.getElementById(zone.getAttribute("for"));
  var list = zone.querySelector("[data-file-list]");
  function show() {
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    list.textContent = names.length ? names.length + " selected: " + names.join(", ") : "";
  }
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("is-over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("is-over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    input.files = event.dataTransfer.files;
    show();
  });
})();

// Find in transcript: hide non-matching utterances and mark the matches.
(function () {
  "use strict";
  var input = document.querySelector("[data-find-input]");
  if (!input) return;
  var count = document.querySelector("[data-find-count]");
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-utterance]"));
  items.forEach(function (item) {
    var p = item.querySelector("[data-text]");
    p.dataset.original = p.textContent;
  });
  function render(p, needle) {
    var text = p.dataset.original;
    p.textContent = "";
    if (!needle) { p.textContent = text; return; }
    var lower = text.toLowerCase(), at = 0, hit;
    while ((hit = lower.indexOf(needle, at)) !== -1) {
      p.appendChild(document.createTextNode(text.slice(at, hit)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(hit, hit + needle.length);
      p.appendChild(mark);
      at = hit + needle.length;
    }
    p.appendChild(document.createTextNode(text.slice(at)));
  }
  input.addEventListener("input", function () {
    var needle = input.value.trim().toLowerCase(), shown = 0;
    items.forEach(function (item) {
      var p = item.querySelector("[data-text]");
      var match = !needle || p.dataset.original.toLowerCase().indexOf(needle) !== -1;
      item.classList.toggle("is-hidden", !match);
      render(p, match ? needle : "");
      if (match) shown++;
    });
    count.textContent = needle ? shown + " of " + items.length + " utterances" : "";
  });
})();
