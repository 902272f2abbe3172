// Length limits said and counted as one types (templates/macros/forms.html renders them).
// Every limited field carries data-limit and is described by "#<id>-limit", which already
// says the limit as text for those without JavaScript. Here: a live count, and a warning
// (the field marked invalid) once the text is over the limit. Nothing is ever cut: the
// server refuses what is over the limit with a message, and the text stays in the field.
// No inline script: served from /static under a strict CSP.
(function () {
  "use strict";
  // Numbers written as the page writes them (the server's "1.000" or "1,000"), so the count
  // reads like the limit above it.
  function formatter(sample) {
    var separator = sample && sample.length === 5 ? sample.charAt(1) : "";
    return function (value) {
      var digits = String(value);
      if (!separator || digits.length <= 3) {
        return digits;
      }
      return digits.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
    };
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  // Characters as the server counts them (code points, not UTF-16 units), with line breaks
  // as one character each (the server stores them as LF).
  function length(text) {
    return Array.from(text.replace(/\r\n?/g, "\n")).length;
  }

  function watch(input) {
    var limit = parseInt(input.getAttribute("data-limit"), 10);
    var box = document.getElementById(input.id + "-limit");
    if (!limit || !box || input.hasAttribute("data-limit-watched")) {
      return;
    }
    input.setAttribute("data-limit-watched", "true");
    var count = box.querySelector(".char-limit-count");
    // Read out only when the text crosses the limit, not at every keystroke.
    var alert = box.querySelector(".char-limit-alert");
    var quiet = box.getAttribute("data-quiet") === "true";
    var format = formatter(box.getAttribute("data-thousands"));
    var serverInvalid = input.classList.contains("is-invalid");
    var wasOver = null;

    function update() {
      var used = length(input.value);
      var over = used > limit;
      if (count) {
        if ((quiet || used === 0) && !over) {
          count.textContent = "";
        } else {
          var template = box.getAttribute(over ? "data-over-text" : "data-count-text") || "";
          count.textContent = fill(template, {
            count: format(used),
            limit: format(limit),
            over: format(used - limit),
          });
        }
      }
      if (over !== wasOver && alert && wasOver !== null) {
        alert.textContent = over && count ? count.textContent : "";
      }
      wasOver = over;
      box.classList.toggle("text-danger", over);
      box.classList.toggle("char-limit-over", over);
      input.classList.toggle("is-invalid", over || serverInvalid);
      input.setAttribute("aria-invalid", over || serverInvalid ? "true" : "false");
    }

    input.addEventListener("input", function () {
      serverInvalid = false; // the server's message was about what was sent, not this text
      update();
    });
    update();
  }

  function start() {
    var inputs = document.querySelectorAll("[data-limit]");
    for (var i = 0; i < inputs.length; i++) {
      watch(inputs[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
