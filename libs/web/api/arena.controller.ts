import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { z } from 'zod';
import { CasesService } from '../../cases/cases.service';
import { SwapbenchSettings } from '../../core/config/swapbench-settings';
import { UserError } from '../../core/user-error';
import { WINNERS } from '../../judgement/arena-vote.entity';
import { ArenaService, type ArenaPair, type ArenaStandings } from '../../judgement/arena.service';
import type { RunAgreement } from '../../judgement/agreement';
import { JudgementService } from '../../judgement/judgement.service';
import { raterSchema } from '../../ratings/rater';
import { ZodBody } from '../http/zod-body.pipe';
import { RowIdPipe } from '../http/row-id.pipe';
import { MAX_ROW_ID } from '../../database/row-id';
import type { SignedIn } from '../../accounts/accounts.service';
import { SignedInAs } from '../http/roles.guard';

const voteSchema = z
  .object({
    left_item_id: z.number().int().min(1).max(MAX_ROW_ID),
    right_item_id: z.number().int().min(1).max(MAX_ROW_ID),
    winner: z.enum(WINNERS, { message: `must be one of ${WINNERS.join(', ')}` }),
    // Required in the single-user mode; in team mode the signed-in account is the rater.
    rater: raterSchema.optional(),
  })
  .strict();

/**
 * The pairwise arena (docs/api.md §2.6): next pair, votes, Bradley–Terry leaderboard; and a run's
 * agreement.
 */
@ApiTags('people’s judgement')
@Controller()
export class ArenaController {
  constructor(
    private readonly arena: ArenaService,
    private readonly judgement: JudgementService,
    private readonly cases: CasesService,
    private readonly settings: SwapbenchSettings,
  ) {}

  @Get('api/arena/next')
  @ApiQuery({ name: 'run_id', required: false, description: 'The run whose variants are compared.' })
  @ApiQuery({ name: 'runs', required: false, description: 'Or several runs on the same cases: `a,b`.' })
  @ApiQuery({ name: 'rater', required: true })
  @ApiOkResponse({
    description:
      '`{case_id, left: {item_id, image_url}, right: {item_id, image_url}, remaining}`: no tool names; the pair ' +
      'with the fewest votes that this rater has not voted on; nulls when none is left.',
  })
  async next(
    @Query('run_id') runId: unknown,
    @Query('runs') runs: unknown,
    @Query('rater') rater: unknown,
    @SignedInAs() account: SignedIn | null,
  ): Promise<ArenaPair & { reference: CaseReference | null }> {
    const pair = await this.arena.next(runIdsOf(runId, runs), account?.name ?? raterOf(rater));
    const summary = pair.case_id
      ? (await this.cases.summaries()).find((c) => c.id === pair.case_id)
      : undefined;
    // The template and avatars, so the rater can judge whether the right people were swapped in.
    const reference = summary
      ? { template_url: summary.template_url, avatar_urls: summary.avatar_urls }
      : null;
    return { ...pair, reference };
  }

  @Post('api/votes')
  @HttpCode(201)
  @ApiBody({ schema: z.toJSONSchema(voteSchema) as object })
  vote(
    @Body(new ZodBody(voteSchema)) body: z.infer<typeof voteSchema>,
    @SignedInAs() account: SignedIn | null,
  ) {
    const rater = account?.name ?? body.rater;
    if (rater === undefined) throw new UserError('Invalid request body: rater: give the name of who votes');
    return this.arena.vote({ ...body, rater });
  }

  @Get('api/arena')
  @ApiQuery({ name: 'run_id', required: false })
  @ApiQuery({ name: 'runs', required: false, description: 'Several runs on the same cases: `a,b`.' })
  @ApiOkResponse({
    description:
      '`{votes, variants: [{variant, rating, ci_low, ci_high, wins, losses, ties}]}`: Bradley–Terry on an ' +
      'Elo-like scale (ties and both-bad as half a win each), seeded bootstrap 95% intervals.',
  })
  standings(@Query('run_id') runId: unknown, @Query('runs') runs: unknown): Promise<ArenaStandings> {
    return this.arena.standings(runIdsOf(runId, runs));
  }

  @Get('api/runs/:id/agreement')
  @ApiOkResponse({
    description:
      "Krippendorff's alpha (ordinal) between raters, Spearman between stars and machine score (pooled with a " +
      'bootstrap interval, and per rater), and between arena rating and machine score per variant; null where ' +
      'too few ratings stand behind a figure.',
  })
  async agreement(@Param('id') id: string): Promise<RunAgreement> {
    return (await this.judgement.forRun(id)).agreement;
  }

  /** An item's output under a URL that does not name its tool (the arena and the blind grid). */
  @Get('app/items/:id/image')
  @ApiExcludeEndpoint()
  async image(@Param('id', RowIdPipe) id: number, @Res() res: Response): Promise<void> {
    const imagePath = await this.arena.imagePathOf(id);
    const root = resolve(this.settings.runs);
    const file = imagePath ? resolve(root, imagePath) : null;
    if (!file || !file.startsWith(root + sep) || !existsSync(file)) {
      res.status(404).json({ error: `item ${id}: no output image` });
      return;
    }
    res.sendFile(file, { headers: { 'Cache-Control': 'no-store' }, dotfiles: 'deny' });
  }
}

/** The case's own images, shown above the pair. */
interface CaseReference {
  template_url: string | null;
  avatar_urls: Array<string | null>;
}

/** `run_id=<id>` or `runs=<a>,<b>`: the run ids, each at most 64 characters. */
function runIdsOf(runId: unknown, runs: unknown): string[] {
  const text = typeof runId === 'string' && runId !== '' ? runId : typeof runs === 'string' ? runs : '';
  const ids = [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  const field = typeof runId === 'string' && runId !== '' ? 'run_id' : 'runs';
  if (ids.length === 0) throw new UserError('run_id: give run_id=<id> or runs=<a>,<b>');
  if (ids.length > 20 || ids.some((id) => id.length > 64))
    throw new UserError(`${field}: at most 20 run ids of at most 64 characters`);
  return ids;
}

function raterOf(rater: unknown): string {
  const parsed = raterSchema.safeParse(rater ?? '');
  if (!parsed.success) throw new UserError(`rater: ${parsed.error.issues[0].message}`);
  return parsed.data;
}
