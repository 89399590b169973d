// The few things a server cannot know: the browser's time zone. No other script runs on the portal's pages.
(function () {
  "use strict";
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && document.cookie.indexOf("flipside_time_zone=" + encodeURIComponent(zone)) === -1) {
    document.cookie = "flipside_time_zone=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
  }
  document.addEventListener("DOMContentLoaded", function () {
    // A time zone field left empty starts at the browser's zone.
    document.querySelectorAll("[data-browser-time-zone]").forEach(function (field) {
      if (!field.value && zone) {
        field.value = zone;
      }
    });
    // A slider shows its value as it moves (the policy's weights).
    document.querySelectorAll("input[type=range]").forEach(function (slider) {
      var shown = document.querySelector("output[for='" + slider.id + "']");
      if (shown) {
        slider.addEventListener("input", function () {
          shown.textContent = slider.value;
        });
      }
    });
    // A button that ends something (cancel, decline, dissolve) asks first.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  });
})();
