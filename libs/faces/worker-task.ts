import { extname, isAbsolute, relative } from 'node:path';

/**
 * A CPU-heavy function that runs inside the face workers instead of on the event loop (pixel loops:
 * SSIM, gradients, masks). The worker requires `module` and calls its export `exportName` with the
 * input; input and output cross threads by structured clone, so they must be plain data and typed
 * arrays. The `io` member is never set: it only carries the input and output types.
 */
export interface WorkerTask<I, O> {
  readonly module: string;
  readonly exportName: string;
  readonly io?: (input: I) => O;
}

/**
 * Declares the one function in `exported` (`{ measureImage }`) of the module at `module` (pass
 * `__filename`) as a worker task, with its input and output types taken from the function.
 */
export function workerTask<I, O>(
  module: string,
  exported: Record<string, (input: I) => O | Promise<O>>,
): WorkerTask<I, O> {
  const names = Object.keys(exported);
  if (names.length !== 1)
    throw new Error(`A worker task names exactly one function, got ${names.join(', ')}`);
  if (!isTaskModule(module))
    throw new Error(`Worker task module ${module} is not a compiled file of swapbench`);
  return { module, exportName: names[0] };
}

/**
 * Whether a worker may load `module`: an absolute .js path inside the compiled tree the workers run
 * from. Tasks are declared by our own code only; this keeps a corrupted message from loading anything
 * else.
 */
export function isTaskModule(module: string): boolean {
  // __dirname is <dist>/libs/faces; the compiled tree is <dist>.
  const fromRoot = relative(`${__dirname}/../..`, module);
  return (
    isAbsolute(module) && extname(module) === '.js' && !fromRoot.startsWith('..') && !isAbsolute(fromRoot)
  );
}
