// A task marked done is at 100 %: choosing "done" sets the percent field to 100, so that the
// form never sends "done" with another percent (the server refuses that, next to the field).
(function () {
  "use strict";
  document.querySelectorAll("form[data-done-percent]").forEach(function (form) {
    var status = form.querySelector("select[name=status]");
    var percent = form.querySelector("input[name=progress]");
    if (!status || !percent) {
      return;
    }
    status.addEventListener("change", function () {
      if (status.value === "done") {
        percent.value = "100";
      }
    });
  });
})();
