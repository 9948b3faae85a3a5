/** Everything the app prints comes from outside (claims, events, query strings): escape it all. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A tagged template whose interpolations are escaped unless they are already `Html`. */
export class Html {
  constructor(readonly text: string) {}
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    const parts = Array.isArray(value) ? value : [value];
    text += parts.map((part) => (part instanceof Html ? part.text : escapeHtml(part ?? ''))).join('');
    text += strings[index + 1] ?? '';
  });
  return new Html(text);
}

export function page(title: string, body: Html): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Example app</title>
<style>
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
nav a{margin-right:1rem} table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
code,pre{background:#f4f4f4;padding:.1rem .3rem;overflow-x:auto} .error{color:#a00}
</style>
</head>
<body>
<nav><a href="/">Home</a><a href="/me">Claims</a><a href="/received">Events and logouts</a></nav>
<h1>${escapeHtml(title)}</h1>
${body.text}
</body>
</html>`;
}
