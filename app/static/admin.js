// Workspace behaviour that needs script; every page works without it.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // Copy a link's address (from a text field or from the page's text): the button
  // appears only where the script runs; without it the address can still be selected.
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
      var isField = source.value !== undefined;
      var text = (isField ? source.value : source.textContent).trim();
      var selectIt = function () {
        if (isField) { source.select(); return window.getSelection(); }
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
