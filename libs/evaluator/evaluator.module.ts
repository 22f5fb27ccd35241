import { Module } from '@nestjs/common';
import { FacesModule } from '../faces/faces.module';
import { FaceSwapEvaluator } from './face-swap.evaluator';
import { SwapEvaluator } from './swap-evaluator';

/** Provides the machine score under the `SwapEvaluator` token the runner depends on. */
@Module({
  imports: [FacesModule],
  providers: [{ provide: SwapEvaluator, useClass: FaceSwapEvaluator }],
  exports: [SwapEvaluator],
})
export class EvaluatorModule {}
