import type { TestCase } from '../cases/test-case';

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
  abstract evaluate(testCase: TestCase, outputPath: string, signal?: AbortSignal): Promise<SwapScore>;
}
