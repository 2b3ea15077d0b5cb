import test from 'ava';
import { registerTfCases } from './flow-tf-cases.js';

registerTfCases(test, 'wasm');
