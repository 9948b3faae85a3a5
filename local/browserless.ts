/**
 * Just enough of a browser for the twin's own set-up steps: follows redirects, keeps cookies per
 * origin, and submits POST forms (the dev IdP's sign-in form, the auto-posting SAML pages) with fetch.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') return String.fromCodePoint(name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const attribute = (tag: string, name: string): string | undefined => {
  const match = new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag);
  return match ? unescapeHtml(match[1]!) : undefined;
};

export interface PostForm {
  readonly action: string;
  readonly fields: URLSearchParams;
}

/** The first `<form method="post">` of a page, with the names and values of its inputs. */
export function firstPostForm(html: string, pageUrl: string): PostForm | undefined {
  for (const match of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const tag = match[0].slice(0, match[0].indexOf('>') + 1);
    if ((attribute(tag, 'method') ?? 'get').toLowerCase() !== 'post') continue;
    const fields = new URLSearchParams();
    for (const input of match[1]!.matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input[0], 'name');
      if (name) fields.append(name, attribute(input[0], 'value') ?? '');
    }
    return { action: new URL(attribute(tag, 'action') ?? pageUrl, pageUrl).href, fields };
  }
  return undefined;
}

export interface Visit {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

export class Browserless {
  private readonly jar = new Map<string, Map<string, string>>();

  /** `route` maps a public URL to the address this process reaches it at (a tunnel's URL to 127.0.0.1). */
  constructor(private readonly route: (url: string) => string = (url) => url) {}

  cookieHeader(url: string): string | undefined {
    const cookies = this.jar.get(new URL(url).origin);
    return cookies && cookies.size > 0 ? [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') : undefined;
  }

  /** One request, no redirect followed; cookies it sets are kept. */
  async request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
    const cookie = this.cookieHeader(url);
    const response = await fetch(this.route(url), {
      method: init.method ?? 'GET',
      body: init.body,
      headers: { ...init.headers, ...(cookie ? { cookie } : {}) },
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    const origin = new URL(url).origin;
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const cookies = this.jar.get(origin) ?? new Map<string, string>();
      cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
      this.jar.set(origin, cookies);
    }
    return response;
  }

  /** GETs `url` and follows redirects until a page answers. */
  async open(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Visit> {
    let current = url;
    let next = init;
    for (let hop = 0; hop < 10; hop++) {
      const response = await this.request(current, next);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        current = new URL(location, current).href;
        next = {};
        continue;
      }
      return { url: current, status: response.status, body: await response.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Submits the page's POST form, with `overrides` for the fields the form has. */
  async submit(page: Visit, overrides: Record<string, string> = {}): Promise<Visit> {
    const form = firstPostForm(page.body, page.url);
    if (!form) throw new Error(`no form to submit on ${page.url} (HTTP ${page.status})`);
    for (const [name, value] of Object.entries(overrides)) if (form.fields.has(name)) form.fields.set(name, value);
    return this.open(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.fields.toString() });
  }
}

/** The page's title, for error messages (never its body: it may hold attacker-controlled or secret text). */
export const titleOf = (html: string): string => unescapeHtml(/<title>([^<]{0,120})/i.exec(html)?.[1]?.trim() ?? 'untitled page');
