// The line editor of the page's terminal in canonical mode: what a terminal's line discipline
// and GNU readline do for a program that reads whole lines (the console of Pythons before
// 3.13, input(), and getpass() with echo off). Python's own REPL in 3.13 and newer edits its
// lines itself, in raw mode, and never meets this editor.
//
// Keys: printable text inserts; Backspace, Delete, ←/→, Home/End (Ctrl-A/Ctrl-E), Ctrl-U,
// Ctrl-K and Ctrl-W edit; ↑/↓ browse the history; Tab completes (Python answers) or indents
// at the start of a line; Enter hands the line to Python; Ctrl-D on an empty line is end of
// file; Ctrl-L clears the screen. A paste arrives whole (bracketed paste).
//
// The line is drawn by moving to where it starts and writing it again. Where that is comes
// from the terminal itself, read once the terminal has taken in what was written (xterm.js
// knows the width of every character, wide CJK text and emoji, so the editor never has to),
// and kept as a marker that follows scrolling and the rewrapping of a resize.
"use strict";

const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";
const KEY = /^(?:\x1b\[[0-9;]*[~A-Za-z]|\x1bO[A-Za-z]|\x1b.?|[\s\S])/u;

class LineEditor {
  // host: submit(text) (a line, with its newline), paste(text) (several lines), endOfFile(),
  // takeTypedAhead() -> what was typed before this line began, keepTypedAhead(text),
  // complete(textBeforeCaret) -> Promise<{word, matches, error}>, prompt() -> the text on the
  // line before the line being edited, history: string[] (oldest first), remember(line).
  constructor(term, host) {
    this.term = term;
    this.host = host;
    this.active = false;
    this.echo = true;
    this.chain = Promise.resolve();
    this.pasting = null; // the text of a paste still arriving
  }

  write(data) {
    return new Promise((resolve) => this.term.write(data, resolve));
  }

  cursor() {
    const buffer = this.term.buffer.active;
    return { row: buffer.baseY + buffer.cursorY, col: buffer.cursorX };
  }

  // Where the line starts: a marker on its first row, which xterm.js moves when lines scroll
  // or rewrap (a resize), and the column after the prompt.
  anchor() {
    if (this.marker) this.marker.dispose();
    this.marker = this.term.registerMarker(0);
    this.startCol = this.term.buffer.active.cursorX;
  }

  get start() {
    const row = this.marker && !this.marker.isDisposed ? this.marker.line : this.cursor().row;
    return { row, col: this.startCol };
  }

  moveTo({ row, col }) {
    const top = this.term.buffer.active.baseY;
    return `\x1b[${Math.max(row - top, 0) + 1};${col + 1}H`;
  }

  // Python waits for a line: start a new one here.
  begin(echo) {
    this.enqueue(async () => {
      await this.write("\x1b[?2004h"); // pastes arrive framed, so they stay pastes
      this.echo = echo;
      this.line = "";
      this.caret = 0;
      this.historyAt = this.host.history.length;
      this.anchor();
      this.active = true;
      const typed = this.host.takeTypedAhead();
      if (typed) await this.take(typed);
    });
  }

  feed(data) {
    this.enqueue(() => this.take(data));
  }

  enqueue(step) {
    this.chain = this.chain.then(step).catch((error) => console.error("line editor:", error));
  }

  // Ctrl-C: the line is dropped; the caller interrupts Python.
  cancel() {
    this.enqueue(async () => {
      if (!this.active) return;
      await this.toEnd();
      this.active = false;
      await this.write("^C\r\n");
    });
  }

  async toEnd() {
    if (this.caret === this.line.length) return;
    this.caret = this.line.length;
    await this.render();
  }

  async take(data) {
    if (!this.active) {
      this.host.keepTypedAhead(data); // typed after a line ended: for Python's next read
      return;
    }
    while (data && this.active) {
      if (this.pasting !== null) {
        const end = data.indexOf(PASTE_END);
        this.pasting += end < 0 ? data : data.slice(0, end);
        data = end < 0 ? "" : data.slice(end + PASTE_END.length);
        if (end >= 0) {
          const text = this.pasting.replace(/\r\n?/g, "\n");
          this.pasting = null;
          await this.paste(text);
        }
        continue;
      }
      if (data.startsWith(PASTE_START)) {
        this.pasting = "";
        data = data.slice(PASTE_START.length);
        continue;
      }
      const key = KEY.exec(data)[0];
      data = data.slice(key.length);
      await this.key(key);
    }
    if (data) this.host.keepTypedAhead(data);
  }

  async key(key) {
    switch (key) {
      case "\r": case "\n": return this.enter();
      case "\x7f": case "\b": return this.edit(this.line.slice(0, this.before(this.caret)) + this.line.slice(this.caret), this.before(this.caret));
      case "\x1b[3~": return this.edit(this.line.slice(0, this.caret) + this.line.slice(this.after(this.caret)), this.caret);
      case "\x04":
        if (this.line) return this.key("\x1b[3~");
        this.active = false;
        return this.host.endOfFile();
      case "\x1b[D": case "\x1bOD": case "\x02": return this.place(this.before(this.caret));
      case "\x1b[C": case "\x1bOC": case "\x06": return this.place(this.after(this.caret));
      case "\x1b[H": case "\x1bOH": case "\x1b[1~": case "\x01": return this.place(0);
      case "\x1b[F": case "\x1bOF": case "\x1b[4~": case "\x05": return this.place(this.line.length);
      case "\x1b[A": case "\x1bOA": case "\x10": return this.browse(-1);
      case "\x1b[B": case "\x1bOB": case "\x0e": return this.browse(1);
      case "\x15": return this.edit(this.line.slice(this.caret), 0);
      case "\x0b": return this.edit(this.line.slice(0, this.caret), this.caret);
      case "\x17": {
        const start = this.line.slice(0, this.caret).search(/\S*\s*$/u);
        return this.edit(this.line.slice(0, start) + this.line.slice(this.caret), start);
      }
      case "\x0c":
        await this.write("\x1b[H\x1b[2J" + this.host.prompt());
        this.anchor();
        return this.render();
      case "\t": return this.tab();
      default:
        if (key.startsWith("\x1b") || key < " ") return undefined; // a key with no meaning here
        return this.insert(key);
    }
  }

  // The caret moves by characters (code points), not UTF-16 units.
  before(index) {
    if (index <= 0) return 0;
    const low = this.line.charCodeAt(index - 1);
    return index - (low >= 0xdc00 && low <= 0xdfff && index > 1 ? 2 : 1);
  }

  after(index) {
    if (index >= this.line.length) return this.line.length;
    const high = this.line.charCodeAt(index);
    return index + (high >= 0xd800 && high <= 0xdbff ? 2 : 1);
  }

  async insert(text) {
    const atEnd = this.caret === this.line.length;
    this.line = this.line.slice(0, this.caret) + text + this.line.slice(this.caret);
    this.caret += text.length;
    if (atEnd && this.echo) {
      await this.write(text); // the common case: typing at the end of the line
    } else {
      await this.render();
    }
  }

  edit(line, caret) {
    this.line = line;
    this.caret = caret;
    return this.render();
  }

  place(caret) {
    this.caret = caret;
    return this.render();
  }

  browse(step) {
    const history = this.host.history;
    const at = this.historyAt + step;
    if (at < 0 || at > history.length) return undefined;
    if (this.historyAt === history.length) this.draft = this.line;
    this.historyAt = at;
    return this.edit(at === history.length ? this.draft || "" : history[at], Infinity);
  }

  // Draw the line from its start and put the caret in place.
  async render() {
    this.caret = Math.min(this.caret, this.line.length);
    if (!this.echo) return;
    await this.write(this.moveTo(this.start) + this.line.slice(0, this.caret));
    const caret = this.cursor();
    await this.write(this.line.slice(this.caret) + "\x1b[J");
    await this.write(this.moveTo(caret)); // after the rest is drawn: it may have scrolled
  }

  async enter() {
    const line = this.line;
    this.caret = line.length;
    if (this.echo) await this.render();
    await this.write("\r\n");
    this.active = false;
    if (this.echo && line.trim()) this.host.remember(line);
    this.host.submit(line + "\n");
  }

  // Several lines pasted: shown as they are, and handed over as one text; the host sends
  // the console a block it runs as a whole, or Python reads the lines one after another.
  async paste(text) {
    const lines = text.replace(/\n+$/, "");
    if (!lines.includes("\n")) return this.insert(lines);
    const whole = this.line.slice(0, this.caret) + lines + this.line.slice(this.caret);
    this.line = whole;
    this.caret = whole.length;
    if (this.echo) await this.write(this.moveTo(this.start) + whole.replace(/\n/g, "\r\n") + "\x1b[J\r\n");
    this.active = false;
    if (this.echo) this.host.remember(whole);
    this.host.paste(whole);
    return undefined;
  }

  async tab() {
    const before = this.line.slice(0, this.caret);
    if (!before.trim()) return this.insert("    "); // Tab at the start of a line indents
    const asked = this.line;
    const answer = await this.host.complete(before);
    if (!this.active || asked !== this.line) return undefined;
    if (answer.error) return this.list([`Tab completion failed: ${answer.error}`]);
    const { word, matches } = answer;
    const common = matches.length ? matches.reduce((prefix, match) => {
      let i = 0;
      while (i < prefix.length && i < match.length && prefix[i] === match[i]) i++;
      return prefix.slice(0, i);
    }) : word;
    if (common.length > word.length) await this.insert(common.slice(word.length));
    if (matches.length > 1) await this.list(matches);
    return undefined;
  }

  // Show completions under the line, as readline does, and draw the line again below them.
  async list(items) {
    const width = Math.max(...items.map((item) => item.length)) + 2;
    const perRow = Math.max(1, Math.floor(this.term.cols / width));
    const rows = [];
    for (let i = 0; i < items.length; i += perRow) {
      rows.push(items.slice(i, i + perRow).map((item) => item.padEnd(width)).join("").trimEnd());
    }
    const caret = this.caret;
    await this.toEnd();
    await this.write("\r\n" + rows.join("\r\n") + "\r\n" + this.host.prompt());
    this.caret = caret;
    this.anchor();
    await this.render();
  }
}

if (typeof module == "object" && module.exports) module.exports = { LineEditor };
