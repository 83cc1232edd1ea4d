/* Prompts read aloud in the office's own voice: one player, one prompt at a time. */
"use strict";

/** The recordings there are ({lang: {prompt: url}}), and the one element that plays them. */
class Speaker {
  constructor(urls, element) {
    this.urls = urls || {};
    this.audio = element;
    this.queue = [];
    this.button = null;  // the speaker button of what plays, lit while it plays
    this.turn = 0;  // which play() a late refusal belongs to
    // A question's labels follow the question; a sound that cannot play is skipped.
    this.audio.addEventListener("ended", () => this.next());
    this.audio.addEventListener("error", () => this.next());
  }

  /** The address of a prompt's recording in a language, or null. */
  url(lang, prompt) {
    return (this.urls[lang] || {})[prompt] || null;
  }

  /** Whether anything is recorded in a language. */
  has(lang) {
    return Object.keys(this.urls[lang] || {}).length > 0;
  }

  /** Play these addresses one after the other, in place of whatever plays now. */
  play(urls, button = null) {
    this.stop();
    this.queue = urls.filter(Boolean);
    this.button = button;
    this.next();
  }

  /** Play the next address of the queue, or be done. */
  next() {
    const url = this.queue.shift();
    if (!url) return this.done();
    const turn = ++this.turn;
    if (this.button) this.button.classList.add("playing");
    this.audio.src = url;
    // Refused (no tap yet on this page, or stopped before it began): silence, no error.
    this.audio.play().catch(() => { if (turn === this.turn) this.done(); });
  }

  /** Stop what plays, and what was to follow it. */
  stop() {
    this.queue = [];
    this.turn += 1;
    this.audio.pause();
    this.done();
  }

  done() {
    if (this.button) this.button.classList.remove("playing");
    this.button = null;
  }
}
