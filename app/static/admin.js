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
  // Copy a link's address: the button appears only where the script runs.
  var copyStatus = document.getElementById("copy-status");
  function copied(button, message, done) {
    if (copyStatus) { copyStatus.textContent = message; }
    if (done) {
      var label = button.firstChild;
      var before = label.nodeValue;
      label.nodeValue = "Copied";
      window.setTimeout(function () { label.nodeValue = before; }, 2000);
    }
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.textContent.trim();
      var selectIt = function () {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        return selection;
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () {
          copied(button, "Address copied: " + text, true);
        }, function () {
          selectIt();
          copied(button, "The address is selected; press Ctrl+C or Command+C to copy it.", false);
        });
      } else {
        var selection = selectIt();
        var done = false;
        try { done = document.execCommand("copy"); } catch (e) { done = false; }
        if (done) { selection.removeAllRanges(); }
        copied(button, done ? "Address copied: " + text
          : "The address is selected; press Ctrl+C or Command+C to copy it.", done);
      }
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
