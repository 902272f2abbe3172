// The API documentation (templates/api/_docs_body.html) keeps each route's and schema's tables
// behind a disclosure, so that a phone lays out the headings only (issue 17). A link to a
// route or a schema (the list of routes, a type in a table), or an address with its anchor,
// opens the tables of the card it leads to. No inline script: served from /static under a
// strict CSP.
(function () {
  "use strict";

  function open(id) {
    var card = id && document.getElementById(id);
    if (!card) {
      return;
    }
    var details = card.querySelector("details.api-details");
    if (details) {
      details.open = true;
    }
  }

  function fromHash() {
    try {
      open(decodeURIComponent(window.location.hash.slice(1)));
    } catch (error) {
      // A malformed anchor leads nowhere.
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    if (link) {
      open(link.getAttribute("href").slice(1));
    }
  });
  window.addEventListener("hashchange", fromHash);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fromHash);
  } else {
    fromHash();
  }
})();
