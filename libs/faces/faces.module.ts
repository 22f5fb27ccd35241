import { Module } from '@nestjs/common';
import { FaceAnalyzer } from './face-analyzer.service';

/** Offline face analysis (detection, mesh, identity, pose, expression) on worker threads. */
@Module({
  providers: [{ provide: FaceAnalyzer, useFactory: () => new FaceAnalyzer() }],
  exports: [FaceAnalyzer],
})
export class FacesModule {}
