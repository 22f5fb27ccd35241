/**
 * Hostile input for the API: values for path parameters, JSON bodies and content types. Every one must
 * be refused with a 4xx `{ "error": "..." }`; none may reach storage. Each entry has a name for reports.
 */

/** Path parameter values, already URL-encoded as they go on the wire. */
export const HOSTILE_PATH_VALUES: ReadonlyArray<readonly [string, string]> = [
  ['dot-dot', '..'],
  ['encoded dot-dot', '%2e%2e'],
  ['traversal to the database', '..%2f..%2fswapbench.db'],
  ['traversal to /etc/passwd', '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
  ['backslash traversal', '..%5c..%5cwindows'],
  ['NUL byte', 'a%00b'],
  ['malformed escape', '%ff'],
  ['half escape', '%e2%82'],
  ['very long', 'x'.repeat(4000)],
  ['emoji', '%F0%9F%92%A5'],
  ['lone surrogate (CESU)', '%ED%A0%80'],
  ['SQL', "'%3B%20DROP%20TABLE%20runs%3B--"],
  ['__proto__', '__proto__'],
  ['negative number', '-1'],
  ['huge number', '99999999999999999999999'],
  ['space', '%20'],
];

/** JSON bodies (as raw text) of the wrong shape, type, size or depth. */
export const HOSTILE_JSON_BODIES: ReadonlyArray<readonly [string, string]> = [
  ['string', '"hello"'],
  ['number', '42'],
  ['null', 'null'],
  ['array', '[1,2,3]'],
  ['empty object', '{}'],
  ['wrong types', '{"case_ids":5,"tool_ids":{},"run_item_id":"1","stars":"5","name":7}'],
  ['fractional and out of range', '{"run_item_id":1.5,"stars":99,"case_ids":[],"tool_ids":[]}'],
  ['infinity', '{"run_item_id":1e400,"stars":3}'],
  ['unknown fields', '{"zzz":1,"case_ids":"all","tool_ids":"all","run_item_id":1,"stars":3}'],
  ['__proto__ pollution', '{"__proto__":{"polluted":"yes"},"case_ids":"all","tool_ids":"all"}'],
  ['constructor pollution', '{"constructor":{"prototype":{"polluted":"yes"}}}'],
  [
    'unicode ids',
    '{"case_ids":["💥\\u0000\\ud800"],"tool_ids":["ｃｏｎｔｒｏｌ"],"run_item_id":-1,"stars":0}',
  ],
  ['traversal ids', '{"case_ids":["../../etc"],"tool_ids":["../control_template"]}'],
  ['deep object', '{"a":'.repeat(4000) + '1' + '}'.repeat(4000)],
  ['deep array', '['.repeat(100_000) + ']'.repeat(100_000)],
  ['huge string', `{"case_ids":["${'x'.repeat(300_000)}"],"tool_ids":"all"}`],
  ['many keys', `{${Array.from({ length: 5000 }, (_, i) => `"k${i}":${i}`).join(',')}}`],
  ['truncated', '{"case_ids": ["tc_01"'],
  ['trailing comma', '{"stars":3,}'],
  ['not JSON', 'hello=world'],
];

/** Content types a JSON endpoint must refuse or treat as not-JSON (the body is a valid run request). */
export const HOSTILE_CONTENT_TYPES: readonly string[] = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/xml',
];
