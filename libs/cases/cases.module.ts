import { Module } from '@nestjs/common';
import { CasesService } from './cases.service';
import { DemoCasesService } from './demo-cases.service';

@Module({
  providers: [CasesService, DemoCasesService],
  exports: [CasesService, DemoCasesService],
})
export class CasesModule {}
