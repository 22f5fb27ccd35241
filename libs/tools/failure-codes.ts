import type { ItemErrorCode } from '../core/run-events';
import type { ToolFailure } from './tool';

/**
 * The tools' own failure codes (`ToolFailure.code`, finer and service-specific) as the item codes runs
 * count by (docs/api.md §4.1). A code not listed here is `other`.
 */
const ITEM_CODES: Readonly<Record<string, ItemErrorCode>> = {
  safety: 'refused',
  rate_limited: 'rate_limited',
  auth: 'auth',
  missing_key: 'auth',
  forbidden: 'auth',
  quota: 'auth',
  timeout: 'timeout',
  bad_output: 'bad_output',
  unsafe_url: 'bad_output',
  result_unavailable: 'bad_output',
  job_failed: 'server',
  server_error: 'server',
  http_408: 'server',
  http_409: 'server',
  connection: 'network',
  aborted: 'canceled',
  canceled: 'canceled',
  stopped: 'canceled',
};

/** The item code of a tool's failure. */
export function itemErrorCode(failure: Pick<ToolFailure, 'code'>): ItemErrorCode {
  return ITEM_CODES[failure.code] ?? (/^http_5\d\d$/.test(failure.code) ? 'server' : 'other');
}
