import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CasesService } from '../../cases/cases.service';
import type { CaseSummary } from '../../cases/test-case';
import { ToolRegistry, type ToolSummary } from '../../tools/tools.registry';

/** What can be run: the test cases on disk and the registered tools. */
@ApiTags('catalog')
@Controller('api')
export class CatalogController {
  constructor(
    private readonly cases: CasesService,
    private readonly tools: ToolRegistry,
  ) {}

  @Get('test-cases')
  @ApiOkResponse({ description: 'Every test case, valid or not; invalid ones carry their error.' })
  testCases(): Promise<CaseSummary[]> {
    return this.cases.summaries();
  }

  @Get('tools')
  @ApiOkResponse({ description: 'Every registered tool with whether it can run here and, if not, why.' })
  listTools(): Promise<ToolSummary[]> {
    return this.tools.summaries();
  }
}
