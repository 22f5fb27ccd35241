import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { UserError } from '../../core/user-error';
import { compareRuns, type RunComparison } from '../../results/run-comparison';
import { RunsService } from '../../runs/runs.service';

/** Paired comparison of two runs (docs/api.md §2.7), as `swapbench compare --json` prints it. */
@ApiTags('runs')
@Controller('api')
export class CompareController {
  constructor(private readonly runs: RunsService) {}

  @Get('compare')
  @ApiQuery({ name: 'a', description: 'the baseline run id' })
  @ApiQuery({ name: 'b', description: 'the run compared with it' })
  @ApiOkResponse({
    description:
      '`{a, b, variants: [{variant, n_cases, mean_a, mean_b, delta, ci_low, ci_high, p_value}], cases: [...]}`: ' +
      'b − a over the cases both runs scored, seeded paired bootstrap 95% interval, paired permutation p-value.',
  })
  async compare(@Query('a') a: unknown, @Query('b') b: unknown): Promise<RunComparison> {
    for (const [name, value] of [
      ['a', a],
      ['b', b],
    ] as const) {
      if (typeof value !== 'string' || value === '')
        throw new UserError(`Query parameter ${name} must be one run id (see GET /api/runs)`);
    }
    const [runA, runB] = await Promise.all([this.runs.detail(a as string), this.runs.detail(b as string)]);
    return compareRuns(runA, runB);
  }
}
