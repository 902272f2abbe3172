// PurgeCSS (run by scripts/vendor-assets.sh from the repository's root): Bootstrap's
// stylesheet trimmed to the classes that the templates, our scripts and the Python code
// (forms, Markdown) name. Its untrimmed file is kept beside this one (bootstrap.min.css), so
// that tests/core/test_trimmed_css.py can tell a class a new template uses but the trimmed
// file lacks: run `make vendor` then.
module.exports = {
  content: ["templates/**/*.html", "coalition_app/static/js/*.js", "coalition_app/**/*.py"],
  safelist: {
    standard: [
      // Built from a value in the templates: "alert-{{ category }}", "btn-{{ look }}",
      // "text-bg-{{ colours[status] }}", "bg-{{ sector.slug }}".
      /^alert-/,
      /^btn-/,
      /^text-bg-/,
      /^bg-/,
      // Added by Bootstrap's script for the components we use (collapse, dropdown, alert).
      "show",
      "collapsing",
      "fade",
    ],
    // Set by Bootstrap's dropdown in the navigation bar (data-bs-popper="static").
    greedy: [/data-bs-popper/],
  },
  // Set by WTForms on a multiple choice, never written in a template.
  dynamicAttributes: ["multiple"],
  // Custom properties, keyframes and font faces are kept whole (PurgeCSS's default).
};
