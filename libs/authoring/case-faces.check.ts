import { Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import type { TestCase } from '../cases/test-case';
import { FaceAnalyzer } from '../faces/face-analyzer.service';
import { lookUpSlotFaces } from '../faces/slot-face.lookup';

/**
 * Checks that a well-formed case can be swapped and scored: every slot box sits on a face of the
 * template and every avatar shows a face. The schema check cannot see this, and without it every tool
 * would fail the case (or score 0 on it) only once a run reaches it.
 */
@Injectable()
export class CaseFacesCheck {
  constructor(private readonly faces: FaceAnalyzer) {}

  /** One readable problem per slot without a face; empty when the case is usable. */
  async problems(testCase: TestCase): Promise<string[]> {
    const [template, ...avatars] = await Promise.all(
      [testCase.templatePath, ...testCase.avatarPaths].map((path) => readFile(path)),
    );
    const found = await lookUpSlotFaces(this.faces, testCase.slots, { template, avatars });
    return 'problems' in found ? found.problems : [];
  }
}
