// Progressive enhancement only: every page works without JavaScript.
// Submitting the language form when the select changes saves a click; the button stays for no-JS users.
document.addEventListener("change", (event) => {
  if (event.target.matches("form.language select")) {
    event.target.form.requestSubmit();
  }
});

// A button with data-requires-checked="<checkbox id>" stays disabled until that box is ticked
// (the withdrawal's "Confirm withdrawal"); without JavaScript the server refuses an unticked box.
function syncRequiredChecks() {
  document.querySelectorAll("[data-requires-checked]").forEach((button) => {
    const box = document.getElementById(button.dataset.requiresChecked);
    if (box) button.disabled = !box.checked;
  });
}
document.addEventListener("DOMContentLoaded", syncRequiredChecks);
document.addEventListener("change", syncRequiredChecks);
