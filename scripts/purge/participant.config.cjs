// PurgeCSS (run by scripts/vendor-assets.sh): Bootstrap's stylesheet trimmed further, to the
// classes of the consultation's participant pages only (the consent and voting pages, which
// phones open over slow networks; they load css/participant.css instead of Bootstrap).
// tests/consultation/test_participant_css.py reads the same template list below.
module.exports = {
  content: [
    "templates/base.html",
    "templates/layout/header.html",
    "templates/layout/footer.html",
    "templates/macros/forms.html",
    "templates/consultation/participate.html",
    "templates/consultation/join.html",
    "templates/consultation/_card.html",
    "templates/consultation/_public_header.html",
    "templates/consultation/_participant_nav.html",
    "coalition_app/static/js/consultation.js",
    "coalition_app/static/js/limits.js",
  ],
  safelist: {
    standard: [
      // Set from code rather than written in these templates: flash categories, the form
      // macros' error state, Bootstrap's own script (alerts, collapse).
      /^alert-/,
      "btn-secondary",
      "btn-outline-secondary",
      "is-invalid",
      "text-danger",
      "fade",
      "show",
      "collapsing",
    ],
    greedy: [/data-bs-popper/],
  },
};
