/* Pair this tablet: check the token from the link's fragment, keep it, open the kiosk. */
(function () {
  "use strict";
  var screen = document.getElementById("pair");
  var status = screen.querySelector(".pair-status");
  var open = screen.querySelector("a.primary");
  var token = decodeURIComponent(location.hash.slice(1));
  history.replaceState(null, "", location.pathname);  // keep the token out of the history
  function say(text) { status.textContent = text; }
  if (!token) { say(screen.getAttribute("data-bad")); return; }
  fetch("/api/kiosk/hello", { method: "POST", headers: { "Authorization": "Bearer " + token } })
    .then(function (res) {
      if (res.status === 401) { say(screen.getAttribute("data-bad")); return; }
      if (!res.ok) throw new Error("HTTP " + res.status);
      return res.json().then(function (hello) {
        localStorage.setItem("skm-kiosk-token", token);
        localStorage.setItem("skm-kiosk-name", hello.kiosk);
        say(screen.getAttribute("data-ok").replace("{name}", hello.kiosk));
        open.hidden = false;
        setTimeout(function () { location.replace(open.href); }, 1500);
      });
    })
    .catch(function () { say(screen.getAttribute("data-offline")); });
})();
