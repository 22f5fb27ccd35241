import { Injectable, Logger } from '@nestjs/common';
import pLimit from 'p-limit';
import { CasesService } from '../cases/cases.service';
import type { CaseSummary, TestCase } from '../cases/test-case';
import { SwapEvaluator } from '../evaluator/swap-evaluator';

/** A selected case that a run left out because the scorer cannot score it. */
export interface SkippedCase {
  case_id: string;
  /** The scorer's problems with the case, joined into one readable line. */
  reason: string;
}

/** A case as `GET /api/test-cases` lists it: the case summary and whether the scorer can score it. */
export interface ScorableCaseSummary extends CaseSummary {
  /** Whether the scorer can score the case; null while the check has not finished (or for an invalid case). */
  scorable: boolean | null;
  /** The scorer's problems with the case, when it cannot score it. */
  unscorable_reason: string | null;
}

/** The selected cases split by whether the scorer can score them. */
export interface ScreenedCases {
  scorable: TestCase[];
  skipped: SkippedCase[];
}

/**
 * Whether the scorer can score a case (`SwapEvaluator.unscorable`), remembered per case content and
 * scorer version: a first check analyses faces (a fraction of a second per case), later ones answer at
 * once. Runs ask before any tool is called; the gallery asks in the background, one case at a time, so
 * a listing never waits for face analysis.
 */
@Injectable()
export class ScorabilityService {
  private readonly logger = new Logger(ScorabilityService.name);
  /** Problems per `<scorer version>\0<case content hash>`; [] means scorable. */
  private readonly verdicts = new Map<string, string[]>();
  private readonly checking = new Map<string, Promise<string[]>>();
  /** Background checks take turns, so they leave the face workers to runs most of the time. */
  private readonly background = pLimit(1);
  /** Keys waiting in the background queue, so repeated listings do not queue a case twice. */
  private readonly queued = new Set<string>();

  constructor(
    private readonly evaluator: SwapEvaluator,
    private readonly cases: CasesService,
  ) {}

  /**
   * Every case with what is known of its scorability, without waiting: cases not checked yet are
   * queued for a background check and listed with `scorable: null`.
   */
  async listing(): Promise<ScorableCaseSummary[]> {
    // One read of the datasets folder serves both the cases to check and their summaries.
    const listing = await this.cases.list();
    const { cases } = listing;
    const summaries = this.cases.summariesOf(listing);
    this.warm(cases);
    const byId = new Map(cases.map((c) => [c.id, c]));
    return summaries.map((summary) => {
      const testCase = byId.get(summary.id);
      const problems = testCase ? this.known(testCase) : null;
      return {
        ...summary,
        scorable: problems === null ? null : problems.length === 0,
        unscorable_reason: problems && problems.length > 0 ? problems.join('; ') : null,
      };
    });
  }

  /** The verdict if it is known now (problems, or [] when scorable), or null while not yet checked. */
  known(testCase: TestCase): string[] | null {
    return this.verdicts.get(this.key(testCase)) ?? null;
  }

  /** The scorer's problems with the case, [] when it can be scored. A check that fails is not remembered. */
  check(testCase: TestCase): Promise<string[]> {
    const key = this.key(testCase);
    const known = this.verdicts.get(key);
    if (known) return Promise.resolve(known);
    let pending = this.checking.get(key);
    if (!pending) {
      pending = this.evaluator
        .unscorable(testCase)
        .then((problems) => {
          this.verdicts.set(key, problems);
          return problems;
        })
        .finally(() => this.checking.delete(key));
      this.checking.set(key, pending);
    }
    return pending;
  }

  /** Splits cases into those the scorer can score and those it cannot, with why. */
  async screen(cases: TestCase[]): Promise<ScreenedCases> {
    const verdicts = await Promise.all(
      cases.map((c) =>
        this.check(c).catch((error: Error) => [`the scorer could not check it (${error.message})`]),
      ),
    );
    const result: ScreenedCases = { scorable: [], skipped: [] };
    cases.forEach((c, i) => {
      if (verdicts[i].length === 0) result.scorable.push(c);
      else result.skipped.push({ case_id: c.id, reason: verdicts[i].join('; ') });
    });
    return result;
  }

  /** Checks the cases not yet known in the background, one at a time; never throws. */
  warm(cases: TestCase[]): void {
    for (const c of cases) {
      const key = this.key(c);
      if (this.verdicts.has(key) || this.checking.has(key) || this.queued.has(key)) continue;
      this.queued.add(key);
      void this.background(() => {
        this.queued.delete(key);
        return this.check(c);
      }).catch((error: Error) =>
        this.logger.warn(`Could not check whether case ${c.id} can be scored: ${error.message}`),
      );
    }
  }

  private key(testCase: TestCase): string {
    return `${this.evaluator.version}\0${testCase.contentHash}`;
  }
}
