/* Campus Booking: a few lines of progressive enhancement. Every page works without them. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var form = document.querySelector("[data-booking-form]");

    // A free slot in the week fills the booking form instead of reloading the page.
    var slots = Array.prototype.slice.call(document.querySelectorAll(".timeline .slot"));
    slots.forEach(function (slot) {
      slot.addEventListener("click", function (event) {
        if (!form) return;
        event.preventDefault();
        form.querySelector("[name=start]").value = slot.dataset.start;
        form.querySelector("[name=end]").value = slot.dataset.end;
        slots.forEach(function (s) { s.removeAttribute("aria-current"); });
        slot.setAttribute("aria-current", "true");
        var title = form.querySelector("[name=title]");
        form.scrollIntoView({ behavior: "smooth", block: "start" });
        title.focus({ preventScroll: true });
      });
      // Arrow keys move between free hours: up/down in a day, left/right across days.
      slot.addEventListener("keydown", function (event) {
        var keys = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"];
        if (keys.indexOf(event.key) < 0) return;
        event.preventDefault();
        var index = slots.indexOf(slot);
        var target = null;
        if (event.key === "ArrowDown") target = slots[index + 1];
        if (event.key === "ArrowUp") target = slots[index - 1];
        if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
          var day = slot.closest(".day");
          var sibling = event.key === "ArrowRight" ? day.nextElementSibling : day.previousElementSibling;
          while (sibling && !sibling.querySelector(".slot")) {
            sibling = event.key === "ArrowRight" ? sibling.nextElementSibling : sibling.previousElementSibling;
          }
          if (sibling) {
            var time = slot.dataset.start.slice(11);
            var candidates = sibling.querySelectorAll(".slot");
            target = candidates[0];
            candidates.forEach(function (c) { if (c.dataset.start.slice(11) <= time) target = c; });
          }
        }
        if (target) target.focus();
      });
    });

    // The repetition's details show only when "repeat" is ticked.
    var repeat = document.querySelector("[name=repeat]");
    var details = document.querySelector(".repeat-details");
    if (repeat && details) {
      var sync = function () { details.hidden = !repeat.checked; };
      repeat.addEventListener("change", sync);
      sync();
    }

    // Copy buttons (calendar links).
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.copy);
        var status = document.getElementById("copy-status");
        var done = function () {
          var label = button.textContent;
          button.textContent = button.dataset.copied;
          if (status) status.textContent = button.dataset.copied;
          setTimeout(function () { button.textContent = label; }, 2000);
        };
        input.select();
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(done, function () {
            document.execCommand("copy");
            done();
          });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });

    // Ask before destructive buttons.
    document.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
