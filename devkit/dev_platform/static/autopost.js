// Submit the page's one form at once; its Continue button stays for browsers without scripts.
document.getElementById("autopost").submit();
