import type { TestCase } from '../cases/test-case';
import type { DecodedImage } from '../faces/raster';

/** The machine score of one output: 0–100 plus the parts it was made from, each 0–1 unless named otherwise. */
export interface SwapScore {
  score: number;
  breakdown: Record<string, number>;
}

/**
 * Scores a tool's output against its test case. The runner depends on this token; the evaluator module
 * provides the face-analysis implementation.
 */
export abstract class SwapEvaluator {
  /**
   * The scorer's version, recorded with every score (`scorer_version`). It changes whenever the same
   * output could score differently, so scores of different versions are never compared unknowingly.
   */
  abstract readonly version: string;

  /**
   * Scores the output at `outputPath`. `decoded` is that file already decoded at its own size (see
   * `readRgbOnce`), when the caller has it: the runner decodes every output to check it, and hands the
   * pixels on so they are not decoded twice.
   */
  abstract evaluate(
    testCase: TestCase,
    outputPath: string,
    signal?: AbortSignal,
    decoded?: DecodedImage,
  ): Promise<SwapScore>;

  /**
   * Why the case cannot be scored (one readable problem per slot whose template or avatar face the
   * scorer cannot find), or an empty list when it can. Runs check this before any tool is called.
   */
  abstract unscorable(testCase: TestCase): Promise<string[]>;
}
