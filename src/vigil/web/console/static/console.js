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
