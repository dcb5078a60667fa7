// "Print this page" buttons: hidden without JavaScript (the browser's own
// print still works), shown and wired up here. A file, not an inline script,
// so a Content-Security-Policy needs no 'unsafe-inline'.
for (const button of document.querySelectorAll("[data-module=pp-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
