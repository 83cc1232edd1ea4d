/* The survey a citizen taps through: service, one question per screen, profile, comment. */
"use strict";

// A block, not a module: the page loads classic scripts, and this keeps its names local.
{
  const config = JSON.parse(document.getElementById("kiosk-config").textContent);
  // On a citizen's own phone (a slip's code, or the poster) rather than the office's tablet:
  // no pairing, no idle reset, and the thanks stay on screen.
  const phone = config.mode === "phone" || config.mode === "poster";
  const TOKEN_KEY = "skm-kiosk-token";
  const TAP_DEBOUNCE_MS = 300;
  const WAKE_MS = 2000;  // a long press on the closed screen opens one survey
  const HOURS_CHECK_MS = 30000;
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const comment = $("textarea");

  // Steps after the service: each question, each profile field, then the comment.
  const steps = [
    ...config.questions.map((q) => ({ kind: "question", q })),
    ...config.profile.map((f) => ({ kind: "profile", f })),
    { kind: "comment" },
  ];

  /** One citizen's survey, from the service chosen to the comment. */
  class Survey {
    constructor() {
      this.step = -1;  // choosing the service; then an index into steps
      this.service = null;
      this.answers = {};
      this.profile = {};
      this.reasons = {};  // unsur -> the reason tapped after an unhappy face
      this.asking = null;  // the unsur whose "Apa yang kurang?" is on screen
      this.comment = "";
      this.startedAt = this.lastAt = Date.now();
    }

    /** The step on screen. */
    get current() { return steps[this.step]; }

    /** Whether the citizen said anything: an answer or a comment. */
    get answered() {
      return Object.keys(this.answers).length > 0 || this.comment.trim() !== "";
    }

    /** The outbox entry for this survey, answered at `at` (ms since the epoch). */
    entry(at) {
      return {
        id: uuid(),
        service: this.service,
        questionnaire: config.questionnaire,
        answered_at: new Date(at).toISOString(),
        duration_ms: at - this.startedAt,
        answers: this.answers,
        profile: this.profile,
        reasons: this.reasons,
        comment: this.comment || null,
      };
    }
  }

  let token = phone ? null : localStorage.getItem(TOKEN_KEY);
  let lang = "id";
  let survey = null;  // the survey under way
  let idleTimer = null, thanksTimer = null, tapsTimer = null;

  // Unpaired, there is nothing to send: the kiosk shows how to pair it instead. A phone
  // sends to its own page's address, into an outbox of its own.
  const outbox = phone ? new Outbox({
    url: config.post_url, database: config.outbox, helloUrl: null, onstatus: delivery,
  }) : token && new Outbox({
    token,
    onstatus(status) {
      $(".offline").hidden = status.online !== false;
      if (status.unauthorized) unpair();
    },
  });

  const quiet = new QuietHours(config.hours);
  let awake = false;  // staff opened the kiosk for one survey outside the office's hours
  let wakeTimer = null;

  let refused = false;  // the office refused this phone's answers (a used code; twice a day)

  // Prompts read aloud where the office recorded them; never a synthetic voice.
  const audio = config.audio || { urls: {}, local: "", autoplay: false };
  const speaker = new Speaker(audio.urls, $("audio.voice"));
  let local = false;  // this citizen listens in the office's local language

  /** A prompt's recording in the language listened to: the local one if chosen and there,
      else the one in the text's language; null when neither was recorded. */
  function voice(prompt) {
    return (local && speaker.url("local", prompt)) || speaker.url(lang, prompt);
  }

  /** Show the speaker buttons of the prompts recorded in the language listened to. */
  function speakers() {
    $$("[data-speak]").forEach((b) => { b.hidden = !voice(b.dataset.speak); });
  }

  /** Play a speaker button's prompt, in place of what plays. */
  function speak(button) {
    speaker.play([voice(button.dataset.speak)], button);
  }

  /** Listen in the local language, or not, for this citizen's survey. */
  function listenLocal(on) {
    local = on;
    $(".local-toggle").setAttribute("aria-pressed", on);
    speakers();
  }

  /** On a phone, say on the thanks screen whether the answers reached the office. */
  function delivery(status) {
    $(".offline").hidden = status.online !== false;
    if (status.setAside) refused = true;
    if (status.waiting === undefined && status.online !== false) return;
    say(refused ? "refused" : status.online === false || status.waiting ? "waiting" : "sent");
  }

  /** Show the delivery's text by its key (it follows a change of language). */
  function say(key) {
    const line = $("#thanks .delivery");
    if (!line) return;
    line.dataset.text = key;
    line.textContent = t(key);
  }

  /** The token was revoked: stop taking surveys until staff pair the tablet again. */
  function unpair() {
    // What waits in the outbox stays and goes out with the new token.
    localStorage.removeItem(TOKEN_KEY);
    token = null;
    // A citizen in the middle of a survey (or reading the thanks) finishes first.
    if (!survey && $("#thanks").hidden) show("unpaired");
  }

  /** The text for key in the citizen's language, with {name} placeholders filled. */
  function t(key, vars = {}) {
    let text = config.text[lang][key] || config.text.id[key] || key;
    for (const [name, value] of Object.entries(vars)) text = text.replace(`{${name}}`, value);
    return text;
  }

  /** Show every text in language l, the screen under way included. */
  function setLanguage(l) {
    lang = l;
    document.documentElement.lang = l;
    $$("[data-text]").forEach((el) => { el.textContent = t(el.dataset.text); });
    $$("[data-label]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.label)); });
    $(".local-toggle").textContent = t("listen_local", { name: audio.local });
    comment.placeholder = t("comment_placeholder");
    renderServices();
    speakers();
    if (survey && survey.asking) askWhy(survey.asking);
    else if (survey && survey.step >= 0) renderStep();
  }

  /** Ignore taps for a moment after a new screen (CSS: body.settling turns them off). */
  function debounceTaps() {
    // A shaky double tap must not answer the next question too.
    document.body.classList.add("settling");
    clearTimeout(tapsTimer);
    tapsTimer = setTimeout(() => document.body.classList.remove("settling"), TAP_DEBOUNCE_MS);
  }

  /** Show the screen with this id, and the bar while a survey is under way. */
  function show(id) {
    debounceTaps();
    speaker.stop();  // what was read aloud belongs to the screen that goes
    $$(".screen").forEach((s) => { s.hidden = s.id !== id; });
    $(".bar").hidden = !survey || id === "thanks" || id === "welcome";
  }

  /** A button of the given class carrying one data attribute. */
  function button(className, data) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = className;
    Object.assign(b.dataset, data);
    return b;
  }

  /** Put a tile for each service, named in the citizen's language. */
  function renderServices() {
    const box = $("#service .tiles");
    box.textContent = "";
    for (const s of config.services) {
      const tile = button("tile", { service: s.code });
      tile.append(label(s.name[lang]));
      box.append(tile);
    }
  }

  /** A tile's label: one span, so that the flex tile centres one paragraph. */
  function label(text) {
    const line = document.createElement("span");
    line.className = "label";
    for (const part of text.split(/(\s+)/)) {
      if (!part.includes("-")) { line.append(part); continue; }
      // A word with a hyphen ("(KTP-el)") is kept whole: browsers break lines after a hyphen.
      const word = document.createElement("span");
      word.className = "word";
      word.textContent = part;
      line.append(word);
    }
    return line;
  }

  /** Fill the progress bar: done steps of all, the service counted as one. */
  function progress(done) {
    const total = steps.length + 1;
    const bar = $(".progress");
    $(".progress-fill").style.width = `${Math.round(100 * done / total)}%`;
    bar.setAttribute("aria-valuenow", done);
    bar.setAttribute("aria-valuemax", total);
  }

  /** Show the survey's current step: a question, a profile field, or the comment. */
  function renderStep() {
    const step = survey.current;
    survey.asking = null;
    progress(survey.step + 1);
    $(".progress-text").textContent = step.kind === "question"
      ? t("progress", { n: survey.step + 1, total: config.questions.length }) : "";
    if (step.kind === "question") {
      const chosen = survey.answers[step.q.code];
      $(".question-text").textContent = step.q.text[lang];
      $$(".face").forEach((b, i) => {
        $(".face-label", b).textContent = step.q.labels[lang][i];
        b.classList.toggle("chosen", chosen === i + 1);
        b.setAttribute("aria-pressed", chosen === i + 1);
      });
      const asked = $("#question .question-speaker");
      asked.dataset.speak = step.q.code;
      $("#question .labels-speaker").dataset.speak = `${step.q.code}-labels`;
      speakers();
      show("question");
      // Only if staff turned it on: the question, then its answers, as the screen appears.
      if (audio.autoplay) {
        speaker.play([voice(step.q.code), voice(`${step.q.code}-labels`)], asked);
      }
    } else if (step.kind === "profile") {
      $(".profile-title").textContent = step.f.title[lang];
      const box = $("#profile .options");
      box.textContent = "";
      for (const o of step.f.options) {
        const b = button("option", { option: o.code });
        b.textContent = o.label[lang];
        if (survey.profile[step.f.key] === o.code) b.classList.add("chosen");
        box.append(b);
      }
      show("profile");
    } else {
      show("comment");
    }
  }

  /** After an unhappy face, ask what fell short, if the office listed reasons; else false. */
  function askWhy(code) {
    const reasons = config.reasons[code];
    if (!reasons || !reasons.length || survey.answers[code] > 2) return false;
    survey.asking = code;
    $(".reason-question").textContent = survey.current.q.text[lang];
    const box = $("#reason .options");
    box.textContent = "";
    for (const r of reasons) {
      const b = button("option", { reason: r.id });
      b.textContent = r.name[lang];
      b.classList.toggle("chosen", survey.reasons[code] === r.id);
      box.append(b);
    }
    show("reason");
    return true;
  }

  /** A citizen tapped Start: a new survey, beginning with the service. */
  function start() {
    survey = new Survey();
    progress(0);
    $(".progress-text").textContent = "";
    if (!config.service) return show("service");
    survey.service = config.service;  // the slip is for one service: straight to the questions
    next();
  }

  /** On to the next step, or finish after the last. */
  function next() {
    survey.step += 1;
    if (survey.step >= steps.length) return finish(false);
    renderStep();
  }

  /** Back one step; back from the service ends the survey. */
  function back() {
    if (!survey) return;
    if (survey.asking) {
      renderStep();  // back to the question the reason was for
    } else if (survey.step === 0 && !config.service) {
      survey.step = -1;
      show("service");
      progress(0);
    } else if (survey.step <= 0) {
      reset();
    } else {
      survey.step -= 1;
      renderStep();
    }
  }

  /** Keep the survey in the outbox, then thank the citizen; nothing waits on the network. */
  async function finish(walkedAway) {
    const s = survey;
    s.comment = comment.value.trim();
    survey = null;
    if (s.service && s.answered && !(walkedAway && config.discard_partial)) {
      if (phone) say("sending");
      // Someone who walked away answered at their last tap, not when the kiosk gave up.
      await outbox.add(s.entry(walkedAway ? s.lastAt : Date.now()));
    }
    if (walkedAway) return reset();
    show("thanks");
    if (!phone) countdown(config.thanks_seconds);  // a phone's thanks stay: one survey each
  }

  /** Count the thanks screen down, then greet the next citizen. */
  function countdown(seconds) {
    clearTimeout(thanksTimer);
    $("#thanks .countdown").textContent = t("thanks_back", { s: seconds });
    if (seconds <= 0) return reset();
    thanksTimer = setTimeout(() => countdown(seconds - 1), 1000);
  }

  /** Ready for the next citizen: no survey, nothing typed, the welcome in Indonesian. */
  function reset() {
    clearTimeout(thanksTimer);
    survey = null;
    awake = false;  // woken for one survey: that one is over
    comment.value = "";
    $("[data-action=finish]").hidden = false;
    large(false);  // large text was for the citizen who asked for it
    listenLocal(false);  // and so was the local language
    setLanguage("id");  // every citizen starts in Bahasa Indonesia
    rest();
  }

  /** Show what greets the next citizen: the welcome, or outside the hours the closed screen. */
  function rest() {
    if (!token && !phone) return show("unpaired");
    if (phone || awake || quiet.open(Date.now())) return show("welcome");
    const now = Date.now();
    const holiday = quiet.holiday(now);
    $("#closed .hours-text").textContent = t("closed_hours", { hours: config.hours.text[lang] });
    $("#closed .holiday-text").hidden = !holiday;
    $("#closed .holiday-text").textContent = holiday ? t("closed_holiday", { name: holiday }) : "";
    show("closed");
  }

  /** Every half minute: open or close the kiosk as the hours say, never during a survey. */
  function checkHours() {
    if (!survey && !awake && (!$("#welcome").hidden || !$("#closed").hidden)) rest();
  }

  /** Turn large text on or off for this citizen's survey. */
  function large(on) {
    document.body.classList.toggle("large", on);
    const toggle = $(".large-toggle");
    toggle.setAttribute("aria-pressed", on);
    toggle.dataset.text = on ? "normal_text" : "large_text";
    toggle.textContent = t(toggle.dataset.text);
  }

  /** Any touch or key: the citizen is still here; the idle time starts again. */
  function touched() {
    if (survey) survey.lastAt = Date.now();
    if (phone) return;  // a phone is its owner's: nobody else is waiting for it
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (survey) finish(true);
      else if (awake || lang !== "id" || local || document.body.classList.contains("large")
               || ($("#welcome").hidden && $("#unpaired").hidden)) reset();
    }, config.idle_seconds * 1000);
  }

  const actions = {
    start,
    back,
    restart: reset,
    language: () => setLanguage(lang === "id" ? "en" : "id"),
    skip: () => { delete survey.profile[survey.current.f.key]; next(); },
    skip_reason: () => { delete survey.reasons[survey.asking]; next(); },
    // The rest of the profile in one tap: straight to the comment.
    skip_profile: () => { survey.step = steps.length - 1; renderStep(); },
    large: () => large(!document.body.classList.contains("large")),
    speak,
    local: () => {
      listenLocal(!local);
      // A tap on it is a wish to listen: the welcome answers in that language, if recorded.
      const welcome = $("#welcome [data-speak=welcome]");
      if (local && !welcome.hidden) speak(welcome);
    },
    finish: () => { comment.value = ""; finish(false); },
    send: () => finish(false),
  };

  document.addEventListener("click", (e) => {
    const el = e.target.closest(
      "[data-action],[data-service],[data-answer],[data-option],[data-reason]");
    if (!el) return;
    const { action, service, answer, option, reason } = el.dataset;
    if (action) {
      actions[action]?.(el);
    } else if (service !== undefined) {
      survey.service = service;
      survey.step = -1;
      next();
    } else if (answer !== undefined) {
      const code = survey.current.q.code;
      survey.answers[code] = Number(answer);
      if (askWhy(code)) return;
      delete survey.reasons[code];  // answered again, happier: the old reason goes
      next();
    } else if (reason !== undefined) {
      survey.reasons[survey.asking] = Number(reason);
      next();
    } else if (option !== undefined) {
      survey.profile[survey.current.f.key] = option;
      next();
    }
  });
  for (const type of ["pointerdown", "keydown", "input"]) {
    document.addEventListener(type, touched, { passive: true });
  }
  // A long press on the closed screen: staff open the kiosk for one citizen.
  const closed = $("#closed");
  closed.addEventListener("pointerdown", () => {
    clearTimeout(wakeTimer);
    wakeTimer = setTimeout(() => { awake = true; rest(); }, WAKE_MS);
  });
  for (const type of ["pointerup", "pointercancel", "pointerleave"]) {
    closed.addEventListener(type, () => clearTimeout(wakeTimer));
  }

  // Once something is typed, "finish without a comment" would throw it away: only Send.
  comment.addEventListener("input", () => {
    $("[data-action=finish]").hidden = comment.value.trim() !== "";
  });

  // "Dengar dalam ...": only for an office that named its language and recorded in it.
  $(".local-toggle").hidden = !(audio.local && speaker.has("local"));
  setLanguage("id");
  if (phone) {
    show("welcome");
    outbox.start();  // what an earlier visit to this page could not send goes now
  } else if (token) {
    rest();
    setInterval(checkHours, HOURS_CHECK_MS);
    outbox.start();  // closed or open, what waits goes out, and the server hears the tablet
    // Only in a secure context (localhost, HTTPS, or an origin the tablet trusts); without
    // it the outbox still keeps every survey while this page stays open.
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/kiosk/sw.js", { scope: "/kiosk/" }).catch(() => {});
    }
  } else {
    show("unpaired");
  }
}
