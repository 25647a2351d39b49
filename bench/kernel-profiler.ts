// The profiler lives in lib/engine (spinelab train --profile uses it too); kept here for bench imports.
export { KernelProfiler, type KernelTime } from '../lib/engine/profile.js';
