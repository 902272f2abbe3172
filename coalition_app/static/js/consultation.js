// The consultation's voting card. Without JavaScript the form posts and the page comes
// back with the next statement. With it, the page hands over its queue (#vote-queue: the
// next statements, then a batch from `more` whenever few are left): each card is drawn
// from data at once (textContent: the browser escapes the texts), and each vote is posted,
// in order, to the lean endpoint as a tiny JSON body with the participant's vote token.
(function () {
  "use strict";
  var card = document.getElementById("vote-card");
  var source = document.getElementById("vote-queue");
  if (!card || !source || !window.fetch || !window.Promise) { return; }
  var form = card.querySelector(".vote-form");
  if (!form) { return; }
  var queue = JSON.parse(source.textContent);
  var cards = queue.cards;
  var done = queue.done;
  var seen = {};
  cards.forEach(function (c) { seen[c.id] = true; });
  var text = document.getElementById("statement-text");
  var progress = document.getElementById("vote-progress");
  var bar = card.querySelector(".progress");
  var fill = card.querySelector(".progress-bar");
  var chosen = form.querySelector('input[name="statement"]');
  var buttons = form.querySelectorAll("button");
  var sending = Promise.resolve();  // votes and batch requests go one after the other
  var fetching = false;
  var waiting = false;
  var failed = false;
  var LOW = 3;

  function request(url, options) {
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response;
    });
  }

  function setBusy(busy) {
    buttons.forEach(function (b) { b.disabled = busy; });
  }

  function show() {
    progress.textContent = queue.progress.replace("{done}", done).replace("{total}", queue.total);
    bar.setAttribute("aria-valuenow", done);
    bar.setAttribute("aria-valuemax", queue.total);
    fill.className = "progress-bar w-pct-" + (queue.total ? Math.round(done * 100 / queue.total) : 0);
    waiting = false;
    if (cards.length) {
      chosen.value = cards[0].id;
      text.textContent = cards[0].text;
      setBusy(false);
      text.setAttribute("tabindex", "-1");
      text.focus();
    } else if (done >= queue.total) {
      var finished = document.createElement("div");
      finished.className = "alert alert-success";
      finished.textContent = queue.finished;
      finished.setAttribute("tabindex", "-1");
      card.querySelector(".vote-card").replaceWith(finished);
      finished.focus();
    } else {
      waiting = true;  // the next batch is on its way
      setBusy(true);
    }
  }

  // A vote the endpoint refused (the consultation closed, too many votes, a lost session):
  // the plain form posts it again, and the page that comes back says why.
  function fallBack(statement, vote) {
    if (failed) { return; }
    failed = true;
    chosen.value = statement;
    var value = document.createElement("input");
    value.type = "hidden";
    value.name = "vote";
    value.value = vote;
    form.appendChild(value);
    form.submit();
  }

  function more() {
    if (fetching || failed || cards.length > LOW || done + cards.length >= queue.total) { return; }
    fetching = true;
    sending = sending.then(function () {
      return request(queue.more, { headers: { "Accept": "application/json" } });
    }).then(function (response) {
      return response.json();
    }).then(function (batch) {
      fetching = false;
      queue.total = batch.total;
      batch.cards.forEach(function (c) {
        if (!seen[c.id]) { seen[c.id] = true; cards.push(c); }
      });
      if (!cards.length) { done = Math.max(done, queue.total); }  // nothing is left
      if (waiting) { show(); }
    }).catch(function () {
      fetching = false;
      if (waiting && !failed) { window.location.reload(); }  // the page shows the next card
    });
  }

  card.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (event.target !== form || !button || !cards.length || failed) { return; }
    event.preventDefault();
    var current = cards.shift();
    var body = JSON.stringify({ statement: current.id, vote: button.value });
    done += 1;
    sending = sending.then(function () {
      return request(queue.vote, {
        method: "POST",
        body: body,
        headers: {
          "Accept": "application/json",
          "Content-Type": "application/json",
          "X-Vote-Token": queue.token
        }
      });
    }).catch(function () { fallBack(current.id, button.value); });
    show();
    more();
  });
})();
