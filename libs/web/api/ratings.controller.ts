import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RatingsService, type RatingSaved } from '../../ratings/ratings.service';
import { ZodBody } from '../http/zod-body.pipe';

const rateSchema = z
  .object({
    run_item_id: z.number().int().positive(),
    stars: z.number().int('must be a whole number').min(1).max(5),
  })
  .strict();

@ApiTags('ratings')
@Controller('api')
export class RatingsController {
  constructor(private readonly ratings: RatingsService) {}

  /** Saves a 1–5 star human rating; earlier ratings stay in the history and the latest counts. */
  @Post('rate')
  @HttpCode(200)
  @ApiBody({ schema: z.toJSONSchema(rateSchema) as object })
  rate(@Body(new ZodBody(rateSchema)) body: z.infer<typeof rateSchema>): Promise<RatingSaved> {
    return this.ratings.rate(body.run_item_id, body.stars);
  }
}
