import { NtcorrError } from '../../core/errors.js';
import type { FeedBuilder } from './pack.js';
import type { TensorInfo } from './session.js';

export function mljecBuilder(dir: string, _cfg: Record<string, unknown>, _infos: Map<string, TensorInfo>): FeedBuilder {
  throw new NtcorrError(`model bundle ${dir}: config.mljec is not implemented yet`, { file: dir });
}
