// Drag-and-drop onto the upload box: the dropped files become the file input's files; the form is still
// submitted with the button (works without JavaScript too).
(function () {
  "use strict";
  function setup(zone) {
    var input = zone.querySelector('input[type="file"]');
    var shown = zone.querySelector("[aria-live]");
    if (!input) { return; }
    function describe() {
      if (!shown) { return; }
      var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
      shown.textContent = names.length ? "Đã chọn " + names.length + " tệp: " + names.join(", ") : "";
    }
    ["dragenter", "dragover"].forEach(function (kind) {
      zone.addEventListener(kind, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (kind) {
      zone.addEventListener(kind, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        describe();
      }
    });
    input.addEventListener("change", describe);
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".drop"), setup);
  });
})();
