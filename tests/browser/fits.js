// The check of tests/browser/test_every_width.py, run in the page: returns what does not fit.
// (A file of its own so it reads as JavaScript; the test passes it to page.evaluate.)
() => {
  const vw = window.innerWidth;
  const problems = [];
  const doc = document.scrollingElement;
  if (doc.scrollWidth > vw) {
    problems.push(`the page scrolls sideways: ${doc.scrollWidth}px wide in ${vw}px`);
  }
  const describe = (el) => {
    const text = (el.tagName === 'SELECT' ? (el.selectedOptions[0] || {}).text || ''
      : el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    const id = el.id ? '#' + el.id : '';
    return `<${el.tagName.toLowerCase()}${id}> "${text.replace(/\s+/g, ' ').slice(0, 40)}"`;
  };
  if (doc.scrollWidth > vw) {
    // Name the innermost elements that stick out, so the failure says where to look.
    const out = [...document.body.querySelectorAll('*')].filter(el =>
      el.getBoundingClientRect().right > vw + 1
      && ![...el.children].some(child => child.getBoundingClientRect().right > vw + 1));
    for (const el of out.slice(0, 3)) {
      problems.push(`sticking out: <${el.tagName.toLowerCase()}.${[...el.classList].join('.')}> ${describe(el)}`);
    }
  }
  const canvas = document.createElement('canvas').getContext('2d');
  const textWidth = (el, text) => {
    const cs = getComputedStyle(el);
    canvas.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    return canvas.measureText(text).width;
  };
  // The lines an element's contents take: boxes that overlap vertically are one line (a
  // badge's padded pill beside its link's words starts a few pixels higher, on the same line).
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const rows = [];  // [top, bottom] of each line found
    for (const r of range.getClientRects()) {
      if (r.width <= 1) continue;
      const row = rows.find(([top, bottom]) => r.top < bottom - 2 && r.bottom > top + 2);
      if (row) {
        row[0] = Math.min(row[0], r.top);
        row[1] = Math.max(row[1], r.bottom);
      } else {
        rows.push([r.top, r.bottom]);
      }
    }
    return rows.length;
  };
  const SELECTOR = 'a, button, input:not([type=hidden]), select, textarea, label, th, summary, '
    + '.nav-link, .navbar-text .badge';
  for (const el of document.querySelectorAll(SELECTOR)) {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // visually hidden (screen readers only)
    const cs = getComputedStyle(el);
    const tag = el.tagName;
    // Cut by its own box.
    const textField = tag === 'TEXTAREA' || (tag === 'INPUT'
      && !['submit', 'button', 'reset', 'checkbox', 'radio', 'file'].includes(el.type));
    if (!textField && cs.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${describe(el)} is cut: ${el.scrollWidth}px of content in ${el.clientWidth}px`);
    }
    if (tag === 'SELECT' && el.selectedOptions.length && !el.multiple) {
      // The chosen option must show whole, besides the padding that holds the arrow.
      const need = textWidth(el, el.selectedOptions[0].text)
        + parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
      // A field with room for some 30 characters may cut a long name (the browser shows the
      // whole list when opened); a narrower one that cuts its choice is the layout's doing.
      if (need > el.clientWidth + 2 && el.clientWidth < 240) {
        problems.push(`${describe(el)} shows its choice cut: needs ${Math.ceil(need)}px, has ${el.clientWidth}px`);
      }
    }
    // Cut by an ancestor that hides overflow, or outside the viewport (unless inside a
    // container that scrolls, where it can be reached: then that container must be on screen).
    let reachable = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const ox = getComputedStyle(up).overflowX;
      if (ox === 'visible') continue;
      const r = up.getBoundingClientRect();
      if (ox === 'auto' || ox === 'scroll') {
        reachable = true;
        if (r.left < -1 || r.right > vw + 1) {
          problems.push(`the scroll container of ${describe(el)} runs off the screen`);
        }
        break;
      }
      if (box.left < r.left - 1 || box.right > r.right + 1) {
        problems.push(`${describe(el)} is cut by <${up.tagName.toLowerCase()}.${[...up.classList].join('.')}>`);
        reachable = true;  // said once
        break;
      }
    }
    if (!reachable && (box.left < -1 || box.right > vw + 1)) {
      problems.push(`${describe(el)} is outside the screen (${Math.round(box.left)}..${Math.round(box.right)} of ${vw})`);
    }
  }
  // A table fits its place (on a phone, as cards); below 992px a table declared genuinely wide
  // (.table-wide, such as the heat map) may scroll sideways, inside its own container.
  {
    for (const table of document.querySelectorAll(vw < 992 ? 'table:not(.table-wide)' : 'table')) {
      if (!table.checkVisibility()) continue;
      let room = vw;
      for (let up = table.parentElement; up && up !== document.body; up = up.parentElement) {
        const ox = getComputedStyle(up).overflowX;
        if (ox === 'auto' || ox === 'scroll') { room = up.clientWidth; break; }
      }
      if (table.offsetWidth > room + 1) {
        problems.push(`${describe(table.querySelector('th') || table)}'s table is ${table.offsetWidth}px wide in ${room}px: make it .table-cards or declare it .table-wide`);
      }
    }
  }
  // Chart labels: a category axis shows every name whole (Chart.js measures its labels into
  // _labelSizes; a label wider than its axis is drawn past the canvas's edge).
  for (const canvas of document.querySelectorAll('canvas')) {
    const chart = window.Chart && Chart.getChart(canvas);
    if (!chart || !canvas.checkVisibility()) continue;
    for (const scale of Object.values(chart.scales)) {
      if (scale.axis !== 'y' || scale.type !== 'category' || !scale._labelSizes) continue;
      const widest = scale._labelSizes.widest.width;
      if (widest > scale.width + 1) {
        problems.push(`chart #${canvas.id}: its ${scale.id} labels are cut (${Math.ceil(widest)}px in ${Math.floor(scale.width)}px)`);
      }
      const names = chart.data.labels.length;
      if (scale.ticks.length < names) {
        problems.push(`chart #${canvas.id}: shows ${scale.ticks.length} of its ${names} names`);
      }
    }
  }
  // The navigation's items and buttons keep their words on one line.
  for (const el of document.querySelectorAll('header .nav-link, header .navbar-text a, header button')) {
    if (!el.checkVisibility()) continue;
    if (lines(el) > 1) problems.push(`navigation item ${describe(el)} wraps onto ${lines(el)} lines`);
  }
  return [...new Set(problems)];
}
