import { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { describeIssues } from '../../cases/case.schema';
import { UserError } from '../../core/user-error';

/** Validates a request body against a zod schema; errors name each bad field. */
export class ZodBody<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.infer<T> {
    if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new UserError('The request body must be a JSON object (Content-Type: application/json)');
    }
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) throw new UserError(`Invalid request body: ${describeIssues(parsed.error)}`);
    return parsed.data;
  }
}
