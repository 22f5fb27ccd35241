import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import type { SignedIn } from '../../accounts/accounts.service';
import { SignedInAs } from '../http/roles.guard';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ANONYMOUS, raterSchema } from '../../ratings/rater';
import { RatingsService, type RatingSaved } from '../../ratings/ratings.service';
import { ZodBody } from '../http/zod-body.pipe';
import { MAX_ROW_ID } from '../../database/row-id';

const rateSchema = z
  .object({
    run_item_id: z.number().int().min(1).max(MAX_ROW_ID),
    stars: z.number().int('must be a whole number').min(1).max(5).nullable(),
    rater: raterSchema.optional(),
    blind: z.boolean().optional(),
  })
  .strict();

@ApiTags('ratings')
@Controller('api')
export class RatingsController {
  constructor(private readonly ratings: RatingsService) {}

  /**
   * Saves a 1–5 star rating of an item by a rater (default `anonymous`); it replaces the rater's earlier
   * rating of the item, and `stars: null` withdraws it. `blind: true` marks a rating given in blind mode.
   * In team mode the rater is the signed-in account, whatever the body says.
   */
  @Post('rate')
  @HttpCode(200)
  @ApiBody({ schema: z.toJSONSchema(rateSchema) as object })
  rate(
    @Body(new ZodBody(rateSchema)) body: z.infer<typeof rateSchema>,
    @SignedInAs() account: SignedIn | null,
  ): Promise<RatingSaved> {
    const rater = account?.name ?? body.rater ?? ANONYMOUS;
    return this.ratings.rate(body.run_item_id, body.stars, rater, body.blind ?? false);
  }
}
