import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { RatingsService } from './ratings.service';

@Module({
  imports: [DatabaseModule],
  providers: [RatingsService],
  exports: [RatingsService],
})
export class RatingsModule {}
