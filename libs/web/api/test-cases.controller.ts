import { Body, Controller, Delete, HttpCode, Param, Post, Query, Req, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { CaseAuthoringService, MAX_AVATARS, type FacePreview } from '../../authoring/case-authoring.service';
import { CaseRemovalService, type CaseRemoved } from '../../authoring/case-removal.service';
import { MAX_IMAGE_BYTES } from '../../authoring/uploaded-image';
import type { CaseSummary } from '../../cases/test-case';
import { UserError } from '../../core/user-error';
import { MultipartUpload, partsOf } from '../http/multipart-upload.interceptor';
import { ZodBody } from '../http/zod-body.pipe';
import { AdminOnly } from '../http/roles.guard';

/** The text fields of `POST /api/test-cases`, beside the `template` and `avatars` files. */
const caseFormSchema = z
  .object({
    id: z.string().max(200).optional(),
    title: z.string().trim().min(1, 'give the case a name').max(200),
    prompt: z.string().max(32000).optional(),
    tags: z.string().max(2000).optional(),
    assignments: z.string().max(2000).optional(),
  })
  .strict();

const assignmentsSchema = z.array(z.number().int().min(0).nullable()).max(64);

const UPLOAD_LIMITS = { maxFileBytes: MAX_IMAGE_BYTES, maxFields: 8, maxFieldBytes: 64 * 1024 };

/** Creating and removing test cases from the browser or any HTTP client; an admin's in team mode. */
@ApiTags('catalog')
@Controller('api/test-cases')
@AdminOnly()
export class TestCasesController {
  constructor(
    private readonly authoring: CaseAuthoringService,
    private readonly removal: CaseRemovalService,
  ) {}

  /** Creates a case from a template and avatars (multipart); faces are found in the template. */
  @Post()
  @HttpCode(201)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    description:
      'Files `template` (one) and `avatars` (1–16); fields `title`, optional `id`, `prompt`, `tags` ' +
      '(comma-separated) and `assignments` (JSON: per template face, left to right, an avatar index or null).',
  })
  @ApiOkResponse({ description: 'The new case as `GET /api/test-cases` lists it.' })
  @UseInterceptors(MultipartUpload({ files: { template: 1, avatars: MAX_AVATARS }, ...UPLOAD_LIMITS }))
  create(
    @Req() req: Request,
    @Body(new ZodBody(caseFormSchema)) form: z.infer<typeof caseFormSchema>,
  ): Promise<CaseSummary> {
    const [template] = partsOf(req, 'template');
    if (!template) throw new UserError('template: upload the template photo (file field "template")');
    return this.authoring.create({
      id: form.id,
      title: form.title,
      prompt: form.prompt,
      tags: form.tags
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      template: { name: template.originalname, bytes: template.buffer },
      avatars: partsOf(req, 'avatars').map((a) => ({ name: a.originalname, bytes: a.buffer })),
      assignments: form.assignments === undefined ? undefined : parseAssignments(form.assignments),
    });
  }

  /** The faces of a template image, so a client can show the slots before it saves the case. */
  @Post('faces')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ description: 'File `image`.' })
  @ApiOkResponse({ description: '`{ width, height, faces: [{ box, score }] }`, faces left to right.' })
  @UseInterceptors(MultipartUpload({ files: { image: 1 }, ...UPLOAD_LIMITS }))
  faces(@Req() req: Request): Promise<FacePreview> {
    const [image] = partsOf(req, 'image');
    if (!image) throw new UserError('image: upload an image (file field "image")');
    return this.authoring.previewFaces({ name: image.originalname, bytes: image.buffer });
  }

  /** Deletes a case no run refers to (409 otherwise), or archives it with `?archive=true`. */
  @Delete(':id')
  @HttpCode(200)
  @ApiOkResponse({ description: '`{ id, action: "deleted" | "archived", archivedTo }`' })
  remove(@Param('id') id: string, @Query('archive') archive?: string): Promise<CaseRemoved> {
    if (archive !== undefined && !['true', 'false', '1', '0'].includes(archive)) {
      throw new UserError('archive must be true or false');
    }
    return this.removal.remove(id, archive === 'true' || archive === '1');
  }
}

function parseAssignments(text: string): Array<number | null> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError('assignments: must be a JSON array such as [0, null, 1]');
  }
  const parsed = assignmentsSchema.safeParse(json);
  if (!parsed.success) throw new UserError('assignments: must be a JSON array of avatar indexes or null');
  return parsed.data;
}
