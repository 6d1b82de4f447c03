// Small behaviours of Pilotage's pages. No inline script anywhere: the
// Content-Security-Policy allows only files served by Pilotage itself.
(function () {
  "use strict";
  function copyButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (button.dataset.bound) return;
      button.dataset.bound = "1";
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        if (!source || !navigator.clipboard) return;
        navigator.clipboard.writeText(source.textContent).then(function () {
          var label = button.textContent;
          button.textContent = "✓";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { copyButtons(document); });
  document.addEventListener("htmx:afterSettle", function (e) { copyButtons(e.target); });
})();
