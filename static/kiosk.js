/* The survey a citizen taps through: service, one question per screen, profile, comment. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("kiosk-config").textContent);
  var TOKEN_KEY = "skm-kiosk-token";
  var token = localStorage.getItem(TOKEN_KEY);
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  var lang = "id";
  var survey = null;      // the survey under way
  var idleTimer = null, thanksTimer = null;

  // Steps after the service: each question, each profile field, then the comment.
  var steps = config.questions.map(function (q) { return { kind: "question", q: q }; })
    .concat(config.profile.map(function (f) { return { kind: "profile", f: f }; }))
    .concat([{ kind: "comment" }]);

  // Unpaired, there is nothing to send: the kiosk shows how to pair it instead.
  var outbox = token && new Outbox({ token: token, onstatus: function (s) {
    $(".offline").hidden = s.online !== false;
    if (s.unauthorized) unpair();
  } });
  var settleTimer = null;

  /* The token was revoked: stop taking surveys until staff pair the tablet again. What
     waits in the outbox stays and goes out with the new token. */
  function unpair() {
    localStorage.removeItem(TOKEN_KEY);
    token = null;
    // A citizen in the middle of a survey (or reading the thanks) finishes first.
    if (!survey && $("#thanks").hidden) show("unpaired");
  }

  function t(key, vars) {
    var text = config.text[lang][key] || config.text.id[key] || key;
    Object.keys(vars || {}).forEach(function (k) { text = text.replace("{" + k + "}", vars[k]); });
    return text;
  }

  function setLanguage(l) {
    lang = l;
    document.documentElement.lang = l;
    $$("[data-text]").forEach(function (el) { el.textContent = t(el.getAttribute("data-text")); });
    $("textarea").placeholder = t("comment_placeholder");
    renderServices();
    if (survey && survey.step >= 0) renderStep();
  }

  /* A new screen ignores taps for a moment: a shaky double tap must not answer the next
     question too (CSS: body.settling turns pointer events off). */
  function settle() {
    document.body.classList.add("settling");
    clearTimeout(settleTimer);
    settleTimer = setTimeout(function () { document.body.classList.remove("settling"); }, 300);
  }

  function show(id) {
    settle();
    $$(".screen").forEach(function (s) { s.hidden = s.id !== id; });
    $(".bar").hidden = !survey || id === "thanks" || id === "welcome";
  }

  function renderServices() {
    var box = $("#service .tiles");
    box.textContent = "";
    config.services.forEach(function (s) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "tile"; b.setAttribute("data-service", s.code);
      label(b, s.name[lang]);
      box.appendChild(b);
    });
  }

  function label(el, text) {
    // A word with a hyphen ("(KTP-el)") is kept whole: browsers break lines after a hyphen.
    // One span holds the words, so that the flex tile centres one paragraph.
    var line = document.createElement("span");
    line.className = "label";
    text.split(/(\s+)/).forEach(function (part) {
      if (part.indexOf("-") < 0) { line.appendChild(document.createTextNode(part)); return; }
      var word = document.createElement("span");
      word.className = "word"; word.textContent = part;
      line.appendChild(word);
    });
    el.appendChild(line);
  }

  function progress(done) {
    var total = steps.length + 1;
    $(".progress-fill").style.width = Math.round(100 * done / total) + "%";
    $(".progress").setAttribute("aria-valuenow", done);
    $(".progress").setAttribute("aria-valuemax", total);
  }

  function renderStep() {
    var step = steps[survey.step];
    progress(survey.step + 1);
    $(".progress-text").textContent = step.kind === "question"
      ? t("progress", { n: survey.step + 1, total: config.questions.length }) : "";
    if (step.kind === "question") {
      $(".question-text").textContent = step.q.text[lang];
      $$(".face").forEach(function (b, i) {
        b.querySelector(".face-label").textContent = step.q.labels[lang][i];
        b.classList.toggle("chosen", survey.answers[step.q.code] === i + 1);
        b.setAttribute("aria-pressed", survey.answers[step.q.code] === i + 1);
      });
      show("question");
    } else if (step.kind === "profile") {
      $(".profile-title").textContent = step.f.title[lang];
      var box = $("#profile .options");
      box.textContent = "";
      step.f.options.forEach(function (o) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "option"; b.setAttribute("data-option", o.code);
        b.textContent = o.label[lang];
        if (survey.profile[step.f.key] === o.code) b.classList.add("chosen");
        box.appendChild(b);
      });
      show("profile");
    } else {
      show("comment");
    }
  }

  function start() {
    survey = { step: -1, service: null, answers: {}, profile: {}, startedAt: Date.now(),
               lastAt: Date.now() };
    progress(0);
    $(".progress-text").textContent = "";
    show("service");
  }

  function next() {
    survey.step += 1;
    if (survey.step >= steps.length) return finish(false);
    renderStep();
  }

  function back() {
    if (!survey) return;
    if (survey.step <= 0) {
      if (survey.step === 0) { survey.step = -1; show("service"); progress(0); return; }
      return reset();
    }
    survey.step -= 1;
    renderStep();
  }

  function answered(s) {
    return Object.keys(s.answers).length > 0 || (s.comment || "").trim() !== "";
  }

  /* Keep the survey in the outbox, then thank the citizen; nothing waits on the network. */
  function finish(walkedAway) {
    var s = survey;
    s.comment = $("textarea").value.trim();
    survey = null;
    var keep = s.service && answered(s) && !(walkedAway && config.discard_partial);
    // Someone who walked away answered at their last tap, not when the kiosk gave up.
    var at = walkedAway ? s.lastAt : Date.now();
    var saved = keep ? outbox.add({
      id: uuid(),
      service: s.service,
      questionnaire: config.questionnaire,
      answered_at: new Date(at).toISOString(),
      duration_ms: at - s.startedAt,
      answers: s.answers,
      profile: s.profile,
      comment: s.comment || null
    }) : Promise.resolve();
    return saved.then(function () {
      if (walkedAway) return reset();
      show("thanks");
      countdown(config.thanks_seconds);
    });
  }

  function countdown(seconds) {
    clearTimeout(thanksTimer);
    $("#thanks .countdown").textContent = t("thanks_back", { s: seconds });
    if (seconds <= 0) return reset();
    thanksTimer = setTimeout(function () { countdown(seconds - 1); }, 1000);
  }

  function reset() {
    clearTimeout(thanksTimer);
    survey = null;
    $("textarea").value = "";
    $("[data-action=finish]").hidden = false;
    setLanguage("id");  // every citizen starts in Bahasa Indonesia
    show(token ? "welcome" : "unpaired");
  }

  function touched() {
    if (survey) survey.lastAt = Date.now();
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () {
      if (survey) finish(true);
      else if (lang !== "id" || ($("#welcome").hidden && $("#unpaired").hidden)) reset();
    }, config.idle_seconds * 1000);
  }

  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-action],[data-service],[data-answer],[data-option]");
    if (!el) return;
    var action = el.getAttribute("data-action");
    if (action === "start") start();
    else if (action === "language") setLanguage(lang === "id" ? "en" : "id");
    else if (action === "back") back();
    else if (action === "skip") { delete survey.profile[steps[survey.step].f.key]; next(); }
    else if (action === "finish") { $("textarea").value = ""; finish(false); }
    else if (action === "send") finish(false);
    else if (action === "restart") reset();
    else if (el.hasAttribute("data-service")) {
      survey.service = el.getAttribute("data-service"); survey.step = -1; next();
    } else if (el.hasAttribute("data-answer")) {
      survey.answers[steps[survey.step].q.code] = Number(el.getAttribute("data-answer"));
      next();
    } else if (el.hasAttribute("data-option")) {
      survey.profile[steps[survey.step].f.key] = el.getAttribute("data-option");
      next();
    }
  });
  ["pointerdown", "keydown", "input"].forEach(function (type) {
    document.addEventListener(type, touched, { passive: true });
  });
  // Once something is typed, "finish without a comment" would throw it away: only Send.
  $("textarea").addEventListener("input", function () {
    $("[data-action=finish]").hidden = this.value.trim() !== "";
  });

  if (!token) {
    setLanguage("id");
    show("unpaired");
    return;
  }
  setLanguage("id");
  show("welcome");
  outbox.start();
  // Only in a secure context (localhost, HTTPS, or an origin the tablet trusts); without
  // it the outbox still keeps every survey while this page stays open.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/kiosk/sw.js", { scope: "/kiosk/" }).catch(function () {});
  }
})();
