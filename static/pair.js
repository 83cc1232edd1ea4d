/* Pair this tablet: check the token from the link's fragment, keep it, open the kiosk. */
"use strict";

// A block, not a module: a classic script like the kiosk's, with its names kept local.
{
  const screen = document.getElementById("pair");
  const status = screen.querySelector(".pair-status");
  const open = screen.querySelector("a.primary");
  const say = (text) => { status.textContent = text; };

  /** Ask the server about the token; keep it and open the kiosk only if the server knows it. */
  async function pair(token) {
    if (!token) { say(screen.dataset.bad); return; }
    try {
      const res = await fetch("/api/kiosk/hello",
                              { method: "POST", headers: { Authorization: `Bearer ${token}` } });
      if (res.status === 401) { say(screen.dataset.bad); return; }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const hello = await res.json();
      localStorage.setItem("skm-kiosk-token", token);
      say(screen.dataset.ok.replace("{name}", hello.kiosk));
      open.hidden = false;
      setTimeout(() => location.replace(open.href), 1500);
    } catch (err) {
      say(screen.dataset.offline);
    }
  }

  const token = decodeURIComponent(location.hash.slice(1));
  history.replaceState(null, "", location.pathname);  // keep the token out of the history
  pair(token);
}
