import { referenceStepSuite } from './step.js';

referenceStepSuite('crop_2');
