/* Rexian console: small keyboard helpers; everything else is plain forms and htmx. */
(function () {
  "use strict";
  // "/" focuses the page's search box, as in most staff tools; Escape leaves it.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "/" && !typing) {
      var box = document.querySelector("[data-search-box]");
      if (box) { event.preventDefault(); box.focus(); }
    }
  });
  // A link to #action-reply (from a queue) opens that action's folded form on the order page.
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
  }
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", openTarget);
  // 「并入此单」 beside the 并单 form puts the suspected original's number into the form's master field.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-fill-master]");
    var field = button && button.form && button.form.elements.namedItem("master");
    if (field) { field.value = button.getAttribute("data-fill-master"); field.focus(); }
  });
  // A category search that answers again (a late keystroke's request, or Enter after typing) must not drop the
  // leaf the user has already picked among its results: the picked radio is checked again in the new results.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var results = event.detail.target;
    if (!results || !results.classList.contains("tree-results")) { return; }
    var picked = results.querySelector("input[type=radio]:checked");
    results.dataset.picked = picked ? picked.value : "";
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var results = event.detail.target;
    var value = results && results.dataset && results.dataset.picked;
    if (!value) { return; }
    Array.prototype.forEach.call(results.querySelectorAll("input[type=radio]"), function (radio) {
      if (radio.value === value) { radio.checked = true; }
    });
  });
  // A field the user corrects after a refused save no longer shows the refusal beside it (the server checks again).
  function clearFieldError(event) {
    var field = event.target.closest && event.target.closest(".field--error");
    if (!field || event.target.type === "hidden" || !String(event.target.value || "").trim()) { return; }
    field.classList.remove("field--error");
    Array.prototype.forEach.call(field.querySelectorAll(".field-error"), function (error) { error.remove(); });
  }
  document.addEventListener("input", clearFieldError);
  document.addEventListener("change", clearFieldError);
  // Confirm destructive actions (void, merge) before they are sent.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
