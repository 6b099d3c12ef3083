import { readFileSync } from 'node:fs';

/**
 * The MediRecords token endpoint document (test/fixtures/medirecords-token-endpoint.txt, copied verbatim from
 * the vendor's IG 1.4.2) read as data: the tests take the wording and the status of each error from it rather
 * than from strings of their own, so a test can only pass where the server says what the document says.
 */
export interface MediRecordsDocument {
  /** The response parameter names, in the document's order (`refresh_token (optional)` is `refresh_token`). */
  readonly responseParameters: readonly string[];
  /** Every error description of the status table with its status code; the 200 row is not an error. */
  readonly errors: ReadonlyMap<string, number>;
}

const text = readFileSync(new URL('../fixtures/medirecords-token-endpoint.txt', import.meta.url), 'utf8');

function parse(source: string): MediRecordsDocument {
  const lines = source
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.replace(/\u00a0/g, ' ').trim())
    .filter((line) => line !== '');
  const parameters = lines.indexOf('Response Parameters');
  const table = lines.indexOf('Status Text Error Description(s)');
  if (parameters < 0 || table < parameters) throw new Error('the MediRecords fixture lost its tables');
  const responseParameters = lines
    .slice(parameters + 1, table)
    .map((line) => /^([a-z_A-Z]+)(?: \(optional\))? (?:string|number|object\[\]) /.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  const errors = new Map<string, number>();
  let status = 0;
  for (const line of lines.slice(table + 1)) {
    // "400 Bad Request Redirect_uri mismatch" opens a status; the indented lines after it add descriptions.
    const row = /^(\d{3}) (?:OK|Bad Request|Unauthorized|Internal Server Error) (.+)$/.exec(line);
    if (row?.[1] !== undefined && row[2] !== undefined) {
      status = Number(row[1]);
      if (status !== 200) errors.set(row[2], status);
    } else if (status !== 0) {
      errors.set(line, status);
    }
  }
  if (responseParameters.length === 0 || errors.size === 0)
    throw new Error('the MediRecords fixture has no response parameters or no error rows');
  return { responseParameters, errors };
}

export const MEDIRECORDS = parse(text);

/** The status the document gives an error description; throws if the document has no such row. */
export function documentedStatus(description: string): number {
  const status = MEDIRECORDS.errors.get(description);
  if (status === undefined)
    throw new Error(
      `"${description}" is not a row of the MediRecords error table; it has: ${[...MEDIRECORDS.errors.keys()].join(' | ')}`,
    );
  return status;
}
