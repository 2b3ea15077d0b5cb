// Shared training toolkit (jet regression, flows): dense layer with its own gradient, Adam/AdamW, clipping,
// schedules, checkpoints, seeded RNG and init, epoch loop.
export { linearInit, glorotUniform, normalInit } from './init.js';
export { dense, type Activation, type DenseOptions } from './dense.js';
export { Params } from './params.js';
export { Adam, SGD, RAdam, clipByGlobalNorm, type AdamOptions, type Optimizer } from './optim.js';
export { ReduceLROnPlateau, KerasReduceLROnPlateau, EarlyStopping, piecewiseLinear, PlateauScheduler } from './schedule.js';
export { saveCheckpoint, loadCheckpoint, type TrainingState, type CheckpointInfo } from './checkpoint.js';
export { trainStep, trainLoop, applyGradients, type TrainLoopOptions, type EpochRecord } from './loop.js';
