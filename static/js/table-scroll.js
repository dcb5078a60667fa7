// A table wider than its box scrolls inside it (portal/_tables.scss): say so
// above it, with how many columns there are, for as long as it does. The
// faint shadow at the edge alone went unnoticed (issue 27).
for (const wrapper of document.querySelectorAll(".pp-table-wrapper")) {
  const columns = wrapper.querySelectorAll("thead th").length;
  const hint = document.createElement("p");
  hint.className = "govuk-body-s pp-table-wrapper__hint";
  hint.textContent = `Scroll the table sideways to see all ${columns} columns`;
  hint.hidden = true;
  wrapper.before(hint);
  const update = () => {
    hint.hidden = wrapper.scrollWidth <= wrapper.clientWidth + 1;
  };
  // Also when a closed "Show the data" opens: its table gets a width then.
  new ResizeObserver(update).observe(wrapper);
}
