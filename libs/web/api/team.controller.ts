import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { TeamStatus } from '../../team/team-status';
import type { TeamView } from '../../team/team-view';

/** Team mode's workers and queues (docs/team.md). */
@ApiTags('team')
@Controller('api')
export class TeamController {
  constructor(private readonly status: TeamStatus) {}

  @Get('team')
  @ApiOkResponse({
    description:
      '`{ team_mode, workers, queues }`: the workers heard of in the last hour (alive or gone, jobs done and ' +
      'failed) and the jobs waiting and running per queue; empty lists outside team mode.',
  })
  team(): Promise<TeamView> {
    return this.status.view();
  }
}
