import { Module } from '@nestjs/common';
import { CasesModule } from '../cases/cases.module';
import { FacesModule } from '../faces/faces.module';
import { RunsModule } from '../runs/runs.module';
import { CaseAuthoringService } from './case-authoring.service';
import { CaseFacesCheck } from './case-faces.check';
import { CaseRemovalService } from './case-removal.service';
import { OpenAICasesGenerator } from './openai-cases.generator';
import { PhotoFolderBuilder } from './photo-folder.builder';

/** Creating test cases from user images (upload, photo folders, synthesized) and removing them. */
@Module({
  imports: [CasesModule, FacesModule, RunsModule],
  providers: [
    CaseAuthoringService,
    CaseFacesCheck,
    CaseRemovalService,
    PhotoFolderBuilder,
    OpenAICasesGenerator,
  ],
  exports: [
    CaseAuthoringService,
    CaseFacesCheck,
    CaseRemovalService,
    PhotoFolderBuilder,
    OpenAICasesGenerator,
  ],
})
export class AuthoringModule {}
