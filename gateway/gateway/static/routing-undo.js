/* The decision page while a decision waits for its undo window: counts the seconds down, then reloads the page so
   the agent sees the decision applied. Optional: without it the page says when the decision takes effect and
   reloads itself (<noscript> refresh) or offers a link. Never reloads over a form being filled in: then it says
   the decision took effect and offers the reload. No framework; served by the hub (CSP: script-src 'self'). */
(function () {
  "use strict";
  var box = document.querySelector("[data-undo-seconds]");
  if (!box) {
    return;
  }
  var left = parseInt(box.getAttribute("data-undo-seconds"), 10) || 0;
  var counter = box.querySelector("[data-undo-counter]");
  var done = box.querySelector("[data-undo-done]");
  var started = Date.now();
  var edited = false;
  var stay = /[?&]actualiser=non(&|$)/.test(window.location.search); /* the agent turned reloading off */
  var AFTER_WINDOW_MS = 2000; /* the service's sweep applies a due decision within a few seconds */

  document.addEventListener("input", function () { edited = true; });

  function remaining() {
    return Math.max(0, left - Math.floor((Date.now() - started) / 1000));
  }

  function offerReload() {
    var link = document.createElement("a");
    link.href = window.location.pathname;
    link.textContent = "Actualiser la page";
    done.textContent = "Le délai d'annulation est écoulé : la décision prend effet. ";
    done.appendChild(link);
  }

  function tick() {
    var seconds = remaining();
    if (counter) {
      counter.textContent = seconds > 0 ? "dans " + seconds + " seconde" + (seconds > 1 ? "s" : "") : "maintenant";
    }
    if (seconds > 0) {
      window.setTimeout(tick, 1000 - ((Date.now() - started) % 1000));
      return;
    }
    window.setTimeout(function () {
      if ((edited || stay) && done) {
        offerReload();
      } else {
        window.location.replace(window.location.pathname);
      }
    }, AFTER_WINDOW_MS);
  }

  tick();
}());
