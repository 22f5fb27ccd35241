import {
  HttpException,
  mixin,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { UserError } from '../../core/user-error';

/** A file part of a multipart request, held in memory (multer's memory storage). */
export interface UploadedPart {
  fieldname: string;
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

/** The file fields a route accepts and the limits of its multipart body. */
export interface MultipartRules {
  /** File field names with the most files each may carry. */
  files: Record<string, number>;
  /** Largest file, in bytes. */
  maxFileBytes: number;
  /** Most text fields, and the largest text field in bytes. */
  maxFields: number;
  maxFieldBytes: number;
}

/**
 * A multipart interceptor for one route: multer with memory storage and the given limits, whose errors
 * become UserErrors that say what was wrong (413 for a file over the size limit, 400 for the rest). Files
 * stay in memory and nothing reaches the disk unless the route handler writes it, so an upload cut short
 * leaves nothing behind.
 */
export function MultipartUpload(rules: MultipartRules): Type<NestInterceptor> {
  const Inner = FileFieldsInterceptor(
    Object.entries(rules.files).map(([name, maxCount]) => ({ name, maxCount })),
    {
      limits: {
        fileSize: rules.maxFileBytes,
        files: Object.values(rules.files).reduce((a, b) => a + b, 0),
        fields: rules.maxFields,
        fieldSize: rules.maxFieldBytes,
        parts: Object.values(rules.files).reduce((a, b) => a + b, 0) + rules.maxFields,
      },
    },
  );
  class MultipartUploadInterceptor implements NestInterceptor {
    private readonly inner = new Inner();

    async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
      const req = context.switchToHttp().getRequest<Request>();
      if (!req.is('multipart/form-data')) {
        throw new UserError('Send the files as multipart/form-data', 415);
      }
      try {
        return await this.inner.intercept(context, next);
      } catch (error) {
        throw describeUploadError(error, rules);
      }
    }
  }
  return mixin(MultipartUploadInterceptor);
}

/** The files of one field of a parsed multipart request (empty when none were sent). */
export function partsOf(req: Request, field: string): UploadedPart[] {
  const files = (req as Request & { files?: Record<string, UploadedPart[]> }).files;
  return files?.[field] ?? [];
}

/** Errors caught here come from parsing the body (the handler's own errors travel in the Observable). */
function describeUploadError(error: unknown, rules: MultipartRules): Error {
  if (!(error instanceof HttpException)) {
    return new UserError(
      `The upload could not be read (${(error as Error).message}); nothing was saved`,
      400,
    );
  }
  const message = error.message;
  const mb = `${(rules.maxFileBytes / 1024 / 1024).toFixed(0)} MB`;
  const fieldLimits = Object.entries(rules.files)
    .map(([name, count]) => `${name} (at most ${count})`)
    .join(', ');
  if (error.getStatus() === 413) return new UserError(`A file is larger than the ${mb} limit`, 413);
  if (/unexpected (file )?field/i.test(message)) {
    return new UserError(`Unexpected file field or too many files; accepted: ${fieldLimits}`, 400);
  }
  if (/too many files/i.test(message)) return new UserError(`Too many files; accepted: ${fieldLimits}`, 413);
  if (/too many (parts|fields)|field value too long|field name too long/i.test(message)) {
    return new UserError(`The form is too large: ${message}`, 413);
  }
  if (/unexpected end|boundary|malformed/i.test(message)) {
    return new UserError(
      `The upload is incomplete or malformed (${message.replace(/^Multipart: /, '')}); nothing was saved`,
      400,
    );
  }
  return new UserError(`Bad upload: ${message}`, 400);
}
