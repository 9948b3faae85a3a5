import type { EmfDocument, MetricsWriter } from './metrics';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Keys whose values are never written, at any depth: secrets, tokens, SAML messages, cookies.
const REDACTED_KEYS = /^(authorization|cookie|set-cookie|password|secret|token|samlresponse|samlrequest|assertion|privatekey|private_key|csrf.*|x-natoma-operator-key|client_?secret|code_verifier|(?:id|access|refresh|logout)_?token|x-api-key)$/i;
const MAX_DEPTH = 5;

// Values that are secrets whatever key holds them: SCIM tokens, bearer credentials, signed JWTs (ID and logout tokens), PEM private keys.
const SECRET_VALUES = /natoma_scim_[A-Za-z0-9_-]+|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|[?&](?:token|ticket|code|code_verifier|client_secret|id_token_hint|logout_token|SAMLResponse|SAMLRequest)=[^&\s"]+|Bearer\s+[A-Za-z0-9._~+/=-]+|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(SECRET_VALUES, '[redacted]');
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[depth]';
  // Stacks are kept (they carry no request data); a cause chain is followed as deep as any other value.
  if (value instanceof Error) return { name: value.name, message: redact(value.message), stack: redact(value.stack), ...(value.cause !== undefined ? { cause: redact(value.cause, depth + 1) } : {}) };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = REDACTED_KEYS.test(key) ? '[redacted]' : redact(inner, depth + 1);
  return out;
}

/**
 * Structured JSON logs, one line per entry, each with the request's correlation ID.
 * Callers pass facts, never raw requests: redaction is a second line of defence, not the first.
 */
export class Logger implements MetricsWriter {
  constructor(
    private readonly context: Record<string, unknown> = {},
    private readonly level: LogLevel = 'info',
    private readonly sink: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  child(context: Record<string, unknown>): Logger {
    return new Logger({ ...this.context, ...context }, this.level, this.sink);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields);
  }

  /**
   * A CloudWatch EMF line (metrics.ts), whatever the level: metrics are not diagnostics. Not redacted:
   * the document holds only dimension values chosen in code, and redaction would cut its nesting.
   */
  metrics(document: EmfDocument): void {
    this.sink(JSON.stringify(document));
  }

  private write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (order[level] < order[this.level]) return;
    const entry = { level, time: new Date().toISOString(), message: redact(message), ...this.context, ...(redact(fields ?? {}) as object) };
    this.sink(JSON.stringify(entry));
  }
}

export function createLogger(service: string, level: string | undefined): Logger {
  const chosen = (level && level in order ? level : 'info') as LogLevel;
  return new Logger({ service }, chosen);
}
