import type { TestCase } from '../cases/test-case';
import type { ScoreBreakdown } from '../core/run-events';
import type { DecodedImage } from '../faces/raster';

/** The machine score of one output: 0–100 plus the parts it was made from, each 0–1 unless named otherwise. */
export interface SwapScore {
  score: number;
  breakdown: ScoreBreakdown;
}

/**
 * What the caller knows of an output file already, so that it is neither decoded nor hashed twice: the
 * runner decodes every output to check it and hashes it once for the report's images.
 */
export interface KnownOutput {
  /** The file decoded at its own size (see `readRgbOnce`). */
  decoded?: DecodedImage;
  /** `sourceDigest` of the file's bytes. */
  digest?: string;
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

  /** Scores the output at `outputPath`; `known` is what the caller knows of that file already. */
  abstract evaluate(
    testCase: TestCase,
    outputPath: string,
    signal?: AbortSignal,
    known?: KnownOutput,
  ): Promise<SwapScore>;

  /**
   * Why the case cannot be scored (one readable problem per slot whose template or avatar face the
   * scorer cannot find), or an empty list when it can. Runs check this before any tool is called.
   */
  abstract unscorable(testCase: TestCase): Promise<string[]>;
}
