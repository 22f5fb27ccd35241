import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { sha256 } from '../core/hash';
import { UserError } from '../core/user-error';
import type { RunRequest } from '../runs/run-request';
import { suiteSchema, type Suite } from './suite.schema';

/** A suite file read, checked and turned into a run request. */
export interface LoadedSuite {
  /** The path as the user gave it, relative to the working directory when inside it. */
  path: string;
  /** SHA-256 of the file's bytes, stored with the run so a result can be traced to the exact file. */
  hash: string;
  suite: Suite;
  request: RunRequest;
  /** The score gate: one number for every variant, a number per label, or none. */
  failUnder: number | Record<string, number> | null;
}

/**
 * Reads a suite file (YAML, or JSON, which YAML reads too) and checks its shape. Every problem is a
 * UserError naming the file, the line and the field, e.g. `suite.yaml:7: tools[1].options: expected record`.
 */
export async function loadSuite(file: string): Promise<LoadedSuite> {
  const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UserError(
      `Cannot read the suite file ${shown}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const text = bytes.toString('utf8');
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return `${shown}:${at.line}:${at.col}: ${e.message.split('\n')[0]}`;
    });
    throw new UserError(`The suite file is not valid YAML or JSON: ${problems.join('; ')}`);
  }
  const parsed = suiteSchema.safeParse(document.toJS());
  if (!parsed.success) {
    throw new UserError(`Invalid suite file: ${describeSuiteIssues(parsed.error, document, lines, shown)}`);
  }
  const suite = parsed.data;
  return {
    path: shown,
    hash: sha256(bytes),
    suite,
    request: suiteRequest(suite),
    failUnder: suite.fail_under ?? null,
  };
}

/** The run request a suite stands for. */
export function suiteRequest(suite: Suite): RunRequest {
  return {
    case_ids: suite.cases === 'all' ? 'all' : suite.cases,
    variants: suite.tools.map((tool) =>
      typeof tool === 'string'
        ? { tool_id: tool }
        : {
            tool_id: tool.id,
            ...(tool.label && { label: tool.label }),
            ...(tool.options && { options: tool.options }),
          },
    ),
    options: {
      ...(suite.samples !== undefined && { samples: suite.samples }),
      ...(suite.concurrency !== undefined && { concurrency: suite.concurrency }),
      ...(suite.attempts !== undefined && { max_attempts: suite.attempts }),
      ...(suite.timeout_s !== undefined && { timeout_ms: Math.round(suite.timeout_s * 1000) }),
      ...(suite.cache !== undefined && { cache: suite.cache }),
      ...(suite.skip_unscorable !== undefined && { skip_unscorable: suite.skip_unscorable }),
    },
  };
}

/** `file:line: field: message` for each issue, the line being that of the field (or its nearest parent). */
function describeSuiteIssues(
  error: z.ZodError,
  document: Document,
  lines: LineCounter,
  file: string,
): string {
  return error.issues
    .flatMap(unwrapUnion)
    .map((issue) => {
      const path = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
      const field = path.reduce<string>(
        (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${key}` : key),
        '',
      );
      // An unknown key has its name in the issue, not in the path: point at that key.
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      if (keys.length > 0) {
        const line = lineOf(document, lines, [...path, keys[0]]);
        const named = keys.map((k) => (field ? `${field}.${k}` : k)).join(', ');
        return `${file}:${line}: ${named}: unknown field${keys.length > 1 ? 's' : ''}`;
      }
      return `${file}:${lineOf(document, lines, path)}: ${field || '(top level)'}: ${issue.message}`;
    })
    .join('; ');
}

/** The line of the node at `path`, or of its nearest ancestor that exists; a key's line for a missing value. */
function lineOf(document: Document, lines: LineCounter, path: Array<string | number>): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return lines.linePos(range[0]).line;
  }
  return 1;
}

/**
 * A value that fits no branch of a union (a tool that is neither an id nor a variant) gets zod's bare
 * "Invalid input": report the problems of the branch that matched its type instead, with their fields.
 */
function unwrapUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const typed = issue.errors.filter(
    (branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
  );
  if (typed.length !== 1) return [issue];
  return typed[0].flatMap((sub) => unwrapUnion({ ...sub, path: [...issue.path, ...sub.path] }));
}
