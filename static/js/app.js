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
    var confirmButton = event.target.closest("[data-confirm-click]");
    if (confirmButton && !window.confirm(confirmButton.dataset.confirmClick)) {
      event.preventDefault();
      return;
    }
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
  show(); // files chosen before this script ran
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
  var originals = new Map();
  items.forEach(function (item) {
    var p = item.querySelector("[data-text]");
    originals.set(p, { html: p.innerHTML, text: p.textContent });
  });
  function render(p, needle) {
    var original = originals.get(p);
    if (!needle) { p.innerHTML = original.html; return; }
    var text = original.text, lower = text.toLowerCase(), at = 0, hit;
    p.textContent = "";
    while ((hit = lower.indexOf(needle, at)) !== -1) {
      p.appendChild(document.createTextNode(text.slice(at, hit)));
      var mark = document.createElement("mark");
      mark.className = "find-hit";
      mark.textContent = text.slice(hit, hit + needle.length);
      p.appendChild(mark);
      at = hit + needle.length;
    }
    p.appendChild(document.createTextNode(text.slice(at)));
  }
  function apply() {
    var needle = input.value.trim().toLowerCase(), shown = 0;
    items.forEach(function (item) {
      var p = item.querySelector("[data-text]");
      var match = !needle || originals.get(p).text.toLowerCase().indexOf(needle) !== -1;
      item.classList.toggle("is-hidden", !match);
      render(p, match ? needle : "");
      if (match) shown++;
    });
    count.textContent = needle ? shown + " of " + items.length + " utterances" : "";
  }
  input.addEventListener("input", apply);
  if (input.value) apply(); // typed before this script ran
})();

// Highlighting: select words in the transcript, then save them with tags.
// Offsets are counted in the utterance's plain text, exactly as the server stores it.
(function () {
  "use strict";
  var transcript = document.querySelector("[data-can-highlight]");
  var popover = document.querySelector("[data-highlight-popover]");
  var button = document.querySelector("[data-selection-button]");
  if (!transcript || !popover || !button) return;
  var pending = null;

  function boundary(node, offset) {
    var element = node.nodeType === 1 ? node : node.parentElement;
    var utterance = element && element.closest("[data-utterance]");
    if (!utterance || !transcript.contains(utterance)) return null;
    var text = utterance.querySelector("[data-text]");
    if (!text.contains(node)) {
      // Selection edge on the header (speaker/time): snap to the start of the text.
      return { position: Number(utterance.dataset.position), offset: 0 };
    }
    var range = document.createRange();
    range.setStart(text, 0);
    range.setEnd(node, offset);
    return { position: Number(utterance.dataset.position), offset: range.toString().length };
  }

  function readSelection() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
    var range = selection.getRangeAt(0);
    var start = boundary(range.startContainer, range.startOffset);
    var end = boundary(range.endContainer, range.endOffset);
    if (!start || !end) return null;
    if (end.position < start.position || (end.position === start.position && end.offset <= start.offset)) return null;
    var quote = selection.toString().trim();
    if (!quote) return null;
    return { start: start, end: end, quote: quote, rect: range.getBoundingClientRect() };
  }

  function place(element, rect) {
    element.style.top = (window.scrollY + rect.bottom + 8) + "px";
    element.style.left = Math.max(12, Math.min(window.scrollX + rect.left, window.innerWidth - 360)) + "px";
  }

  function refreshButton() {
    if (!popover.hidden) return;
    pending = readSelection();
    button.hidden = !pending;
    if (pending) place(button, pending.rect);
  }

  function open() {
    if (!pending) return;
    popover.elements.start_position.value = pending.start.position;
    popover.elements.start_offset.value = pending.start.offset;
    popover.elements.end_position.value = pending.end.position;
    popover.elements.end_offset.value = pending.end.offset;
    popover.querySelector("[data-popover-quote]").textContent = "“" + pending.quote + "”";
    place(popover, pending.rect);
    button.hidden = true;
    popover.hidden = false;
    popover.querySelector("[data-tag-filter]").focus();
  }

  function close() {
    popover.hidden = true;
    popover.reset();
    filterTags("");
  }

  function filterTags(value) {
    var needle = value.trim().toLowerCase();
    popover.querySelectorAll("[data-tag-name]").forEach(function (label) {
      label.hidden = needle && label.dataset.tagName.indexOf(needle) === -1;
    });
  }

  document.addEventListener("mouseup", function () { setTimeout(refreshButton, 0); });
  document.addEventListener("keyup", function (event) {
    if (event.key === "Shift" || event.key.indexOf("Arrow") === 0) refreshButton();
  });
  document.addEventListener("keydown", function (event) {
    var typing = /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName);
    if ((event.key === "h" || event.key === "H") && !typing && !event.ctrlKey && !event.metaKey && popover.hidden) {
      pending = readSelection();
      if (pending) { event.preventDefault(); open(); }
    } else if (event.key === "Escape" && !popover.hidden) {
      close();
    }
  });
  button.addEventListener("mousedown", function (event) { event.preventDefault(); });
  button.addEventListener("click", open);
  popover.querySelector("[data-popover-close]").addEventListener("click", close);
  var tagInput = popover.querySelector("[data-tag-filter]");
  tagInput.addEventListener("input", function () { filterTags(tagInput.value); });
  tagInput.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    // Enter on an exact existing name ticks it instead of creating a duplicate.
    var name = tagInput.value.trim().toLowerCase();
    var match = name && popover.querySelector('[data-tag-name="' + CSS.escape(name) + '"] input');
    if (match) {
      event.preventDefault();
      match.checked = true;
      tagInput.value = "";
      filterTags("");
    }
  });
})();

// Scroll a focused highlight (?h=...) into view in the side list.
(function () {
  "use strict";
  var focused = document.querySelector(".highlight-item.is-focused");
  if (focused) focused.scrollIntoView({ block: "nearest" });
})();

// Message check: pick highlights found by search into the form (kept when the search changes).
(function () {
  "use strict";
  var chosen = document.querySelector("[data-chosen-highlights]");
  if (!chosen) return;
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-pick-highlight]");
    if (!box || !box.checked) return;
    if (chosen.querySelector('input[value="' + box.value + '"]')) return;
    var item = document.createElement("li");
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "highlights";
    hidden.value = box.value;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn btn-sm btn-ghost";
    remove.dataset.unpick = "";
    remove.textContent = "Remove";
    item.appendChild(hidden);
    item.appendChild(document.createTextNode("“" + box.dataset.label + "” "));
    item.appendChild(remove);
    chosen.appendChild(item);
  });
  chosen.addEventListener("click", function (event) {
    if (event.target.closest("[data-unpick]")) event.target.closest("li").remove();
  });
})();

// Phones: the menu button opens and closes the navigation (Escape closes it and returns focus).
(function () {
  "use strict";
  var toggle = document.querySelector("[data-menu-toggle]");
  if (!toggle) return;
  var sidebar = toggle.closest(".sidebar");
  function set(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    sidebar.classList.toggle("is-open", open);
  }
  toggle.addEventListener("click", function () {
    set(toggle.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      set(false);
      toggle.focus();
    }
  });
})();

// Mentions: picking a member in a comment form's list writes "@their-email " into its text.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var picker = event.target.closest("[data-mention-picker]");
    if (!picker || !picker.value) { return; }
    var field = document.getElementById(picker.dataset.mentionPicker);
    if (field) {
      var text = field.value;
      field.value = text + (text && !/\s$/.test(text) ? " " : "") + "@" + picker.value + " ";
      field.focus();
    }
    picker.value = "";
  });
})();
