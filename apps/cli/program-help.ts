import { Injectable } from '@nestjs/common';
import type { Command } from 'commander';
import { InjectCommander } from 'nest-commander';
import { helpFooter } from './help-text';

/** Ends `swapbench --help` with examples and the environment variables, as each command's help ends. */
@Injectable()
export class ProgramHelp {
  constructor(@InjectCommander() program: Command) {
    program.addHelpText('after', () => helpFooter(''));
  }
}
