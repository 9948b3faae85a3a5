import { invalidFilter, invalidPath } from './scim-error';

/**
 * RFC 7644 §3.4.2.2 filters parsed to an AST. Operators and attribute names are case-insensitive;
 * precedence is not > and > or; parentheses group; `attr[filter]` is a value path.
 */

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type CompValue = string | number | boolean | null;

/** `urn` is the schema URN prefix when the client wrote one; `sub` a sub-attribute after a dot. */
export interface AttrPath {
  readonly urn?: string;
  readonly attr: string;
  readonly sub?: string;
}

export type Filter =
  | { readonly op: 'and' | 'or'; readonly left: Filter; readonly right: Filter }
  | { readonly op: 'not'; readonly filter: Filter }
  | { readonly op: 'pr'; readonly path: AttrPath }
  | { readonly op: CompareOp; readonly path: AttrPath; readonly value: CompValue }
  | { readonly op: 'valuePath'; readonly path: AttrPath; readonly filter: Filter };

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
export const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 32;

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: '(' | ')' | '[' | ']'; at: number };

const WORD = /[A-Za-z0-9_$:.\-]/;

function lex(text: string, fail: (detail: string) => Error): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ kind: c, at: i });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw fail(`unterminated string starting at position ${i + 1}`);
      try {
        tokens.push({ kind: 'string', value: JSON.parse(text.slice(i, j + 1)) as string, at: i });
      } catch {
        throw fail(`invalid string literal at position ${i + 1}`);
      }
      i = j + 1;
    } else if (WORD.test(c)) {
      let j = i;
      while (j < text.length && WORD.test(text[j]!)) j++;
      const word = text.slice(i, j);
      if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(word)) tokens.push({ kind: 'number', value: Number(word), at: i });
      else tokens.push({ kind: 'word', text: word, at: i });
      i = j;
    } else {
      throw fail(`unexpected character "${c}" at position ${i + 1}`);
    }
  }
  return tokens;
}

/** Splits `urn:…:name.sub` (or `name.sub`) into its parts. The URN is everything up to the last colon. */
export function parseAttrPath(text: string, fail: (detail: string) => Error = invalidFilter): AttrPath {
  let urn: string | undefined;
  let rest = text;
  if (/^urn:/i.test(text)) {
    const colon = text.lastIndexOf(':');
    urn = text.slice(0, colon);
    rest = text.slice(colon + 1);
    // `urn:…:2.0:User:name.givenName`: the URN's own dots sit before the last colon, so this split is safe.
  }
  const dot = rest.indexOf('.');
  const attr = dot < 0 ? rest : rest.slice(0, dot);
  const sub = dot < 0 ? undefined : rest.slice(dot + 1);
  if (!/^[A-Za-z$][A-Za-z0-9_$\-]*$/.test(attr) || (sub !== undefined && !/^[A-Za-z$][A-Za-z0-9_$\-]*$/.test(sub))) {
    throw fail(`"${text}" is not an attribute path`);
  }
  return urn === undefined ? (sub === undefined ? { attr } : { attr, sub }) : sub === undefined ? { urn, attr } : { urn, attr, sub };
}

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly fail: (detail: string) => Error,
  ) {}

  get done(): boolean {
    return this.pos >= this.tokens.length;
  }
  peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  next(): Token | undefined {
    return this.tokens[this.pos++];
  }
  private isKeyword(token: Token | undefined, keyword: string): boolean {
    return token?.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  parseOr(depth: number): Filter {
    if (depth > MAX_DEPTH) throw this.fail('filter is nested too deeply');
    let left = this.parseAnd(depth);
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      left = { op: 'or', left, right: this.parseAnd(depth) };
    }
    return left;
  }

  private parseAnd(depth: number): Filter {
    let left = this.parseUnary(depth);
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      left = { op: 'and', left, right: this.parseUnary(depth) };
    }
    return left;
  }

  private parseUnary(depth: number): Filter {
    const token = this.peek();
    if (this.isKeyword(token, 'not') && this.tokens[this.pos + 1]?.kind === '(') {
      this.next();
      return { op: 'not', filter: this.parseGroup(depth) };
    }
    if (token?.kind === '(') return this.parseGroup(depth);
    return this.parseAttrExpression(depth);
  }

  private parseGroup(depth: number): Filter {
    this.expect('(');
    const inner = this.parseOr(depth + 1);
    this.expect(')');
    return inner;
  }

  private expect(kind: '(' | ')' | '[' | ']'): void {
    const token = this.next();
    if (token?.kind !== kind) throw this.fail(`expected "${kind}" ${token ? `at position ${token.at + 1}` : 'at the end'}`);
  }

  private parseAttrExpression(depth: number): Filter {
    const token = this.next();
    if (token?.kind !== 'word') throw this.fail(`expected an attribute ${token ? `at position ${token.at + 1}` : 'at the end'}`);
    const path = parseAttrPath(token.text, this.fail);
    if (this.peek()?.kind === '[') {
      if (path.sub !== undefined) throw this.fail(`"${token.text}[...]": a value filter applies to an attribute, not a sub-attribute`);
      this.next();
      const filter = this.parseOr(depth + 1);
      this.expect(']');
      const after = this.peek();
      if (after?.kind !== 'word' || !after.text.startsWith('.')) return { op: 'valuePath', path, filter };
      // Entra: `emails[type eq "work"].value eq "x"` is `emails[type eq "work" and value eq "x"]`.
      this.next();
      const sub = parseAttrPath(after.text.slice(1), this.fail);
      if (sub.sub !== undefined) throw this.fail(`"${after.text}": one sub-attribute may follow a value filter`);
      return { op: 'valuePath', path, filter: { op: 'and', left: filter, right: this.comparison(sub, after.text.slice(1)) } };
    }
    return this.comparison(path, token.text);
  }

  /** `op value` (or `pr`) after an attribute path. */
  private comparison(path: AttrPath, text: string): Filter {
    const operator = this.next();
    if (operator?.kind !== 'word') throw this.fail(`expected an operator after "${text}"`);
    const op = operator.text.toLowerCase();
    if (op === 'pr') return { op: 'pr', path };
    if (!COMPARE_OPS.has(op)) throw this.fail(`unknown operator "${operator.text}" (expected eq, ne, co, sw, ew, gt, ge, lt, le or pr)`);
    const value = this.next();
    if (!value) throw this.fail(`expected a value after "${text} ${operator.text}"`);
    return { op: op as CompareOp, path, value: this.literal(value) };
  }

  private literal(token: Token): CompValue {
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'word') {
      const lower = token.text.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      if (lower === 'null') return null;
      throw this.fail(`"${token.text}" is not a value: strings need double quotes`);
    }
    throw this.fail(`expected a value at position ${token.at + 1}`);
  }
}

export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) throw invalidFilter(`filter longer than ${MAX_FILTER_LENGTH} characters`);
  const parser = new Parser(lex(text, invalidFilter), invalidFilter);
  if (parser.done) throw invalidFilter('empty filter');
  const filter = parser.parseOr(0);
  const rest = parser.peek();
  if (rest) throw invalidFilter(`unexpected ${rest.kind === 'word' ? `"${rest.text}"` : rest.kind} at position ${rest.at + 1}`);
  return filter;
}

/** A PATCH path (RFC 7644 §3.5.2): `attrPath`, `attr[filter]`, `attr[filter].sub`, each with an optional URN prefix. */
export interface PatchPath {
  readonly urn?: string;
  readonly attr: string;
  readonly sub?: string;
  readonly filter?: Filter;
}

export function parsePatchPath(text: string, splitUrn: (path: string) => { urn?: string; rest: string }): PatchPath {
  if (text.length > MAX_FILTER_LENGTH) throw invalidPath('path too long');
  const { urn, rest } = splitUrn(text.trim());
  if (rest === '') {
    if (urn === undefined) throw invalidPath('empty path');
    return { urn, attr: '' };
  }
  const bracket = rest.indexOf('[');
  if (bracket < 0) {
    const path = parseAttrPath(rest, invalidPath);
    return { ...path, ...(urn ? { urn } : {}) };
  }
  const head = parseAttrPath(rest.slice(0, bracket), invalidPath);
  if (head.sub !== undefined) throw invalidPath(`"${text}": a value filter applies to an attribute, not a sub-attribute`);
  const tokens = lex(rest.slice(bracket), invalidPath);
  const parser = new Parser(tokens, invalidPath);
  parser.next();
  const filter = parser.parseOr(1);
  if (parser.next()?.kind !== ']') throw invalidPath(`"${text}": expected "]"`);
  let sub: string | undefined;
  const after = parser.next();
  if (after) {
    if (after.kind !== 'word' || !/^\.[A-Za-z$][A-Za-z0-9_$\-]*$/.test(after.text) || !parser.done) throw invalidPath(`"${text}": unexpected text after "]"`);
    sub = after.text.slice(1);
  }
  return { ...(urn ? { urn } : {}), attr: head.attr, filter, ...(sub ? { sub } : {}) };
}
