// "Use my location": fills a form's `lat` and `lon` from the device's position. The button is
// hidden in the page and shown here, so without scripts (or without geolocation) nobody sees a
// button that does nothing. Messages come from the button's data attributes (the page's language).
"use strict";
(function () {
  if (!("geolocation" in navigator)) return;
  document.querySelectorAll("[data-locate]").forEach(function (box) {
    var form = box.closest("form");
    var button = box.querySelector("button");
    var status = box.querySelector("[data-locate-status]");
    if (!form || !button || !form.elements.lat || !form.elements.lon) return;
    box.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = button.dataset.busy;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude.toFixed(6);
          form.elements.lon.value = position.coords.longitude.toFixed(6);
          status.textContent = button.dataset.done;
          button.disabled = false;
        },
        function () {
          status.textContent = button.dataset.failed;
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  });
})();
