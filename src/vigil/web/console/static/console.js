// Progressive enhancement only: every page works without this file (forms post as usual).
(function () {
  "use strict";
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Reveal one preview: the server journals it first; the blur goes only when that succeeded.
  document.querySelectorAll("button.reveal").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-target"));
      fetch(button.getAttribute("data-url"), {
        method: "POST",
        headers: { "X-CSRF-Token": csrf() },
        credentials: "same-origin",
      }).then(function (response) {
        if (response.ok && target) {
          target.classList.remove("blurred");
          target.classList.add("revealed");
          button.disabled = true;
        }
      });
    });
  });

  // Videos never play by themselves and start muted, whatever the browser remembers.
  document.querySelectorAll("video").forEach(function (video) {
    video.autoplay = false;
    video.muted = true;
  });

  // Keys 1-9 choose the assessment category (not while typing in a field).
  var form = document.getElementById("assess-form");
  if (form) {
    document.addEventListener("keydown", function (event) {
      var tag = (event.target && event.target.tagName) || "";
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.ctrlKey || event.metaKey || event.altKey) {
        return;
      }
      var radio = form.querySelector('input[data-key="' + event.key + '"]');
      if (radio) {
        radio.checked = true;
        radio.focus();
      }
    });
  }

  // The grid: J/K move between cases, 1-9 choose a category, 0 not illegal, X undecided; after a
  // choice the next case takes the focus. Plain radio buttons underneath: Tab and arrows work without this.
  var grid = document.getElementById("grid-form");
  if (grid) {
    // A tile without choices (another analyst has the case open) is skipped.
    var tiles = Array.prototype.slice.call(grid.querySelectorAll("li.tile")).filter(function (tile) {
      return tile.querySelector("input[type=radio]") !== null;
    });
    var at = -1;
    var mark = function (index) {
      tiles.forEach(function (tile, i) { tile.classList.toggle("current", i === index); });
      at = index;
    };
    var go = function (index) {
      if (index < 0 || index >= tiles.length) {
        return;
      }
      var radio = tiles[index].querySelector("input:checked") || tiles[index].querySelector("input");
      if (radio) {
        radio.focus();
      }
      mark(index);
    };
    // The current case is the one holding the focus (none when the focus is elsewhere on the page).
    var focused = function () {
      for (var i = 0; i < tiles.length; i++) {
        if (tiles[i].contains(document.activeElement)) {
          return i;
        }
      }
      return -1;
    };
    grid.addEventListener("focusin", function () { mark(focused()); });
    grid.addEventListener("focusout", function () { window.setTimeout(function () { mark(focused()); }, 0); });
    document.addEventListener("keydown", function (event) {
      var target = event.target || {};
      var typing = (target.tagName === "INPUT" && target.type !== "radio") || target.tagName === "TEXTAREA" || target.tagName === "SELECT";
      if (typing || event.ctrlKey || event.metaKey || event.altKey) {
        return;
      }
      var key = event.key.toLowerCase();
      at = focused();
      if (key === "j" || key === "k") {
        event.preventDefault();
        go(at < 0 ? (key === "j" ? 0 : tiles.length - 1) : at + (key === "j" ? 1 : -1));
        return;
      }
      if (at < 0) {
        return;
      }
      var radio = tiles[at].querySelector('input[data-key="' + key + '"]');
      if (radio) {
        event.preventDefault();
        radio.checked = true;
        go(Math.min(at + 1, tiles.length - 1));
      }
    });
  }

  // The break reminder: after the configured reviewing time, a gentle note (never a blocking dialog).
  var body = document.body;
  var since = body.getAttribute("data-review-since");
  var minutes = parseFloat(body.getAttribute("data-break-minutes") || "0");
  var note = document.getElementById("break-reminder");
  if (since && minutes > 0 && note) {
    var due = new Date(since).getTime() + minutes * 60000 - Date.now();
    window.setTimeout(function () { note.hidden = false; }, Math.max(0, due));
    var later = document.getElementById("break-later");
    if (later) {
      later.addEventListener("click", function () { note.hidden = true; });
    }
  }
})();
