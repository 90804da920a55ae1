// Archiver's pages work without this script; it only adds conveniences:
// local times beside UTC ones, copy buttons, and the submission form that remembers the
// API key in this browser and follows the capture. Everything it writes into the page goes
// through textContent: archived text is never parsed as HTML here.
"use strict";

(function () {
  var KEY = "archiver.apiKey";

  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      if (el.dataset.local) return;
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      el.dataset.local = "1";
      el.title = when.toLocaleString() + " (your time)";
      var span = document.createElement("span");
      span.className = "local-time";
      span.textContent = " (" + when.toLocaleString() + " your time)";
      el.after(span);
    });
  }

  function say(target, text, isProblem) {
    if (!target) return;
    target.textContent = "";
    var span = document.createElement("span");
    span.className = isProblem ? "problem" : "ok";
    span.textContent = text;
    target.appendChild(span);
  }

  function copyButtons() {
    var status = document.getElementById("copy-status");
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.dataset.copy);
      if (!source || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = source.textContent.trim();
        navigator.clipboard.writeText(text).then(
          function () {
            button.dataset.copied = text;
            var label = button.textContent;
            button.textContent = "Copied";
            say(status, "Copied to the clipboard.", false);
            setTimeout(function () { button.textContent = label; }, 2000);
          },
          function () { say(status, "The browser did not allow copying; select the text instead.", true); }
        );
      });
    });
  }

  var polls = 0;
  function refreshRecent() {
    var current = document.getElementById("recent");
    if (!current) return Promise.resolve();
    return fetch(location.pathname + location.search, { headers: { Accept: "text/html" } })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("recent");
        if (!fresh) return;
        var node = document.importNode(fresh, true);
        current.replaceWith(node);
        localTimes(node);
      })
      .catch(function () { /* the next poll tries again */ });
  }

  function followCaptures() {
    var pending = document.querySelector('#recent [data-status="pending"]');
    if (!pending || polls > 150) return;
    polls += 1;
    setTimeout(function () { refreshRecent().then(followCaptures); }, 2000);
  }

  function submitForm() {
    var form = document.getElementById("submit-form");
    if (!form) return;
    var keyInput = document.getElementById("submit-key");
    var forget = document.getElementById("forget-key");
    var hint = document.getElementById("key-hint");
    var status = document.getElementById("submit-status");
    var saved = null;
    try { saved = localStorage.getItem(KEY); } catch (e) { saved = null; }
    if (saved) {
      keyInput.value = saved;
      hint.textContent = "Your key is saved in this browser.";
      forget.hidden = false;
    }
    forget.addEventListener("click", function () {
      try { localStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
      keyInput.value = "";
      forget.hidden = true;
      hint.textContent = "The key is forgotten; type it again to submit.";
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = document.getElementById("submit-url").value.trim();
      var key = keyInput.value.trim();
      if (!key) { say(status, "Give an API key.", true); return; }
      say(status, "Submitting…", false);
      fetch("/api/v1/posts", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer " + key },
        body: JSON.stringify({ url: url })
      }).then(function (answer) {
        return answer.json().catch(function () { return {}; }).then(function (body) {
          if (answer.status === 401) {
            try { localStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
            forget.hidden = true;
          }
          if (!answer.ok) {
            say(status, body.detail || ("The service answered HTTP " + answer.status + "."), true);
            return;
          }
          try { localStorage.setItem(KEY, key); } catch (e) { /* private mode: not kept */ }
          forget.hidden = false;
          hint.textContent = "Your key is saved in this browser.";
          status.textContent = "";
          var done = document.createElement("span");
          done.className = "ok";
          done.textContent = answer.status === 202 ? "Accepted: capturing now. " : "Already archived. ";
          var link = document.createElement("a");
          link.href = "/p/" + encodeURIComponent(body.id);
          link.textContent = "Open its timeline";
          done.appendChild(link);
          status.appendChild(done);
          form.reset();
          keyInput.value = key;
          polls = 0;
          refreshRecent().then(followCaptures);
        });
      }).catch(function () { say(status, "The service could not be reached.", true); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    copyButtons();
    submitForm();
    followCaptures();
  });
})();
