import { failed, final, retryable, type ToolFailure } from '../tool';
import { checkImageOutput, type ImageCheck } from '../openai/shared/image-output.validator';
import { socketCause } from './hosted-failures';

/** Largest result image accepted from a service's URL; a real 4-megapixel PNG is well under it. */
export const RESULT_MAX_BYTES = 40 * 1024 * 1024;
/** How long one result download may take. */
export const RESULT_TIMEOUT_MS = 60_000;

/** Host names that stay on this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Why `url` may not be fetched, or null when it may: a service's URL must be https, or plain http to a
 * loopback host when the service's own base URL is on loopback (a local proxy or a test double). The
 * same rule keeps a service from steering the key or the download anywhere else.
 */
export function refuseUrl(url: string, baseUrl: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname) && isLoopbackBase(baseUrl)) return null;
  return `is not https (${parsed.protocol}//${parsed.host}); only https, or http to this machine when the base URL is local, is fetched`;
}

function isLoopbackBase(baseUrl: string): boolean {
  try {
    const base = new URL(baseUrl);
    return isLoopbackHost(base.hostname);
  } catch {
    return false;
  }
}

export interface DownloadLimits {
  maxBytes?: number;
  timeoutMs?: number;
}

/**
 * Downloads a generated image from the short-lived URL a service answered with, within a size and
 * time limit, and checks that it decodes whole. An expired URL (403/404/410) and a cut connection are
 * retryable: a new generation gets a fresh URL. A too-large or broken image is final.
 */
export async function downloadResultImage(
  url: string,
  from: { service: string; baseUrl: string; signal: AbortSignal },
  limits: DownloadLimits = {},
): Promise<ImageCheck> {
  const maxBytes = limits.maxBytes ?? RESULT_MAX_BYTES;
  const timeoutMs = limits.timeoutMs ?? RESULT_TIMEOUT_MS;
  const where = describeUrl(url);
  const refused = refuseUrl(url, from.baseUrl);
  if (refused) return failed(final('unsafe_url', `${from.service}'s result URL ${where} ${refused}.`));
  const timer = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([from.signal, timer]);
  try {
    // No redirects: a signed URL that bounces elsewhere could leave https or this machine.
    const res = await fetch(url, { signal, redirect: 'manual' });
    if (res.status === 403 || res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      return failed(
        retryable(
          'result_expired',
          `${from.service}'s result URL ${where} answered ${res.status}; it has expired or was removed.`,
        ),
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      return failed(
        res.status >= 500
          ? retryable('result_unavailable', `${from.service}'s result URL ${where} answered ${res.status}.`)
          : final('result_unavailable', `${from.service}'s result URL ${where} answered ${res.status}.`),
      );
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      await res.body?.cancel();
      return failed(tooLarge(from.service, declared, maxBytes));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const reader = res.body?.getReader();
    for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
      size += read.value.length;
      if (size > maxBytes) {
        await reader?.cancel();
        return failed(tooLarge(from.service, size, maxBytes));
      }
      chunks.push(Buffer.from(read.value));
    }
    return checkImageOutput(Buffer.concat(chunks), `${from.service}'s result`);
  } catch (error) {
    if (from.signal.aborted)
      return failed(final('aborted', `Downloading ${from.service}'s result was canceled.`));
    if (timer.aborted)
      return failed(
        retryable(
          'timeout',
          `${from.service}'s result URL ${where} did not finish within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}.`,
        ),
      );
    const cause = socketCause(error);
    return failed(
      retryable(
        'connection',
        `Downloading ${from.service}'s result from ${where} broke off${cause ? ` (${cause})` : ''}.`,
      ),
    );
  }
}

/** Host and path only: a signed URL's query holds its signature, which has no place in a message. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

function tooLarge(service: string, bytes: number, maxBytes: number): ToolFailure {
  return final('bad_output', `${service}'s result is ${bytes} bytes, over the ${maxBytes}-byte limit.`);
}
