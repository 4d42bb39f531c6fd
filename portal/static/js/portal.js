// Small enhancements for pages that already work without JavaScript.
(function () {
  "use strict";

  // The error summary (or a success banner) takes focus, so screen readers hear it first.
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

  // "Characters left: 12" shown at every keystroke, and told to screen readers once typing pauses:
  // a live region changed at every keystroke is read out at every keystroke, over the typing.
  var ANNOUNCE_AFTER_MS = 1000;

  function initCharacterCounts(root) {
    root.querySelectorAll("textarea[maxlength]").forEach(function (textarea) {
      var status = document.getElementById(textarea.id + "-count-status");
      if (!status || textarea.hasAttribute("data-counted")) { return; }
      textarea.setAttribute("data-counted", "");
      var live = document.getElementById(textarea.id + "-count-live");
      var max = parseInt(textarea.getAttribute("maxlength"), 10);
      var template = status.getAttribute("data-template") || "{n}";
      var pause;
      var text = function () { return template.replace("{n}", String(max - textarea.value.length)); };
      textarea.addEventListener("input", function () {
        status.textContent = text();
        clearTimeout(pause);
        if (live) { pause = setTimeout(function () { live.textContent = text(); }, ANNOUNCE_AFTER_MS); }
      });
      status.textContent = text();
    });
  }

  // A table's scroll box is a Tab stop (and a named group) only while it scrolls: one that fits
  // would be an empty stop between the page's controls. Without JavaScript every box keeps them.
  function initScrollRegions(root) {
    root.querySelectorAll("[data-scroll-region]:not([data-scroll-watched])").forEach(function (box) {
      box.setAttribute("data-scroll-watched", "");
      var observer = null;
      var update = function () {
        if (!box.isConnected) {  // swapped out by htmx
          if (observer) { observer.disconnect(); }
          return;
        }
        if (box.scrollWidth > box.clientWidth + 1) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "group");
          box.setAttribute("aria-labelledby", box.getAttribute("data-labelledby"));
        } else {
          if (document.activeElement === box) { box.blur(); }
          box.removeAttribute("tabindex");
          box.removeAttribute("role");
          box.removeAttribute("aria-labelledby");
        }
      };
      update();
      // The box or its table changes size with the window, the zoom and the text size.
      if (typeof ResizeObserver === "function") {
        observer = new ResizeObserver(update);
        observer.observe(box);
        if (box.firstElementChild) { observer.observe(box.firstElementChild); }
      }
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
      // showModal() focuses "Stay signed in". Zoomed in, the dialog is taller than the window and
      // scrolls, and that focus would scroll the title and the countdown out of view: then the
      // dialog starts at its top with the focus on its title, one Tab before the button.
      var title = dialog.querySelector(".timeout-dialog__title");
      if (title && dialog.scrollTop > 0) {
        title.setAttribute("tabindex", "-1");
        title.focus({ preventScroll: true });
        dialog.scrollTop = 0;
      }
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
    initScrollRegions(document);
    initTimeoutDialog();
    document.body.addEventListener("htmx:afterSwap", function (event) {
      // An outerHTML swap leaves event.target out of the document: look at the whole page then.
      var root = event.target && event.target.isConnected ? event.target : document;
      initCharacterCounts(root);
      initScrollRegions(root);
      focusAfterSwap();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
