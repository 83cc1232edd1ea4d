/* Paper forms typed with the keyboard alone: the serial (Enter accepts the one prefilled),
   one key per answer (1-4; a space, 0 or - for a blank; Backspace goes back), Enter saves
   and clears for the next form. A wrong key is refused at once, with a colour and a beep. */
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("paper-config").textContent);
  const form = document.getElementById("paper-entry");
  const service = form.elements.service;
  const day = form.elements.date;
  const serial = form.elements.serial;
  const cells = Array.from(form.querySelectorAll(".paper-cell"));
  const saveButton = form.querySelector("button[type=submit]");
  const status = document.getElementById("paper-status");
  const labels = document.getElementById("paper-labels");
  const list = document.getElementById("paper-entries");
  const count = document.getElementById("paper-count");
  const text = config.text;
  const BLANK = text.blank;
  const QUIET = ["Shift", "Control", "Alt", "Meta", "CapsLock", "NumLock", "Escape", "Dead"];
  let saving = false;
  let audio = null;

  function beep() {
    // A short low tone made on the spot: no sound file, nothing to fetch.
    try {
      audio = audio || new AudioContext();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.type = "square";
      tone.frequency.value = 200;
      gain.gain.value = 0.06;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.12);
    } catch (e) { /* no sound here: the colour still says it */ }
  }

  function say(message, kind) {
    status.textContent = message;
    status.className = "paper-status " + (kind || "");
  }

  function refuse(element, message) {
    element.classList.remove("refused");
    void element.offsetWidth; // restart the flash when the same field is refused again
    element.classList.add("refused");
    say(message, "error");
    beep();
  }

  function set(cell, value) {
    cell.value = value;
    cell.classList.remove("refused");
    cell.classList.toggle("blank", value === BLANK);
  }

  function go(index) {
    if (index < 0) serial.focus();
    else if (index < cells.length) cells[index].focus();
    else saveButton.focus();
  }

  serial.addEventListener("focus", function () {
    serial.select();
    labels.textContent = "";
  });
  serial.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Enter") {
      event.preventDefault();
      if (/^\d+$/.test(serial.value)) {
        serial.classList.remove("refused");
        go(0);
      }
      else refuse(serial, text.digit);
    } else if (event.key.length === 1 && !/\d/.test(event.key)) {
      event.preventDefault();
      refuse(serial, text.digit);
    }
  });
  serial.addEventListener("input", function () {
    serial.value = serial.value.replace(/\D/g, "").slice(0, config.digits);
  });

  cells.forEach(function (cell, index) {
    cell.addEventListener("focus", function () {
      labels.textContent = cell.dataset.labels.split("|")
        .map(function (label, n) { return (n + 1) + " " + label; }).join(" · ");
    });
    cell.addEventListener("keydown", function (event) {
      const key = event.key;
      if (event.ctrlKey || event.metaKey || event.altKey || key === "Tab") return;
      event.preventDefault();
      if (["1", "2", "3", "4"].includes(key)) {
        set(cell, key);
        go(index + 1);
      } else if (key === " " || key === "0" || key === "-") {
        set(cell, BLANK);
        go(index + 1);
      } else if (key === "Backspace") {
        if (cell.value) set(cell, "");
        else if (index > 0) { set(cells[index - 1], ""); go(index - 1); }
        else go(-1);
      } else if (key === "Enter") {
        save();
      } else if (key === "ArrowLeft") {
        go(index - 1);
      } else if (key === "ArrowRight") {
        go(index + 1);
      } else if (!QUIET.includes(key)) {
        refuse(cell, text.key);
      }
    });
  });

  saveButton.addEventListener("keydown", function (event) {
    if (event.key === "Backspace") {
      event.preventDefault();
      set(cells[cells.length - 1], "");
      go(cells.length - 1);
    } else if (event.key.length === 1 && event.key !== " " && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      refuse(saveButton, text.key);
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    save();
  });

  function clear() {
    cells.forEach(function (cell) { set(cell, ""); });
  }

  function fieldOf(name) {
    if (name === "service") return service;
    if (name === "date") return day;
    if (name === "serial") return serial;
    const code = (name || "").split(".")[1];
    return cells.find(function (cell) { return cell.dataset.code === code; }) || saveButton;
  }

  async function save() {
    if (saving) return;
    const missing = !service.value ? service : !day.value ? day : !serial.value ? serial
      : cells.find(function (cell) { return !cell.value; });
    if (missing) {
      refuse(missing, missing.classList.contains("paper-cell") ? text.missing
        : missing.labels[0].textContent + ": " + text.required);
      missing.focus();
      return;
    }
    const answers = {};
    cells.forEach(function (cell) {
      answers[cell.dataset.code] = cell.value === BLANK ? null : Number(cell.value);
    });
    saving = true;
    form.classList.add("saving");
    let reply;
    let body;
    try {
      reply = await fetch(config.save, {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: {"Content-Type": "application/json",
                  "X-CSRFToken": form.elements.csrf_token.value},
        body: JSON.stringify({serial: serial.value, service: service.value, date: day.value,
                              answers: answers})});
      body = reply.type === "opaqueredirect" ? null : await reply.json();
    } catch (e) {
      body = undefined;
    } finally {
      saving = false;
      form.classList.remove("saving");
    }
    if (!body) {
      refuse(saveButton, body === null ? text.session : text.offline);
    } else if (reply.status === 201) {
      add(body.entry);
      clear();
      form.querySelectorAll(".refused").forEach(function (el) { el.classList.remove("refused"); });
      say(text.saved.replace("{serial}", body.entry.serial), "ok");
      serial.value = body.next;
      serial.focus();
      serial.select();
    } else {
      // Nothing was stored: the form stays as typed, and the field at fault takes the cursor.
      const field = fieldOf(body.field);
      refuse(field, body.error);
      field.focus();
    }
  }

  function undoButton(entry) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button small danger";
    button.textContent = text.undo;
    button.addEventListener("click", function () { undo(entry, button); });
    return button;
  }

  function add(entry, atEnd) {
    const row = document.createElement("tr");
    row.dataset.id = entry.id;
    row.dataset.who = entry.who || "";
    const answers = entry.answers.map(function (a) { return a === null ? BLANK : a; }).join(" ");
    [entry.serial, entry.service, entry.date, answers, entry.who, entry.at]
      .forEach(function (value, n) {
        const cell = document.createElement("td");
        cell.textContent = value === null ? "" : value;
        if (n === 3) cell.className = "paper-answers";
        row.appendChild(cell);
      });
    row.appendChild(document.createElement("td"));
    if (atEnd) list.appendChild(row); else list.prepend(row);
    count.textContent = list.rows.length;
    markLast();
  }

  function markLast() {
    // Only the last form one typed can be undone: the store removes it, so it can be retyped.
    list.querySelectorAll("button").forEach(function (button) { button.remove(); });
    const mine = Array.from(list.rows).find(function (row) {
      return row.dataset.who === config.user;
    });
    if (mine) {
      const entry = {id: mine.dataset.id, serial: mine.cells[0].textContent};
      mine.lastElementChild.appendChild(undoButton(entry));
    }
  }

  async function undo(entry, button) {
    button.disabled = true;
    let reply;
    let body;
    try {
      reply = await fetch(config.undo.replace("ID", encodeURIComponent(entry.id)), {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: {"Content-Type": "application/json",
                  "X-CSRFToken": form.elements.csrf_token.value},
        body: "{}"});
      body = reply.type === "opaqueredirect" ? null : await reply.json();
    } catch (e) {
      body = undefined;
    }
    button.disabled = false;
    if (!body || reply.status !== 200) {
      refuse(button, body ? body.error : body === null ? text.session : text.offline);
      return;
    }
    list.querySelector("tr[data-id='" + CSS.escape(body.removed) + "']").remove();
    count.textContent = list.rows.length;
    markLast();
    say(text.undone.replace("{serial}", body.serial), "ok");
    serial.value = body.serial;
    serial.focus();
  }

  config.entries.forEach(function (entry) { add(entry, true); });
  serial.focus();
})();
