import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { UserError } from '../../core/user-error';
import { isRowId, MAX_ROW_ID } from '../../database/row-id';

/** A path parameter that is a row's id: a whole number from 1 to 2147483647, else a 400 naming it. */
@Injectable()
export class RowIdPipe implements PipeTransform<string, number> {
  transform(value: string, metadata: ArgumentMetadata): number {
    const n = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!isRowId(n)) {
      throw new UserError(`${metadata.data ?? 'id'}: must be a whole number from 1 to ${MAX_ROW_ID}`);
    }
    return n;
  }
}
