/** The browser's only stylesheet, served from `{base}/style.css` (CSP: style-src 'self'). */
export const STYLESHEET = `:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #fff;
  --panel: #f6f8fa; --line: #d0d7de; --accent: #0550ae; --has: #ddf4ff;
  --bad: #cf222e; --bad-bg: #ffebe9; --warn: #9a6700; --warn-bg: #fff8c5; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117;
  --panel: #161b22; --line: #30363d; --accent: #58a6ff; --has: #0c2d6b;
  --bad: #ff7b72; --bad-bg: #3c1618; --warn: #d29922; --warn-bg: #341a00; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.sid, .hash { word-break: break-all; }
/* A SID is one 34-character word: at 390 px a heading naming one must break inside it. */
h1, h2 { overflow-wrap: anywhere; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; z-index: 1; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header.site { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between;
  padding: .75rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { margin: 0; font-weight: 600; font-size: 1.1rem; }
.brand a { color: inherit; text-decoration: none; }
.ro { font-weight: 400; font-size: .75rem; color: var(--muted); border: 1px solid var(--line); border-radius: 1rem; padding: 0 .5rem; margin-left: .5rem; }
form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
input, button { font: inherit; padding: .3rem .6rem; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--fg); }
button { cursor: pointer; background: var(--panel); }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.summary, .meta, .crumbs { color: var(--muted); }
.pager { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: center; margin: 1rem 0; }
.pager .jump { margin-left: auto; }
table.calendar { border-collapse: collapse; width: 100%; max-width: 40rem; table-layout: fixed; }
.calendar caption { text-align: left; color: var(--muted); padding-bottom: .25rem; }
.calendar th { font-weight: 600; color: var(--muted); padding: .25rem; }
.calendar td { border: 1px solid var(--line); height: 3.5rem; vertical-align: top; padding: .25rem .4rem; }
.calendar td.future, .calendar td.empty { color: var(--muted); }
.calendar td.future { opacity: .5; }
.calendar td.has { background: var(--has); }
.calendar td.has a { display: block; height: 100%; text-decoration: none; }
.calendar .n { font-weight: 600; }
.calendar .count { display: block; font-size: .8rem; }
.count::after { content: " media"; }
ul.days { padding-left: 1.2rem; }
section.message { border-top: 1px solid var(--line); padding-top: .25rem; }
section.message h2 { margin-bottom: 0; }
ul.tiles { list-style: none; padding: 0; display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); }
.tile { display: flex; flex-direction: column; gap: .25rem; }
.thumb { display: flex; align-items: center; justify-content: center; height: 10rem; background: var(--panel);
  border: 1px solid var(--line); border-radius: 6px; overflow: hidden; text-decoration: none; }
.thumb img { max-width: 100%; max-height: 100%; min-width: 3rem; min-height: 3rem; object-fit: contain; image-rendering: auto; }
.thumb { flex-direction: column; gap: .25rem; }
.kind { font-weight: 700; font-size: 1.3rem; color: var(--muted); }
.icon { color: var(--muted); }
.calendar .bytes { display: block; font-size: .7rem; color: var(--muted); }
.text { white-space: pre-wrap; overflow-wrap: anywhere; border-left: 3px solid var(--line); padding-left: .75rem; }
.not-archived { color: var(--muted); font-style: italic; }
.tile .meta { font-size: .8rem; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
dt { color: var(--muted); }
dd { margin: 0; min-width: 0; }
.figures { display: grid; gap: 1.5rem; align-items: start; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); }
figure.media { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: .75rem; background: var(--panel); }
figure.media img { display: block; max-width: 100%; max-height: 24rem; margin: 0 auto; min-width: 4rem; min-height: 4rem; object-fit: contain; background: var(--bg); }
figure.media audio, figure.media video { width: 100%; }
figure.media .doc { display: block; padding: 2rem; text-align: center; font-weight: 600; border: 1px dashed var(--line); border-radius: 6px; }
figcaption dl { font-size: .875rem; }
.badge { margin: .35rem 0; padding: .35rem .6rem; border-left: 4px solid var(--warn); border-radius: 4px;
  background: var(--warn-bg); font-size: .875rem; overflow-wrap: anywhere; }
.badge.damaged { border-left-color: var(--bad); background: var(--bad-bg); }
.tile.damaged .thumb, figure.media.damaged { border: 2px solid var(--bad); }
.tile.unverified .thumb, figure.media.unverified { border: 2px dashed var(--warn); }
`;
