import { readFile } from 'node:fs/promises';
import { In, Not, type Repository } from 'typeorm';
import type { TestCase } from '../cases/test-case';
import { LoadingCache } from '../core/loading-cache';
import { isUniqueViolation } from '../database/constraint-errors';
import type { KnownOutput, SwapEvaluator } from '../evaluator/swap-evaluator';
import { isPng } from '../core/image-type';
import { readRgbOnce, type DecodedImage } from '../faces/raster';
import { sourceDigest } from '../report-images/variant-cache';
import type { ItemErrorCode } from '../core/run-events';
import { itemErrorCode } from '../tools/failure-codes';
import type { SwapTool, ToolAvatar, ToolFailure, ToolInput, ToolOutputMeta, ToolResult } from '../tools/tool';
import { nextStep, type ItemEvent, type ItemMachine } from './item-machine';
import type { OutputStore } from './output-store';
import { retryDelayMs, sleep } from './retry-policy';
import { sampleOptions } from './run-plan';
import type { RunItem } from './run-item.entity';
import type { Run, RunOptions } from './run.entity';

/** A tool's image as it answered, before it is checked and stored. */
export interface ToolAnswer {
  image: Buffer;
  meta: ToolOutputMeta;
  /** From the call to the answer. */
  latencyMs: number;
  /** The case's template byte for byte (a tool that changed nothing): known to be a whole image. */
  unchanged: boolean;
}

/** An item after its tool was called: with the answer to `keep`, or ended (or found generated) without one. */
export interface Generation {
  item: RunItem;
  answer?: ToolAnswer;
}

/**
 * The work of one run's items: calling the tool, storing its answer, scoring it. Every change of an
 * item's status is an event of the `ItemMachine`; each step takes the item as it stands and resolves with
 * the item after it. The files an item's row points to are written before the row points to them (see
 * `keep` and `evaluate`), so a process can die between any two steps and a resume finds a state it handles.
 */
export class ItemLifecycle {
  readonly options: RunOptions;
  /**
   * Outputs generated and checked in this process, until they are scored: decoded and hashed once
   * each, for the scorer and the report's images.
   */
  private readonly known = new Map<number, KnownOutput>();
  /**
   * The images each case's tools receive, read once for all the case's items (read per item, each
   * item's copy lived through its tool call, long enough for V8 to need a full collection of the
   * server's heap every few items to free them).
   */
  private readonly caseImages = new LoadingCache<CaseInputImages>(
    CASE_INPUT_BYTES,
    (images) => images.template.length + images.avatars.reduce((n, a) => n + a.image.length, 0),
  );

  constructor(
    private readonly run: Run,
    private readonly items: Repository<RunItem>,
    private readonly store: OutputStore,
    private readonly machine: ItemMachine,
    /**
     * Told of every wait before a retry, with the tool and why: team mode pauses a rate-limited tool's
     * queue for every worker (docs/team.md).
     */
    private readonly onRetry: (tool: SwapTool, failure: ToolFailure, delayMs: number) => Promise<void> = () =>
      Promise.resolve(),
  ) {
    this.options = run.options;
  }

  /**
   * Calls the item's tool, with retries, until it answers with an image, which is returned to be
   * `keep`-ed; or ends the item (failed, canceled, or generated already by a process that died) without
   * an answer. Only this part holds the tool's place in the run (see RunExecutor).
   */
  async generate(
    item: RunItem,
    tool: SwapTool,
    testCase: TestCase,
    signal: AbortSignal,
  ): Promise<Generation> {
    if (signal.aborted) return { item: await this.stopped(item, signal) };
    if (item.imagePath) {
      await this.store.removePartial(item.imagePath);
      // A previous process may have written the image and died before recording it: keep that image.
      if (await this.store.exists(item.imagePath)) {
        return { item: await this.machine.apply(item, { type: 'found_output' }) };
      }
    }
    const images = await this.inputImages(testCase);
    const input = toolInput(item, tool, testCase, this.options, images);
    const timeoutMs = this.options.timeoutMs ?? tool.timeoutMs;
    for (let attempt = item.attempts + 1; ; attempt++) {
      // The image's name is claimed before the tool is called: whatever the tool's answer becomes, a
      // resumed run knows where to look for it.
      item = item.imagePath
        ? await this.machine.apply(item, { type: 'start', attempt })
        : await this.claimName(item, attempt);
      const started = performance.now();
      // Not AbortSignal.timeout(): its timer is unref'd, so a tool that hangs without holding the event
      // loop open would let the process exit mid-run (silently, status 0) instead of timing out.
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new DOMException(`No image within ${timeoutMs} ms`, 'TimeoutError')),
        timeoutMs,
      );
      const result = await callTool(
        tool,
        { ...input, signal: AbortSignal.any([signal, deadline.signal]) },
        signal,
        timeoutMs,
      ).finally(() => clearTimeout(timer));
      if (signal.aborted) return { item: await this.stopped(item, signal) };
      if (result.ok) {
        const answer: ToolAnswer = {
          image: result.image,
          meta: result.meta,
          latencyMs: performance.now() - started,
          unchanged: Buffer.isBuffer(result.image) && result.image.equals(images.template),
        };
        return { item, answer };
      }
      const failure = result.failure;
      const code = itemErrorCode(failure);
      if (!failure.retryable || attempt >= this.options.maxAttempts) {
        const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        const failedCall = {
          type: 'fail',
          error: `${failure.message}${tries}`,
          code,
          attemptFailed: true,
        } as const;
        return { item: await this.machine.apply(item, failedCall) };
      }
      item = await this.machine.apply(item, { type: 'retry', attempt, error: failure.message, code });
      const delayMs = retryDelayMs(attempt, this.options.retryBaseMs, failure.retryAfterMs);
      await this.onRetry(tool, failure, delayMs);
      try {
        await sleep(delayMs, signal);
      } catch {
        return { item: await this.stopped(item, signal) };
      }
    }
  }

  /**
   * Checks a tool's answer and stores it: the item is then generated, or failed. An answer in hand is
   * stored even while the run stops, so the tool's work (and its cost) is never thrown away.
   *
   * Order: the sidecar, then the image, then the row. A process that dies before the image is renamed
   * into place leaves the item generating with no image, and a resume calls the tool again; one that dies
   * after leaves an image that a resume finds (`found_output`), never an image without its sidecar.
   */
  async keep(item: RunItem, tool: SwapTool, testCase: TestCase, answer: ToolAnswer): Promise<RunItem> {
    // The scorer knows the template's pixels: an unchanged answer is neither checked nor handed on decoded.
    const checked = answer.unchanged ? undefined : await checkImage(answer.image);
    if (typeof checked === 'string') {
      const error = `${tool.name} returned ${checked}`;
      return this.machine.apply(item, { type: 'fail', error, code: 'bad_output', attemptFailed: true });
    }
    const imagePath = item.imagePath!;
    let stored: Buffer;
    try {
      await this.store.writeSidecar(imagePath, this.sidecar(item, testCase, { meta: answer.meta }));
      stored = await this.store.writeImage(imagePath, answer.image);
    } catch (error) {
      await this.store.removePartial(imagePath).catch(() => undefined);
      return this.fail(item, storageError(error, imagePath));
    }
    // A PNG is stored as it came: its pixels are the stored file's, for the evaluator.
    const decoded = checked && isPng(answer.image) ? checked : undefined;
    const digest = answer.unchanged
      ? (await this.inputImages(testCase)).templateDigest
      : sourceDigest(stored);
    this.known.set(item.id, { decoded, digest });
    const { costUsd, ...meta } = answer.meta;
    return this.machine.apply(item, {
      type: 'generated',
      latencyMs: answer.latencyMs,
      costUsd: typeof costUsd === 'number' ? costUsd : null,
      meta,
    });
  }

  /** The case's images as its tools receive them, read once for all its items. */
  private inputImages(testCase: TestCase): Promise<CaseInputImages> {
    return this.caseImages.get(testCase.contentHash, () => readCaseInputImages(testCase));
  }

  /** The `sourceDigest` of the item's output, when this process stored it and has not scored it yet. */
  outputDigest(itemId: number): string | undefined {
    return this.known.get(itemId)?.digest;
  }

  /** The item reusing the output of an earlier item with identical inputs, or as it was when none is left. */
  async reuseCached(item: RunItem): Promise<RunItem> {
    const earlier = await this.items.find({
      where: { cacheKey: item.cacheKey, id: Not(item.id), status: In(['scored', 'generated', 'evaluating']) },
      order: { id: 'DESC' },
      take: 5,
    });
    for (const hit of earlier) {
      if (!hit.imagePath || !(await this.store.exists(hit.imagePath))) continue;
      return this.machine.apply(item, { type: 'reused', from: hit });
    }
    return item;
  }

  /**
   * Scores the item's stored output. Order: the sidecar with the score, then the row. A process killed
   * while writing the sidecar leaves the item unscored, so a resume scores it again and removes the temp
   * file; with the row first, nothing would, and the sidecar would lack the score for good.
   */
  async evaluate(
    item: RunItem,
    evaluator: SwapEvaluator,
    testCase: TestCase,
    signal: AbortSignal,
  ): Promise<RunItem> {
    if (signal.aborted) return this.stopped(item, signal);
    // A process killed while it rewrote the sidecar with the score left its temp file behind.
    if (!item.cached) await this.store.removePartial(item.imagePath!);
    item = await this.machine.apply(item, { type: 'evaluate' });
    let scored: Extract<ItemEvent, { type: 'scored' }>;
    try {
      const known = this.known.get(item.id);
      this.known.delete(item.id);
      // In team mode the image may have been stored by another process: fetched here first.
      await this.store.exists(item.imagePath!);
      const { score, breakdown } = await evaluator.evaluate(
        testCase,
        this.store.absolute(item.imagePath!),
        signal,
        known,
      );
      scored = { type: 'scored', score, breakdown, scorerVersion: evaluator.version };
    } catch (error) {
      if (signal.aborted) return this.stopped(item, signal);
      return this.fail(item, `Scoring failed: ${(error as Error).message}`, 'unscorable');
    }
    if (signal.aborted) return this.stopped(item, signal);
    if (!item.cached) {
      const { score, breakdown, scorerVersion } = scored;
      const sidecar = this.sidecar({ ...item, score, breakdown, scorerVersion }, testCase, {});
      try {
        await this.store.writeSidecar(item.imagePath!, sidecar);
      } catch (error) {
        return this.fail(item, `Scoring failed: ${storageError(error, item.imagePath!)}`);
      }
    }
    return this.machine.apply(item, scored);
  }

  /** Ends the item failed for a reason of the run's own (not a failed call of its tool: that is `generate`'s). */
  fail(item: RunItem, error: string, code: ItemErrorCode = 'other'): Promise<RunItem> {
    return this.machine.apply(item, { type: 'fail', error, code });
  }

  /** Fails the item as the database has it now, if it is still open: for a step that broke off midway. */
  async failStored(itemId: number, error: string): Promise<void> {
    const item = await this.items.findOneBy({ id: itemId });
    if (item && nextStep(item.status) !== 'none') await this.fail(item, error);
  }

  /** Ends an item whose run was stopped: canceled for good, or back to where a resume picks it up. */
  private stopped(item: RunItem, signal: AbortSignal): Promise<RunItem> {
    return this.machine.apply(item, { type: signal.reason === 'interrupt' ? 'interrupt' : 'cancel' });
  }

  /**
   * Starts the attempt claiming the first free name for the item's image (nothing is there, and no other
   * item has it): the unique index on the name makes the claim safe across processes.
   */
  private async claimName(item: RunItem, attempt: number): Promise<RunItem> {
    for (const imagePath of this.store.candidates(this.run.day, item.toolId, outputName(item))) {
      if (await this.store.exists(imagePath)) continue;
      try {
        return await this.machine.apply(item, { type: 'start', attempt, imagePath });
      } catch (error) {
        if (isUniqueViolation(error)) continue;
        throw error;
      }
    }
    throw new Error('unreachable: the candidates never end');
  }

  private sidecar(item: RunItem, testCase: TestCase, extra: { meta?: object }) {
    return {
      run_id: item.runId,
      item_id: item.id,
      case_id: item.caseId,
      tool_id: item.toolId,
      variant: item.variant,
      sample: item.sample,
      case_hash: testCase.contentHash,
      tool_options: this.options.toolOptions[item.variant] ?? {},
      attempts: item.attempts,
      meta: extra.meta ?? item.meta,
      score: item.score,
      breakdown: item.breakdown,
      scorer_version: item.scorerVersion,
      written_at: new Date().toISOString(),
    };
  }
}

/** A case's images as its tools receive them, and the template's `sourceDigest`. */
interface CaseInputImages {
  template: Buffer;
  templateDigest: string;
  avatars: ToolAvatar[];
}

/** Bytes of case images a run keeps for its tools: the templates and avatars of a few dozen cases. */
const CASE_INPUT_BYTES = 64 * 2 ** 20;

function readCaseInputImages(testCase: TestCase): Promise<CaseInputImages> {
  return Promise.all([
    readFile(testCase.templatePath),
    Promise.all(
      testCase.slots.map(async (slot, i) => ({
        slotId: slot.id,
        path: testCase.avatarPaths[i],
        image: await readFile(testCase.avatarPaths[i]),
      })),
    ),
  ]).then(([template, avatars]) => ({ template, templateDigest: sourceDigest(template), avatars }));
}

function toolInput(
  item: RunItem,
  tool: SwapTool,
  testCase: TestCase,
  options: RunOptions,
  images: CaseInputImages,
): Omit<ToolInput, 'signal'> {
  return {
    caseId: testCase.id,
    templatePath: testCase.templatePath,
    template: images.template,
    avatars: images.avatars,
    slots: testCase.slots,
    prompt: testCase.prompt ?? null,
    options: sampleOptions(tool, options.toolOptions[item.variant] ?? {}, item.sample),
    sample: item.sample,
  };
}

/**
 * The file name (without `.png`) of an item's output in its tool's folder: the case id, then the variant's
 * label when it is not the tool's own id, then `sN` for samples after the first.
 */
function outputName(item: RunItem): string {
  const variant = item.variant !== item.toolId ? `.${item.variant}` : '';
  const sample = item.sample > 0 ? `.s${item.sample}` : '';
  return `${item.caseId}${variant}${sample}`;
}

/**
 * Calls the tool and never throws: a thrown error becomes a final failure, and a tool that ignores its
 * abort signal is left behind when the run stops or the time limit passes.
 */
async function callTool(
  tool: SwapTool,
  input: ToolInput,
  runSignal: AbortSignal,
  timeoutMs: number,
): Promise<ToolResult> {
  const timedOut: ToolFailure = {
    retryable: true,
    code: 'timeout',
    message: `${tool.name} gave no image within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`,
  };
  return new Promise<ToolResult>((resolve) => {
    const onAbort = () =>
      resolve(
        runSignal.aborted
          ? { ok: false, failure: { ...timedOut, code: 'stopped' } }
          : { ok: false, failure: timedOut },
      );
    if (input.signal.aborted) return onAbort();
    input.signal.addEventListener('abort', onAbort, { once: true });
    tool.generate(input).then(
      (result) => {
        input.signal.removeEventListener('abort', onAbort);
        resolve(input.signal.aborted && !runSignal.aborted ? { ok: false, failure: timedOut } : result);
      },
      (error: unknown) => {
        input.signal.removeEventListener('abort', onAbort);
        resolve({
          ok: false,
          failure: {
            retryable: false,
            code: 'tool_error',
            message: `${tool.name} failed: ${describeThrown(error)}`,
          },
        });
      },
    );
  });
}

/** A readable line for whatever a tool threw: plugins may throw strings or plain objects, not only Errors. */
function describeThrown(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** A readable line for a failed write of an item's files: disk full, read-only, or not a folder. */
function storageError(error: unknown, imagePath: string): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EROFS: 'the runs folder is on a read-only file system',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a file stands where a folder should be',
    EEXIST: 'a file stands where a folder should be',
  };
  const reason = why[code] ?? (error as Error).message;
  return `Could not save the image ${imagePath} in the runs folder: ${reason}${code ? ` (${code})` : ''}`;
}

/**
 * What is wrong with a tool's output, or its pixels when it is a whole image (decoded in full: a cut-off
 * file fails here, not when it is scored).
 */
async function checkImage(image: Buffer): Promise<string | DecodedImage> {
  if (!Buffer.isBuffer(image) || image.length === 0) return 'no image data';
  try {
    return await readRgbOnce(image, 100_000_000);
  } catch (error) {
    return `output that is not a readable image (${(error as Error).message})`;
  }
}
