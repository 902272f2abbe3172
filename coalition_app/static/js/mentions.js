// The mention picker of comment forms (templates/comments/_thread.html): choosing a person
// in the list writes "@Full Name " into the comment at the cursor. Without JavaScript one
// types "@" and the name; the server finds the mentions either way. No inline script.
(function () {
  "use strict";

  function insert(textarea, text) {
    var start = textarea.selectionStart || textarea.value.length;
    var end = textarea.selectionEnd || start;
    var before = textarea.value.slice(0, start);
    var spacer = before && !/\s$/.test(before) ? " " : "";
    textarea.value = before + spacer + text + textarea.value.slice(end);
    var caret = (before + spacer + text).length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    // The length counter (limits.js) follows.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function watch(picker) {
    var box = picker.closest("[data-mention-target]");
    var textarea = box && document.getElementById(box.getAttribute("data-mention-target"));
    var list = document.getElementById(picker.getAttribute("list"));
    if (!textarea || !list) {
      return;
    }
    function choose() {
      var name = picker.value.trim();
      var known = Array.prototype.some.call(list.options, function (option) {
        return option.value === name;
      });
      if (known) {
        // Emptied first: moving the focus to the comment fires "change" again.
        picker.value = "";
        insert(textarea, "@" + name + " ");
      }
    }
    picker.addEventListener("change", choose);
    picker.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // never sends the comment half-written
        choose();
      }
    });
  }

  function start() {
    var pickers = document.querySelectorAll("[data-mention-picker]");
    for (var i = 0; i < pickers.length; i++) {
      watch(pickers[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
