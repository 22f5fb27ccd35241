import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { UserError } from '../../core/user-error';
import { isUnstorableText } from '../../database/constraint-errors';

/**
 * Every error leaves the server as `{ "error": "..." }`. Bad input is a 4xx that says what is wrong;
 * anything else is logged here and answered with a generic 500, never a stack or an internal path.
 */
@Catch()
export class JsonErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const response = host.switchToHttp().getResponse<Response>();
    const { status, error } = describe(exception);
    if (status >= 500) this.logger.error((exception as Error)?.stack ?? String(exception));
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(status).json({ error });
  }
}

function describe(exception: unknown): { status: number; error: string } {
  if (exception instanceof UserError) return { status: exception.status, error: exception.message };
  if (isUnstorableText(exception)) {
    return { status: 400, error: 'The request holds a NUL character, which cannot be stored' };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const message =
      typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
    const text = Array.isArray(message)
      ? message.join('; ')
      : typeof message === 'string'
        ? message
        : exception.message;
    return { status, error: text };
  }
  // body-parser's errors carry a status and a type: malformed JSON, too large, bad charset.
  const parserError = exception as { status?: number; type?: string; message?: string };
  if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    const known: Record<string, string> = {
      'entity.parse.failed': 'The request body is not valid JSON',
      'entity.too.large': 'The request body is too large',
      'charset.unsupported': 'Unsupported charset in Content-Type',
      'encoding.unsupported': 'Unsupported Content-Encoding',
    };
    return { status: parserError.status, error: known[parserError.type ?? ''] ?? 'Bad request' };
  }
  return { status: 500, error: 'Internal error; the server log has the details' };
}
