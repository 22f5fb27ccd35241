/** The report's only script: sortable tables and grid filters. Inlined by the server build as a string. */
import { enhanceTables } from './grid-tools';

enhanceTables(document);
