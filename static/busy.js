/* A form that takes a while (a backup of the whole database) says so while it works:
   its button is disabled and shows the form's data-busy text until the page answers.
   Disabling the button in the submit event does not stop the form being sent. */
"use strict";
for (const form of document.querySelectorAll("form[data-busy]")) {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    button.textContent = form.dataset.busy;
  });
}
