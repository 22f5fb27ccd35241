import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ScorabilityService, type ScorableCaseSummary } from '../../runs/scorability.service';
import { ToolRegistry, type ToolSummary } from '../../tools/tools.registry';

/** What can be run: the test cases on disk and the registered tools. */
@ApiTags('catalog')
@Controller('api')
export class CatalogController {
  constructor(
    private readonly scorability: ScorabilityService,
    private readonly tools: ToolRegistry,
  ) {}

  @Get('test-cases')
  @ApiOkResponse({
    description:
      'Every test case, valid or not; invalid ones carry their error. `scorable` says whether the scorer can ' +
      'score the case (null while the background check has not finished), `unscorable_reason` why not.',
  })
  testCases(): Promise<ScorableCaseSummary[]> {
    return this.scorability.listing();
  }

  @Get('tools')
  @ApiOkResponse({ description: 'Every registered tool with whether it can run here and, if not, why.' })
  listTools(): Promise<ToolSummary[]> {
    return this.tools.summaries();
  }
}
