import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { RunLauncher } from '../runs/run-launcher';

/** Picks up runs that a dead process left unfinished, so a restarted server finishes them by itself. */
@Injectable()
export class ResumeOnStart implements OnApplicationBootstrap {
  constructor(private readonly launcher: RunLauncher) {}

  onApplicationBootstrap(): Promise<void> {
    return this.launcher.resumeAll();
  }
}
