/* The layout's three behaviours that used Bootstrap's script (80 KB, a long task of a third
   of a second on a phone before any page answered, issue 17): the menu button that opens
   the collapsed navigation, the "More" drop-down, and the close button of flashed messages.
   The markup keeps Bootstrap's data-bs-* attributes and classes, so the trimmed stylesheet
   styles them as before. One delegated listener per event, on the document. */
(function () {
  "use strict";

  function openMenus() {
    return document.querySelectorAll('[data-bs-toggle="dropdown"][aria-expanded="true"]');
  }

  function menuOf(toggle) {
    return toggle.parentElement.querySelector(".dropdown-menu");
  }

  function setDropdown(toggle, open) {
    var menu = menuOf(toggle);
    toggle.classList.toggle("show", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("show", open);
    if (open) {
      // In a navigation bar Bootstrap places the menu by CSS alone (no Popper).
      menu.setAttribute("data-bs-popper", "static");
    }
  }

  function closeAll(except) {
    openMenus().forEach(function (toggle) {
      if (toggle !== except) {
        setDropdown(toggle, false);
      }
    });
  }

  document.addEventListener("click", function (event) {
    var collapse = event.target.closest('[data-bs-toggle="collapse"]');
    if (collapse) {
      var target = document.querySelector(collapse.getAttribute("data-bs-target"));
      var open = !target.classList.contains("show");
      target.classList.toggle("show", open);
      collapse.classList.toggle("collapsed", !open);
      collapse.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    var dropdown = event.target.closest('[data-bs-toggle="dropdown"]');
    if (dropdown) {
      closeAll(dropdown);
      setDropdown(dropdown, dropdown.getAttribute("aria-expanded") !== "true");
      return;
    }
    var dismiss = event.target.closest('[data-bs-dismiss="alert"]');
    if (dismiss) {
      dismiss.closest(".alert").remove();
      return;
    }
    closeAll(null);  // a click anywhere else closes an open drop-down
  });

  document.addEventListener("keydown", function (event) {
    var open = openMenus();
    if (!open.length) {
      return;
    }
    var toggle = open[0];
    if (event.key === "Escape") {
      setDropdown(toggle, false);
      toggle.focus();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
      return;
    }
    // The arrow keys move through the menu's items, as in Bootstrap's.
    var items = Array.prototype.slice.call(menuOf(toggle).querySelectorAll(".dropdown-item"));
    var index = items.indexOf(document.activeElement);
    var step = event.key === "ArrowDown" ? 1 : -1;
    var next = index < 0 ? (step > 0 ? 0 : items.length - 1) : index + step;
    if (items[next]) {
      event.preventDefault();
      items[next].focus();
    }
  });

  // Focus leaving the drop-down (Tab past its last item) closes it.
  document.addEventListener("focusin", function (event) {
    openMenus().forEach(function (toggle) {
      if (!toggle.parentElement.contains(event.target)) {
        setDropdown(toggle, false);
      }
    });
  });
}());
