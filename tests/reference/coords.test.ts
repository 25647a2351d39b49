import { referenceStepSuite } from './step.js';

referenceStepSuite('coords');
