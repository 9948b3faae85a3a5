import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { MetadataFetchError } from '../../core/sso/ports';
import { MAX_METADATA_BYTES } from './idp-metadata';

export { MetadataFetchError };

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export interface FetchMetadataOptions {
  /** `deployed`: https only, public addresses only. `local` (the twin): http and loopback allowed too. */
  readonly mode: 'local' | 'deployed';
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  readonly maxRedirects?: number;
  /** DNS resolution, injectable for tests; the default asks the system resolver for every address. */
  readonly resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
}

// Never reachable from a metadata fetch, in any mode: link-local (cloud metadata 169.254.169.254,
// fd00:ec2::254 is ULA), unspecified, multicast, reserved, documentation and benchmark ranges.
const alwaysBlocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['169.254.0.0', 16], ['192.0.0.0', 24], ['192.0.2.0', 24], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) alwaysBlocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64], ['2001::', 32]] as const) alwaysBlocked.addSubnet(net, prefix, 'ipv6');

// Private networks: RFC 1918, CGNAT (RFC 6598), IPv6 ULA; blocked when deployed.
const privateNetworks = new BlockList();
for (const [net, prefix] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]] as const) privateNetworks.addSubnet(net, prefix, 'ipv4');
privateNetworks.addSubnet('fc00::', 7, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The IPv4 address embedded in an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const high = parseInt(hex[1]!, 16);
    const low = parseInt(hex[2]!, 16);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return undefined;
}

/** Why an address may not be fetched from, or undefined when it may. */
export function addressRefusal(address: string, mode: 'local' | 'deployed'): string | undefined {
  const family = isIP(address);
  if (family === 0) return `"${address}" is not an IP address`;
  const v4 = family === 6 ? embeddedIpv4(address) : address;
  const [check, type] = v4 ? [v4, 'ipv4' as const] : [address, 'ipv6' as const];
  if (alwaysBlocked.check(check, type)) return `${address} is a link-local, reserved or cloud metadata address`;
  if (loopback.check(check, type)) return mode === 'local' ? undefined : `${address} is a loopback address`;
  if (privateNetworks.check(check, type)) return mode === 'local' ? `${address} is a private network address (only loopback is allowed in the local twin)` : `${address} is a private network address`;
  return undefined;
}

const systemResolve = async (hostname: string): Promise<ResolvedAddress[]> =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));

/**
 * Fetches IdP metadata without becoming an SSRF proxy: bounded time and size, few redirects, each
 * hop's every resolved address checked, and the connection made to the address that was checked
 * (so a DNS answer that changes between check and connect cannot redirect it).
 */
export async function fetchMetadata(rawUrl: string, options: FetchMetadataOptions): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  const maxBytes = options.maxBytes ?? MAX_METADATA_BYTES;
  const resolve = options.resolve ?? systemResolve;
  let url = parseUrl(rawUrl, options.mode);
  for (let hop = 0; ; hop++) {
    const address = await checkedAddress(url, options.mode, resolve, deadline);
    const response = await request(url, address, deadline, maxBytes);
    if (response.status >= 300 && response.status < 400 && response.location !== undefined) {
      if (hop >= (options.maxRedirects ?? 3)) throw new MetadataFetchError('the metadata URL redirects too many times');
      url = parseUrl(new URL(response.location, url).toString(), options.mode);
      continue;
    }
    if (response.status !== 200) throw new MetadataFetchError(`the metadata URL answered HTTP ${response.status}, expected 200`);
    return response.body;
  }
}

function parseUrl(raw: string, mode: 'local' | 'deployed'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MetadataFetchError(`"${raw.slice(0, 200)}" is not a URL`);
  }
  if (url.protocol !== 'https:' && !(mode === 'local' && url.protocol === 'http:')) {
    throw new MetadataFetchError(mode === 'local' ? 'the metadata URL must start with https:// or http://' : 'the metadata URL must start with https://');
  }
  if (url.username || url.password) throw new MetadataFetchError('the metadata URL must not carry a user name or password');
  return url;
}

async function checkedAddress(url: URL, mode: 'local' | 'deployed', resolve: FetchMetadataOptions['resolve'] & object, deadline: number): Promise<ResolvedAddress> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  const addresses: ResolvedAddress[] = literal ? [{ address: host, family: literal === 6 ? 6 : 4 }] : await withDeadline(resolve(host), deadline, `resolving ${host} took too long`).catch((error: unknown) => {
    if (error instanceof MetadataFetchError) throw error;
    throw new MetadataFetchError(`the host name ${host} could not be resolved`);
  });
  if (addresses.length === 0) throw new MetadataFetchError(`the host name ${host} could not be resolved`);
  for (const { address } of addresses) {
    const refusal = addressRefusal(address, mode);
    if (refusal) throw new MetadataFetchError(`the metadata URL's host ${host} resolves to ${refusal}, which may not be fetched`);
  }
  return addresses[0]!;
}

function withDeadline<T>(promise: Promise<T>, deadline: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new MetadataFetchError(message)), Math.max(0, deadline - Date.now()));
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

function request(url: URL, pinned: ResolvedAddress, deadline: number, maxBytes: number): Promise<{ status: number; location?: string; body: string }> {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(new MetadataFetchError('fetching the metadata took too long'));
    const req = transport.request(url, { method: 'GET', lookup, headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml', 'user-agent': 'natoma-sso metadata fetch' }, timeout: remaining });
    const timer = setTimeout(() => req.destroy(new MetadataFetchError('fetching the metadata took too long')), remaining);
    req.on('timeout', () => req.destroy(new MetadataFetchError('fetching the metadata took too long')));
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error instanceof MetadataFetchError ? error : new MetadataFetchError(`the metadata URL could not be fetched (${(error as NodeJS.ErrnoException).code ?? error.message})`));
    });
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        clearTimeout(timer);
        res.resume();
        req.destroy();
        return resolve({ status, location: res.headers.location, body: '' });
      }
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > maxBytes) return req.destroy(new MetadataFetchError(`the metadata is larger than ${Math.round(maxBytes / 1024)} KB`));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return req.destroy(new MetadataFetchError(`the metadata is larger than ${Math.round(maxBytes / 1024)} KB`));
        chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => req.destroy(error));
    });
    req.end();
  });
}
