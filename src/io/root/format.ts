/** The ROOT TableFormat: TTree reading (./reader.ts) and writing (./writer.ts). */
import type { TableFormat } from '../table.js';
import { RootTable } from './reader.js';

export const format: TableFormat = {
  open: (path, opts) => RootTable.open(path, opts),
  createWriter: async () => {
    throw new Error('ROOT writing is not implemented yet');
  },
};
