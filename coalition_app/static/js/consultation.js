// The consultation's voting card: with JavaScript, a vote is sent with fetch and the next
// statement replaces the card without reloading the page; without it, the form posts as usual.
(function () {
  "use strict";
  var card = document.getElementById("vote-card");
  if (!card || !window.fetch) { return; }
  card.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("vote-form")) { return; }
    var button = event.submitter;
    if (!button) { return; }
    event.preventDefault();
    var data = new FormData(form);
    data.append(button.name, button.value);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) { throw new Error(result.body.error ? result.body.error.message : ""); }
      card.innerHTML = result.body.html;
      var text = document.getElementById("statement-text");
      if (text) { text.setAttribute("tabindex", "-1"); text.focus(); }
    }).catch(function () {
      // Fall back to the plain form (the page then shows the message).
      var chosen = document.createElement("input");
      chosen.type = "hidden";
      chosen.name = button.name;
      chosen.value = button.value;
      form.appendChild(chosen);
      form.submit();
    });
  });
})();
