// Sicca clinic: the few behaviours HTMX does not cover (no build step, no dependencies).
(function () {
  "use strict";
  // An ESSPRI slider is off (not reported) until its "rated" box is ticked.
  document.addEventListener("change", function (ev) {
    var box = ev.target;
    if (!box.matches || !box.matches("input[data-toggles]")) return;
    var slider = document.getElementsByName(box.getAttribute("data-toggles"))[0];
    if (!slider) return;
    slider.disabled = !box.checked;
    var out = document.querySelector('output[data-for="' + slider.name + '"]');
    if (out) out.textContent = box.checked ? slider.value : "\u2013";
  });
  document.addEventListener("input", function (ev) {
    var el = ev.target;
    if (!el.matches || !el.matches('input[type="range"]')) return;
    var out = document.querySelector('output[data-for="' + el.name + '"]');
    if (out) out.textContent = el.value;
  });
  // The live score carries the form's errors: put each next to its field.
  document.addEventListener("htmx:afterSettle", function () {
    var data = document.getElementById("preview-errors");
    if (!data) return;
    var errors = JSON.parse(data.textContent || "{}");
    document.querySelectorAll("#visit .field-error").forEach(function (span) {
      var msg = errors[span.getAttribute("data-for")] || "";
      span.textContent = msg;
      var box = span.closest(".field, .attr, tr");
      if (box) box.classList.toggle("has-error", !!msg);
    });
  });
})();
