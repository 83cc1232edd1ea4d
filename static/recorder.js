/* Pengaturan → Suara: record a prompt with the microphone and send it to the server. */
"use strict";

{
  const MAX_MS = 60000;  // the server takes 1 MB; a minute at 64 kbit/s is half of it
  const section = document.querySelector("[data-recorder]");
  const buttons = Array.from(document.querySelectorAll("[data-record]"));
  let recording = null;  // { recorder, button, timer } while the microphone is on

  /** Say why the microphone cannot be used here; the upload fields stay. */
  function cannot(why) {
    document.querySelector(`[data-mic="${why}"]`).hidden = false;
    buttons.forEach((b) => { b.hidden = true; });
  }

  /** Show the Record buttons where a microphone can be used: a secure context, and one there. */
  async function ready() {
    // Browsers give the microphone only to https:// pages and to http://localhost.
    if (!window.isSecureContext || !navigator.mediaDevices || !window.MediaRecorder) {
      return cannot("insecure");
    }
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    if (!devices.some((d) => d.kind === "audioinput")) return cannot("none");
    buttons.forEach((b) => { b.hidden = false; });
  }

  function status(button, text) {
    button.parentElement.querySelector("[data-status]").textContent = text;
  }

  /** Turn the microphone on and record, until Stop or a minute. */
  async function start(button) {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      return cannot(err.name === "NotFoundError" ? "none" : "denied");
    }
    const recorder = new MediaRecorder(stream, { audioBitsPerSecond: 64000 });
    const chunks = [];
    recorder.addEventListener("dataavailable", (e) => chunks.push(e.data));
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((t) => t.stop());  // the browser's microphone light goes off
      send(button, new Blob(chunks, { type: recorder.mimeType }));
    });
    recorder.start();
    recording = { recorder, button, timer: setTimeout(stop, MAX_MS) };
    button.dataset.idle = button.textContent;
    button.textContent = button.dataset.stop;
    button.classList.add("danger");
    buttons.forEach((b) => { b.disabled = b !== button; });  // one microphone, one prompt
  }

  function stop() {
    clearTimeout(recording.timer);
    recording.recorder.stop();
    recording = null;
  }

  /** Send the recording (the CSRF token in a header); the page then shows it. */
  async function send(button, blob) {
    button.disabled = true;
    status(button, button.dataset.saving);
    const reply = await fetch(button.dataset.url, {
      method: "PUT", body: blob, credentials: "same-origin",
      headers: { "Content-Type": blob.type || "application/octet-stream",
                 "X-CSRFToken": section.dataset.csrf },
    }).catch(() => null);
    const body = reply ? await reply.json().catch(() => ({})) : {};
    if (reply && reply.ok && body.next) {
      history.replaceState(null, "", body.next);
      location.reload();  // the new recording's player, and the "saved" message
      return;
    }
    status(button, body.error || button.dataset.failed);
    button.textContent = button.dataset.idle;
    button.classList.remove("danger");
    buttons.forEach((b) => { b.disabled = false; });
  }

  for (const button of buttons) {
    button.addEventListener("click", () => (recording ? stop() : start(button)));
  }
  ready();
}
