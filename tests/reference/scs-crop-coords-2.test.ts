import { referenceStepSuite } from './step.js';

referenceStepSuite('scs_crop_coords_2');
