/** The ROOT TableFormat: TTree reading (./reader.ts) and writing (./writer.ts). */
import type { TableFormat } from '../table.js';
import { RootTable } from './reader.js';
import { createRootWriter } from './writer.js';

export const format: TableFormat = {
  open: (path, opts) => RootTable.open(path, opts),
  createWriter: createRootWriter,
};
