import type { Exchange } from '../api/types.js';

/** Quotes a value for a POSIX shell: single quotes, with each embedded quote closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Headers curl sets itself or that describe the old connection, not the request. */
const SKIPPED_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'accept-encoding',
  'transfer-encoding',
]);

/**
 * The exchange's request as a curl command line, to replay it from a terminal. Secrets were masked when
 * the exchange was logged, so a masked value stays masked here: the command shows the shape, not the secret.
 */
export function exchangeToCurl(
  exchange: Pick<Exchange, 'method' | 'path' | 'query' | 'request'>,
  origin: string,
): string {
  const query = new URLSearchParams(Object.entries(exchange.query)).toString();
  const url = `${origin}${exchange.path}${query === '' ? '' : `?${query}`}`;
  const parts = ['curl', '-i'];
  if (exchange.method !== 'GET') parts.push('-X', exchange.method);
  parts.push(shellQuote(url));
  for (const [name, value] of Object.entries(exchange.request.headers)) {
    if (SKIPPED_HEADERS.has(name.toLowerCase())) continue;
    parts.push('-H', shellQuote(`${name}: ${value}`));
  }
  if (exchange.request.body !== undefined && exchange.request.body !== '') {
    parts.push('--data-raw', shellQuote(exchange.request.body));
  }
  return parts.join(' ');
}
