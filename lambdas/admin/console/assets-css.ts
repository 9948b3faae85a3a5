/** The console's only stylesheet: served from the Lambda, no CDN, no inline styles (CSP style-src 'self'). */
export const CONSOLE_CSS = `
:root{--bg:#f6f7f9;--panel:#fff;--ink:#1a1d23;--muted:#4a5160;--line:#d5d9e0;--brand:#1f4fd1;--brand-ink:#fff;--ok:#116b2f;--ok-bg:#e5f5ea;--bad:#a3161c;--bad-bg:#fdecec;--warn:#7a4b00;--warn-bg:#fff4db;--focus:#f5a700;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
*{box-sizing:border-box}body{margin:0;line-height:1.5;font-size:16px}
a{color:var(--brand)}a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--panel);padding:.5rem 1rem}.skip:focus{left:.5rem;z-index:10}
header.top{background:#14213d;color:#fff;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.6rem 1.25rem}
header.top .brand{font-weight:700;font-size:1.1rem;color:#fff;text-decoration:none}
header.top .tenant{color:#c9d3ea;font-size:.9rem}
header.top nav{flex:1 1 auto}
header.top nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem}
header.top nav a{color:#fff;text-decoration:none;padding:.35rem .7rem;border-radius:6px;display:inline-block}
header.top nav a[aria-current=page]{background:#fff;color:#14213d;font-weight:600}
header.top nav a:hover{background:#2b3d66}header.top nav a[aria-current=page]:hover{background:#fff}
header.top .who{display:flex;align-items:center;gap:.75rem;font-size:.9rem;color:#dfe6f5}
header.top .who button{background:transparent;color:#fff;border:1px solid #8fa2cc}
main{max-width:1040px;margin:0 auto;padding:1.25rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:0 0 .75rem}h3{font-size:1rem;margin:1rem 0 .5rem}
.lede{color:var(--muted);margin-top:-.5rem}
section.card{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:1.1rem 1.25rem;margin:0 0 1.1rem}
.steps{counter-reset:step}.steps>section.card>h2::before{counter-increment:step;content:counter(step) ". ";color:var(--brand)}
.field{margin:0 0 .9rem}form+.field{margin-top:1rem}.field label,.label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{color:var(--muted);font-size:.9rem;margin:.2rem 0 0}
.copyrow{display:flex;gap:.5rem;align-items:stretch}.copyrow input,.copyrow textarea{flex:1 1 auto;min-width:0}
input[type=text],input[type=url],input[type=email],input[type=search],select,textarea{font:inherit;padding:.45rem .6rem;border:1px solid #8a93a3;border-radius:6px;background:#fff;color:var(--ink);width:100%}
input[readonly],textarea[readonly]{background:#f1f3f6;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.88rem}
textarea{min-height:7rem}textarea.cert{min-height:5rem}
button,.button{font:inherit;font-weight:600;padding:.45rem .9rem;border-radius:6px;border:1px solid var(--brand);background:var(--brand);color:var(--brand-ink);cursor:pointer;text-decoration:none;display:inline-block;white-space:nowrap}
button.secondary,.button.secondary{background:#fff;color:var(--brand)}
button.danger{background:#fff;color:var(--bad);border-color:var(--bad)}
button[disabled]{background:#e3e6ea;color:#5b6372;border-color:#c3c8d0;cursor:not-allowed}
.actions{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin-top:.5rem}
.error{color:var(--bad);background:var(--bad-bg);border-left:4px solid var(--bad);padding:.4rem .6rem;margin:.5rem 0 0;border-radius:4px}
.error:empty{display:none}
.notice{padding:.6rem .8rem;border-radius:6px;margin:.5rem 0}
.notice.ok{background:var(--ok-bg);color:var(--ok);border-left:4px solid var(--ok)}
.notice.bad{background:var(--bad-bg);color:var(--bad);border-left:4px solid var(--bad)}
.notice.warn{background:var(--warn-bg);color:var(--warn);border-left:4px solid var(--warn)}
.blocked{color:var(--warn);background:var(--warn-bg);padding:.35rem .6rem;border-radius:4px;margin:.4rem 0 0}
.badge{display:inline-block;font-size:.8rem;font-weight:600;padding:.05rem .5rem;border-radius:999px;border:1px solid currentColor}
.badge.ok{color:var(--ok)}.badge.bad{color:var(--bad)}.badge.muted{color:var(--muted)}
table{width:100%;border-collapse:collapse;font-size:.95rem}th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.tablewrap{overflow-x:auto}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dl.kv dt{font-weight:600}dl.kv dd{margin:0;word-break:break-all}
.switch{display:flex;align-items:center;gap:.6rem;font-weight:600}form+form .switch{margin-top:1rem}
.switch input{width:2.6rem;height:1.4rem;appearance:none;background:#8a93a3;border-radius:999px;position:relative;cursor:pointer;margin:0;flex:none}
.switch input::after{content:"";position:absolute;top:.15rem;left:.15rem;width:1.1rem;height:1.1rem;border-radius:50%;background:#fff;transition:left .15s}
.switch input:checked{background:var(--ok)}.switch input:checked::after{left:1.35rem}
.switch input:disabled{opacity:.5;cursor:not-allowed}
.token{border:2px solid var(--warn);background:var(--warn-bg);border-radius:8px;padding:.8rem 1rem;margin:.75rem 0}
.token input{font-size:.95rem}
.problems li{margin-bottom:.4rem}.problems code{background:#f1f3f6;padding:0 .25rem;border-radius:3px}
.pager{display:flex;gap:.75rem;margin-top:.75rem}
.search{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end;margin-bottom:.75rem}.search .field{margin:0;flex:1 1 14rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.login{max-width:28rem;margin:3rem auto}
.two{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
@media (max-width:720px){.two{grid-template-columns:1fr}dl.kv{grid-template-columns:1fr}header.top .who{width:100%;justify-content:space-between}.copyrow{flex-direction:column}.copyrow button{align-self:flex-start}th.opt,td.opt{display:none}}
@media (prefers-reduced-motion:reduce){*{transition:none!important}}
`;
