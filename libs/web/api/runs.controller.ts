import {
  Body,
  Controller,
  Get,
  HttpCode,
  BeforeApplicationShutdown,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { RunLauncher } from '../../runs/run-launcher';
import { runRequestSchema, type RunRequest } from '../../runs/run-request';
import type { RunDetail, RunItemView, RunView } from '../../runs/run-views';
import { RunsService } from '../../runs/runs.service';
import type { SkippedCase } from '../../runs/scorability.service';
import { ZodBody } from '../http/zod-body.pipe';
import { RunCatchUp } from '../live/run-catch-up';
import { viewerOf } from '../site/viewer';
import { RowIdPipe } from '../http/row-id.pipe';
import type { SignedIn } from '../../accounts/accounts.service';
import { AdminOnly, SignedInAs } from '../http/roles.guard';

/** Starting, reading, following and canceling runs. */
@ApiTags('runs')
@Controller('api')
export class RunsController implements BeforeApplicationShutdown {
  /** Open SSE responses: ended at shutdown, or the HTTP server waits for them forever (Ctrl-C hangs). */
  private readonly streams = new Set<Response>();

  constructor(
    private readonly runs: RunsService,
    private readonly launcher: RunLauncher,
    private readonly catchUp: RunCatchUp,
  ) {}

  @Post('run')
  @AdminOnly()
  @HttpCode(202)
  @ApiBody({ schema: z.toJSONSchema(runRequestSchema) as object })
  @ApiOkResponse({
    description:
      '`{ run_id, skipped }`; the run goes on in the background. Follow it on WS /api/run/{id}. ' +
      '`skipped` lists the cases left out with `options.skip_unscorable` (`[{ case_id, reason }]`).',
  })
  async start(
    @Body(new ZodBody(runRequestSchema)) request: RunRequest,
  ): Promise<{ run_id: string; skipped: SkippedCase[] }> {
    const { run, skipped } = await this.runs.create(request);
    await this.launcher.start(run.id);
    return { run_id: run.id, skipped };
  }

  @Get('runs')
  @ApiOkResponse({ description: 'Runs, newest first, with progress counts.' })
  list(): Promise<RunView[]> {
    return this.runs.list();
  }

  @Get('runs/:id')
  @ApiOkResponse({
    description:
      'The run with its items (id, case_id, tool_id, status, image_url, score, breakdown, error, stars). ' +
      '`stars` is the mean over raters, `stars_n` their number, `my_stars` the `rater`’s own.',
  })
  @ApiQuery({ name: 'rater', required: false, description: 'Whose stars `my_stars` shows.' })
  detail(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @SignedInAs() account: SignedIn | null,
  ): Promise<RunDetail> {
    return this.runs.detail(id, viewerOf(query, account).rater);
  }

  @Get('runs/:id/items/:itemId')
  @ApiOkResponse({
    description:
      'One item of the run, in the shape of the items of `GET /api/runs/{id}`, read without the rest of the run.',
  })
  @ApiQuery({ name: 'rater', required: false, description: 'Whose stars `my_stars` shows.' })
  async item(
    @Param('id') id: string,
    @Param('itemId', RowIdPipe) itemId: number,
    @Query() query: Record<string, unknown>,
    @SignedInAs() account: SignedIn | null,
  ): Promise<RunItemView> {
    return (await this.runs.cellItems(id, itemId, viewerOf(query, account).rater)).item;
  }

  @Post('runs/:id/cancel')
  @AdminOnly()
  @HttpCode(200)
  async cancel(@Param('id') id: string): Promise<RunView> {
    const run = await this.runs.get(id);
    await this.launcher.cancel(run.id);
    const detail = await this.runs.detail(run.id);
    const { items: _items, ...view } = detail;
    return view;
  }

  /** Server-sent events: the same events as the WebSocket, current state first. */
  @Get('runs/:id/events')
  async events(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const run = await this.runs.get(id);
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    // Known to the shutdown before the catch-up is awaited: a client can hold the headers (and ask the
    // server to stop) while the run is still being read, and a stream the shutdown missed would keep the
    // HTTP server open forever.
    this.streams.add(res);
    let stop = () => {};
    // Writing to a response the shutdown or the client already ended would be an error event.
    const send = (chunk: string) => {
      if (!res.writableEnded && !res.destroyed) res.write(chunk);
    };
    const keepAlive = setInterval(() => send(': keep-alive\n\n'), 15_000);
    res.on('close', () => {
      clearInterval(keepAlive);
      stop();
      this.streams.delete(res);
    });
    stop = await this.catchUp.follow(run.id, (event) => send(`data: ${JSON.stringify(event)}\n\n`));
    // Closed (by the client or the shutdown) while catching up: stop following at once.
    if (res.writableEnded || res.destroyed) stop();
  }

  /** Before the HTTP server closes (Nest closes it before `onApplicationShutdown`). */
  beforeApplicationShutdown(): void {
    for (const res of this.streams) res.end();
  }
}
