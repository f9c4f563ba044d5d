// Workspace behaviour that needs script; every page works without it.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // Copy buttons stay hidden without script: the field itself can still be selected.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = "Copied";
      }, function () {
        field.select();
      });
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
