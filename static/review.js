/* ASC Rounds: the expert's scoring form.
 *
 * htmx saves the form on every change (hx-post, hx-trigger on the form). htmx drops 4xx responses by default;
 * a refusal the server explains (a stale version, points out of range, a locked review: marked with the
 * X-Review-Error header) is swapped into the status line instead. Once the form is submitted the ordinary
 * way (Save draft, Submit), a pending autosave is not sent, so it cannot make that submission stale.
 * No inline script (the CSP forbids it), no libraries.
 */
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("review-form");
    if (!form) { return; }
    var leaving = false;

    form.addEventListener("htmx:beforeSwap", function (event) {
      var xhr = event.detail.xhr;
      if (xhr && xhr.status >= 400 && xhr.getResponseHeader("X-Review-Error")) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });

    form.addEventListener("submit", function () { leaving = true; });

    form.addEventListener("htmx:beforeRequest", function (event) {
      if (leaving) { event.preventDefault(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
