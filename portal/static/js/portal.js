// Small enhancements for pages that already work without JavaScript.
(function () {
  "use strict";

  // The error summary takes focus, so screen readers hear the problems first.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) { summary.focus(); }
  }

  // After htmx replaces what the person was working on, focus must not fall back to the page's
  // start: a new error summary takes it, else the element the server marked (the form's heading).
  function focusAfterSwap() {
    var target = document.querySelector("[data-focus-on-load]") || document.querySelector("[data-focus-after-swap]");
    if (target) { target.focus(); }
  }

  // "You have 12 characters left" as the person types, announced politely.
  function initCharacterCounts(root) {
    root.querySelectorAll("textarea[maxlength]").forEach(function (textarea) {
      var status = document.getElementById(textarea.id + "-count-status");
      if (!status) { return; }
      var max = parseInt(textarea.getAttribute("maxlength"), 10);
      var template = status.getAttribute("data-template") || "{n}";
      var update = function () {
        status.textContent = template.replace("{n}", String(max - textarea.value.length));
      };
      textarea.addEventListener("input", update);
      update();
    });
  }

  // The idle-timeout warning (WCAG 2.2.1): a dialog before the session ends,
  // with a way to stay signed in. Without JavaScript the server's timeout
  // page does the same job on the next request.
  function initTimeoutDialog() {
    var dialog = document.querySelector("dialog.timeout-dialog");
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    var idle = parseInt(dialog.getAttribute("data-idle-seconds"), 10) * 1000;
    var warn = parseInt(dialog.getAttribute("data-warn-seconds"), 10) * 1000;
    var signedOutUrl = dialog.getAttribute("data-signed-out-url");
    var countdown = dialog.querySelector(".timeout-dialog__countdown");
    var live = dialog.querySelector("[aria-live]");
    var extendForm = dialog.querySelector("form[data-timeout-extend]");
    var warnTimer, endTimer, tick, deadline;
    var lastFocus = null;

    function minutesText(ms) {
      var seconds = Math.max(0, Math.ceil(ms / 1000));
      var template = seconds >= 60 ? countdown.getAttribute("data-minutes") : countdown.getAttribute("data-seconds");
      var value = seconds >= 60 ? Math.ceil(seconds / 60) : seconds;
      return (template || "{n}").replace("{n}", String(value));
    }

    function schedule() {
      clearTimeout(warnTimer); clearTimeout(endTimer); clearInterval(tick);
      deadline = Date.now() + idle;
      warnTimer = setTimeout(open, Math.max(0, idle - warn));
      endTimer = setTimeout(function () {
        var next = window.location.pathname + window.location.search;
        window.location.href = signedOutUrl + "?reason=idle&next=" + encodeURIComponent(next);
      }, idle);
    }

    function open() {
      lastFocus = document.activeElement;
      countdown.textContent = minutesText(deadline - Date.now());
      dialog.showModal();
      if (live) { live.textContent = dialog.querySelector("h2").textContent + " " + countdown.textContent; }
      var lastAnnounced = countdown.textContent;
      tick = setInterval(function () {
        countdown.textContent = minutesText(deadline - Date.now());
        // Announce each minute, then the last 30 seconds once, not every second.
        var remaining = deadline - Date.now();
        if (live && countdown.textContent !== lastAnnounced && (remaining > 59000 || Math.abs(remaining - 30000) < 1000)) {
          live.textContent = countdown.textContent;
          lastAnnounced = countdown.textContent;
        }
      }, 1000);
    }

    function stay(event) {
      if (event) { event.preventDefault(); }
      var body = new FormData(extendForm);
      fetch(extendForm.action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        if (response.status === 204) {
          clearInterval(tick);
          dialog.close();
          if (lastFocus && lastFocus.focus) { lastFocus.focus(); }
          schedule();
        } else {
          extendForm.submit();
        }
      }, function () { extendForm.submit(); });
    }

    if (extendForm) { extendForm.addEventListener("submit", stay); }
    // Escape means "not now", the same as staying signed in.
    dialog.addEventListener("cancel", stay);
    document.body.addEventListener("htmx:afterRequest", schedule);
    schedule();
  }

  // An answer htmx does not swap (the service busy, 503; an error, 500) is a whole page: show it as
  // the browser would without htmx, with the focus on its heading, rather than nothing at all.
  function showErrorPage(event) {
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status < 500 || !xhr.responseText) { return; }
    var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    if (!page.body) { return; }
    document.title = page.title;
    document.body.replaceWith(document.importNode(page.body, true));
    var heading = document.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  function init() {
    document.body.addEventListener("htmx:responseError", showErrorPage);
    focusErrorSummary();
    initCharacterCounts(document);
    initTimeoutDialog();
    document.body.addEventListener("htmx:afterSwap", function (event) {
      initCharacterCounts(event.target);
      focusAfterSwap();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
